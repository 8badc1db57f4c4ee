"""Comment moderation: the queue by status, with one-click buttons per comment and a bulk form."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from store.admin import services
from store.admin.forms import ConfirmForm
from store.admin.views.blueprint import bp, confirm, paginated
from store.articles.models import Comment, CommentStatus
from store.articles.services import comments_to_moderate
from store.extensions import db
from store.urls import page_number, valid_id

#: what the moderation forms may ask
ACTIONS = (*services.MODERATION_ACTIONS, "delete")


def _done(action: str, name: str) -> str:
    """What a one-comment button says once it is done."""
    return {
        "approve": _("The comment of %(name)s is approved.", name=name),
        "spam": _("The comment of %(name)s is marked as spam.", name=name),
        "pending": _("The comment of %(name)s is back in the queue.", name=name),
        "delete": _("The comment of %(name)s is deleted.", name=name),
    }[action]


def _status(value: str | None) -> CommentStatus:
    try:
        return CommentStatus(value or "pending")
    except ValueError:
        return CommentStatus.PENDING


def _back_to_list():
    """Redirect to the list the form was sent from: same status tab, same page."""
    page = page_number(request.form.get("page"))
    status = _status(request.form.get("status")).value
    return redirect(url_for("admin.comments", status=status, page=page if page > 1 else None), 303)


@bp.get("/comments")
def comments():
    """The moderation queue: pending, approved or spam."""
    status = _status(request.args.get("status"))
    return render_template(
        "admin/comments.html",
        page=paginated(comments_to_moderate(status)),
        status=status.value,
        statuses=list(CommentStatus),
        form=ConfirmForm(),
    )


@bp.post("/comments/<id:comment_id>/moderate")
def comment_moderate(comment_id: int):
    """Approve, mark as spam or send back to pending one comment in one click; delete it
    after confirming."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        flash(_("Choose what to do with the comments."), "error")
        return _back_to_list()
    comment = db.session.get(Comment, comment_id)
    if comment is None:  # deleted meanwhile, in another tab say
        flash(_("This comment no longer exists."), "error")
        return _back_to_list()
    name = comment.author_name
    if action == "delete":  # for good, so asked first as everywhere in the back office
        asked = confirm(_("Delete the comment of %(name)s for good?", name=name), _("Delete"))
        if asked:
            return asked
    services.moderate([comment.id], action)
    db.session.commit()
    flash(_done(action, name), "success")
    return _back_to_list()


@bp.post("/comments/moderate")
def comments_moderate():
    """Approve, mark as spam or delete the ticked comments."""
    action = request.form.get("action", "")
    ids = [number for value in request.form.getlist("ids") if (number := valid_id(value))]
    if action not in ACTIONS:
        flash(_("Choose what to do with the comments."), "error")
        return _back_to_list()
    if not ids:
        flash(_("Tick at least one comment."), "error")
        return _back_to_list()
    if action == "delete":
        asked = confirm(_("Delete %(count)d comment(s) for good?", count=len(ids)), _("Delete"))
        if asked:
            return asked
    done = services.moderate(ids, action)
    db.session.commit()
    flash(_("%(count)d comment(s) updated.", count=done), "success")
    return _back_to_list()
