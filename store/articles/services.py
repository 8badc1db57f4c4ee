"""Reading articles and taking readers' comments."""

import logging

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import defer, joinedload, load_only

from store.accounts.models import User, normalise_email
from store.articles.models import Article, Category, Comment, CommentStatus
from store.database import contains_text, utcnow
from store.extensions import db
from store.mail.services import queue_message
from store.pagination import paginate_counted
from store.settings.services import notify_pending_comments

logger = logging.getLogger(__name__)


#: SQL condition: the article has a publication date, and it has come. The time is read when a
#: statement runs (a bound parameter's callable), so this condition, and the statements below
#: that use it, are built once rather than on every request.
_PUBLISHED = sa.and_(
    Article.published_at.is_not(None),
    Article.published_at
    <= sa.bindparam("published_by", callable_=utcnow, type_=Article.published_at.type),
)


def is_published():
    """SQL condition: the article has a publication date, and it has come."""
    return _PUBLISHED


_PUBLISHED_ARTICLES = (
    sa.select(Article)
    .options(
        joinedload(Article.category),
        defer(Article.body),
        defer(Article.body_html),
        defer(Article.teaser_html),
    )
    .where(_PUBLISHED)
    .order_by(Article.published_at.desc(), Article.id.desc())
)


def published_articles_query():
    """Articles whose publication date has come, newest first, with their category; lists
    show the excerpt, so the body is not loaded."""
    return _PUBLISHED_ARTICLES


_PUBLISHED_IN_CATEGORY = _PUBLISHED_ARTICLES.where(
    Article.category_id == sa.bindparam("category_id")
)


def published_in_category_query():
    """`published_articles_query()` of one category, its id bound as `category_id`."""
    return _PUBLISHED_IN_CATEGORY


_PUBLISHED_ARTICLE = (
    sa.select(Article)
    .options(joinedload(Article.category), joinedload(Article.offer), defer(Article.body))
    .where(Article.slug == sa.bindparam("slug"), _PUBLISHED)
)


def get_published_article(slug: str) -> Article | None:
    """The published article with this slug, or None (its HTML loaded, not its Markdown)."""
    return db.session.scalar(_PUBLISHED_ARTICLE, {"slug": slug})


#: comments shown per page under an article
COMMENTS_PER_PAGE = 50


_APPROVED_COMMENTS = (
    sa.select(Comment)
    .where(
        Comment.article_id == sa.bindparam("article_id"),
        Comment.status == CommentStatus.APPROVED,
    )
    .order_by(Comment.created_at, Comment.id)
)


def approved_comments(article: Article, page: int = 1):
    """A page of the comments shown under an article, oldest first."""
    return paginate_counted(
        _APPROVED_COMMENTS, page=page, per_page=COMMENTS_PER_PAGE, params={"article_id": article.id}
    )


def submit_comment(
    article: Article, *, author: User | None, name: str, email: str, website: str, body: str
) -> Comment:
    """Record a reader's comment; it waits for moderation before it is shown. A logged-in
    `author`'s comment is theirs (and carries their address); an anonymous one belongs to
    nobody, whatever address was typed."""
    comment = Comment(
        article=article,
        user_id=author.id if author is not None else None,
        author_name=name.strip(),
        author_email=normalise_email(author.email if author is not None else email),
        author_website=(website or "").strip(),
        body=body.strip(),
        status=CommentStatus.PENDING,
    )
    db.session.add(comment)
    db.session.flush()
    logger.info("comment %s on article %s waits for moderation", comment.id, article.slug)
    notify_admins_of_pending_comment(comment)
    return comment


def notify_admins_of_pending_comment(comment: Comment) -> None:
    """Queue "a comment awaits moderation" to every admin, unless the settings turned it off."""
    if not notify_pending_comments():
        return
    admins = db.session.scalars(sa.select(User).where(User.is_admin).order_by(User.id))
    for admin in admins:
        queue_message(
            f"comment-pending:{comment.id}:{admin.id}",
            admin.email,
            "comment_pending",
            locale=admin.locale,
            article_title=comment.article.title,
            author_name=comment.author_name,
            comment_body=comment.body,
            action_url=url_for("admin.comments", _external=True),
            # lazy: written in the admin's language when the message is rendered
            action_label=_l("Moderate the comments"),
        )


def last_signature(user: User) -> str:
    """The name this account signed its latest comment with ("" if none), to fill the form."""
    name = db.session.scalar(
        sa.select(Comment.author_name)
        .where(Comment.user_id == user.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(1)
    )
    return name or ""


def _neighbours_statement():
    at = sa.bindparam("published_at", type_=Article.published_at.type)
    before = (
        sa.select(Article.id)
        .where(_PUBLISHED, Article.published_at < at)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    after = (
        sa.select(Article.id)
        .where(_PUBLISHED, Article.published_at > at)
        .order_by(Article.published_at, Article.id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(Article, (Article.id == before).label("is_previous"))
        .options(load_only(Article.slug, Article.title))
        .where(Article.id.in_([before, after]))
    )


_NEIGHBOURS = _neighbours_statement()


def neighbours(article: Article) -> tuple[Article | None, Article | None]:
    """The published articles just before and just after this one, in one query."""
    found = db.session.execute(_NEIGHBOURS, {"published_at": article.published_at}).all()
    previous = next((other for other, is_previous in found if is_previous), None)
    following = next((other for other, is_previous in found if not is_previous), None)
    return previous, following


def get_category(slug: str) -> Category | None:
    return db.session.scalar(sa.select(Category).where(Category.slug == slug))


def delete_article(article: Article) -> None:
    """Delete an article with its comments."""
    db.session.execute(sa.delete(Comment).where(Comment.article_id == article.id))
    db.session.delete(article)
    db.session.flush()
    logger.info("article %s deleted", article.slug)


def categories() -> list[Category]:
    """Every category, by name: what the article form offers."""
    return list(db.session.scalars(sa.select(Category).order_by(Category.name, Category.id)))


# --- back office lists ---------------------------------------------------------------


def search_articles(q: str, status: str):
    """The back office's article list: titles matching `q`, "published", "scheduled",
    "draft" or "all", undated drafts first then newest; a query to paginate."""
    query = sa.select(Article).order_by(
        Article.published_at.desc().nulls_first(), Article.id.desc()
    )
    if q:
        query = query.where(contains_text(Article.title, q))  # pg_trgm's index
    if status == "published":
        query = query.where(is_published())
    elif status == "scheduled":
        query = query.where(Article.published_at > utcnow())
    elif status == "draft":
        query = query.where(Article.published_at.is_(None))
    return query


def comments_to_moderate(status: CommentStatus):
    """The moderation queue's comments in one status, newest first; a query to paginate."""
    return (
        sa.select(Comment)
        .options(joinedload(Comment.article))
        .where(Comment.status == status)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
