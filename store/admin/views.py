"""The back office. Every route here requires an admin (see `require_admin`)."""

import logging
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from store.access import keys
from store.access.models import AccessKey
from store.accounts.models import User
from store.admin import services
from store.admin.forms import PARIS, ArticleForm, ConfirmForm, ProductForm, SettingsForm
from store.articles.models import Article, ArticleStatus, Comment, CommentStatus
from store.articles.services import render_markdown
from store.catalog.models import Billing, Product
from store.database import utcnow
from store.downloads import services as downloads
from store.downloads.models import DownloadCount
from store.extensions import db
from store.orders.models import Order, OrderStatus
from store.orders.services import orders_for
from store.payments import gateway
from store.payments.models import Payment
from store.settings.services import grace_period_days, set_setting
from store.subscriptions.models import Subscription, SubscriptionStatus
from store.subscriptions.services import subscriptions_for
from store.urls import page_number, safe_next, valid_id

logger = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 20


@bp.before_request
def require_admin():
    """Anonymous visitors go to the login page; logged-in non-admins get a 403."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if not current_user.is_admin:
        abort(403)
    return None


def _page() -> int:
    return page_number(request.args.get("page"))


def _confirm(message: str, action_label: str):
    """Ask before a destructive action: the same POST again, with confirmed=yes."""
    if request.form.get("confirmed") == "yes":
        return None
    fields = [
        (key, value)
        for key, values in request.form.lists()
        for value in values
        if key not in ("csrf_token", "confirmed")
    ]
    return render_template(
        "admin/confirm.html",
        message=message,
        action_label=action_label,
        fields=fields,
        action_url=request.path,
        back_url=safe_next(_same_site_referrer(), url_for("admin.dashboard")),
    )


def _same_site_referrer() -> str | None:
    """The path of the page the admin came from, when it is on this site."""
    referrer = urlsplit(request.referrer or "")
    return referrer.path if referrer.netloc == request.host else None


# --- dashboard -------------------------------------------------------------------------


@bp.get("", strict_slashes=False)  # /admin/ too: what people type
def dashboard():
    """Figures at a glance: subscriptions, revenue, work waiting, configuration."""
    return render_template("admin/dashboard.html", stats=services.dashboard())


# --- products --------------------------------------------------------------------------


@bp.get("/products")
def products():
    """Products, searchable, filtered by active/archived, paginated."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "all")
    query = sa.select(Product).order_by(Product.position, Product.id)
    if q:
        # autoescape: a typed % or _ is searched for, not used as a wildcard
        query = query.where(
            sa.or_(
                Product.name.icontains(q, autoescape=True),
                Product.slug.icontains(q, autoescape=True),
            )
        )
    if status == "active":
        query = query.where(Product.active.is_(True))
    elif status == "archived":
        query = query.where(Product.active.is_(False))
    page = db.paginate(query, page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/products.html", page=page, q=q, status=status, form=ConfirmForm())


def _apply_product_form(form: ProductForm, product: Product) -> None:
    product.name = form.name.data
    product.slug = form.slug.data or services.unique_slug(
        Product, form.name.data, exclude_id=product.id
    )
    product.short_description = form.short_description.data or ""
    product.description = form.description.data or ""
    product.headline = form.headline.data or ""
    product.price_cents = form.price_cents
    product.currency = form.currency.data
    product.billing = Billing(form.billing.data)
    product.active = form.active.data
    product.position = form.position.data or 0
    product.grants_articles = form.grants_articles.data
    product.grants_download = form.grants_download.data
    product.grants_access_key = form.grants_access_key.data


def _save_product_file(form: ProductForm, product: Product) -> str | None | bool:
    """Keep the uploaded file, if any; False when the product sells a file it does not have.
    Returns the key of a replaced file, to delete once the change is committed."""
    replaced = None
    if form.file.data:
        stored = downloads.store_file(
            form.file.data.stream, form.file.data.filename, product.slug or "download"
        )
        replaced = downloads.attach_file(product, stored)
    if product.grants_download and not product.file_key:
        form.file.errors.append(_("Upload the file this product sells."))
        return False
    return replaced


def _sync(product: Product) -> None:
    """Push the product to Stripe when configured; a failure leaves it saved, and says so."""
    if not gateway.is_configured():
        return
    try:
        services.sync_product_to_stripe(product)
    except gateway.StripeError as error:
        logger.error("product %s: Stripe sync failed: %s", product.id, error)
        flash(
            _(
                "The product is saved, but Stripe could not be updated (%(error)s). Retry with "
                "“Sync with Stripe” on this page or `flask --app app store sync-stripe`.",
                error=error.user_message or error.__class__.__name__,
            ),
            "warning",
        )
    else:
        flash(_("Stripe is up to date."), "info")


def _product_form_page(form, product, status=200):
    return render_template(
        "admin/product_form.html", form=form, product=product, action_form=ConfirmForm()
    ), status


def _save_product(form: ProductForm, product: Product, done: str):
    """Save a valid product form (file, Stripe sync) and redirect; None to show the form again
    with what to fix (slug taken, a file to sell missing)."""
    if form.slug.data and services.slug_in_use(Product, form.slug.data, exclude_id=product.id):
        form.slug.errors.append(_("Another product already uses this slug."))
        return None
    _apply_product_form(form, product)
    replaced = _save_product_file(form, product)
    if replaced is False:
        db.session.rollback()
        return None
    db.session.add(product)
    db.session.flush()
    _sync(product)
    db.session.commit()
    downloads.delete_stored(replaced)
    flash(done % {"name": product.name}, "success")
    return redirect(url_for("admin.product_edit", product_id=product.id), code=303)


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    """Create a product."""
    form = ProductForm()
    if form.validate_on_submit():
        saved = _save_product(form, Product(), _("Product “%(name)s” created."))
        if saved is not None:
            return saved
    return _product_form_page(form, None, 400 if request.method == "POST" else 200)


@bp.route("/products/<id:product_id>", methods=["GET", "POST"])
def product_edit(product_id: int):
    """Edit a product."""
    product = db.get_or_404(Product, product_id)
    form = ProductForm(obj=product)
    if request.method == "GET":
        form.price.data = services.format_price_input(product.price_cents)
        form.billing.data = product.billing.value
    if form.validate_on_submit():
        saved = _save_product(form, product, _("Product “%(name)s” saved."))
        if saved is not None:
            return saved
    return _product_form_page(form, product, 400 if request.method == "POST" else 200)


@bp.post("/products/<id:product_id>/archive")
def product_archive(product_id: int):
    """Take a product off sale (it stays on past orders)."""
    product = db.get_or_404(Product, product_id)
    asked = _confirm(
        _(
            "Archive “%(name)s”? It disappears from the shop and from carts; "
            "orders and subscriptions keep it.",
            name=product.name,
        ),
        _("Archive"),
    )
    if asked:
        return asked
    product.active = False
    _sync(product)
    db.session.commit()
    flash(_("“%(name)s” is archived.", name=product.name), "success")
    return redirect(url_for("admin.products"), code=303)


@bp.post("/products/<id:product_id>/restore")
def product_restore(product_id: int):
    """Put an archived product back on sale."""
    product = db.get_or_404(Product, product_id)
    product.active = True
    _sync(product)
    db.session.commit()
    flash(_("“%(name)s” is on sale again.", name=product.name), "success")
    return redirect(url_for("admin.products"), code=303)


@bp.post("/products/<id:product_id>/delete")
def product_delete(product_id: int):
    """Delete a product that was never ordered; one with orders can only be archived."""
    product = db.get_or_404(Product, product_id)
    if services.product_has_orders(product):
        flash(
            _("“%(name)s” has orders: archive it instead of deleting it.", name=product.name),
            "error",
        )
        return redirect(url_for("admin.product_edit", product_id=product.id), code=303)
    asked = _confirm(_("Delete “%(name)s” for good?", name=product.name), _("Delete"))
    if asked:
        return asked
    file_key = product.file_key
    db.session.delete(product)
    db.session.commit()
    downloads.delete_stored(file_key)  # never ordered: nobody can be owed the file
    flash(_("“%(name)s” is deleted.", name=product.name), "success")
    return redirect(url_for("admin.products"), code=303)


@bp.post("/products/<id:product_id>/sync")
def product_sync(product_id: int):
    """Retry the Stripe sync of one product."""
    product = db.get_or_404(Product, product_id)
    if not gateway.is_configured():
        flash(_("Stripe is not configured (STRIPE_SECRET_KEY)."), "error")
    else:
        _sync(product)
        db.session.commit()
    return redirect(url_for("admin.product_edit", product_id=product.id), code=303)


# --- articles --------------------------------------------------------------------------


@bp.get("/articles")
def articles():
    """Articles: search and filter by published, scheduled or draft."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "all")
    now = utcnow()
    query = sa.select(Article).order_by(
        Article.published_at.desc().nulls_first(), Article.id.desc()
    )
    if q:
        query = query.where(Article.title.icontains(q, autoescape=True))
    if status == "published":
        query = query.where(Article.published_at <= now)
    elif status == "scheduled":
        query = query.where(Article.published_at > now)
    elif status == "draft":
        query = query.where(Article.published_at.is_(None))
    page = db.paginate(query, page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/articles.html",
        page=page,
        q=q,
        status=status,
        statuses=list(ArticleStatus),
        article_status=services.article_status,
        form=ConfirmForm(),
    )


def _article_form(article: Article | None = None) -> ArticleForm:
    form = ArticleForm(obj=article)
    if not isinstance(form.category.data, str):
        # Without a typed value WTForms takes article.category, a Category, not its name.
        form.category.data = article.category.name if article and article.category else ""
    offers = db.session.scalars(sa.select(Product).order_by(Product.position, Product.id))
    offers = list(offers)
    form.offer_id.choices = [SelectChoice("0", _("No offer"))] + [
        SelectChoice(str(p.id), p.name) for p in offers
    ]
    form.access_product_ids.choices = [
        SelectChoice(str(p.id), p.name) for p in offers if p.grants_articles
    ]
    if request.method == "GET" and article is not None:
        form.offer_id.data = article.offer_product_id or 0
        form.category.data = article.category.name if article.category else ""
        form.access_product_ids.data = [product.id for product in article.access_products]
        if article.published_at:
            form.published_at.data = article.published_at.astimezone(PARIS).replace(tzinfo=None)
    return form


def _apply_article_form(form: ArticleForm, article: Article) -> None:
    article.title = form.title.data
    article.slug = form.slug.data or services.unique_slug(
        Article, form.title.data, exclude_id=article.id
    )
    article.category = services.category_named(form.category.data or "")
    article.excerpt = form.excerpt.data or ""
    article.body = form.body.data or ""
    article.offer_product_id = form.offer_id.data or None
    article.subscribers_only = form.subscribers_only.data
    article.access_products = list(
        db.session.scalars(sa.select(Product).where(Product.id.in_(form.access_product_ids.data)))
    )
    article.published_at = form.published_at_utc()


def _save_article(form: ArticleForm, article: Article | None):
    preview = render_markdown(form.body.data or "") if "preview" in request.form else None
    if preview is None and form.validate_on_submit():
        if form.slug.data and services.slug_in_use(
            Article, form.slug.data, exclude_id=article.id if article else None
        ):
            form.slug.errors.append(_("Another article already uses this slug."))
        else:
            article = article or Article()
            _apply_article_form(form, article)
            db.session.add(article)
            db.session.commit()
            flash(_("Article “%(title)s” saved.", title=article.title), "success")
            return redirect(url_for("admin.article_edit", article_id=article.id), code=303)
    status = 400 if request.method == "POST" and preview is None else 200
    return render_template(
        "admin/article_form.html",
        form=form,
        article=article,
        preview=preview,
        action_form=ConfirmForm(),
        article_status=services.article_status,
    ), status


@bp.route("/articles/new", methods=["GET", "POST"])
def article_new():
    """Write a new article (Markdown, with a preview)."""
    return _save_article(_article_form(), None)


@bp.route("/articles/<id:article_id>", methods=["GET", "POST"])
def article_edit(article_id: int):
    """Edit an article."""
    article = db.get_or_404(Article, article_id)
    return _save_article(_article_form(article), article)


@bp.post("/articles/<id:article_id>/publish")
def article_publish(article_id: int):
    """Publish now."""
    article = db.get_or_404(Article, article_id)
    article.published_at = utcnow()
    db.session.commit()
    flash(_("“%(title)s” is published.", title=article.title), "success")
    return redirect(url_for("admin.articles"), code=303)


@bp.post("/articles/<id:article_id>/unpublish")
def article_unpublish(article_id: int):
    """Back to draft: the article leaves the site."""
    article = db.get_or_404(Article, article_id)
    asked = _confirm(
        _("Unpublish “%(title)s”? It leaves the site until published again.", title=article.title),
        _("Unpublish"),
    )
    if asked:
        return asked
    article.published_at = None
    db.session.commit()
    flash(_("“%(title)s” is a draft again.", title=article.title), "success")
    return redirect(url_for("admin.articles"), code=303)


@bp.post("/articles/<id:article_id>/delete")
def article_delete(article_id: int):
    """Delete an article and its comments."""
    article = db.get_or_404(Article, article_id)
    asked = _confirm(
        _("Delete “%(title)s” and its comments for good?", title=article.title), _("Delete")
    )
    if asked:
        return asked
    db.session.execute(sa.delete(Comment).where(Comment.article_id == article.id))
    db.session.delete(article)
    db.session.commit()
    flash(_("“%(title)s” is deleted.", title=article.title), "success")
    return redirect(url_for("admin.articles"), code=303)


# --- settings -------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Store settings: the grace period of past-due subscribers."""
    form = SettingsForm()
    if request.method == "GET":
        form.grace_period_days.data = grace_period_days()
    if form.validate_on_submit():
        set_setting("grace_period_days", str(form.grace_period_days.data))
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("admin.settings"), code=303)
    return render_template("admin/settings.html", form=form), (
        400 if request.method == "POST" else 200
    )


# --- comments --------------------------------------------------------------------------


@bp.get("/comments")
def comments():
    """The moderation queue: pending, approved or spam."""
    try:
        status = CommentStatus(request.args.get("status", "pending"))
    except ValueError:
        status = CommentStatus.PENDING
    query = (
        sa.select(Comment)
        .where(Comment.status == status)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
    page = db.paginate(query, page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/comments.html",
        page=page,
        status=status.value,
        statuses=list(CommentStatus),
        form=ConfirmForm(),
    )


@bp.post("/comments/moderate")
def comments_moderate():
    """Approve, mark as spam or delete the ticked comments."""
    action = request.form.get("action", "")
    ids = [number for value in request.form.getlist("ids") if (number := valid_id(value))]
    back = url_for("admin.comments", status=request.form.get("status", "pending"))
    if action not in (*services.MODERATION_ACTIONS, "delete"):
        flash(_("Choose what to do with the comments."), "error")
        return redirect(back, code=303)
    if not ids:
        flash(_("Tick at least one comment."), "error")
        return redirect(back, code=303)
    if action == "delete":
        asked = _confirm(_("Delete %(count)d comment(s) for good?", count=len(ids)), _("Delete"))
        if asked:
            return asked
    done = services.moderate(ids, action)
    db.session.commit()
    flash(_("%(count)d comment(s) updated.", count=done), "success")
    return redirect(back, code=303)


# --- orders ----------------------------------------------------------------------------


@bp.get("/orders")
def orders():
    """Orders: filter by status, search by email or number."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    query = sa.select(Order).order_by(Order.created_at.desc(), Order.id.desc())
    if q:
        query = query.where(
            sa.or_(
                Order.email.icontains(q, autoescape=True),
                Order.number.icontains(q, autoescape=True),
            )
        )
    if status in {s.value for s in OrderStatus}:
        query = query.where(Order.status == OrderStatus(status))
    page = db.paginate(query, page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/orders.html", page=page, q=q, status=status, statuses=list(OrderStatus)
    )


@bp.get("/orders/<id:order_id>")
def order_detail(order_id: int):
    """One order: lines, payments, Stripe ids."""
    order = db.get_or_404(Order, order_id)
    payments = db.session.scalars(
        sa.select(Payment).where(Payment.order_id == order.id).order_by(Payment.created_at)
    ).all()
    subscription = db.session.scalar(
        sa.select(Subscription).where(Subscription.order_id == order.id)
    )
    counts = db.session.scalars(sa.select(DownloadCount).where(DownloadCount.order_id == order.id))
    return render_template(
        "admin/order_detail.html",
        order=order,
        payments=payments,
        subscription=subscription,
        access_keys=_access_keys(AccessKey.order_id == order.id),
        downloads_used={count.product_id: count.downloads for count in counts},
        download_limit=current_app.config["DOWNLOAD_LIMIT"],
    )


def _access_keys(condition) -> list[AccessKey]:
    return list(
        db.session.scalars(sa.select(AccessKey).where(condition).order_by(AccessKey.id.desc()))
    )


@bp.post("/access-keys/<id:key_id>/revoke")
def access_key_revoke(key_id: int):
    """Revoke a customer's access key: it stops at once (a leaked key, say)."""
    row = db.get_or_404(AccessKey, key_id)
    if row.subscription_id:
        back = url_for("admin.subscription_detail", subscription_id=row.subscription_id)
    elif row.order_id:
        back = url_for("admin.order_detail", order_id=row.order_id)
    else:
        back = url_for("admin.dashboard")
    keys.revoke(row)
    db.session.commit()
    logger.info("admin %s revoked access key %s", current_user.id, row.prefix)
    flash(
        _(
            "Key %(key)s revoked. The customer can get a new one from their account while "
            "the purchase is paid up; cancel the subscription to end access.",
            key=row.masked,
        ),
        "success",
    )
    return redirect(back, code=303)


# --- customers -------------------------------------------------------------------------


@bp.get("/customers")
def customers():
    """Accounts, newest first, searchable by email."""
    q = request.args.get("q", "").strip()
    query = sa.select(User).order_by(User.created_at.desc(), User.id.desc())
    if q:
        query = query.where(User.email.icontains(q, autoescape=True))
    page = db.paginate(query, page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/customers.html", page=page, q=q)


@bp.get("/customers/<id:user_id>")
def customer_detail(user_id: int):
    """One account: its orders and subscriptions, and "log out everywhere"."""
    user = db.get_or_404(User, user_id)
    return render_template(
        "admin/customer_detail.html",
        customer=user,
        orders=orders_for(user),
        subscriptions=subscriptions_for(user),
    )


@bp.post("/customers/<id:user_id>/logout-everywhere")
def customer_logout_everywhere(user_id: int):
    """End every session and remember-me cookie of an account (a stolen cookie, say)."""
    user = db.get_or_404(User, user_id)
    user.end_sessions()
    db.session.commit()
    logger.info("admin %s logged user %s out everywhere", current_user.id, user.id)
    flash(_("%(email)s is logged out on every device.", email=user.email), "success")
    return redirect(url_for("admin.customer_detail", user_id=user.id), code=303)


# --- subscriptions ---------------------------------------------------------------------


@bp.get("/subscriptions")
def subscriptions():
    """Subscriptions by status."""
    status = request.args.get("status", "")
    query = sa.select(Subscription).order_by(Subscription.created_at.desc(), Subscription.id.desc())
    if status in {s.value for s in SubscriptionStatus}:
        query = query.where(Subscription.status == SubscriptionStatus(status))
    page = db.paginate(query, page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/subscriptions.html", page=page, status=status, statuses=list(SubscriptionStatus)
    )


@bp.get("/subscriptions/<id:subscription_id>")
def subscription_detail(subscription_id: int):
    """One subscription with its payments and the cancel/resume actions."""
    subscription = db.get_or_404(Subscription, subscription_id)
    payments = db.session.scalars(
        sa.select(Payment)
        .where(Payment.subscription_id == subscription.id)
        .order_by(Payment.created_at.desc())
    ).all()
    return render_template(
        "admin/subscription_detail.html",
        subscription=subscription,
        payments=payments,
        access_keys=_access_keys(AccessKey.subscription_id == subscription.id),
        form=ConfirmForm(),
        monthly=services.monthly_value_cents(subscription),
    )


def _set_cancel(subscription_id: int, cancel: bool):
    subscription = db.get_or_404(Subscription, subscription_id)
    if cancel:
        asked = _confirm(
            _(
                "Cancel subscription %(id)s at the end of its period? The customer "
                "keeps access until then.",
                id=subscription.stripe_subscription_id,
            ),
            _("Cancel at period end"),
        )
        if asked:
            return asked
    back = url_for("admin.subscription_detail", subscription_id=subscription.id)
    if not gateway.is_configured():
        flash(_("Stripe is not configured (STRIPE_SECRET_KEY)."), "error")
        return redirect(back, code=303)
    try:
        gateway.set_cancel_at_period_end(subscription.stripe_subscription_id, cancel)
    except gateway.StripeError as error:
        logger.error(
            "subscription %s: Stripe refused the change: %s",
            subscription.stripe_subscription_id,
            error,
        )
        flash(_("Stripe could not be reached; nothing changed. Try again in a moment."), "error")
        return redirect(back, code=303)
    logger.info(
        "admin %s asked Stripe to %s subscription %s",
        current_user.id,
        "cancel" if cancel else "resume",
        subscription.stripe_subscription_id,
    )
    flash(
        _(
            "Stripe accepted the request. This page shows the change once Stripe's webhook "
            "confirms it."
        ),
        "success",
    )
    return redirect(back, code=303)


@bp.post("/subscriptions/<id:subscription_id>/cancel")
def subscription_cancel(subscription_id: int):
    """Ask Stripe to cancel at the period end."""
    return _set_cancel(subscription_id, True)


@bp.post("/subscriptions/<id:subscription_id>/resume")
def subscription_resume(subscription_id: int):
    """Ask Stripe to keep renewing a subscription set to cancel."""
    return _set_cancel(subscription_id, False)
