"""Articles, their categories and the comments readers leave on them."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.catalog.models import Product
from store.database import LabelledEnum, UTCDateTime, enum_column, set_labels, utcnow
from store.extensions import Model, db


class Category(Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


#: which subscription products unlock a subscriber-only article
article_access = sa.Table(
    "article_access",
    db.metadata,
    sa.Column("article_id", sa.ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
)


class Article(Model):
    __tablename__ = "article"
    # The news and a category's page read their articles newest first, by these.
    __table_args__ = (
        sa.Index("ix_article_published", "published_at", "id"),
        sa.Index("ix_article_category_published", "category_id", "published_at", "id"),
        # What a subscription opens, newest first (/account counts and lists them).
        sa.Index(
            "ix_article_subscribers_published",
            "published_at",
            "id",
            postgresql_where=sa.text("subscribers_only"),
            sqlite_where=sa.text("subscribers_only"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    #: the teaser shown on the front page and in link previews (plain text)
    excerpt: Mapped[str] = mapped_column(sa.Text, default="")
    #: the body in Markdown
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: the body rendered to sanitised HTML, and the opening a reader without access gets (see
    #: store/access/services.py): rendered whenever `body` is set, not on every view
    body_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    teaser_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"))
    #: when set and not in the future, the article is public
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the offer embedded in the article, if any
    offer_product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    offer: Mapped[Product | None] = relationship()
    #: when true, only subscribers to one of `access_products` read past the opening
    subscribers_only: Mapped[bool] = mapped_column(default=False)
    access_products: Mapped[list[Product]] = relationship(secondary=article_access)

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"


@sa.event.listens_for(Article.body, "set")
def render_body(article: Article, body: str, _old, _initiator) -> None:
    """Whatever sets the body (the back office, the seed, a test), its HTML follows."""
    from store.access.services import render_body_and_teaser  # that module imports this one

    article.body_html, article.teaser_html = render_body_and_teaser(body)


class ArticleStatus(LabelledEnum):
    """Where an article stands, from its publication date (not stored)."""

    PUBLISHED = "published"
    SCHEDULED = "scheduled"
    DRAFT = "draft"


set_labels(
    ArticleStatus,
    {
        ArticleStatus.PUBLISHED: _l("Online"),
        ArticleStatus.SCHEDULED: _l("Scheduled"),
        ArticleStatus.DRAFT: _l("Draft"),
    },
)


class CommentStatus(LabelledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SPAM = "spam"


set_labels(
    CommentStatus,
    {
        CommentStatus.PENDING: _l("Pending"),
        CommentStatus.APPROVED: _l("Approved"),
        CommentStatus.SPAM: _l("Spam"),
    },
)


class Comment(Model):
    __tablename__ = "comment"
    # An article's approved comments, oldest first; the moderation queue by status, newest first.
    __table_args__ = (
        sa.Index("ix_comment_article_status", "article_id", "status", "created_at", "id"),
        sa.Index("ix_comment_status_created", "status", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("article.id", ondelete="CASCADE"))
    author_name: Mapped[str] = mapped_column(sa.String(80))
    #: never displayed; kept for moderation and replies. Typed by an anonymous reader, it
    #: proves nothing: only `user_id` ties a comment to an account.
    author_email: Mapped[str] = mapped_column(sa.String(254))
    #: the account that wrote it, logged in (None for an anonymous reader): its data export,
    #: its form's name and its deletion follow this, never the email typed
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    author_website: Mapped[str] = mapped_column(sa.String(300), default="")
    #: plain text, escaped on display
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[CommentStatus] = mapped_column(
        enum_column(CommentStatus, "comment_status"), default=CommentStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.article_id}>"
