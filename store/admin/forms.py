"""Back-office forms. They validate input; the views call the services to save."""

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from store.admin.services import PriceError, parse_price
from store.catalog.models import Billing, Product
from store.downloads.services import UploadError, check_upload, format_file_size
from store.forms import strip
from store.money import currency_symbol

SLUG = Regexp(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    message=_l("Use lower-case letters, digits and hyphens only (e.g. acces-gpt-4)."),
)
PARIS = ZoneInfo("Europe/Paris")
#: a VAT rate in percent, two decimals at most (checked against 100 afterwards)
VAT_RATE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,2})?")
#: the currencies a product may be priced in (the first is the default)
CURRENCIES = ("EUR", "USD", "GBP", "CHF")


def optional_id(value) -> int | None:
    """A select's value as an id; None for its empty choice (no category, say)."""
    return int(value) if value else None


class ProductForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Give the product a name.")), Length(max=120)],
    )
    slug = StringField(
        _l("Slug"),
        filters=[strip],
        description=_l("Leave empty to make it from the name."),
        validators=[Optional(), Length(max=120), SLUG],
    )
    short_description = StringField(
        _l("Short description"), filters=[strip], validators=[Length(max=300)]
    )
    description = TextAreaField(
        _l("Long description"),
        description=_l(
            "Markdown, as in articles: **bold**, *italics*, lists, links; "
            "a blank line starts a new paragraph."
        ),
        validators=[Length(max=10_000)],
    )
    headline = StringField(
        _l("Sales headline"),
        filters=[strip],
        description=_l("Shown where an article embeds the offer."),
        validators=[Length(max=200)],
    )
    price = StringField(
        _l("Price"),  # with the currency's sign, set in __init__
        filters=[strip],
        description=_l("As you would write it: 7 or 7,00"),
        validators=[DataRequired(_l("Enter a price."))],
    )
    currency = SelectField(
        _l("Currency"), choices=[SelectChoice(code, code) for code in CURRENCIES]
    )
    billing = SelectField(
        _l("Billing"),
        choices=[SelectChoice(billing.value, billing.label) for billing in Billing],
    )
    trial_days = IntegerField(
        _l("Free trial (days)"),
        description=_l(
            "Subscriptions only: a new subscriber pays after this many days. Empty: no trial."
        ),
        validators=[
            Optional(),
            NumberRange(min=1, max=730, message=_l("Enter 1 to 730 days, or leave empty.")),
        ],
    )
    plan_of_id = SelectField(
        _l("A plan of the offer"),
        coerce=optional_id,
        choices=[],
        description=_l(
            "Subscriptions only: another price of the same offer (the yearly plan of a monthly "
            "one). A subscriber holds the offer whichever plan, cannot buy it twice, and can "
            "switch from one plan to the other."
        ),
    )
    active = BooleanField(_l("On sale"), default=True)
    position = IntegerField(
        _l("Position"),
        description=_l("Smallest first in the shop. Empty: after the other products."),
        validators=[Optional(), NumberRange(min=0, max=100_000)],
    )
    featured = BooleanField(
        _l("Featured offer: shown in the home page banner"),
        description=_l("One product at a time: ticking it here un-features the previous one."),
    )
    # Nothing is granted until the owner ticks it: a new product sold with the defaults gives
    # its buyer what it says, no more (a one-time e-book once opened every paid article).
    grants_articles = BooleanField(_l("Subscriber-only articles"))
    lifetime_articles = BooleanField(
        _l(
            "I give this one-time purchase's buyers access to the subscriber-only articles for life"
        ),
        description=_l("Needed only for a one-time product that opens the articles."),
    )
    grants_download = BooleanField(_l("A file to download"))
    grants_access_key = BooleanField(_l("An access key for the GPT 4 service"))
    file = FileField(
        _l("File sold (PDF, EPUB or ZIP)"),
        description=_l("Buyers download it from their account. Uploading replaces the file."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The price is typed in the product's currency, so its label names it; the select
        # carries every label, for static/js/product-form.js to follow a change at once.
        labels = {
            code: _("Price (%(currency)s)", currency=currency_symbol(code)) for code in CURRENCIES
        }
        self.price.label.text = labels.get(self.currency.data or "", labels[CURRENCIES[0]])
        self.currency.render_kw = {
            "data-price-labels": json.dumps(labels, ensure_ascii=False),
            "data-price-input": self.price.id,
        }

    def validate_file(self, field) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", None):
            field.data = None
            return
        limit = current_app.config["DOWNLOAD_MAX_BYTES"]
        try:
            check_upload(upload.stream, limit)
        except UploadError as error:
            messages = {
                "empty": _l("This file is empty."),
                "too_large": _l("This file is larger than %(size)s.", size=format_file_size(limit)),
                "type": _l("Only PDF, EPUB and ZIP files can be sold (checked from the content)."),
            }
            raise ValidationError(messages[str(error)]) from None

    def validate_grants_articles(self, field) -> None:
        if (
            field.data
            and self.billing.data == Billing.ONE_TIME.value
            and not self.lifetime_articles.data
        ):
            raise ValidationError(
                _l(
                    "A one-time purchase that opens the subscriber-only articles opens them for "
                    "life: tick the box below to confirm, or untick this one."
                )
            )

    #: product id → product that may be an offer's first plan (set by the view with the choices)
    plan_products: dict = {}
    #: the product being edited (None: a new one)
    editing: Product | None = None

    def validate_plan_of_id(self, field) -> None:
        if field.data is None:
            return
        if self.billing.data == Billing.ONE_TIME.value:
            raise ValidationError(_l("Only a subscription is a plan of an offer."))
        if field.data not in self.plan_products:
            raise ValidationError(_l("Choose a subscription that is no plan of another offer."))
        editing = self.editing
        if editing is not None and editing.id is not None and editing.has_plans:
            raise ValidationError(
                _l("Other plans belong to this product's offer: it stays the offer's first plan.")
            )

    def validate_trial_days(self, field) -> None:
        if field.data and self.billing.data == Billing.ONE_TIME.value:
            raise ValidationError(_l("Only a subscription can have a free trial."))

    def validate_price(self, field) -> None:
        try:
            self.price_cents = parse_price(field.data)
        except PriceError:
            raise ValidationError(
                _l("Enter a price such as 7 or 7,00 (no minus sign, at most 999 999,99).")
            ) from None


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes: no Ctrl-click needed."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ArticleForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[DataRequired(_l("Give the article a title.")), Length(max=300)],
    )
    slug = StringField(
        _l("Slug"),
        filters=[strip],
        description=_l("Leave empty to make it from the title."),
        validators=[Optional(), Length(max=200), SLUG],
    )
    category_id = SelectField(_l("Category"), coerce=optional_id, choices=[])
    new_category = StringField(
        _l("Or a new category"),
        filters=[strip],
        description=_l("Filled in: the article goes into this new category."),
        validators=[Length(max=120)],
    )
    excerpt = TextAreaField(_l("Excerpt"), validators=[Length(max=2_000)])
    body = TextAreaField(_l("Body (Markdown)"), validators=[Length(max=200_000)])
    offer_id = SelectField(_l("Embedded offer"), coerce=int, choices=[])
    subscribers_only = BooleanField(_l("Reserved for subscribers"))
    access_product_ids = MultiCheckboxField(
        _l("Subscriptions that unlock it"),
        coerce=int,
        choices=[],
        description=_l("None selected: any active subscription unlocks it."),
    )
    published_at = DateTimeLocalField(
        _l("Publication date (Paris time)"),
        format="%Y-%m-%dT%H:%M",
        description=_l("Empty: draft. In the future: scheduled."),
        validators=[Optional()],
    )

    def validate_new_category(self, field) -> None:
        # A name that differs from an existing one only by its case is a typo, not a new one.
        wanted = (field.data or "").casefold()
        if not wanted:
            return
        for value, label, *_extra in self.category_id.choices or []:
            if value and str(label).casefold() == wanted:
                # Shown again with the existing category chosen: saving once more uses it.
                self.category_id.data = optional_id(value)
                field.data = ""
                raise ValidationError(
                    _l(
                        "The category “%(name)s” already exists: it is now chosen in the "
                        "Category list. Save again to use it.",
                        name=label,
                    )
                )

    #: product id → product, for the offer's check (set by the view with the choices)
    offer_products: dict = {}

    def validate_offer_id(self, field) -> None:
        # A subscriber-only article's offer is what its paywall sells: it must open the article.
        offer = self.offer_products.get(field.data)
        if offer is None or not self.subscribers_only.data:
            return
        listed = set(self.access_product_ids.data or [])
        if not offer.grants_articles or (listed and offer.id not in listed):
            raise ValidationError(
                _l(
                    "“%(name)s” does not open this article: a reader who buys it from the "
                    "paywall could not read on. Choose a subscription that opens it, or no offer.",
                    name=offer.name,
                )
            )

    def validate_published_at(self, field) -> None:
        if field.data and not 1970 <= field.data.year <= 2999:
            raise ValidationError(_l("Enter a date between 1970 and 2999."))

    def published_at_utc(self) -> datetime | None:
        value = self.published_at.data
        return value.replace(tzinfo=PARIS).astimezone(UTC) if value else None


class SettingsForm(FlaskForm):
    grace_period_days = IntegerField(
        _l("Grace period after a failed payment (days)"),
        description=_l("A past-due subscriber keeps reading this long while Stripe retries."),
        validators=[
            InputRequired(_l("Enter a number of days.")),
            NumberRange(min=0, max=60, message=_l("Enter 0 to 60 days.")),
        ],
    )
    notify_pending_comments = BooleanField(
        _l("Tell the admins about comments awaiting moderation"),
        description=_l("Every admin gets an email for each comment a reader submits."),
    )
    allow_promotion_codes = BooleanField(
        _l("Accept promotion codes at checkout"),
        description=_l(
            "Stripe's payment page shows a field for a code. Create the coupons and their "
            "codes (e.g. BIENVENUE) in the Stripe dashboard."
        ),
    )
    vat_rate = StringField(
        _l("VAT rate (%)"),
        filters=[strip],
        description=_l(
            "Prices are entered and shown VAT included; the cart shows the VAT they contain."
        ),
        validators=[InputRequired(_l("Enter the VAT rate."))],
    )
    stripe_automatic_tax = BooleanField(
        _l("Let Stripe Tax compute the tax at checkout"),
        description=_l(
            "Stripe then asks every customer for their billing address. Turn Stripe Tax on in "
            "the Stripe dashboard first."
        ),
    )

    def validate_vat_rate(self, field) -> None:
        text = field.data.replace(",", ".")
        if VAT_RATE.fullmatch(text) is None or Decimal(text) > 100:
            raise ValidationError(_("Enter a rate from 0 to 100, e.g. 20 or 5.5."))

    def vat_rate_text(self) -> str:
        """The rate as stored: "5,5" typed the French way is kept as "5.5"."""
        return format(Decimal(self.vat_rate.data.replace(",", ".")).normalize(), "f")


class ConfirmForm(FlaskForm):
    """A bare form: its CSRF token protects the back office's one-button actions."""
