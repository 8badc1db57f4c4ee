"""article body rendered once: body_html and teaser_html

The body was rendered from Markdown (and cut to its teaser for readers without access) on
every view; it is now rendered when it is saved. This renders the rows already stored, with
the store's own pipeline, so that they read exactly as before.

Revision ID: b7d3e5f1a2c4
Revises: b7d2e5f1a9c3
Create Date: 2026-11-28 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d3e5f1a2c4'
down_revision = 'b7d2e5f1a9c3'
branch_labels = None
depends_on = None


def upgrade():
    from store.access.services import render_body_and_teaser

    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('teaser_html', sa.Text(), server_default='', nullable=False))

    article = sa.table(
        'article',
        sa.column('id', sa.Integer),
        sa.column('body', sa.Text),
        sa.column('body_html', sa.Text),
        sa.column('teaser_html', sa.Text),
    )
    connection = op.get_bind()
    for id_, body in connection.execute(sa.select(article.c.id, article.c.body)).all():
        body_html, teaser_html = render_body_and_teaser(body or '')
        connection.execute(
            article.update()
            .where(article.c.id == id_)
            .values(body_html=body_html, teaser_html=teaser_html)
        )


def downgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('teaser_html')
        batch_op.drop_column('body_html')
