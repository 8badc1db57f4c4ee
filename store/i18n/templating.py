"""`_()`, `gettext()` and `ngettext()` in page templates, bound to the page's catalogue once.

Flask-Babel's template callables look up the request's locale and catalogue again on each
call (four or five context-local lookups); a page calls `_()` forty to a hundred times. The
page's catalogue is looked up once per render instead and these behave exactly like Jinja's
new-style gettext (autoescaped, always %-formatted, `num` given to ngettext).
"""

from flask_babel import get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup


def bound_gettext() -> dict:
    """Template globals `_`, `gettext` and `ngettext` for the current locale's catalogue."""
    translations = get_translations()

    # The messages are the store's own catalogue (trusted, as with Jinja's own gettext); the
    # variables are escaped by Markup's % operator.
    @pass_eval_context
    def gettext(eval_ctx, string: str, **variables) -> str:
        text = translations.ugettext(string)
        return (Markup(text) if eval_ctx.autoescape else text) % variables  # nosec B704

    @pass_eval_context
    def ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        return (Markup(text) if eval_ctx.autoescape else text) % variables  # nosec B704

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}
