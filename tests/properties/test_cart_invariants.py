"""After any sequence of cart operations — with products archived, restored or deleted by the
admin in between — the cart a visitor sees is valid:

- every line is a product that exists and is on sale;
- quantities are 1..CART_MAX_QUANTITY, and a subscription is there once (quantity 1);
- monthly and yearly plans are never together, nor two currencies;
- the header badge is the sum of the quantities shown, and the session holds exactly the
  lines shown.
"""

from html.parser import HTMLParser

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from store.catalog.models import Billing, Product
from tests.conftest import visitor
from tests.properties.strategies import FAST, text
from tests.security.pages import badge

CATALOGUE = {
    "guide": {"price_cents": 1900},
    "ebook": {"price_cents": 700},
    "monthly": {"billing": Billing.MONTHLY},
    "monthly-pro": {"billing": Billing.MONTHLY, "price_cents": 2000},
    "yearly": {"billing": Billing.YEARLY, "price_cents": 7000},
    "dollars": {"currency": "USD"},
    "archived": {"active": False},
    "ephemeral": {},
}
KEYS = [*CATALOGUE, "unknown"]

quantity = st.one_of(
    st.integers(-2, 12).map(str), st.sampled_from(["1000", "1001", "", "deux", "1.5"]), text
)


@st.composite
def operation(draw):
    """One step: mostly adds (so carts grow), sometimes a change by the admin."""
    kind = draw(st.sampled_from(["add"] * 5 + ["update", "update", "remove", "clear", "admin"]))
    if kind == "clear":
        return ("clear",)
    if kind == "admin":
        action = draw(st.sampled_from(["archive", "restore", "delete"]))
        return (action, draw(st.sampled_from(KEYS[:-1])))
    key = draw(st.sampled_from(KEYS))
    if kind == "remove":
        return ("remove", key)
    small = st.integers(1, 4).map(str)
    how_many = draw(st.one_of(st.none(), small, quantity) if kind == "add" else quantity)
    return (kind, key, how_many)


class CartPage(HTMLParser):
    """The lines of the cart table: (product slug, quantity shown, has a quantity input)."""

    def __init__(self):
        super().__init__()
        self.lines: list[list] = []
        self.side_lines = 0
        self._in_body = False
        self._cell = -1

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.lines.append([None, "", False])
            self._cell = -1
        elif self._in_body and tag == "td":
            self._cell += 1
        elif self._in_body and self._cell == 0 and tag == "a":
            self.lines[-1][0] = attrs["href"].rsplit("/", 1)[-1]
        elif self._in_body and self._cell == 2 and tag == "input":
            if attrs.get("name") == "quantity":
                self.lines[-1][1] = attrs["value"]
                self.lines[-1][2] = True
        elif tag == "ul" and attrs.get("class") == "side-cart-lines":
            self.side_lines = -1
        elif tag == "li" and self.side_lines < 0:
            self.side_lines -= 1

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "ul" and self.side_lines < 0:
            self.side_lines = -self.side_lines - 1

    def handle_data(self, data):
        if self._in_body and self._cell == 2 and not self.lines[-1][2] and data.strip():
            self.lines[-1][1] += data.strip()


class Shop:
    def __init__(self, app, db, create_product):
        self.app, self.db, self.create_product = app, db, create_product
        self.products = {
            key: create_product(name=key.title(), slug=key, **fields)
            for key, fields in CATALOGUE.items()
        }
        self.ids = {key: product.id for key, product in self.products.items()}
        self.ids["unknown"] = 987_654

    def reset(self):
        """Back to the catalogue above (an example may have archived or deleted products)."""
        self.db.session.rollback()
        for key, fields in CATALOGUE.items():
            product = self.db.session.get(Product, self.ids[key])
            if product is None:
                product = self.create_product(name=key.title(), slug=key, **fields)
                self.ids[key] = product.id
            product.active = fields.get("active", True)
        self.db.session.commit()

    def admin_change(self, action, key):
        product = self.db.session.get(Product, self.ids[key])
        if product is None:
            return
        if action == "delete":
            self.db.session.delete(product)
        else:
            product.active = action == "restore"
        self.db.session.commit()

    def check(self, browser):
        page = browser.client.get("/cart")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        parsed = CartPage()
        parsed.feed(html)
        max_quantity = self.app.config["CART_MAX_QUANTITY"]
        shown = {}
        self.db.session.rollback()
        for slug, quantity_text, editable in parsed.lines:
            product = self.db.session.query(Product).filter_by(slug=slug).one_or_none()
            assert product is not None, f"{slug} does not exist"
            assert product.active, f"{slug} is archived"
            quantity = int(quantity_text)
            assert 1 <= quantity <= max_quantity, (slug, quantity)
            if product.is_subscription:
                assert quantity == 1 and not editable, (slug, quantity)
            shown[product] = quantity
        intervals = {product.interval for product in shown if product.interval}
        assert len(intervals) <= 1, intervals
        assert len({product.currency for product in shown}) <= 1
        assert badge(html) == sum(shown.values())
        assert parsed.side_lines == len(shown)
        shown_ids = {product.id: quantity for product, quantity in shown.items()}
        self.db.session.rollback()  # hold no lock while the next requests run
        with browser.client.session_transaction() as session:
            stored = session.get("cart", {})
        assert {int(key): number for key, number in stored.items()} == shown_ids
        return len(shown)


@pytest.fixture
def shop(app, db, create_product):
    return Shop(app, db, create_product)


@settings(FAST, max_examples=max(55, FAST.max_examples))
@given(operations=st.lists(operation(), min_size=2, max_size=10))
def test_any_sequence_of_cart_operations_leaves_a_valid_cart(shop, operations):
    shop.reset()
    browser = visitor(shop.app)
    most_lines = 0
    for operation_ in operations:
        action, *arguments = operation_
        if action in ("archive", "restore", "delete"):
            shop.admin_change(action, *arguments)
        elif action == "clear":
            assert browser.post("/cart/clear").status_code == 303
        else:
            data = {"product_id": shop.ids[arguments[0]]}
            if len(arguments) > 1 and arguments[1] is not None:
                data["quantity"] = arguments[1]
            response = browser.post(f"/cart/{action}", data)
            # 400: the store refuses any request holding a NUL character
            allowed = (303, 404, 400) if "\x00" in str(data.get("quantity", "")) else (303, 404)
            assert response.status_code in allowed, (operation_, response.status_code)
        most_lines = max(most_lines, shop.check(browser))
    event(f"at most {most_lines} line(s)")


@pytest.mark.parametrize("change", ["billing", "currency"])
def test_an_admin_edit_never_leaves_an_invalid_mix_in_the_cart(shop, db, change):
    browser = visitor(shop.app)
    first, second = ("monthly", "monthly-pro") if change == "billing" else ("guide", "ebook")
    for key in (first, second):
        browser.post("/cart/add", {"product_id": shop.ids[key]})
    product = db.session.get(Product, shop.ids[second])
    if change == "billing":
        product.billing = Billing.YEARLY
    else:
        product.currency = "USD"
    db.session.commit()
    shop.check(browser)


def test_the_page_reader_sees_lines_and_quantities(shop):
    """The checks above read the real page: a cart with known content reads back exactly."""
    browser = visitor(shop.app)
    browser.post("/cart/add", {"product_id": shop.ids["guide"], "quantity": 3})
    browser.post("/cart/add", {"product_id": shop.ids["monthly"]})
    parsed = CartPage()
    parsed.feed(browser.client.get("/cart").get_data(as_text=True))
    assert sorted(parsed.lines) == [["guide", "3", True], ["monthly", "1", False]]
    assert parsed.side_lines == 2
