"""Registration, login, logout and the customer's own pages."""

import pytest
import sqlalchemy as sa

from store.accounts.models import User
from store.catalog.models import Billing


def register(forms, email="claire@example.org", password="correct horse", **extra):
    return forms.post(
        "/account/register",
        {"email": email, "password": password, "confirm": password, **extra},
    )


def login(forms, email="claire@example.org", password="correct horse", **extra):
    return forms.post("/account/login", {"email": email, "password": password, **extra})


def test_register_logs_the_customer_in(db, forms, client):
    response = register(forms)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert "claire@example.org" in page
    user = db.session.scalar(sa.select(User))
    assert user.password_hash.startswith("scrypt:")
    assert "correct horse" not in user.password_hash


def test_emails_are_unique_whatever_their_case(db, forms, client):
    register(forms)
    forms.post("/account/logout")
    response = register(forms, email="  CLAIRE@Example.ORG ")
    assert response.status_code == 400
    assert "Un compte utilise déjà cette adresse" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


COMPOSED, DECOMPOSED = "al\u00edce@example.org", "ali\u0301ce@example.org"


@pytest.mark.parametrize(
    "first, second",
    [(COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED), (COMPOSED, "ALI\u0301CE@example.org")],
)
def test_an_address_typed_in_either_unicode_form_is_one_account(db, forms, client, first, second):
    """`í` typed as one character or as `i` and a combining accent (a Mac, a phone keyboard):
    the same address, so one account, and either form logs in."""
    assert register(forms, email=first).status_code == 303
    forms.post("/account/logout")
    again = register(forms, email=second)
    assert again.status_code == 400
    assert "Un compte utilise déjà cette adresse" in again.get_data(as_text=True)
    assert db.session.scalars(sa.select(User.email)).all() == [COMPOSED]
    assert login(forms, email=second).status_code == 303


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "pas-un-email"}, "Indiquez une adresse e-mail valide."),
        ({"password": "court", "confirm": "court"}, "Au moins 8 caractères."),
        ({"confirm": "autre chose"}, "Les deux mots de passe diffèrent."),
    ],
)
def test_registration_errors_are_explained(db, forms, data, message):
    fields = {"email": "a@example.org", "password": "long enough", "confirm": "long enough"}
    response = forms.post("/account/register", {**fields, **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_login_with_any_case_and_wrong_password(forms, client):
    register(forms)
    forms.post("/account/logout")
    wrong = login(forms, password="wrong password")
    assert wrong.status_code == 400
    assert "E-mail ou mot de passe incorrect." in wrong.get_data(as_text=True)
    assert client.get("/account").status_code == 302

    right = login(forms, email="Claire@EXAMPLE.org", next="/shop")
    assert right.status_code == 303
    assert right.headers["Location"] == "/shop"
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil"])
def test_login_never_redirects_off_site(forms, target):
    register(forms)
    forms.post("/account/logout")
    response = login(forms, next=target)
    assert response.headers["Location"] == "/account"


def test_account_pages_need_a_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_remember_me_sets_a_remember_cookie(app, forms, client):
    register(forms)
    forms.post("/account/logout")
    login(forms, remember="y")
    cookie = client.get_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    assert cookie is not None and cookie.http_only


def test_the_cart_survives_logging_in_and_out(forms, client, create_product):
    offer = create_product(name="Offre", billing=Billing.MONTHLY)
    register(forms)
    forms.post("/account/logout")
    forms.post("/cart/add", {"product_id": offer.id})
    login(forms)
    assert 'data-testid="cart-count">1<' in client.get("/cart").get_data(as_text=True)


def test_logout_is_a_post(client):
    assert client.get("/account/logout").status_code == 405


def test_another_customers_order_is_a_404(db, forms, client, create_product):
    from store.orders.models import Order, OrderStatus

    register(forms, email="other@example.org")
    other = db.session.scalar(sa.select(User).filter_by(email="other@example.org"))
    order = Order(
        number="GA-OTHER001",
        user_id=other.id,
        email=other.email,
        status=OrderStatus.PAID,
        currency="EUR",
        total_cents=700,
        mode="payment",
    )
    db.session.add(order)
    db.session.commit()
    assert client.get("/account/orders/GA-OTHER001").status_code == 200
    forms.post("/account/logout")
    register(forms)
    assert client.get("/account/orders/GA-OTHER001").status_code == 404
    assert "GA-OTHER001" not in client.get("/account").get_data(as_text=True)


def test_the_account_menu_with_logout_is_in_the_header(client, customer):
    page = client.get("/").get_data(as_text=True)
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    footer = page.split("<footer", 1)[1]
    assert 'href="/account"' in header and 'action="/account/logout"' in header
    assert "Se déconnecter" in header
    assert 'action="/account/logout"' not in footer


def test_visitors_see_log_in_in_the_header_and_no_logout(client):
    page = client.get("/").get_data(as_text=True)
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    assert 'href="/account/login"' in header and "/account/logout" not in page
