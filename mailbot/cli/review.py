"""The ``mailbot drafts`` commands: list, read, edit and decide on drafts.

Each command is a few lines over :mod:`mailbot.drafts.review` (transitions with their audit trail)
or :mod:`mailbot.drafts.store` (the store). Wherever an id is taken, an unambiguous prefix will do.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from mailbot.drafts.index import hidden_values
from mailbot.drafts.store import Broken, DraftStore
from mailbot.errors import MailbotError, StoreError, UsageError
from mailbot.models import Draft, Status

if TYPE_CHECKING:
    from mailbot.cli.common import State

# The review transitions, the audit trail, the redaction masks and subprocess are imported by the
# commands that use them: `mailbot drafts list` is run often and needs none of them.

BROKEN = "broken"


def _fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut between words (with "…"), never inside one."""
    if len(text) <= width:
        return text
    cut = text[: width - 1].rstrip()
    space = cut.rfind(" ")
    return (cut[:space].rstrip(" ,") if space > 0 else cut) + "…"


def _interactive() -> bool:
    return sys.stdin.isatty()


def _confirm(question: str, yes: bool, refusal: str) -> None:
    """Ask ``question``; with --yes go on; with no terminal to ask on, stop with ``refusal``."""
    if yes:
        return
    if not _interactive():
        raise UsageError(refusal)
    if not click.confirm(question, default=False):
        raise click.Abort()


def _store(state: State) -> DraftStore:
    return state.store


def _who() -> str:
    from mailbot.drafts.audit import local_user

    return local_user()


@click.group("drafts")
def drafts_group() -> None:
    """List, read, edit, approve and reject drafts."""


pass_state = click.pass_obj


def draft_json(store: DraftStore, d: Draft) -> dict[str, Any]:
    return {
        "id": d.id,
        "status": d.status.value,
        "title": d.title,
        "author": d.author_display or d.author.name,
        "author_name": d.author.name,
        "forwarded_by": list(d.forwarded_by),
        "forwarders": [f.name or f.address for f in d.forwarders],
        "pending_forwarders": [f.name or f.address for f in d.pending_forwarders],
        "message_id": d.message_id,
        "letter_date": d.letter_date.isoformat() if d.letter_date else None,
        "created": d.created.isoformat() if d.created else None,
        "published": d.published.isoformat() if d.published else None,
        "kind": d.kind,
        "kind_reason": d.kind_reason,
        "warnings": list(d.warnings),
        "hidden_values": hidden_values(d),
        "path": str(store.path(d.id)),
    }


def broken_json(b: Broken) -> dict[str, Any]:
    return {
        "id": b.id,
        "status": BROKEN,
        "title": None,
        "author": None,
        "forwarded_by": [],
        "message_id": None,
        "path": str(b.path),
        "line": b.line,
        "error": b.error,
    }


@drafts_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (described in the README).")
@click.option(
    "--status", type=click.Choice([*(s.value for s in Status), BROKEN]), help="Only drafts in this status."
)
@pass_state
def drafts_list(state: State, as_json: bool, status: str | None) -> None:
    """List drafts, oldest first; files that cannot be read are listed as broken.

    MARKS: H private values hidden behind placeholders ([IBAN]...), P a pending
    amendment (a colleague forwarded the letter again), W warnings (see `drafts show`).
    """
    store = _store(state)
    if as_json:
        drafts, broken = store.scan()
        if status == BROKEN:
            drafts = []
        elif status is not None:
            drafts, broken = [d for d in drafts if d.status.value == status], []
        items = [draft_json(store, d) for d in drafts] + [broken_json(b) for b in broken]
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    # The table needs a few fields of each draft: read from the drafts index, not built whole.
    lines, broken = store.listing(None if status in (None, BROKEN) else Status(status))
    if status == BROKEN:
        lines = []
    elif status is not None:
        broken = []
    if not lines and not broken:
        click.echo("no drafts" + (f" in status {status}" if status else ""))
        return
    rows = [("ID", "STATUS", "KIND", "MARKS", "AUTHOR", "FORWARDED BY", "TITLE")]
    rows += [
        (
            d.id,
            d.status,
            d.kind or "-",
            d.marks,
            _fit(d.author or "-", 20),
            _fit(", ".join(d.forwarded_by) or "-", 28),
            d.title,
        )
        for d in lines
    ]
    rows += [
        (b.id, BROKEN, "-", "-", "-", "-", f"line {b.line or '?'}: see `mailbot drafts show`") for b in broken
    ]
    # Every column but the title padded to its widest cell, two spaces apart; the title as it is.
    columns = list(zip(*rows, strict=True))[:6]
    line = "  ".join(f"{{:<{max(map(len, column))}}}" for column in columns) + "  {}"
    click.echo("\n".join(line.format(*row) for row in rows))  # one write of 10,000 lines
    for b in broken:
        click.echo(f"mailbot: warning: {b.error}", err=True)


@drafts_group.command("show")
@click.argument("draft_id")
@pass_state
def drafts_show(state: State, draft_id: str) -> None:
    """Print one draft: its data, the forwarders' notes (internal), then the letter as published."""
    store = _store(state)
    d = store.find(draft_id)
    rows = [
        ("id", d.id),
        ("status", d.status.value),
        ("kind", f"{d.kind or '?'}" + (f" ({d.kind_reason})" if d.kind_reason else "")),
        ("title", d.title),
        ("author", f"{d.author.name or '?'} (shown as: {d.author_display or 'a customer'})"),
        ("forwarded by", ", ".join(d.forwarded_by) or "-"),
        ("letter date", d.letter_date.isoformat() if d.letter_date else (d.letter_date_raw or "-")),
        ("received", d.received.isoformat() if d.received else "-"),
        ("message-id", d.message_id or "-"),
        ("file", str(store.path(d.id))),
    ]
    if d.reason:
        rows.append(("reason", d.reason))
    if d.warnings:
        rows.append(("warnings", ", ".join(d.warnings)))
    for name, value in rows:
        click.echo(f"{name + ':':<14}{value}")
    if d.forwarders:
        click.echo("\nforwarders (their notes are internal, not published):")
        for f in d.forwarders:
            click.echo(f"  {f.name or '?'} <{f.address or '?'}>" + (f": {f.note}" if f.note else ""))
    if d.pending_forwarders:
        click.echo(
            f"\npending amendment, not published (`mailbot drafts accept {d.id}` credits them, "
            f"`mailbot drafts discard {d.id}` drops them):"
        )
        for f in d.pending_forwarders:
            click.echo(f"  + {f.name or '?'} <{f.address or '?'}>" + (f": {f.note}" if f.note else ""))
    _show_safety(store, d)
    if d.intro:
        click.echo(f"\nintro:\n{d.intro}")
    click.echo(f"\n{d.body}")


def _show_safety(store: DraftStore, d: Draft) -> None:
    """The private side of a draft: hidden values (masked), images, left-out attachments."""
    from mailbot.safety.redact import mask

    if d.redactions:
        click.echo(
            f"\nhidden private data ({len(d.redactions)}; `mailbot drafts restore {d.id} N` puts one back):"
        )
        for n, r in enumerate(d.redactions, 1):
            note = "  (restored)" if r.restored else ""
            click.echo(f"  {n:>3}. {r.kind:<10} {r.field:<20} {mask(r.kind, r.original)}{note}")
    if d.assets:
        click.echo(f"\nimages ({store.assets_dir(d.id)}):")
        for a in d.assets:
            click.echo(f"  {a.name}  {a.content_type}  sha256 {a.sha256[:12]}")
    if d.skipped_attachments:
        click.echo("\nattachments left out (never published):")
        for s in d.skipped_attachments:
            click.echo(f"  {s.content_type or '?'}  {s.size or '?'} bytes  {s.reason}")
    if d.remote_images:
        click.echo("\nremote images in the message (not loaded, not published):")
        for url in d.remote_images:
            click.echo(f"  {url}")


@drafts_group.command("restore")
@click.argument("draft_id")
@click.argument("number", type=click.IntRange(min=1))
@pass_state
def drafts_restore(state: State, draft_id: str, number: int) -> None:
    """Put hidden private value NUMBER (as `drafts show` lists it) back into the draft's text.

    Deliberate: the value will be published if the draft is approved.
    """
    from mailbot.drafts import review

    store = _store(state)
    record = review.restore(store, state.config.ledger_path, draft_id, number, who=_who())
    resolved = store.resolve(draft_id)
    click.echo(f"restored {record.kind} in {record.field} of {resolved}; it will be published if approved")


@drafts_group.command("approve")
@click.argument("ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Approve every draft in status draft.")
@click.option("--force", is_flag=True, help="Also approve drafts that were rejected or retracted.")
@click.option("--yes", is_flag=True, help="Do not ask before approving drafts with hidden values.")
@pass_state
def drafts_approve(state: State, ids: tuple[str, ...], all_: bool, force: bool, yes: bool) -> None:
    """Approve drafts for publishing (then run `mailbot publish`).

    A draft whose private values were hidden would be published with placeholders
    like [IBAN] in its text: you are asked first (--yes skips the question).
    """
    from mailbot.drafts import review

    store = _store(state)
    if all_ == bool(ids):
        raise UsageError("give draft ids or --all, not both and not neither.")
    chosen = [d.id for d in store.all(Status.DRAFT)] if all_ else [store.resolve(i) for i in ids]
    if not chosen:
        click.echo("no drafts to approve")
        return
    flagged = [d for d in (store.read(i) for i in chosen) if hidden_values(d)]
    if flagged:
        names = ", ".join(d.id for d in flagged)
        _confirm(
            f"{names}: placeholders like [IBAN] or [telefono] stand where private values were "
            "hidden and will be published as they are. Approve?",
            yes,
            f"{names} would be published with placeholders like [IBAN] where private values were "
            "hidden; rewrite those sentences (mailbot drafts edit) or approve with --yes.",
        )
    for d in review.transition(store, state.config.ledger_path, chosen, "approve", force=force, who=_who()):
        click.echo(f"approved {d.id}")


@drafts_group.command("reject")
@click.argument("ids", nargs=-1, required=True)
@click.option("--reason", help="Why; kept in the draft file and its history.")
@pass_state
def drafts_reject(state: State, ids: tuple[str, ...], reason: str | None) -> None:
    """Reject drafts: they stay on disk, marked rejected, and are never published."""
    from mailbot.drafts import review

    for d in review.transition(
        _store(state), state.config.ledger_path, ids, "reject", reason=reason, who=_who()
    ):
        click.echo(f"rejected {d.id}")


@drafts_group.command("unapprove")
@click.argument("ids", nargs=-1, required=True)
@pass_state
def drafts_unapprove(state: State, ids: tuple[str, ...]) -> None:
    """Move approved drafts back to status draft (before they are published)."""
    from mailbot.drafts import review

    for d in review.transition(_store(state), state.config.ledger_path, ids, "unapprove", who=_who()):
        click.echo(f"{d.id} is a draft again")


@drafts_group.command("delete")
@click.argument("ids", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def drafts_delete(state: State, ids: tuple[str, ...], yes: bool) -> None:
    """Delete drafts: the file and its images are removed; the message is never drafted again.

    A post on the site must be retracted first (mailbot retract ID).
    """
    from mailbot.drafts import review

    store = _store(state)
    chosen = [store.resolve(i) for i in ids]
    _confirm(
        f"delete {', '.join(chosen)} and their images for good?",
        yes,
        f"deleting {', '.join(chosen)} cannot be undone; run again with --yes to delete.",
    )
    for draft_id in review.delete(store, state.config.ledger_path, chosen, who=_who()):
        click.echo(f"deleted {draft_id}")


@drafts_group.command("accept")
@click.argument("ids", nargs=-1, required=True)
@pass_state
def drafts_accept(state: State, ids: tuple[str, ...]) -> None:
    """Accept the pending amendment of drafts: credit the colleagues who forwarded the letter again.

    A published post goes back to approved: the site changes at the next `mailbot publish`.
    """
    with state.pipeline() as pipeline:
        drafts = pipeline.accept(list(ids), _who())
    for d in drafts:
        click.echo(f"accepted the amendment of {d.id}; it is {d.status.value}")


@drafts_group.command("discard")
@click.argument("ids", nargs=-1, required=True)
@pass_state
def drafts_discard(state: State, ids: tuple[str, ...]) -> None:
    """Discard the pending amendment of drafts: nothing it carried is credited or published."""
    from mailbot.drafts import review

    for d in review.discard_pending(_store(state), state.config.ledger_path, ids, who=_who()):
        click.echo(f"discarded the amendment of {d.id}")


@drafts_group.command("history")
@click.argument("draft_id")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of {id, at, who, action, detail}.")
@pass_state
def drafts_history(state: State, draft_id: str, as_json: bool) -> None:
    """Show every change of a draft: created, credited, approved, rejected... by whom and when."""
    from mailbot.drafts.audit import Audit

    store = _store(state)
    try:
        resolved = store.resolve(draft_id)
    except UsageError:
        resolved = draft_id  # a deleted draft keeps its history
    with Audit(state.config.ledger_path) as trail:
        entries = trail.history(resolved)
    if as_json:
        click.echo(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
        return
    if not entries:
        raise UsageError(f"there is no history of a draft {draft_id!r}; see `mailbot drafts list`.")
    for e in entries:
        click.echo(f"{e.at}  {e.who:<12}  {e.action:<15}  {e.detail or ''}".rstrip())


@drafts_group.command("edit")
@click.argument("draft_id")
@pass_state
def drafts_edit(state: State, draft_id: str) -> None:
    """Open a draft in $VISUAL or $EDITOR, then check it still reads as a draft."""
    import subprocess

    from mailbot.drafts import audit

    store = _store(state)
    draft_id = store.resolve(draft_id)
    path = store.path(draft_id)
    store.read(draft_id)
    before = path.read_bytes()
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        subprocess.run([*editor.split(), str(path)], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise MailbotError(f"the editor {editor!r} failed ({exc}); set $EDITOR to a working editor.") from exc
    try:
        store.read(draft_id)
    except StoreError as exc:
        raise MailbotError(
            f"{exc} The file was saved as you left it; run `mailbot drafts edit {draft_id}` again."
        ) from exc
    if path.read_bytes() != before:
        audit.record(state.config.ledger_path, [(draft_id, _who(), "edit", None)])
    click.echo(f"saved {path}")
