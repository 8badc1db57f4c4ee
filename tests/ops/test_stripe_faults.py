"""Stripe timing out or failing during the portal and the admin's product sync: a clear
message, nothing half-written, and the next request works."""

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from store.catalog.models import Billing, Product
from store.payments.models import Customer
from tests.conftest import CHECKOUT_CONSENT

FAULTS = [{"status": 500}, {"timeout": True}]
IDS = ["server-error", "timeout"]


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
def test_portal_fault(db, forms, client, customer, payments, send_events, create_product, fault):
    # The customer becomes a Stripe customer as every customer does: by buying something.
    guide = create_product(price_cents=1900, billing=Billing.ONE_TIME)
    forms.post("/cart/add", {"product_id": guide.id})
    pay_page = forms.post("/checkout", CHECKOUT_CONSENT).headers["Location"]
    send_events(payments.complete_checkout(urlsplit(pay_page).path.rsplit("/", 1)[-1]))
    assert db.session.scalar(sa.select(Customer.stripe_customer_id))

    payments.timeout_delay = 2
    payments.fail_next("POST", "/v1/billing_portal/sessions", **fault)
    failed = forms.post("/account/billing-portal")
    assert failed.status_code == 303 and failed.headers["Location"] == "/account"
    assert "portail client de Stripe est injoignable" in client.get("/account").get_data(
        as_text=True
    )
    again = forms.post("/account/billing-portal")
    assert again.headers["Location"].startswith(f"{payments.base_url}/portal/")


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
def test_admin_sync_fault(db, forms, client, admin, payments, fault):
    payments.timeout_delay = 2
    payments.fail_next("POST", "/v1/products", **fault)
    response = forms.post(
        "/admin/products/new",
        {
            "name": "Accès à Claude",
            "price": "9",
            "currency": "EUR",
            "billing": "month",
            "active": "y",
            "position": "1",
        },
    )
    assert response.status_code == 303
    product = db.session.scalar(sa.select(Product))
    assert (product.name, product.price_cents, product.billing) == (
        "Accès à Claude",
        900,
        Billing.MONTHLY,
    )
    assert not product.stripe_price_current  # saved, not synced: nothing half-written
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Stripe n’a pas pu être mis à jour" in page

    forms.post(f"/admin/products/{product.id}/sync")
    db.session.refresh(product)
    assert product.stripe_price_current
