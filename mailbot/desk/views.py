"""The desk's pages: sign-in, the queue, a draft with its preview, edits and review actions.

Views only read the request, call the drafts library or the publisher, and render; every
rule (who may move where, what an edit may touch) lives in the library.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from mailbot.config import Config
from mailbot.desk.app import csrf_token
from mailbot.desk.auth import Limiter, Reviewers
from mailbot.drafts import amend, audit, edit, review
from mailbot.drafts.attribution import author_display
from mailbot.drafts.store import DraftStore
from mailbot.errors import MailbotError
from mailbot.models import Draft, Status
from mailbot.site.draftpage import render_draft_page
from mailbot.site.publishing import Publisher

desk = Blueprint("desk", __name__)

PAGE_SIZE = 50
OPEN = frozenset({"desk.healthz", "desk.signin"})
DESK = "-"  # the audit trail's draft id of what concerns no draft (sign-ins)
DONE = {
    "approve": "Approved.",
    "reject": "Rejected.",
    "unapprove": "Moved back to draft.",
    "publish": "Published.",
    "retract": "Retracted.",
    "accept": "Amendment accepted.",
    "discard": "Amendment discarded.",
}


def _ext() -> dict[str, Any]:
    ext: dict[str, Any] = current_app.extensions["mailbot"]
    return ext


def _config() -> Config:
    config: Config = _ext()["config"]
    return config


def _store() -> DraftStore:
    return DraftStore(_config().paths.drafts)


@desk.before_request
def _need_session() -> ResponseReturnValue | None:
    if request.endpoint in OPEN:
        return None
    who = session.get("who")
    reviewers: Reviewers = _ext()["reviewers"]
    if not isinstance(who, str) or not reviewers.exists(who):
        session.pop("who", None)
        if request.method == "GET":
            return redirect(url_for("desk.signin"))
        abort(403)
    g.who = who
    return None


@desk.get("/healthz")
def healthz() -> ResponseReturnValue:
    return {"status": "ok"}


@desk.route("/signin", methods=["GET", "POST"])
def signin() -> ResponseReturnValue:
    csrf_token()
    if request.method == "GET":
        return render_template("signin.html", error=None)
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    limiter: Limiter = _ext()["limiter"]
    keys = (f"account:{email}", f"address:{request.remote_addr}")
    ledger = _config().ledger_path
    if limiter.blocked(*keys):
        audit.record(
            ledger, [(DESK, email or "?", "sign-in-refused", f"from {request.remote_addr}; too many")]
        )
        return render_template("signin.html", error="limited"), 429
    reviewers: Reviewers = _ext()["reviewers"]
    found = reviewers.verify(email, password)
    if found is None:
        failures = limiter.failed(*keys)
        time.sleep(min(_ext()["signin_delay"] * failures, 5.0))
        audit.record(ledger, [(DESK, email or "?", "sign-in-failed", f"from {request.remote_addr}")])
        return render_template("signin.html", error="wrong"), 401
    limiter.succeeded(*keys)
    session.clear()
    session.permanent = True
    session["who"] = found.email
    csrf_token()
    audit.record(ledger, [(DESK, found.email, "sign-in", f"from {request.remote_addr}")])
    return redirect(url_for("desk.queue"))


@desk.post("/signout")
def signout() -> ResponseReturnValue:
    session.clear()
    return redirect(url_for("desk.signin"))


def marks(d: Draft) -> list[str]:
    """What a reviewer should look at before approving (the queue's marks)."""
    found = []
    hidden = sum(1 for r in d.redactions if not r.restored and r.kind != "surname")
    if hidden:
        found.append(f"hidden values: {hidden}")
    if d.pending_forwarders:
        found.append("pending amendment")
    found += [w for w in d.warnings if w != "redacted"]
    if d.kind and d.kind != "forward":
        found.append(d.kind)
    if d.remote_images:
        found.append(f"remote images dropped: {len(d.remote_images)}")
    if d.skipped_attachments:
        found.append(f"attachments skipped: {len(d.skipped_attachments)}")
    return found


@desk.get("/")
def queue() -> ResponseReturnValue:
    # One store for the app's life: its drafts index keeps its connection and the stamps it saw.
    store: DraftStore = _ext().setdefault("queue_store", _store())
    status_name = request.args.get("status", "draft")
    status = None if status_name == "all" else Status(status_name) if status_name in set(Status) else None
    query = request.args.get("q", "").strip() or None
    forwarder = request.args.get("forwarder", "").strip() or None
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    store.refresh()  # one look at the files (hand edits too) for both queries below
    drafts, total = store.page(
        status=status,
        query=query,
        forwarder=forwarder,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        sync=False,
    )
    return render_template(
        "queue.html",
        drafts=drafts,
        total=total,
        counts=store.counts(sync=False),
        status=status.value if status else "all",
        query=query or "",
        forwarder=forwarder or "",
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        marks=marks,
    )


def _draft_page(d: Draft, version: str, **extra: Any) -> str:
    config = _config()
    preview_rel = preview_error = None
    try:
        _html, preview_rel = render_draft_page(Publisher.of(config), d, _ext()["preview_root"] / d.id)
    except MailbotError as exc:
        preview_error = str(exc)
    with audit.Audit(config.ledger_path) as trail:
        history = trail.history(d.id)
    return render_template(
        "draft.html",
        d=d,
        version=version,
        preview_rel=preview_rel,
        preview_error=preview_error,
        history=history,
        marks=marks(d),
        styles=edit.AUTHOR_STYLES,
        styled={s: author_display(d.author, s) for s in edit.AUTHOR_STYLES},
        **extra,
    )


@desk.get("/drafts/<draft_id>")
def draft(draft_id: str) -> ResponseReturnValue:
    try:
        d, version = edit.read(_store(), draft_id)
    except MailbotError:
        abort(404)
    return _draft_page(d, version)


@desk.get("/drafts/<draft_id>/site/<path:rel>")
def site_file(draft_id: str, rel: str) -> ResponseReturnValue:
    try:
        draft_id = _store().resolve(draft_id)
    except MailbotError:
        abort(404)
    return send_from_directory(_ext()["preview_root"] / draft_id, rel)


def _form_edit(d: Draft) -> edit.Edit:
    form = request.form
    style = form.get("author_style", "custom")
    author = author_display(d.author, style) if style in edit.AUTHOR_STYLES else form.get("author", "")
    labels = tuple(form.getlist("forwarded_by"))
    when = form.get("date", "").strip()
    published = None
    if when:
        try:
            published = datetime.fromisoformat(when)
        except ValueError as exc:
            raise MailbotError(f"the date {when!r} is not a date; write it as 2024-05-31 18:30.") from exc
        if published.tzinfo is None:
            published = published.replace(tzinfo=_config().site.tz)
    return edit.Edit(
        title=form.get("title"),
        intro=form.get("intro"),
        body=form.get("body"),
        author_display=author,
        forwarded_by=labels,
        published=published,
    )


@desk.post("/drafts/<draft_id>/edit")
def save(draft_id: str) -> ResponseReturnValue:
    store = _store()
    try:
        d, _version = edit.read(store, draft_id)
    except MailbotError:
        abort(404)
    try:
        changes = _form_edit(d)
        edit.save(store, _config().ledger_path, d.id, request.form.get("version", ""), changes, who=g.who)
    except edit.EditConflict as conflict:
        return _draft_page(conflict.current, conflict.current_version, conflict=changes), 409
    except MailbotError as exc:
        flash(str(exc))
    else:
        flash("Saved.")
    return redirect(url_for("desk.draft", draft_id=d.id))


@desk.post("/drafts/<draft_id>/do/<action>")
def act(draft_id: str, action: str) -> ResponseReturnValue:
    config = _config()
    store = _store()
    reason = request.form.get("reason", "").strip() or None
    try:
        draft_id = store.resolve(draft_id)
        if action in review.TRANSITIONS:
            review.transition(store, config.ledger_path, [draft_id], action, reason=reason, who=g.who)
        elif action == "publish":
            if store.read(draft_id).status is not Status.APPROVED:
                raise MailbotError("only an approved draft can be published; approve it first.")
            audit.record(config.ledger_path, [(draft_id, g.who, "publish-now", None)])
            Publisher.of(config).publish(only=[draft_id])
        elif action == "retract":
            Publisher.of(config).retract([draft_id], reason, who=g.who)
        elif action == "discard":
            review.discard_pending(store, config.ledger_path, [draft_id], who=g.who)
        elif action == "accept":
            amend.accept(store, config, config.ledger_path, [draft_id], g.who)
        else:
            abort(404)
    except MailbotError as exc:
        flash(str(exc))
    else:
        flash(DONE[action])
    return redirect(url_for("desk.draft", draft_id=draft_id))


@desk.route("/drafts/<draft_id>/restore/<int:number>", methods=["GET", "POST"])
def restore(draft_id: str, number: int) -> ResponseReturnValue:
    store = _store()
    try:
        d = store.find(draft_id)
    except MailbotError:
        abort(404)
    if not 1 <= number <= len(d.redactions):
        abort(404)
    if request.method == "GET":
        return render_template("restore.html", d=d, number=number, item=d.redactions[number - 1])
    try:
        review.restore(store, _config().ledger_path, d.id, number, who=g.who)
    except MailbotError as exc:
        flash(str(exc))
    else:
        flash("The hidden value is back in the text.")
    return redirect(url_for("desk.draft", draft_id=d.id))
