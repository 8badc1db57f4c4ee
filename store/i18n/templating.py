"""`_()`, `gettext()` and `ngettext()` in page templates, bound to the page's catalogue once.

Flask-Babel's template callables look up the request's locale and catalogue again on each
call (four or five context-local lookups); a page calls `_()` forty to a hundred times. The
page's catalogue is looked up once per render instead and these behave exactly like Jinja's
new-style gettext (autoescaped, always %-formatted, `num` given to ngettext). A message
without variables is the same text on every page of a language: it is translated and formatted
once per catalogue and then looked up.
"""

from weakref import WeakKeyDictionary

from flask_babel import get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup

#: per catalogue, {(message, autoescape): the text a page shows}
_FINISHED: WeakKeyDictionary = WeakKeyDictionary()
#: more than the catalogue holds: a message that is not a literal would not fill memory
FINISHED_KEPT = 4096


def bound_gettext() -> dict:
    """Template globals `_`, `gettext` and `ngettext` for the current locale's catalogue."""
    translations = get_translations()
    finished = _FINISHED.setdefault(translations, {})

    # The messages are the store's own catalogue (trusted, as with Jinja's own gettext); the
    # variables are escaped by Markup's % operator.
    @pass_eval_context
    def gettext(eval_ctx, string: str, **variables) -> str:
        if not variables:
            key = (string, eval_ctx.autoescape)
            text = finished.get(key)
            if text is None:
                text = _format(translations.ugettext(string), eval_ctx.autoescape, {})
                if len(finished) < FINISHED_KEPT:
                    finished[key] = text
            return text
        return _format(translations.ugettext(string), eval_ctx.autoescape, variables)

    @pass_eval_context
    def ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return _format(
            translations.ungettext(singular, plural, num), eval_ctx.autoescape, variables
        )

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def _format(text: str, autoescape: bool, variables: dict) -> str:
    return (Markup(text) if autoescape else text) % variables  # nosec B704
