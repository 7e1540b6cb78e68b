"""Moderating comments: approve, reject, delete (the text really goes), each with an audit entry.

The audit rows go to the drafts' audit trail (:mod:`mailbot.drafts.audit`) under the post's id,
action ``comment approve`` / ``comment reject`` / ``comment delete``, detail ``comment N``: the
post's ``mailbot drafts history`` shows what happened to its comments. No comment text is logged.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterable

from mailbot.comments import notify
from mailbot.comments.model import Comment, CommentStatus
from mailbot.comments.store import CommentStore
from mailbot.config import Config
from mailbot.drafts import audit
from mailbot.errors import UsageError
from mailbot.models import hidden_place
from mailbot.safety import redact
from mailbot.safety.senders import is_allowed

_ACTIONS = {
    CommentStatus.APPROVED: "comment approve",
    CommentStatus.REJECTED: "comment reject",
    CommentStatus.PENDING: "comment pending",
}


def auto_approved(address: str | None, patterns: tuple[str, ...]) -> bool:
    """True when ``[comments] auto_approve`` trusts this sender (patterns as ``[senders] allow``)."""
    return bool(patterns) and bool(address) and is_allowed(address, patterns)


def _set(
    store: CommentStore,
    numbers: Iterable[int],
    status: CommentStatus,
    who: str | None,
    config: Config | None = None,
) -> list[Comment]:
    comments = [store.get(n) for n in numbers]  # every id checked before anything changes
    changed = []
    for c in comments:
        if c.status is status:
            continue
        before = c.status
        c.status = status
        store.write(c)
        changed.append((c, before))
    audit.record(
        store.ledger,
        [
            (
                c.post,
                who or audit.local_user(),
                _ACTIONS[status],
                f"comment {c.id}: {before.value} → {status.value}",
            )
            for c, before in changed
        ],
        also=_mail([c for c, _ in changed], status, config),
    )
    return [c for c, _ in changed]


def _mail(
    comments: list[Comment], status: CommentStatus, config: Config | None
) -> Callable[[sqlite3.Connection], None] | None:
    """The commenters' mails the change causes (:mod:`mailbot.comments.notify`), in its transaction."""
    if status is CommentStatus.APPROVED:
        return notify.approved(config, comments)
    return notify.withdrawn(comments)


def approve(
    store: CommentStore, numbers: Iterable[int], who: str | None = None, config: Config | None = None
) -> list[Comment]:
    """Approve comments (the next publish shows them); returns those that changed.

    With ``config``, a commenter who left an address will be told when the comment is on the site.
    """
    return _set(store, numbers, CommentStatus.APPROVED, who, config)


def approve_all(store: CommentStore, who: str | None = None, config: Config | None = None) -> list[Comment]:
    return approve(store, [c.id for c in store.all(status=CommentStatus.PENDING)], who, config)


def reject(store: CommentStore, numbers: Iterable[int], who: str | None = None) -> list[Comment]:
    """Reject comments: kept, never shown; returns those that changed."""
    return _set(store, numbers, CommentStatus.REJECTED, who)


def delete(
    store: CommentStore, numbers: Iterable[int], who: str | None = None, config: Config | None = None
) -> list[Comment]:
    """Delete comments for good (text and address); the next publish takes them off every page."""
    numbers = list(numbers)
    for n in numbers:
        store.get(n)  # all exist, or nothing is deleted
    gone = [store.delete(n) for n in numbers]
    audit.record(
        store.ledger,
        [(c.post, who or audit.local_user(), "comment delete", f"comment {c.id} deleted") for c in gone],
        also=_both(notify.withdrawn(gone, config), notify.deleted(gone)),
    )
    return gone


def _both(
    first: Callable[[sqlite3.Connection], None] | None, second: Callable[[sqlite3.Connection], None] | None
) -> Callable[[sqlite3.Connection], None] | None:
    """Both steps in one transaction (either may be None)."""
    steps = [step for step in (first, second) if step is not None]
    if not steps:
        return None

    def also(db: sqlite3.Connection) -> None:
        for step in steps:
            step(db)

    return also


def parse_ids(values: Iterable[str]) -> list[int]:
    """Comment numbers as people type them: ``12``, ``#12``, ``comment-12``."""
    numbers = []
    for value in values:
        text = value.strip().removeprefix("#").removeprefix("comment-")
        if not text.isdigit():
            raise UsageError(f"{value!r} is not a comment number; see `mailbot comments list`.")
        numbers.append(int(text))
    return numbers


def restore(store: CommentStore, number: int, which: int, who: str | None = None) -> Comment:
    """Put hidden value ``which`` (from 1, as ``mailbot comments show`` lists them) back in the text."""
    c = store.get(number)
    records = list(c.redactions)
    if not 1 <= which <= len(records):
        raise UsageError(
            f"comment {number} has no hidden value {which}; `mailbot comments show {number}` lists them."
        )
    record = records[which - 1]
    if record.restored:
        raise UsageError(f"hidden value {which} of comment {number} is already restored.")
    text = redact.restore(c.text, record.placeholder, hidden_place(records, which - 1), record.original)
    if text is None:
        raise UsageError(f"the placeholder of hidden value {which} is no longer in comment {number}'s text.")
    records[which - 1] = dataclasses.replace(record, restored=True)
    c.text, c.redactions = text, tuple(records)
    store.write(c)
    audit.record(
        store.ledger,
        [(c.post, who or audit.local_user(), "comment restore", f"comment {c.id}: value {which}")],
    )
    return c
