"""Every state-changing route refuses a logged-in visitor's POST without their CSRF token.

(Requests from other sites are refused before any token is looked at: test_cross_origin. An
anonymous visitor's pages carry no token, so that they set no cookie: test_cookie_free.)

The routes come from the URL map, so a route added later is covered too. Each POST carries
real ids and the fields of a real change (approve this comment, delete this product, empty
this cart…), so that without the CSRF check something would change; with a missing or wrong
token the answer is the 400 page and neither the database, the visitor's session nor Stripe
sees any change.
"""

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer
from werkzeug.routing import Rule

from store.articles.models import CommentStatus
from store.catalog.models import Billing
from store.extensions import csrf
from store.payments.models import WebhookEvent
from store.subscriptions.models import Subscription
from tests.conftest import PASSWORD, logged_in, visitor
from tests.security.test_idor import checkout

WEBHOOK = "/stripe/webhook"
CSRF_PAGE = "Rechargez la page"
CHANGING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def changing_rules(app) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.methods & CHANGING_METHODS]
    assert len(rules) >= 25  # the whole site, not an empty walk
    return rules


def test_the_stripe_webhook_is_the_only_route_without_csrf(app):
    assert csrf._exempt_views == {"store.payments.views.webhook"}
    assert not csrf._exempt_blueprints
    assert app.config.get("WTF_CSRF_ENABLED", True)
    # Flask-WTF's own hook is off: store/ops/cross_origin.py calls it for logged-in visitors.
    assert app.config["WTF_CSRF_CHECK_DEFAULT"] is False
    assert [rule.rule for rule in changing_rules(app) if rule.endpoint == "payments.webhook"] == [
        WEBHOOK
    ]


class Site:
    """Content and accounts that every refused POST would otherwise change."""

    def __init__(
        self,
        app,
        db,
        payments,
        make_user,
        create_product,
        create_article,
        create_comment,
        send_events,
    ):
        self.app, self.db, self.payments = app, db, payments
        self.guide = create_product(name="Guide PDF", price_cents=1900)
        offer = create_product(name="Accès à GPT 4", billing=Billing.MONTHLY)
        self.spare = create_product(name="Jamais commandé")
        self.article = create_article(offer=offer)
        self.comment = create_comment(self.article, status=CommentStatus.PENDING)
        self.customer = make_user("client@example.org")
        self.admin = make_user("admin@example.org", admin=True)
        buyer = logged_in(app, self.customer)
        send_events(payments.complete_checkout(checkout(buyer, offer, payments)))
        self.subscription = db.session.scalar(sa.select(Subscription))
        self.order = self.subscription.order
        assert self.order is not None

    def browser(self, role):
        browser = {
            "anonymous": visitor,
            "customer": lambda app: logged_in(app, self.customer),
            "admin": lambda app: logged_in(app, self.admin),
        }[role](self.app)
        browser.post("/cart/add", {"product_id": self.guide.id, "quantity": 2})
        browser.token()  # the session holds its CSRF secret before anything is tried
        browser.client.get("/cart")  # and the flashed messages are read
        return browser

    def url(self, rule: Rule) -> str:
        known = {
            "product_id": self.spare.id,
            "article_id": self.article.id,
            "subscription_id": self.subscription.id,
            "order_id": self.order.id,
            "slug": self.article.slug,
            "number": self.order.number,
        }
        return rule.build({name: known.get(name, 1) for name in rule.arguments})[1]

    def data(self, rule: Rule) -> dict:
        """Fields that make a real change on any of the routes."""
        fields = {
            "product_id": self.guide.id,
            "quantity": "1",
            "ids": str(self.comment.id),
            "action": "approve",
            "status": "pending",
            "confirmed": "yes",
            "email": "nouveau@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "name": "Nom changé",
            "price": "9",
            "currency": "EUR",
            "billing": "one_time",
            "active": "y",
            "position": "3",
            "title": "Titre changé",
            "new_category": "Piratage",
            "excerpt": "Changé",
            "body": "Changé par un autre site",
            "offer_id": "0",
            "published_at": "2024-01-01T10:00",
            "subscribers_only": "y",
            "grace_period_days": "30",
            "lang": "en",
        }
        if rule.endpoint == "accounts.login":
            fields["email"] = self.customer.email
        return fields

    def state(self, browser) -> tuple:
        """Every row of every table, the visitor's session, and what Stripe was asked."""
        self.db.session.rollback()
        rows = {
            table.name: sorted(repr(tuple(row)) for row in self.db.session.execute(table.select()))
            for table in self.db.metadata.sorted_tables
        }
        with browser.client.session_transaction() as session:
            session_data = dict(session)
        return rows, session_data, len(self.payments.requests)


@pytest.fixture
def site(app, db, payments, make_user, create_product, create_article, create_comment, send_events):
    return Site(
        app, db, payments, make_user, create_product, create_article, create_comment, send_events
    )


def wrong_tokens(app, browser) -> dict[str, dict]:
    """Ways a forged request might carry a token: keyword arguments for `client.post`."""
    with browser.client.session_transaction() as session:
        raw = session["csrf_token"]
    other_visitor = visitor(app).token()
    wrong_key = URLSafeTimedSerializer("not-the-site-key", salt="wtf-csrf-token").dumps(raw)
    return {
        "no token": {},
        "garbage": {"data": {"csrf_token": "forged-token"}},
        "signed with another key": {"data": {"csrf_token": wrong_key}},
        "another visitor's token": {"data": {"csrf_token": other_visitor}},
        "another visitor's token in the header": {"headers": {"X-CSRFToken": other_visitor}},
        "empty": {"data": {"csrf_token": ""}},
    }


@pytest.mark.parametrize("role", ["customer", "admin"])
def test_every_post_without_the_visitors_token_is_refused_and_changes_nothing(site, app, role):
    browser = site.browser(role)
    before = site.state(browser)
    for rule in changing_rules(app):
        if rule.rule == WEBHOOK:
            continue
        url = site.url(rule)
        for method in sorted(rule.methods & CHANGING_METHODS):
            for how, extra in wrong_tokens(app, browser).items():
                data = {**site.data(rule), **extra.get("data", {})}
                response = browser.client.open(
                    url, method=method, data=data, headers=extra.get("headers", {})
                )
                where = (role, method, url, how)
                assert response.status_code == 400, where
                assert CSRF_PAGE in response.get_data(as_text=True), where
        assert site.state(browser) == before, (role, rule.rule)


def test_with_the_right_token_the_same_posts_do_change_things(site, app):
    """The control: the walk above would notice a change if the token were not checked."""
    admin = site.browser("admin")
    before = site.state(admin)
    admin.post("/admin/comments/moderate", site.data(Rule("/admin/comments/moderate")))
    assert site.state(admin)[0]["comment"] != before[0]["comment"]
    admin.post("/cart/clear")
    assert site.state(admin)[1] != before[1]


def test_the_webhook_is_guarded_by_its_signature_instead(site, app, db):
    browser = site.browser("anonymous")
    before = site.state(browser)
    event = b'{"id": "evt_forged", "type": "invoice.paid", "data": {"object": {"id": "in_1"}}}'
    for headers in ({}, {"Stripe-Signature": "t=1,v1=deadbeef"}):
        response = browser.client.post(
            WEBHOOK, data=event, headers={"Content-Type": "application/json", **headers}
        )
        assert response.status_code == 400
        assert response.get_json() == {"error": "invalid signature"}
    assert (
        db.session.scalar(sa.select(sa.func.count(WebhookEvent.id)))
        == before[0]["webhook_event"].__len__()
    )
    assert site.state(browser) == before
