"""The public legal pages: mentions légales, CGV, privacy policy."""

from flask import Blueprint, render_template

from store.i18n import current_language
from store.legal.models import LegalKind
from store.legal.services import IDENTITY_FIELDS, page_for_reader, publisher_identity
from store.markdown import render_markdown

bp = Blueprint("legal", __name__)


def show(kind: LegalKind):
    """Render a legal page in the reader's language (French when there is no translation)."""
    page = page_for_reader(kind, current_language())
    return render_template(
        "legal/page.html",
        kind=kind,
        page=page,
        body=render_markdown(page.body_markdown) if page else None,
        identity=publisher_identity() if kind == LegalKind.MENTIONS else None,
        identity_fields=IDENTITY_FIELDS,
    )


@bp.get("/mentions-legales")
def mentions():
    """The mentions légales: the publisher's identity, then the edited text."""
    return show(LegalKind.MENTIONS)


@bp.get("/cgv")
def cgv():
    """The conditions générales de vente."""
    return show(LegalKind.CGV)


@bp.get("/confidentialite")
def privacy():
    """The privacy policy."""
    return show(LegalKind.PRIVACY)
