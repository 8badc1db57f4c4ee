"""The legal pages and the publisher's identity: reading, saving, what is still missing."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from store.database import utcnow
from store.extensions import db
from store.legal.models import LegalKind, LegalPage
from store.settings.services import get_setting, set_setting

#: the languages a legal page is written in; French is the reference text
LOCALES = ("fr", "en")

#: the public endpoint of each page
ENDPOINTS = {
    LegalKind.MENTIONS: "legal.mentions",
    LegalKind.CGV: "legal.cgv",
    LegalKind.PRIVACY: "legal.privacy",
}


@dataclass(frozen=True)
class IdentityField:
    #: the setting's key (store/settings/services.py DEFAULTS)
    key: str
    label: LazyString
    #: the law (LCEN art. 6 III) asks for it on the mentions légales
    required: bool = True
    multiline: bool = False


IDENTITY_FIELDS = (
    IdentityField("publisher_name", _l("Company name")),
    IdentityField("publisher_legal_form", _l("Legal form and share capital")),
    IdentityField("publisher_address", _l("Registered office address"), multiline=True),
    IdentityField("publisher_registration", _l("SIRET / RCS")),
    # A business under the VAT exemption (franchise en base) has no number to show.
    IdentityField("publisher_vat_number", _l("VAT number"), required=False),
    IdentityField("publication_director", _l("Director of publication")),
    IdentityField("host_name", _l("Host’s name")),
    IdentityField("host_address", _l("Host’s address"), multiline=True),
)


def publisher_identity() -> dict[str, str]:
    """The identity settings, by key (empty when not filled in)."""
    return {field.key: get_setting(field.key).strip() for field in IDENTITY_FIELDS}


def save_publisher_identity(values: dict[str, str]) -> None:
    """Store the identity fields given (surrounding spaces removed)."""
    for field in IDENTITY_FIELDS:
        if field.key in values:
            set_setting(field.key, (values[field.key] or "").strip())


def missing_identity() -> list[IdentityField]:
    """The required identity fields that are still empty."""
    identity = publisher_identity()
    return [field for field in IDENTITY_FIELDS if field.required and not identity[field.key]]


def find_page(kind: LegalKind, locale: str) -> LegalPage | None:
    """The page of this kind in this language, if written."""
    return db.session.scalar(
        sa.select(LegalPage).where(LegalPage.kind == kind, LegalPage.locale == locale)
    )


def page_for_reader(kind: LegalKind, locale: str) -> LegalPage | None:
    """The page in the reader's language, else the French one."""
    return find_page(kind, locale) or find_page(kind, "fr")


def save_page(kind: LegalKind, locale: str, body_markdown: str) -> LegalPage:
    """Write a legal page; each save of an existing page raises its version by one."""
    if locale not in LOCALES:
        raise ValueError(locale)
    page = find_page(kind, locale)
    if page is None:
        page = LegalPage(kind=kind, locale=locale, body_markdown=body_markdown, version=1)
        db.session.add(page)
    else:
        page.body_markdown = body_markdown
        page.version += 1
        page.updated_at = utcnow()
    db.session.flush()
    return page


def current_version(kind: LegalKind | str, locale: str = "fr") -> int | None:
    """The version of the page a reader in `locale` sees now (None when none is written)."""
    page = page_for_reader(LegalKind(kind), locale)
    return page.version if page else None


def page_url(kind: LegalKind | str) -> str:
    """The public path of a legal page (e.g. "/cgv")."""
    return url_for(ENDPOINTS[LegalKind(kind)])
