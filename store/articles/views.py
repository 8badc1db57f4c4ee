"""The news side: front page, article pages and their comments."""

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from store.access import services as access
from store.articles import services
from store.articles.forms import AccountCommentForm, CommentForm
from store.catalog.services import front_page_offers
from store.extensions import db, limiter
from store.pagination import paginate_uncounted
from store.seo.services import article_json_ld
from store.urls import page_number

logger = logging.getLogger(__name__)

bp = Blueprint("articles", __name__)

#: offers shown on the front page (the shop lists them all)
FRONT_PAGE_OFFERS = 6
#: flash category of "your comment awaits moderation", shown at the comment form, not at the top
COMMENT_POSTED = "comment-posted"


@bp.get("/")
def index():
    """Front page: the latest articles, the offer banner and the shop's offers."""
    page = page_number(request.args.get("page"))
    articles = paginate_uncounted(
        services.published_articles_query(),
        page=page,
        per_page=current_app.config["ARTICLES_PER_PAGE"],
        error_out=True,
    )
    products, offer = front_page_offers(FRONT_PAGE_OFFERS)
    return render_template("articles/index.html", articles=articles, products=products, offer=offer)


def _published_or_404(slug: str):
    article = services.get_published_article(slug)
    if article is None:
        abort(404, description="This article does not exist or is not published.")
    return article


def _comment_form() -> CommentForm:
    """The reply form; a logged-in customer gives no email and finds their last name filled in."""
    if not current_user.is_authenticated:
        return CommentForm()
    form = AccountCommentForm()
    if request.method == "GET":
        form.name.data = services.last_signature(current_user)
    return form


def _render_article(article, form, status=200):
    readable = access.can_read(current_user, article)
    # A reader without access gets the opening only: the rest never reaches the page. Both
    # were sanitised when the body was saved (see Article.body_html).
    body_html = Markup(article.body_html if readable else article.teaser_html)  # nosec B704
    previous, following = services.neighbours(article)
    return (
        render_template(
            "articles/detail.html",
            article=article,
            previous=previous,
            next=following,
            json_ld=article_json_ld(article, current_app.config["SITE_NAME"]),
            readable=readable,
            offer=access.offer_for(article),
            body_html=body_html,
            comments=services.approved_comments(article, page_number(request.args.get("comments"))),
            form=form,
        ),
        status,
    )


@bp.get("/category/<slug>")
def category(slug: str):
    """The published articles of one category, newest first."""
    found = services.get_category(slug)
    if found is None:
        abort(404)
    articles = paginate_uncounted(
        services.published_in_category_query(),
        page=page_number(request.args.get("page")),
        per_page=current_app.config["ARTICLES_PER_PAGE"],
        error_out=False,
        params={"category_id": found.id},
    )
    return render_template("articles/category.html", category=found, articles=articles)


@bp.get("/articles/<slug>")
def detail(slug: str):
    """One article with its offer block, approved comments and the reply form."""
    article = _published_or_404(slug)
    response = make_response(_render_article(article, _comment_form()))
    # For shared caches and conditional GETs (store/ops/http_cache.py); the ETag still tells
    # a newly approved comment apart.
    response.last_modified = article.updated_at
    return response


@bp.post("/articles/<slug>/comments")
@limiter.limit(lambda: current_app.config["COMMENT_LIMIT"])
def comment(slug: str):
    """Take a reader's comment; it is held for moderation."""
    article = _published_or_404(slug)
    form = _comment_form()
    if not form.validate():
        return _render_article(article, form, status=400)
    if form.nickname.data:
        # A bot filled the hidden field: answer as usual so it learns nothing, store nothing.
        logger.info("honeypot comment dropped on %s", article.slug)
    else:
        # A customer's comment is tied to their account, whatever email the request carries;
        # an anonymous reader's to no account, whatever email they typed.
        author = current_user._get_current_object() if current_user.is_authenticated else None
        services.submit_comment(
            article,
            author=author,
            name=form.name.data,
            email=form.email.data if author is None else "",
            website=form.website.data or "",
            body=form.body.data,
        )
        db.session.commit()
    flash(
        _("Thank you! Your comment is awaiting moderation and will appear once approved."),
        COMMENT_POSTED,
    )
    return redirect(
        url_for("articles.detail", slug=article.slug, _anchor="comment-posted"), code=303
    )
