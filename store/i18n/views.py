"""POST /language: the visitor picks French or English (remembered in the session)."""

from flask import Blueprint, redirect, request, session, url_for
from flask_login import current_user

from store.extensions import db
from store.urls import safe_next

bp = Blueprint("i18n", __name__)

#: the interface languages, the default first
LANGUAGES = ("fr", "en")


def select_locale() -> str:
    """The visitor's choice, else the browser's preference, else French."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


@bp.post("/language")
def switch():
    """Remember the chosen language and go back to the page."""
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:
            # Messages to this customer follow the language they read the site in.
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("articles.index")), code=303)
