"""People read statuses as words: every enum has a French label, and no page an admin or a
customer reads shows a raw code such as `pending_payment` or `past_due`."""

import enum
import importlib
import pkgutil
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

import store
from store.accounts.services import register_user
from store.articles.models import ArticleStatus, CommentStatus
from store.catalog.models import Billing, Interval
from store.database import LabelledEnum, set_labels, utcnow
from store.orders.models import Order, OrderLine, OrderMode, OrderStatus
from store.payments.models import Payment, PaymentStatus
from store.subscriptions.models import Subscription, SubscriptionStatus
from tests.conftest import Forms

FRENCH_CATALOG = Path(store.__file__).parent / "translations/fr/LC_MESSAGES/messages.po"

#: raw codes that are also plain French words the pages use ("Marquer comme spam",
#: "Il manque aux mentions légales …")
FRENCH_WORDS = {"spam", "mentions"}


def store_enums() -> list[type[enum.Enum]]:
    """Every enum the store defines, wherever it lives."""
    found: dict[str, type[enum.Enum]] = {}
    for module_info in pkgutil.walk_packages(store.__path__, "store."):
        if module_info.name == "store.gunicorn_conf":
            continue  # gunicorn's settings, read at server start; no enum there
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.Enum)
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def test_the_search_finds_the_enums_people_see():
    names = {cls.__name__ for cls in store_enums()}
    assert {
        "OrderStatus",
        "SubscriptionStatus",
        "PaymentStatus",
        "CommentStatus",
        "ArticleStatus",
        "OrderMode",
        "Billing",
        "Interval",
    } <= names


def test_every_member_of_every_enum_has_a_french_label(app):
    with FRENCH_CATALOG.open("rb") as file:
        catalog = read_po(file)
    missing = []
    with app.test_request_context():
        for cls in store_enums():
            for member in cls:
                with force_locale("en"):
                    msgid = str(member.label)
                with force_locale("fr"):
                    french = str(member.label)
                message = catalog.get(msgid)
                if message is None or not message.string or french in ("", member.value):
                    missing.append(f"{cls.__name__}.{member.name}")
    assert missing == []


class VisibleText(HTMLParser):
    """What a person reads or hears from a page: text outside scripts and styles, and the
    attributes shown as text or read aloud."""

    SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden_depth += 1
        self.parts.extend(value or "" for name, value in attrs if name in self.SHOWN_ATTRIBUTES)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return re.sub(r"[ \t\r\n]+", " ", " ".join(parser.parts))


def raw_codes() -> set[str]:
    return {member.value for cls in store_enums() for member in cls} - FRENCH_WORDS


def codes_shown(html: str) -> set[str]:
    text = visible_text(html)
    return {code for code in raw_codes() if re.search(rf"(?<![\w-]){code}(?![\w-])", text)}


def french(member) -> str:
    with force_locale("fr"):
        return str(member.label)


@pytest.fixture
def everything(db, create_product, create_article, create_comment):
    """A customer with an order in every status and a subscription in every status, payments
    in every status, comments and articles in every status."""
    customer = register_user("client@example.org", "mot de passe sûr")
    monthly = create_product(name="Accès mensuel", price_cents=700, billing=Billing.MONTHLY)
    guide = create_product(name="Guide", price_cents=1900, billing=Billing.ONE_TIME)
    orders = []
    for number, status in enumerate(OrderStatus, start=1):
        order = Order(
            number=f"GA-TEST000{number}",
            user_id=customer.id,
            email=customer.email,
            status=status,
            currency="EUR",
            total_cents=2600,
            mode=OrderMode.SUBSCRIPTION if number % 2 else OrderMode.PAYMENT,
            lines=[
                OrderLine(
                    product_id=monthly.id,
                    title=monthly.name,
                    unit_price_cents=700,
                    currency="EUR",
                    interval=Interval.MONTH,
                    quantity=1,
                ),
                OrderLine(
                    product_id=guide.id,
                    title=guide.name,
                    unit_price_cents=1900,
                    currency="EUR",
                    quantity=1,
                ),
            ],
        )
        db.session.add(order)
        orders.append(order)
    subscriptions = []
    for number, status in enumerate(SubscriptionStatus, start=1):
        subscription = Subscription(
            stripe_subscription_id=f"sub_{number}",
            stripe_customer_id="cus_1",
            user_id=customer.id,
            order=orders[0],
            product=monthly,
            status=status,
            current_period_end=utcnow() + timedelta(days=20),
        )
        db.session.add(subscription)
        subscriptions.append(subscription)
    for number, status in enumerate(PaymentStatus, start=1):
        db.session.add(
            Payment(
                stripe_id=f"in_{number}",
                order=orders[0],
                subscription=subscriptions[0],
                user_id=customer.id,
                amount_cents=700,
                currency="EUR",
                status=status,
            )
        )
    db.session.commit()
    articles = [
        create_article(title="En ligne", published_at=utcnow() - timedelta(days=1)),
        create_article(title="Programmé", published_at=utcnow() + timedelta(days=1)),
        create_article(title="Brouillon", published_at=None),
    ]
    for status in CommentStatus:
        create_comment(articles[0], status=status, body=f"Commentaire {status.name}")
    return {
        "customer": customer,
        "orders": orders,
        "subscriptions": subscriptions,
        "articles": articles,
        "products": [monthly, guide],
    }


def test_back_office_and_account_pages_show_labels_never_raw_codes(
    app, client, login_as, everything
):
    login_as()
    orders, subscriptions = everything["orders"], everything["subscriptions"]
    customer = everything["customer"]
    shown: dict[str, str] = {}

    def get(browser, url):
        response = browser.get(url)
        assert response.status_code == 200, url
        shown[url] = html = response.get_data(as_text=True)
        return html

    def table(html):
        return visible_text(html.split("<table")[1].split("</table>")[0])

    with app.test_request_context():
        # Lists: the filters and the rows use labels.
        page = get(client, "/admin/orders")
        for status in OrderStatus:
            assert f">{french(status)}</option>" in page
        assert all(french(status) in table(page) for status in OrderStatus)
        for status in OrderStatus:
            get(client, f"/admin/orders?status={status.value}")

        page = get(client, "/admin/subscriptions")
        for status in SubscriptionStatus:
            assert f">{french(status)}</option>" in page
        assert all(french(status) in table(page) for status in SubscriptionStatus)

        for status in CommentStatus:
            page = get(client, f"/admin/comments?status={status.value}")
            assert f"Commentaire {status.name}" in page
            assert all(french(s) in visible_text(page) for s in CommentStatus)

        page = get(client, "/admin/articles")
        assert all(french(status) in table(page) for status in ArticleStatus)

        # Details: each object says its own status.
        for order in orders:
            page = get(client, f"/admin/orders/{order.id}")
            assert french(order.status) in visible_text(page.split("</h1>")[0])
            assert french(order.mode) in visible_text(page)
        for subscription in subscriptions:
            page = get(client, f"/admin/subscriptions/{subscription.id}")
            assert french(subscription.status) in visible_text(page.split("</dl>")[0])
        payments = visible_text(shown[f"/admin/orders/{orders[0].id}"].split("<h2>Paiements")[1])
        assert all(french(status) in payments for status in PaymentStatus)
        for article in everything["articles"]:
            get(client, f"/admin/articles/{article.id}")
        for product in everything["products"]:
            get(client, f"/admin/products/{product.id}")
        page = get(client, f"/admin/customers/{customer.id}")
        assert all(french(status) in visible_text(page) for status in SubscriptionStatus)
        assert all(french(status) in visible_text(page) for status in OrderStatus)
        for url in ("/admin", "/admin/customers", "/admin/products", "/admin/products/new"):
            get(client, url)

        # The customer's own pages.
        own = app.test_client()
        response = Forms(own).post(
            "/account/login", {"email": customer.email, "password": "mot de passe sûr"}
        )
        assert response.status_code == 303
        page = visible_text(get(own, "/account"))
        assert all(french(status) in page for status in SubscriptionStatus)
        assert all(french(status) in page for status in OrderStatus)
        for order in orders:
            page = visible_text(get(own, f"/account/orders/{order.number}"))
            assert french(order.status) in page
            assert "7,00\xa0€ / mois" in page  # the subscription line, with its period

    leaks = {url: sorted(codes) for url, html in shown.items() if (codes := codes_shown(html))}
    assert leaks == {}


def test_the_leak_check_sees_a_raw_code(app):
    """The page test above would notice a status printed as its code."""
    assert codes_shown('<td><span class="status status-past_due">past_due</span></td>') == {
        "past_due"
    }
    assert codes_shown('<span class="status status-past_due">Paiement refusé</span>') == set()
    assert codes_shown('<a href="/admin/orders?status=pending_payment" title="paid">x</a>') == {
        "paid"
    }


def test_a_status_without_a_label_stops_the_app_at_import():
    class Colour(LabelledEnum):
        RED = "red"
        BLUE = "blue"

    with pytest.raises(ValueError, match="blue"):
        set_labels(Colour, {Colour.RED: "Rouge"})
    set_labels(Colour, {Colour.RED: "Rouge", Colour.BLUE: "Bleu"})
    assert Colour.BLUE.label == "Bleu"
