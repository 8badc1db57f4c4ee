"""Filters and globals the templates share: money and dates, Markdown, versioned static URLs,
and what the layout needs on every page (cart, canonical and language links, gettext)."""

import hashlib
import os
from functools import lru_cache
from typing import Any

from flask import Flask, has_request_context, request, url_for
from flask_babel import format_datetime, format_decimal, get_timezone
from jinja2 import pass_context

from store.i18n import LANGUAGES, current_language, is_language_free, path_in

#: layout fragments kept at most (a few per language and mount point)
FRAGMENTS_KEPT = 256


def format_date(value) -> str:
    """A date as readers write it, "2 avril 2024" / "2 April 2024" (in the site's time zone).
    A list shows a date per article, the same on every view, and Babel takes ~40 µs to write
    one: each is written once per language and time zone."""
    return _date_in(current_language(), str(get_timezone()), value)


@lru_cache(maxsize=2048)
def _date_in(language: str, timezone: str, value) -> str:
    return format_datetime(value, "d MMMM y")


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share."""
    from store.cart.services import cart_for_layout
    from store.downloads.services import format_file_size
    from store.i18n.templating import bound_gettext
    from store.markdown import render_markdown_kept
    from store.money import format_money, format_money_incl_vat, format_price, format_rate
    from store.payments.gateway import is_configured
    from store.subscriptions.services import trial_offered
    from store.urls import page_number

    app.add_template_filter(format_money, "money")

    def offered_price(product, trial: bool | None = None) -> str:
        """The price as this visitor is offered it, VAT included: with the free trial while
        they may have one (`trial` forces it on or off)."""
        if trial is None:
            trial = product.offers_trial and trial_offered()
        return format_price(product, trial=trial)

    app.add_template_filter(offered_price, "price")
    app.add_template_filter(format_money_incl_vat, "money_incl_vat")
    app.add_template_filter(format_rate, "vat_rate")
    app.add_template_filter(lambda value, fmt="long": format_datetime(value, fmt), "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_file_size, "filesize")
    app.add_template_filter(format_decimal, "number")  # 1 000 in French, 1,000 in English
    app.add_template_filter(render_markdown_kept, "markdown")

    static_folder = app.static_folder or ""

    @lru_cache(maxsize=256)
    def static_version(filename: str) -> str:
        try:
            with open(os.path.join(static_folder, filename), "rb") as file:
                return hashlib.sha256(file.read()).hexdigest()[:12]
        except OSError:
            return ""

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        # A content hash in the URL lets browsers cache static files for a year.
        if endpoint == "static" and "filename" in values:
            values.setdefault("v", static_version(values["filename"]))

    def page_url(locale: str | None = None) -> str | None:
        """This page's one public address in `locale` (this request's language when None):
        path and page number, no other parameters."""
        if request.endpoint in (None, "static") or request.view_args is None:
            return None
        page = page_number(request.args.get("page"))
        extra: dict[str, Any] = {"page": page} if page and page > 1 else {}
        return url_for(
            request.endpoint, **request.view_args, **extra, _external=True, _locale=locale
        )

    #: {(fragment, language, script root): its HTML}; see `fragment`
    fragments: dict[tuple, str] = {}

    @pass_context
    def fragment(context, name: str, caller) -> str:
        """`{% call fragment(name) %}…{% endcall %}` in the layout: HTML the same for every
        visitor, rendered once per process for each language and mount point (its links carry
        both) instead of on every page: its links, translations and settings then cost a
        dictionary lookup. Only for what depends on nothing else: base.html says what."""
        if not has_request_context():
            return caller()
        key = (name, context.get("current_locale"), request.environ.get("SCRIPT_NAME", ""))
        html = fragments.get(key)
        if html is None:
            html = caller()
            if len(fragments) >= FRAGMENTS_KEPT:  # mount points are few; never let them grow
                fragments.clear()
            fragments[key] = html
        return html

    app.add_template_global(fragment, "fragment")

    @app.template_global("subscribed_to")
    def subscribed_to(product):
        """The visitor's subscription that already holds `product`'s offer, if any (an
        anonymous visitor's pages never ask the database)."""
        from flask_login import current_user

        from store.access.services import holding

        return holding(current_user, product)

    @app.context_processor
    def inject_layout():
        canonical_url = page_url()
        return {
            "site_name": app.config["SITE_NAME"],
            "cart": cart_for_layout(),
            "current_path": request.script_root + request.full_path.rstrip("?"),
            "payments_enabled": is_configured(),
            "current_locale": current_language(),
            "canonical_url": canonical_url,
            # hreflang alternates of a page that has a canonical URL, each language's own
            "alternate_urls": {locale: page_url(locale) for locale in LANGUAGES}
            if canonical_url and not is_language_free(request.endpoint or "")
            else {},
            # the language switcher's links: this very path and query in each language
            "language_paths": {locale: path_in(locale) for locale in LANGUAGES},
            **bound_gettext(),
        }
