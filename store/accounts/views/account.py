""" "Mon compte": what each purchase gives, access keys, orders, the Stripe portal, the password."""

import logging

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from store.access import purchases
from store.access.services import granted_product_ids, unlocked_query
from store.accounts import services
from store.accounts.forms import (
    PasswordChangeForm,
)
from store.accounts.views.blueprint import bp, password_checked, start_session
from store.extensions import db
from store.i18n import current_language
from store.orders.services import order_for, orders_page
from store.pagination import paginate_uncounted
from store.payments import gateway
from store.payments.services import (
    customer_for_user,
    fill_missing_invoice_links,
    payments_page,
)
from store.subscriptions.services import past_due_subscriptions, subscriptions_page
from store.urls import page_number

logger = logging.getLogger(__name__)


@bp.route("/password", methods=["GET", "POST"])
@password_checked("password-change")
def password():
    """Change the password: every other session and remember-me cookie ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("Wrong password."))
        else:
            user = current_user._get_current_object()
            services.set_new_password(user, form.password.data)
            db.session.commit()
            start_session(user)  # this browser stays logged in, with the new token
            logger.info("user %s changed their password", user.id)
            flash(_("Your password is changed. Every other device is logged out."), "success")
            return redirect(url_for("accounts.index"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


#: subscriptions, orders and payments shown on /account (the newest; the rest a click away)
ACCOUNT_ROWS = 10
#: rows on a page of /account/orders, /account/payments, /account/articles
LIST_ROWS = 20


def _account_page(shown_key=None):
    """Mon compte, with what each purchase gives; keys issued now are shown whole, once.
    The newest subscriptions, orders and payments only, whatever a customer has: a bounded
    page in a fixed number of statements."""
    subscriptions = subscriptions_page(current_user, per_page=ACCOUNT_ROWS)
    orders = orders_page(current_user, per_page=ACCOUNT_ROWS)
    payments = payments_page(current_user, per_page=ACCOUNT_ROWS)
    fill_missing_invoice_links(payments.items)
    reads = purchases.page_reads()  # what both kinds of purchase read once for the page
    page = render_template(
        "accounts/index.html",
        subscription_grants=purchases.subscription_grants(current_user, subscriptions.items, reads),
        order_grants=purchases.order_grants(current_user, orders.items, reads),
        shown_key=shown_key,
        orders=orders,
        payments=payments,
        subscriptions=subscriptions,
        past_due=past_due_subscriptions(current_user),
        has_customer=customer_for_user(current_user) is not None,
        download_limit=current_app.config["DOWNLOAD_LIMIT"],
    )
    db.session.commit()  # keys issued while rendering, invoice links fetched
    return page  # `no-store`, like every /account page (store/ops/private_pages.py)


@bp.get("")
@login_required
def index():
    """Mon compte: subscriptions and orders, newest first, and what each gives."""
    return _account_page()


@bp.post("/keys/<id:key_id>/regenerate")
@login_required
def regenerate_key(key_id: int):
    """Replace an access key (the old one stops at once) and show the new one, this once.

    The page is the response itself, not a redirect: a key shown once must not travel in a
    cookie or a URL."""
    try:
        shown = purchases.regenerate_key(current_user, key_id)
    except IntegrityError:  # a double click: the other click replaced the key first
        db.session.rollback()
        shown = None
    if shown is None:
        if not purchases.owns_key(current_user, key_id):
            abort(404)
        # Their own key, already replaced (a double click, an old tab) or whose purchase ended.
        flash(
            _(
                "This key was already replaced, or its purchase has ended: your account shows "
                "the key in force, if any."
            ),
            "info",
        )
        return redirect(url_for("accounts.index"), code=303)
    logger.info("user %s regenerated access key %s", current_user.id, shown.row.prefix)
    return _account_page(shown_key=shown)


@bp.get("/subscriptions")
@login_required
def subscriptions():
    """Every subscription of the customer, a page at a time, with what each gives."""
    found = subscriptions_page(current_user, page_number(request.args.get("page")), LIST_ROWS)
    page = render_template(
        "accounts/subscriptions.html",
        subscriptions=found,
        subscription_grants=purchases.subscription_grants(current_user, found.items),
        download_limit=current_app.config["DOWNLOAD_LIMIT"],
    )
    db.session.commit()  # keys issued while rendering
    return page


@bp.get("/orders")
@login_required
def orders():
    """Every order of the customer, a page at a time, with what each gives."""
    found = orders_page(current_user, page_number(request.args.get("page")), LIST_ROWS)
    page = render_template(
        "accounts/orders.html",
        orders=found,
        order_grants=purchases.order_grants(current_user, found.items),
        download_limit=current_app.config["DOWNLOAD_LIMIT"],
    )
    db.session.commit()  # keys issued while rendering
    return page


@bp.get("/payments")
@login_required
def payments():
    """Every payment of the customer, a page at a time, with its invoice."""
    found = payments_page(current_user, page_number(request.args.get("page")), LIST_ROWS)
    fill_missing_invoice_links(found.items)
    page = render_template("accounts/payments.html", payments=found)
    db.session.commit()  # invoice links fetched
    return page


@bp.get("/articles")
@login_required
def articles():
    """The subscriber-only articles the customer's purchases open, newest first."""
    product_ids = granted_product_ids(current_user)
    found = None
    if product_ids:
        found = paginate_uncounted(
            unlocked_query(product_ids),
            page=page_number(request.args.get("page")),
            per_page=LIST_ROWS,
            error_out=False,
        )
    return render_template("accounts/articles.html", articles=found)


@bp.get("/orders/<number>")
@login_required
def order(number: str):
    """One of the customer's own orders."""
    found = order_for(current_user, number)
    if found is None:
        abort(404)
    return render_template("accounts/order.html", order=found)


@bp.post("/billing-portal")
@login_required
def billing_portal():
    """Open Stripe's customer portal for the customer's own Stripe customer."""
    customer = customer_for_user(current_user)
    if customer is None or not gateway.is_configured():
        flash(_("There is no subscription to manage yet."), "info")
        return redirect(url_for("accounts.index"), code=303)
    try:
        url = gateway.create_portal_session(
            customer.stripe_customer_id,
            return_url=url_for("accounts.index", _external=True),
            locale=current_language(),
        )
    except gateway.StripeError as error:
        logger.error("user %s: portal session failed: %s", current_user.id, error)
        flash(
            _("Stripe's customer portal is not reachable right now; please try again in a moment."),
            "error",
        )
        return redirect(url_for("accounts.index"), code=303)
    return redirect(url, code=303)
