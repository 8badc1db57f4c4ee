"""Nothing a visitor, customer or admin types can put a script into a page.

Each payload goes through the real forms, is saved (and approved, for comments), then every
page showing it is parsed with html.parser: no element or attribute that a payload tried to
inject may exist (the site has no script of its own at all), and the payload must be shown
as text — so a payload silently dropped cannot make a test pass.
"""

from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from store.articles.models import Article, Comment
from store.catalog.models import Product
from store.orders.models import Order, OrderStatus
from tests.conftest import visitor
from tests.security.pages import injected_markup, parse, shows

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg onload=alert(1)>",
    "'\"><iframe src=javascript:alert(1)>",
    '<a href="javascript:alert(1)">clic</a>',
    "<body onload=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<details open ontoggle=alert(1)>",
    '<base href="https://evil.example/">',
    '<object data="javascript:alert(1)"></object>',
    '" onmouseover="alert(1)" x="',
    "' onfocus='alert(1)' autofocus='",
    "{{ 7*7 }} {% raw %}",
]
#: Markdown that tries to produce a script link or raw HTML in an article body
MARKDOWN_PAYLOADS = [
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](java\tscript:alert(1))",
    "[clic](&#106;avascript:alert(1))",
    "[clic](javascript&colon;alert(1))",
    "![image](javascript:alert(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[clic](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "[clic][ref]\n\n[ref]: javascript:alert(1)",
    '[clic](https://example.org/" onmouseover="alert(1))',
    '![x](https://example.org/x.png "a" onerror="alert(1)")',
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
]
#: websites the comment form accepts (http/https with a host) that try to break the link
HOSTILE_WEBSITES = [
    'https://evil.example/"><script>alert(1)</script>',
    "http://evil.example/' onmouseover='alert(1)",
    "https://evil.example/?q=<svg onload=alert(1)>",
    'http://evil.example/" onfocus="alert(1)" autofocus="',
]
#: websites the comment form must refuse (and show back safely)
REFUSED_WEBSITES = [
    "javascript:alert(1)",
    " javascript:alert(1)",
    "JAVASCRIPT://evil.example/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]
#: addresses the email validator accepts that would break out of a single-quoted attribute
HOSTILE_EMAILS = [
    "x'onmouseover=alert`1`'@example.org",
    "x/onfocus=alert`1`@example.org",
    "{{7*7}}@example.org",
]
PARIS = ZoneInfo("Europe/Paris")


def assert_safe(page: str, *, showing=()) -> None:
    assert injected_markup(page) == []
    for text in showing:
        assert shows(page, text), text[:60]


def get_ok(browser, url) -> str:
    response = browser.client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_checker_spots_injected_markup():
    assert injected_markup("<p>ok</p><svg aria-hidden='true'></svg>") == []
    for page in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=' JaVa\tScRiPt:alert(1)'>x</a>",
        "<iframe src=x></iframe>",
        '<meta http-equiv="refresh" content="0">',
        '<script type="application/ld+json">{"name": "</script><script>alert(1)</script>',
        '<script type="application/ld+json">{"a": 1}<!--</script>',
        '<script src="//evil.example/static/js/x.js?v=1" defer></script>',
        '<script src="/static/js/side-cart.js?v=1" defer>alert(1)</script>',
        '<script src="/static/js/side-cart.js?v=1" defer onload="alert(1)"></script>',
        '<script src="/cart?x=/static/js/a.js?v=1" defer></script>',
        '<script src="https://evil.example/x.js" defer></script>',
        '<script src="/static/js/product-form.js?v=e3159c7ad4cf" defer>alert(1)</script>',
        '<script src="/static/js/product-form.js?v=e3159c7ad4cf" defer onload="x()"></script>',
        '<script src="/static/js/../../upload.js?v=e3159c7ad4cf" defer></script>',
    ):
        assert injected_markup(page), page
    assert injected_markup('<script type="application/ld+json">{"a": "<b>"}</script>') == []
    assert (
        injected_markup('<script src="/static/js/side-cart.js?v=a9f4e4b26f" defer></script>') == []
    )
    assert shows("<p>&lt;script&gt;</p>", "<script>")
    assert not shows("<p>autre</p>", "<script>")


def test_comment_fields_are_shown_as_text(app, db, admin, create_article):
    article = create_article()
    reader = visitor(app)
    url = f"/articles/{article.slug}/comments"
    for number, payload in enumerate(PAYLOADS):
        response = reader.post(
            url,
            {
                "body": payload,
                "name": payload[:80],
                "email": HOSTILE_EMAILS[number % len(HOSTILE_EMAILS)],
                "website": HOSTILE_WEBSITES[number % len(HOSTILE_WEBSITES)],
            },
        )
        assert response.status_code == 303, payload
    for website in REFUSED_WEBSITES:
        response = reader.post(
            url,
            {
                "body": PAYLOADS[0],
                "name": PAYLOADS[1],
                "email": "a@example.org",
                "website": website,
            },
        )
        assert response.status_code == 400, website
        page = response.get_data(as_text=True)
        assert_safe(page, showing=[PAYLOADS[0], PAYLOADS[1]])
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == len(PAYLOADS)
    everything = PAYLOADS + HOSTILE_WEBSITES + HOSTILE_EMAILS

    assert len(PAYLOADS) <= 20  # one page of the moderation queue
    assert_safe(get_ok(admin, "/admin/comments?status=pending"), showing=everything)
    ids = [str(id_) for id_ in db.session.scalars(sa.select(Comment.id))]
    admin.post("/admin/comments/moderate", {"action": "approve", "ids": ids})
    assert_safe(get_ok(admin, "/admin/comments?status=approved"), showing=everything)
    public = get_ok(visitor(app), f"/articles/{article.slug}")
    assert_safe(public, showing=PAYLOADS + HOSTILE_WEBSITES)
    # Each website is one link's whole address: its quotes did not end the attribute.
    links = {dict(attrs).get("href") for tag, attrs in parse(public).elements if tag == "a"}
    assert set(HOSTILE_WEBSITES) <= links


def test_registration_and_login_emails_are_shown_as_text(app, db, admin):
    for email in HOSTILE_EMAILS:
        customer = visitor(app)
        data = {"email": email, "password": "mot de passe sûr", "confirm": "mot de passe sûr"}
        assert customer.post("/account/register", data).status_code == 303, email
        assert_safe(get_ok(customer, "/account"), showing=[email])
    for payload in PAYLOADS:
        stranger = visitor(app)
        data = {"email": payload, "password": "x" * 8, "confirm": "x" * 8}
        refused = stranger.post("/account/register", data)
        assert refused.status_code == 400
        assert_safe(refused.get_data(as_text=True), showing=[payload.strip()])
        failed = stranger.post("/account/login", {"email": payload, "password": "x"})
        assert failed.status_code == 400
        assert_safe(failed.get_data(as_text=True), showing=[payload.strip()])


def test_an_order_email_is_shown_as_text_in_the_back_office(app, db, admin):
    for number, email in enumerate(HOSTILE_EMAILS + PAYLOADS):
        db.session.add(
            Order(
                number=f"GA-XSS{number:04d}",
                email=email,
                status=OrderStatus.PAID,
                currency="EUR",
                total_cents=700,
                mode="payment",
            )
        )
    db.session.commit()
    listing = get_ok(admin, "/admin/orders") + get_ok(admin, "/admin/orders?page=2")
    assert_safe(listing, showing=HOSTILE_EMAILS + PAYLOADS)
    for order in db.session.scalars(sa.select(Order)):
        assert_safe(get_ok(admin, f"/admin/orders/{order.id}"), showing=[order.email])


def product_fields(payload: str) -> dict:
    return {
        "name": payload[:120],
        "short_description": payload,
        "description": f"{payload}\n\n{payload}",
        "headline": payload[:200],
        "price": "7",
        "currency": "EUR",
        "billing": "one_time",
        "active": "y",
        "position": "0",
    }


def test_product_fields_are_shown_as_text(app, db, admin, create_article):
    for payload in PAYLOADS:
        response = admin.post("/admin/products/new", product_fields(payload))
        assert response.status_code == 303, payload
        refused = admin.post("/admin/products/new", {**product_fields(payload), "price": payload})
        assert refused.status_code == 400
        assert_safe(refused.get_data(as_text=True), showing=[payload])
    products = list(db.session.scalars(sa.select(Product).order_by(Product.id)))
    assert len(products) == len(PAYLOADS)

    shopper = visitor(app)
    for product, payload in zip(products, PAYLOADS, strict=True):
        article = create_article(offer=product)
        assert_safe(get_ok(shopper, f"/shop/{product.slug}"), showing=[payload])
        assert_safe(get_ok(shopper, f"/articles/{article.slug}"), showing=[payload])
        assert_safe(get_ok(admin, f"/admin/products/{product.id}"), showing=[payload])
        shopper.post("/cart/add", {"product_id": product.id})
    assert_safe(get_ok(shopper, "/shop"), showing=PAYLOADS)
    assert_safe(get_ok(shopper, "/cart"), showing=PAYLOADS)
    assert_safe(get_ok(shopper, "/"), showing=[PAYLOADS[0]])  # the banner's headline
    assert_safe(get_ok(admin, "/admin/products"), showing=PAYLOADS)


def test_article_fields_are_shown_as_text_and_the_body_is_sanitised(app, db, admin):
    published = (datetime.now(PARIS) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    body = "\n\n".join(MARKDOWN_PAYLOADS)
    for number, payload in enumerate(PAYLOADS):
        fields = {
            "title": payload,
            "slug": "",
            # numbered: two payloads differ only by case, and so would two category names
            "new_category": f"{number} {payload}"[:120],
            "excerpt": payload,
            "body": f"{payload}\n\n{body}",
            "offer_id": "0",
            "published_at": published,
        }
        preview = admin.post("/admin/articles/new", {**fields, "preview": "1"})
        assert preview.status_code == 200
        assert_safe(preview.get_data(as_text=True), showing=[payload])
        assert admin.post("/admin/articles/new", fields).status_code == 303, payload
    articles = list(db.session.scalars(sa.select(Article).order_by(Article.id)))
    assert len(articles) == len(PAYLOADS)

    reader = visitor(app)
    for article, payload in zip(articles, PAYLOADS, strict=True):
        assert_safe(get_ok(reader, f"/articles/{article.slug}"), showing=[payload])
        assert_safe(get_ok(admin, f"/admin/articles/{article.id}"), showing=[payload])
    front = get_ok(reader, "/") + get_ok(reader, "/?page=2")
    assert_safe(front, showing=PAYLOADS)
    if any(rule.endpoint == "search.results" for rule in app.url_map.iter_rules()):
        found = get_ok(reader, "/search?q=alert") + get_ok(reader, "/search?q=alert&page=2")
        assert "<mark>" in found  # the words found are highlighted…
        assert_safe(found)  # …and nothing else is markup
    assert_safe(get_ok(admin, "/admin/articles"), showing=PAYLOADS)


def test_reflected_parameters_are_shown_as_text(app, admin):
    reflected = [
        "/admin/products?q={}",
        "/admin/articles?q={}",
        "/admin/orders?q={}",
        "/account/login?next={}",
        "/account/register?next={}",
    ]
    for url in reflected:
        for payload in PAYLOADS:
            page = get_ok(admin, url.format(quote(payload)))
            assert_safe(page, showing=[payload.strip()])
