"""The language of each request (from its URL), and the old language buttons' POST /language."""

from flask import Blueprint, current_app, redirect, request
from flask_login import current_user

from store.extensions import db
from store.i18n import LANGUAGES, PREFIXES, is_language_free, site_root, url_locale
from store.urls import safe_next

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The language the URL names: English under `/en/`, French elsewhere."""
    return url_locale()


@bp.before_app_request
def follow_customer_language():
    """A logged-in customer's messages follow the language they read the site in."""
    config = current_app.config
    cookies = (config["SESSION_COOKIE_NAME"], config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    if not any(name in request.cookies for name in cookies):
        return  # anonymous: no session to open (the page stays cacheable)
    if request.endpoint is None or is_language_free(request.endpoint):
        return
    locale = url_locale()
    if current_user.is_authenticated and current_user.locale != locale:
        current_user.locale = locale
        db.session.commit()


@bp.post("/language")
def switch():
    """Old pages' language buttons: the same page (`next`) in the chosen language."""
    lang = request.form.get("lang", "")
    locale = lang if lang in LANGUAGES else LANGUAGES[0]
    path = safe_next(request.form.get("next"), "/")
    for prefix in PREFIXES.values():
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            path = path[len(prefix) :] or "/"
    # Checked again once the prefix is gone: `/en//evil.example` is a path of the site, but
    # without its `/en` it is `//evil.example`, another site.
    path = safe_next(path, "/")
    return redirect(site_root() + PREFIXES[locale] + path, code=303)
