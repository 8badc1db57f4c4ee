"""Legal pages (mentions légales, CGV, privacy) per language, and the publisher's identity."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from store.admin.views.blueprint import bp
from store.extensions import db
from store.legal import services
from store.legal.forms import IdentityForm, LegalPageForm
from store.legal.models import LegalKind
from store.markdown import render_markdown


@bp.get("/legal")
def legal_pages():
    """The legal pages in each language, with their version, and what the identity lacks."""
    pages = {
        (kind, locale): services.find_page(kind, locale)
        for kind in LegalKind
        for locale in services.LOCALES
    }
    return render_template(
        "admin/legal_pages.html",
        kinds=list(LegalKind),
        locales=services.LOCALES,
        pages=pages,
        missing=services.missing_identity(),
    )


# One rule per language, so that each URL carries one value (the route walk's rule).
@bp.route("/legal/<kind>/fr", methods=["GET", "POST"], defaults={"locale": "fr"})
@bp.route("/legal/<kind>/en", methods=["GET", "POST"], defaults={"locale": "en"})
def legal_page_edit(kind: str, locale: str):
    """Edit one legal page in one language, with a preview; each save is a new version."""
    if kind not in set(LegalKind) or locale not in services.LOCALES:
        abort(404)
    legal_kind = LegalKind(kind)
    page = services.find_page(legal_kind, locale)
    form = LegalPageForm()
    if request.method == "GET" and page is not None:
        form.body.data = page.body_markdown
    preview = render_markdown(form.body.data or "") if "preview" in request.form else None
    if preview is None and form.validate_on_submit():
        saved = services.save_page(legal_kind, locale, form.body.data or "")
        db.session.commit()
        flash(_("Page saved (version %(version)d).", version=saved.version), "success")
        return redirect(url_for("admin.legal_page_edit", kind=kind, locale=locale), code=303)
    status = 400 if request.method == "POST" and preview is None else 200
    return render_template(
        "admin/legal_page_form.html",
        kind=legal_kind,
        locale=locale,
        page=page,
        form=form,
        preview=preview,
        public_url=services.page_url(legal_kind),
    ), status


@bp.route("/legal/identity", methods=["GET", "POST"])
def legal_identity():
    """The publisher's identity shown on the mentions légales."""
    form = IdentityForm()
    if request.method == "GET":
        for key, value in services.publisher_identity().items():
            form[key].data = value
    if form.validate_on_submit():
        services.save_publisher_identity(
            {field.key: form[field.key].data for field in services.IDENTITY_FIELDS}
        )
        db.session.commit()
        flash(_("Publisher identity saved."), "success")
        return redirect(url_for("admin.legal_identity"), code=303)
    return render_template(
        "admin/legal_identity.html",
        form=form,
        fields=services.IDENTITY_FIELDS,
        missing=services.missing_identity(),
    ), (400 if request.method == "POST" else 200)
