"""Structured data about articles and products, for search engines and link previews."""

from flask import url_for

from store.access.services import offer_for
from store.articles.models import Article
from store.catalog.models import Product
from store.money import major_units


def _site(site_name: str) -> dict:
    return {
        "@type": "Organization",
        "name": site_name,
        "url": url_for("articles.index", _external=True),
    }


def article_json_ld(article: Article, site_name: str) -> dict:
    """schema.org NewsArticle; a subscriber-only article says its body is not free."""
    modified = article.updated_at or article.published_at
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "description": article.excerpt,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": modified.isoformat() if modified else None,
        "mainEntityOfPage": url_for("articles.detail", slug=article.slug, _external=True),
        "inLanguage": "fr",
        "author": _site(site_name),
        "publisher": _site(site_name),
        "isAccessibleForFree": not article.subscribers_only,
    }
    if article.category:
        data["articleSection"] = article.category.name
    if article.subscribers_only:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".paywall",
        }
    offer = offer_for(article)
    if offer is not None:
        data["offers"] = product_offer(offer)
    return data


def product_offer(product: Product) -> dict:
    """schema.org Offer of a product, price in major units as a string ("7.00")."""
    offer: dict[str, object] = {
        "@type": "Offer",
        "price": str(major_units(product.price_cents)),
        "priceCurrency": product.currency,
        "availability": "https://schema.org/InStock"
        if product.active
        else "https://schema.org/Discontinued",
        "url": url_for("catalog.detail", slug=product.slug, _external=True),
    }
    if product.interval:
        offer["priceSpecification"] = {
            "@type": "UnitPriceSpecification",
            "price": offer["price"],
            "priceCurrency": product.currency,
            "billingDuration": 1,
            "unitCode": product.interval.unit_code,
        }
    return offer


def product_json_ld(product: Product, site_name: str) -> dict:
    """schema.org Product with its Offer."""
    return {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": product.short_description or product.description,
        "url": url_for("catalog.detail", slug=product.slug, _external=True),
        "brand": {"@type": "Brand", "name": site_name},
        "offers": product_offer(product),
    }
