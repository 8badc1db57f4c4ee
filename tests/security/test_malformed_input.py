"""Out-of-range numbers and NUL characters in URLs and forms get a 4xx, never a 500.

Each case is one request a visitor could type; `ok` lists the answers that make sense.
"""

import pytest

from tests.conftest import logged_in, visitor

HUGE = "99999999999999999999"  # beyond any database integer
BEYOND_INT4 = "2147483648"  # beyond PostgreSQL's INTEGER columns


def case(id_, role, method, url, data=None, ok=(404,)):
    return (id_, role, method, url, data, ok)


#: numbers beyond any database integer (SQLite and PostgreSQL)
HUGE_NUMBERS = [
    case("cart-add", "anonymous", "POST", "/cart/add", {"product_id": HUGE}),
    case("cart-update", "anonymous", "POST", "/cart/update", {"product_id": HUGE, "quantity": "1"}),
    case("cart-remove", "anonymous", "POST", "/cart/remove", {"product_id": HUGE}),
    case("admin-product", "admin", "GET", f"/admin/products/{HUGE}"),
    case("admin-article", "admin", "GET", f"/admin/articles/{HUGE}"),
    case("admin-order", "admin", "GET", f"/admin/orders/{HUGE}"),
    case("admin-subscription", "admin", "GET", f"/admin/subscriptions/{HUGE}"),
    case("admin-archive", "admin", "POST", f"/admin/products/{HUGE}/archive"),
    case(
        "moderate",
        "admin",
        "POST",
        "/admin/comments/moderate",
        {"action": "approve", "ids": HUGE},
        ok=(303,),
    ),
    case("front-page", "anonymous", "GET", f"/?page={HUGE}"),
    case("admin-list-page", "admin", "GET", f"/admin/products?page={HUGE}", ok=(200,)),
]
#: ids beyond PostgreSQL's INTEGER (fine on SQLite)
BEYOND_INT4_IDS = [
    case("cart-add", "anonymous", "POST", "/cart/add", {"product_id": BEYOND_INT4}),
    case("admin-product", "admin", "GET", f"/admin/products/{BEYOND_INT4}"),
    case("admin-order", "admin", "GET", f"/admin/orders/{BEYOND_INT4}"),
]
#: the store refuses any request holding a NUL character with a 400 (PostgreSQL cannot store
#: one, and no real input has one)
NUL_CHARACTERS = [
    case("admin-products-search", "admin", "GET", "/admin/products?q=%00", ok=(400,)),
    case("admin-articles-search", "admin", "GET", "/admin/articles?q=a%00", ok=(400,)),
    case("admin-orders-search", "admin", "GET", "/admin/orders?q=%00", ok=(400,)),
    case("article-slug", "anonymous", "GET", "/articles/a%00", ok=(400,)),
    case("product-slug", "anonymous", "GET", "/shop/a%00", ok=(400,)),
    case("account-order", "customer", "GET", "/account/orders/GA-%00", ok=(400,)),
    case("checkout-success", "customer", "GET", "/checkout/success?session_id=cs_%00", ok=(400,)),
    case("checkout-cancel", "customer", "GET", "/checkout/cancel?order=GA-%00", ok=(400,)),
    case(
        "login-email",
        "anonymous",
        "POST",
        "/account/login",
        {"email": "a\x00@example.org", "password": "x"},
        ok=(400,),
    ),
    case(
        "comment-body",
        "anonymous",
        "POST",
        "/articles/{article}/comments",
        {"body": "a\x00b", "name": "Camille", "email": "c@example.org"},
        ok=(400,),
    ),
    case(
        "product-name",
        "admin",
        "POST",
        "/admin/products/new",
        {"name": "x\x00y", "price": "7", "currency": "EUR", "billing": "one_time"},
        ok=(400,),
    ),
    case(
        "article-title",
        "admin",
        "POST",
        "/admin/articles/new",
        {"title": "x\x00y", "offer_id": "0"},
        ok=(400,),
    ),
]
#: out-of-range values the forms already refuse: these must keep working
REFUSED_BY_THE_FORMS = [
    case(
        "cart-add-huge-quantity",
        "anonymous",
        "POST",
        "/cart/add",
        {"product_id": "{product}", "quantity": HUGE},
        ok=(303,),
    ),
    case(
        "article-offer-huge-id",
        "admin",
        "POST",
        "/admin/articles/new",
        {"title": "T", "offer_id": HUGE},
        ok=(400,),
    ),
    case(
        "product-huge-position",
        "admin",
        "POST",
        "/admin/products/new",
        {"name": "P", "price": "7", "currency": "EUR", "billing": "one_time", "position": HUGE},
        ok=(400,),
    ),
    case(
        "register-email-nul",
        "anonymous",
        "POST",
        "/account/register",
        {"email": "a\x00@example.org", "password": "12345678", "confirm": "12345678"},
        ok=(400,),
    ),
    case("account-order-huge", "customer", "GET", f"/account/orders/{HUGE}"),
    case("search-huge-page", "anonymous", "GET", f"/search?q=a&page={HUGE}", ok=(200, 404)),
    case("search-nul", "anonymous", "GET", "/search?q=a%00b", ok=(400,)),
]


@pytest.fixture
def send(app, make_user, create_product, create_article):
    """Send the cases; returns those answered outside their `ok` statuses."""
    product = create_product(name="Guide")
    article = create_article()
    browsers = {
        "anonymous": visitor(app),
        "customer": logged_in(app, make_user("client@example.org")),
        "admin": logged_in(app, make_user("admin@example.org", admin=True)),
    }
    fill = {"{product}": str(product.id), "{article}": article.slug}

    def send_all(cases) -> list[tuple[str, int]]:
        wrong = []
        for id_, role, method, url, data, ok in cases:
            for marker, value in fill.items():
                url = url.replace(marker, value)
            data = {key: fill.get(value, value) for key, value in (data or {}).items()}
            browser = browsers[role]
            response = browser.client.get(url) if method == "GET" else browser.post(url, data)
            if response.status_code not in ok:
                wrong.append((id_, response.status_code))
        return wrong

    return send_all


def test_numbers_beyond_the_database_range_are_a_client_error(send):
    assert send(HUGE_NUMBERS) == []


def test_ids_beyond_a_32_bit_integer_are_a_client_error(send):
    assert send(BEYOND_INT4_IDS) == []


def test_a_superscript_digit_as_a_comment_id_is_a_client_error(send):
    moderate = [
        case(
            "moderate",
            "admin",
            "POST",
            "/admin/comments/moderate",
            {"action": "approve", "ids": "²"},
            ok=(303,),
        )
    ]
    assert send(moderate) == []


def test_nul_characters_are_a_client_error(send):
    assert send(NUL_CHARACTERS) == []


def test_values_the_forms_refuse_stay_refused(send):
    assert send(REFUSED_BY_THE_FORMS) == []
