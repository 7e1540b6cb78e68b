"""The outbox: mail recorded with the event that causes it, sent afterwards, exactly once.

The ``outbox`` table lives in the ledger database. :func:`enqueue` inserts notices on a
connection *inside the caller's transaction* (the ledger's group commit of new drafts, a
quarantine row...), so a notice exists exactly when its event does. :meth:`Outbox.flush`
sends what is due and marks a row sent only after the server's 250; a failure keeps the
row queued with its error and a growing delay (:data:`BACKOFF`). A crash between the 250
and the mark sends the row again with the same ``Message-ID`` (made from the event key by
:func:`mailbot.outbox.compose.message_id`), so a resend is recognisable. The event key is
unique: recording the same event twice queues one mail. A recipient gets at most
``[notify] hourly_cap`` mails an hour; the rest wait (nothing is dropped).

An SMTP outage never blocks the callers: :meth:`Outbox.flush` reports, never raises for
the server's sake.
"""

from __future__ import annotations

import email
import email.policy
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from mailbot import database
from mailbot.errors import StoreError
from mailbot.featureconfig import SmtpConfig
from mailbot.outbox.compose import Notice
from mailbot.outbox.smtp import Sender, SmtpError

log = logging.getLogger(__name__)

QUEUED = "queued"
SENT = "sent"
HELD = "held"  # recorded, sent only once released (see rewrite)
# Seconds to wait after the n-th failure (the last value repeats).
BACKOFF = (5, 30, 120, 600, 1800, 3600)

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _row(n: Notice, state: str, at: str) -> tuple[object, ...]:
    return (n.event, n.kind, n.recipient, str(n.message["Message-ID"]), n.message.as_bytes(), state, at, at)


_INSERT = (
    "INSERT OR IGNORE INTO outbox (event, kind, recipient, message_id, message, state, next_try,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def enqueue(db: sqlite3.Connection, notices: Iterable[Notice], now: datetime | None = None) -> None:
    """Insert ``notices`` on ``db`` within the caller's open transaction (an event already queued is kept).

    ``db`` is the ledger database opened by :func:`mailbot.database.connect`: its table is there.
    """
    notices = list(notices)
    if not notices:
        return
    at = _stamp(now or _now())
    db.executemany(_INSERT, [_row(n, QUEUED, at) for n in notices])


# -- mail that grows or waits (mailbot.comments.notify) ---------------------------------------
# A queued row may be rewritten before it is sent (a batch of new comments becomes one mail):
# its Message-ID changes with it, and :meth:`Outbox.flush` marks a row sent only when the row
# still holds the message it sent, so a rewrite during a send is sent again, never lost.
# A HELD row is recorded with its event but not sent: it waits for a later event (a comment
# approved waits for the publish that puts it on the site), which releases or drops it.


def last_queued(db: sqlite3.Connection, kind: str, recipient: str) -> tuple[int, str] | None:
    """(id, event) of the newest queued ``kind`` mail to ``recipient`` not yet sent, if any."""
    row = db.execute(
        "SELECT id, event FROM outbox WHERE kind = ? AND recipient = ? AND state = ?"
        " ORDER BY id DESC LIMIT 1",
        (kind, recipient, QUEUED),
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def rewrite(db: sqlite3.Connection, row_id: int, notice: Notice, *, was: str | None = None) -> None:
    """Replace a queued (or held) row's event and message by ``notice``'s, leaving it queued.

    Only a row to ``notice``'s recipient is changed and, with ``was``, only while its event is
    still ``was``: a row read in an earlier transaction may be gone since, and its id taken by
    another mail (SQLite reuses the largest id), which must neither change nor go elsewhere.
    """
    sql = (
        "UPDATE outbox SET event = ?, message_id = ?, message = ?, state = ?"
        " WHERE id = ? AND state IN (?, ?) AND recipient = ?"
    )
    args: tuple[object, ...] = (
        notice.event, str(notice.message["Message-ID"]), notice.message.as_bytes(), QUEUED, row_id,
        QUEUED, HELD, notice.recipient,
    )  # fmt: skip
    if was is not None:
        sql, args = sql + " AND event = ?", (*args, was)
    db.execute(sql, args)


def hold(db: sqlite3.Connection, notices: Iterable[Notice], now: datetime | None = None) -> None:
    """Record ``notices`` as held: kept with their event, sent only once :func:`rewrite` releases them."""
    notices = list(notices)
    if notices:
        at = _stamp(now or _now())
        db.executemany(_INSERT, [_row(n, HELD, at) for n in notices])


def held(db: sqlite3.Connection, kind: str, state: str = HELD) -> list[tuple[int, str, str]]:
    """(id, event, recipient) of every held (or ``state``) ``kind`` row."""
    rows = db.execute(
        "SELECT id, event, recipient FROM outbox WHERE kind = ? AND state = ? ORDER BY id", (kind, state)
    )
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def unsent(db: sqlite3.Connection, kind: str) -> list[tuple[int, str, str]]:
    """(id, event, recipient) of every queued ``kind`` row not yet sent."""
    return held(db, kind, QUEUED)


def drop_unsent(db: sqlite3.Connection, events: Iterable[str]) -> None:
    """Forget the held or queued rows of ``events`` (a comment rejected or deleted before its mail went)."""
    rows = [(e, HELD, QUEUED) for e in events]
    db.executemany("DELETE FROM outbox WHERE event = ? AND state IN (?, ?)", rows)


def sent_rows(db: sqlite3.Connection, kind: str) -> list[tuple[int, str, str]]:
    """(id, event, recipient) of every ``kind`` row already sent."""
    return held(db, kind, SENT)


def forget_sent(db: sqlite3.Connection, row_ids: Iterable[int], *, recipient: bool = False) -> None:
    """Empty the kept copy of sent rows (their message; with ``recipient``, the address too).

    For mail about something deleted for good (a comment): the row stays, with its event
    (never sent again) and its time (the hourly cap), but no longer holds the text.
    """
    sql = "UPDATE outbox SET message = X'', recipient = CASE WHEN ? THEN '' ELSE recipient END"
    db.executemany(sql + " WHERE id = ? AND state = ?", [(recipient, i, SENT) for i in row_ids])


@dataclass
class FlushReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # held back by the hourly cap
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Counts:
    queued: int
    sent: int
    failing: int
    last_error: str | None


class Outbox:
    """The outbox table in the ledger database at ``path``."""

    def __init__(self, path: Path, *, hourly_cap: int = 20, clock: Clock = _now) -> None:
        self._db = database.connect(path)  # made or migrated: the outbox table is one of the migrations
        try:
            # The ledger is in WAL mode: a commit then survives a killed process without an
            # fsync, which keeps the moment between the server's 250 and the "sent" mark to
            # microseconds. Only a power cut there can bring a resend (same Message-ID).
            self._db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreError(f"the outbox in {path} cannot be opened ({exc}).") from exc
        self.path = path
        self.hourly_cap = hourly_cap
        self.clock = clock

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, notices: Iterable[Notice]) -> None:
        """Queue notices in a transaction of their own (for events with no transaction to join)."""
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                enqueue(self._db, notices, self.clock())
        except sqlite3.Error as exc:
            raise StoreError(f"the outbox in {self.path} could not be written ({exc}).") from exc

    def counts(self) -> Counts:
        rows = dict(self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
        failing = self._db.execute(
            "SELECT COUNT(*) FROM outbox WHERE state = ? AND attempts > 0", (QUEUED,)
        ).fetchone()[0]
        last = self._db.execute(
            "SELECT last_error FROM outbox WHERE state = ? AND last_error IS NOT NULL ORDER BY next_try DESC"
            " LIMIT 1",
            (QUEUED,),
        ).fetchone()
        return Counts(rows.get(QUEUED, 0), rows.get(SENT, 0), failing, last[0] if last else None)

    def _sent_last_hour(self, recipient: str, now: datetime) -> list[str]:
        rows = self._db.execute(
            "SELECT sent_at FROM outbox WHERE recipient = ? AND state = ? AND sent_at > ? ORDER BY sent_at",
            (recipient, SENT, _stamp(now - timedelta(hours=1))),
        ).fetchall()
        return [r[0] for r in rows]

    def flush(self, config: SmtpConfig | None, *, limit: int = 200) -> FlushReport:
        """Send every due mail through ``config``; never raises for an SMTP failure."""
        report = FlushReport()
        if config is None:
            return report
        now = self.clock()
        due = self._db.execute(
            "SELECT id, recipient, message, attempts, message_id FROM outbox"
            " WHERE state = ? AND next_try <= ? ORDER BY id LIMIT ?",
            (QUEUED, _stamp(now), limit),
        ).fetchall()
        if not due:
            return report
        try:
            with Sender(config) as sender:
                for row_id, recipient, data, attempts, sent_id in due:
                    now = self.clock()
                    recent = self._sent_last_hour(recipient, now)
                    if len(recent) >= self.hourly_cap:
                        later = datetime.fromisoformat(recent[0]) + timedelta(hours=1)
                        self._update("UPDATE outbox SET next_try = ? WHERE id = ?", _stamp(later), row_id)
                        report.deferred += 1
                        continue
                    message = email.message_from_bytes(data, policy=email.policy.default)
                    assert isinstance(message, EmailMessage)
                    try:
                        sender.send(message, recipient)
                    except SmtpError as exc:
                        self._failed(row_id, attempts, str(exc), report)
                        continue
                    # Only the message that was sent is marked: a row rewritten meanwhile goes again.
                    self._update(
                        "UPDATE outbox SET state = ?, sent_at = ?, attempts = attempts + 1, last_error = NULL"
                        " WHERE id = ? AND message_id = ?",
                        SENT,
                        _stamp(self.clock()),
                        row_id,
                        sent_id,
                    )
                    report.sent += 1
        except SmtpError as exc:  # no connection: every due row waits for the next try
            for row_id, _recipient, _data, attempts, _sent_id in due:
                state = self._db.execute("SELECT state FROM outbox WHERE id = ?", (row_id,)).fetchone()[0]
                if state == QUEUED:
                    self._failed(row_id, attempts, str(exc), report)
        if report.errors:
            log.warning("outbox: %d mail(s) not sent (%s)", report.failed, report.errors[-1])
        return report

    def _failed(self, row_id: int, attempts: int, error: str, report: FlushReport) -> None:
        delay = BACKOFF[min(attempts, len(BACKOFF) - 1)]
        self._update(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_try = ? WHERE id = ?",
            error,
            _stamp(self.clock() + timedelta(seconds=delay)),
            row_id,
        )
        report.failed += 1
        report.errors.append(error)

    def _update(self, sql: str, *args: object) -> None:
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(sql, args)
        except sqlite3.Error as exc:
            raise StoreError(f"the outbox in {self.path} could not be written ({exc}).") from exc
