"""Articles: the list, the article form with its preview, publish, unpublish, delete."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from store.admin import services
from store.admin.forms import PARIS, ArticleForm, ConfirmForm
from store.admin.views.blueprint import bp, confirm, paginated
from store.articles.models import Article, ArticleStatus
from store.articles.services import categories, delete_article, search_articles
from store.catalog.services import all_products
from store.database import utcnow
from store.extensions import db
from store.markdown import render_markdown


@bp.get("/articles")
def articles():
    """Articles: search and filter by published, scheduled or draft."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "all")
    return render_template(
        "admin/articles.html",
        page=paginated(search_articles(q, status)),
        q=q,
        status=status,
        statuses=list(ArticleStatus),
        article_status=services.article_status,
        form=ConfirmForm(),
    )


def _article_form(article: Article | None = None) -> ArticleForm:
    """The article form with its choices: categories, offers, products that unlock it."""
    form = ArticleForm(obj=article)
    form.category_id.choices = [SelectChoice("", _("No category"))] + [
        SelectChoice(str(category.id), category.name) for category in categories()
    ]
    offers = all_products()
    form.offer_id.choices = [SelectChoice("0", _("No offer"))] + [
        SelectChoice(str(p.id), p.name) for p in offers
    ]
    form.access_product_ids.choices = [
        SelectChoice(str(p.id), p.name) for p in offers if p.grants_articles
    ]
    form.offer_products = {p.id: p for p in offers}
    if request.method == "GET" and article is not None:
        form.offer_id.data = article.offer_product_id or 0
        form.access_product_ids.data = [product.id for product in article.access_products]
        if article.published_at:
            form.published_at.data = article.published_at.astimezone(PARIS).replace(tzinfo=None)
    return form


def _save_article(form: ArticleForm, article: Article | None):
    """Save a valid form and redirect; otherwise show it again, with the preview if asked."""
    preview = render_markdown(form.body.data or "") if "preview" in request.form else None
    if preview is None and form.validate_on_submit():
        if form.slug.data and services.slug_in_use(
            Article, form.slug.data, exclude_id=article.id if article else None
        ):
            form.slug.errors.append(_("Another article already uses this slug."))
        else:
            article = article or Article()
            services.apply_article_form(form, article)
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
    asked = confirm(
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
    asked = confirm(
        _("Delete “%(title)s” and its comments for good?", title=article.title), _("Delete")
    )
    if asked:
        return asked
    delete_article(article)
    db.session.commit()
    flash(_("“%(title)s” is deleted.", title=article.title), "success")
    return redirect(url_for("admin.articles"), code=303)
