"""What the customer agrees to before paying for digital content.

French law (Code de la consommation, L221-28 13°) ends the withdrawal right only on this.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from store.database import utcnow
from store.i18n import current_language
from store.legal.models import LegalKind
from store.legal.services import current_version

# Changing either text below (in any language) means a new CONSENT_VERSION: each order keeps
# the version and the exact words its customer ticked.
CONSENT_VERSION = "2026-11-28"

#: the waiver: without it, the 14-day withdrawal right outlives the access given at once
IMMEDIATE_ACCESS_TEXT = _l(
    "I ask for immediate access to the digital content and acknowledge that I lose my 14-day "
    "right of withdrawal as soon as I get access."
)
TERMS_TEXT = _l("I have read and accept the terms and conditions of sale.")


@dataclass(frozen=True)
class Consent:
    """The boxes a customer ticked, as they read them."""

    text: str
    version: str
    given_at: datetime


def consent_given() -> Consent:
    """The consent just given, with both texts in the language they were shown in, and the
    version of the CGV the customer accepted ("2026-11-28/cgv-3")."""
    cgv = current_version(LegalKind.CGV, current_language()) or 0
    return Consent(
        text="\n".join([str(IMMEDIATE_ACCESS_TEXT), str(TERMS_TEXT)]),
        version=f"{CONSENT_VERSION}/cgv-{cgv}"[:20],
        given_at=utcnow(),
    )
