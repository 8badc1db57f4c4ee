"""POST /language: the visitor picks French or English (remembered in the session)."""

from flask import Blueprint, redirect, request, session, url_for

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
    return redirect(safe_next(request.form.get("next"), url_for("articles.index")), code=303)
