"""The desk's comments queue: readers' comments by status, moderated with the CLI's library calls.

``GET /comments`` lists the comments of one status (pending first, with the count of each),
each with its post's title, the commenter's name, the date, the text (escaped) and how many
values are hidden; **Approve**, **Reject** and **Delete** are POSTs (CSRF-checked by the app)
that call :mod:`mailbot.comments.moderation` with the reviewer's address for the audit trail.
A hidden value is put back only after a confirmation page, as on a draft's page. The draft page
shows the comments under its post (the Jinja global ``post_comments``, see ``post_comments.html``).
**Publish** (``POST /comments/publish``) renders the published posts with their approved
comments; it publishes no approved draft. Every page needs a session, like
the rest of the desk.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from mailbot.comments import moderation
from mailbot.comments.model import Comment, CommentStatus
from mailbot.comments.store import CommentStore
from mailbot.config import Config
from mailbot.desk.views import DESK, _need_session
from mailbot.drafts import audit
from mailbot.drafts.store import DraftStore
from mailbot.errors import MailbotError
from mailbot.site.publishing import Publisher

# Not "comments": that is the public form's blueprint, which the app exempts from the CSRF check.
bp = Blueprint("deskcomments", __name__)
bp.before_request(_need_session)

ORDER = (CommentStatus.PENDING, CommentStatus.APPROVED, CommentStatus.REJECTED)
DONE = {"approve": "Comment approved.", "reject": "Comment rejected.", "delete": "Comment deleted."}


def _config() -> Config:
    config: Config = current_app.extensions["mailbot"]["config"]
    return config


def _store() -> CommentStore:
    config = _config()
    return CommentStore(config.paths.drafts, config.ledger_path)


def hidden(c: Comment) -> int:
    """How many private values are still hidden in the comment."""
    return sum(1 for r in c.redactions if not r.restored)


def when(c: Comment) -> str:
    """When the comment came, in the site's time zone."""
    return c.received.astimezone(_config().site.tz).strftime("%Y-%m-%d %H:%M")


def titles(comments: list[Comment]) -> dict[str, str]:
    """The title of each post the comments are on (its id when the draft cannot be read)."""
    drafts = DraftStore(_config().paths.drafts)
    found = {}
    for post in dict.fromkeys(c.post for c in comments):
        try:
            found[post] = drafts.read(post).title
        except MailbotError:
            found[post] = post
    return found


@bp.get("/comments")
def queue() -> ResponseReturnValue:
    every = _store().all()
    counts = {s.value: sum(1 for c in every if c.status is s) for s in ORDER}
    name = request.args.get("status", CommentStatus.PENDING.value)
    shown = every if name == "all" else [c for c in every if c.status.value == name]
    if name != "all" and name not in counts:
        abort(404)
    shown.sort(key=lambda c: (ORDER.index(c.status), c.id))
    return render_template(
        "comments.html", comments=shown, counts=counts, status=name, titles=titles(shown), hidden=hidden
    )


@bp.post("/comments/<int:number>/do/<action>")
def act(number: int, action: str) -> ResponseReturnValue:
    store = _store()
    try:
        post = store.get(number).post
        if action == "approve":
            moderation.approve(store, [number], who=g.who, config=_config())
        elif action == "reject":
            moderation.reject(store, [number], who=g.who)
        elif action == "delete":
            moderation.delete(store, [number], who=g.who, config=_config())
        else:
            abort(404)
    except MailbotError as exc:
        flash(str(exc))
        return redirect(url_for("deskcomments.queue"))
    flash(DONE[action])
    return _back(post)


@bp.post("/comments/publish")
def publish() -> ResponseReturnValue:
    """Publish the approved comments: the published posts' pages again, no approved draft.

    An approved draft goes out by ``mailbot publish`` or its own page's **Publish**, never as a
    side effect of moderating comments.
    """
    config = _config()
    try:
        audit.record(config.ledger_path, [(DESK, g.who, "publish-now", "from the comments queue")])
        Publisher.of(config).publish(only=())
    except MailbotError as exc:
        flash(str(exc))
    else:
        flash("Published.")
    return redirect(url_for("deskcomments.queue", status=request.form.get("status", "pending")))


def _back(post: str) -> ResponseReturnValue:
    if request.form.get("back") == "draft":
        return redirect(url_for("desk.draft", draft_id=post) + "#comments")
    return redirect(url_for("deskcomments.queue", status=request.form.get("status", "pending")))


@bp.route("/comments/<int:number>/restore/<int:which>", methods=["GET", "POST"])
def restore(number: int, which: int) -> ResponseReturnValue:
    store = _store()
    try:
        c = store.get(number)
    except MailbotError:
        abort(404)
    if not 1 <= which <= len(c.redactions):
        abort(404)
    if request.method == "GET":
        return render_template("comment_restore.html", c=c, which=which, item=c.redactions[which - 1])
    try:
        moderation.restore(store, number, which, who=g.who)
    except MailbotError as exc:
        flash(str(exc))
    else:
        flash("The hidden value is back in the text.")
    return redirect(url_for("deskcomments.queue", status=c.status.value))


def post_comments(post: str) -> list[Comment]:
    """Every comment on ``post``, oldest first (the draft page's list)."""
    try:
        return _store().all(post)
    except MailbotError:
        return []


def register(app: Flask) -> None:
    """Add the comments queue to the desk's app, and the draft page's list of comments."""
    app.register_blueprint(bp)
    app.jinja_env.globals["post_comments"] = post_comments
    app.jinja_env.globals["comment_hidden"] = hidden
    app.jinja_env.globals["comment_when"] = when
