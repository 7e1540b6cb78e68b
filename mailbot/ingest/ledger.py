"""The ledger: one SQLite row per message mailbot has handled.

It is what makes ingestion exactly-once. For each message the pipeline

1. writes the draft file durably (its id is chosen deterministically, and the
   file holds the SHA-256 of the message),
2. records the row ``drafted`` (committed with a full fsync),
3. asks the source to move the message out of the inbox.

After a crash at any step the next run converges: a draft written but not
recorded is found again under the same id and rewritten (``_free_id`` in
:mod:`mailbot.ingest.drafting`); a ``drafted`` row whose message is still in the inbox is only
moved. Lookup is by (source, key) first, then by the hash of the raw bytes,
then by Message-ID, so a changed IMAP UIDVALIDITY or the same file imported
twice never yields a second draft. The pipeline asks about a batch of messages in
one query (:meth:`Ledger.find_many`), and a long run keeps the drafted rows' keys in memory
(:meth:`Ledger.remember_twins`).

Its tables and their history are in :mod:`mailbot.database`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailbot import database
from mailbot.errors import StoreError

DRAFTED = "drafted"
DUPLICATE = "duplicate"
FAILED = "failed"


@dataclass(frozen=True)
class Entry:
    """One ledger row."""

    source: str
    key: str
    message_id: str | None
    sha256: str
    draft_id: str | None
    outcome: str
    error: str | None
    handled_at: str


# The columns of an Entry, in its order.
_COLUMNS = "source, key, message_id, sha256, draft_id, outcome, error, handled_at"


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# A message's row, inserted or replaced whole: (source, key) names it.
_UPSERT = (
    "INSERT INTO messages (source, key, message_id, sha256, draft_id, outcome, error, handled_at, letter_key)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(source, key) DO UPDATE SET message_id = excluded.message_id, sha256 = excluded.sha256,"
    " draft_id = excluded.draft_id, outcome = excluded.outcome, error = excluded.error,"
    " handled_at = excluded.handled_at, letter_key = excluded.letter_key"
)


class Ledger:
    """The SQLite ledger under the state folder."""

    def __init__(self, path: Path) -> None:
        # Created private and brought to the current schema (mailbot.database). The service's
        # poll job runs in a scheduler thread, never two at once (max_instances=1); the lock
        # keeps any other use safe too.
        self._db = database.connect(path, check_same_thread=False)
        try:
            self._db.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreError(f"the ledger {path} cannot be opened ({exc}).") from exc
        self.path = path
        self._lock = threading.RLock()
        # Every drafted row's Message-ID and letter key, while a long run keeps them (remember_twins).
        self._twin_keys: set[str] | None = None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(f"the ledger {self.path} could not be written ({exc}).") from exc

    def _query(self, sql: str, *args: object) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _one(self, where: str, *args: object) -> Entry | None:
        rows = self._query(f"SELECT {_COLUMNS} FROM messages WHERE {where} ORDER BY id LIMIT 1", *args)
        return Entry(*rows[0]) if rows else None

    def by_key(self, source: str, key: str) -> Entry | None:
        return self._one("source = ? AND key = ?", source, key)

    def find(self, source: str, key: str, sha256: str, message_id: str | None) -> Entry | None:
        """The row that already covers this message, if any (see module docstring)."""
        entry = self.by_key(source, key)
        if entry is not None and entry.sha256 and entry.sha256 != sha256:
            entry = None  # another message now has this key (a file replaced): it is new
        if entry is None:
            entry = self._one("sha256 = ? AND outcome = ?", sha256, DRAFTED)
        if entry is None and message_id:
            entry = self.by_message_id(message_id)
        return entry

    def find_many(
        self, source: str, messages: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Entry | None]:
        """:meth:`find` (without a Message-ID) for many ``(key, sha256)`` pairs of one source, in one query.

        The answer for each pair is the row :meth:`find` would return, keyed by the pair.
        """
        if not messages:
            return {}
        keys = sorted({key for key, _ in messages})
        shas = sorted({sha for _, sha in messages})
        rows = self._query(
            f"SELECT {_COLUMNS} FROM messages WHERE (source = ? AND key IN ({_marks(keys)}))"
            f" OR (sha256 IN ({_marks(shas)}) AND outcome = ?) ORDER BY id",
            source,
            *keys,
            *shas,
            DRAFTED,
        )
        by_key: dict[str, Entry] = {}
        by_sha: dict[str, Entry] = {}
        for row in rows:
            entry = Entry(*row)
            if entry.source == source and entry.key in keys:
                by_key.setdefault(entry.key, entry)
            if entry.outcome == DRAFTED:
                by_sha.setdefault(entry.sha256, entry)
        found: dict[tuple[str, str], Entry | None] = {}
        for key, sha in messages:
            own = by_key.get(key)
            if own is not None and own.sha256 and own.sha256 != sha:
                own = None  # as in find(): another message now has this key
            found[key, sha] = own if own is not None else by_sha.get(sha)
        return found

    def remember_twins(self) -> None:
        """Keep every drafted row's Message-ID and letter key in memory until :meth:`forget_twins`.

        :meth:`twins` then queries only for a letter that one of them matches: one query for
        a long run instead of one per new letter. The rows this ledger records are added as
        they are written; rows written by another process meanwhile are not, so the pipeline
        calls this only within a run, which holds the drafts lock (no other run can draft).
        """
        rows = self._query("SELECT message_id, letter_key FROM messages WHERE outcome = ?", DRAFTED)
        keys = {value for row in rows for value in row if value}
        with self._lock:
            self._twin_keys = keys

    def forget_twins(self) -> None:
        with self._lock:
            self._twin_keys = None

    def _drafted(self, message_id: str | None, letter_key: str | None) -> None:
        """Note a drafted row's keys where :meth:`remember_twins` keeps them."""
        if self._twin_keys is not None:
            self._twin_keys.update(k for k in (message_id, letter_key) if k)

    def twins(self, message_id: str | None, letter_key: str | None) -> tuple[Entry | None, Entry | None]:
        """:meth:`by_message_id` and :meth:`by_letter` of one new letter, in one query (or none)."""
        if not message_id and not letter_key:
            return None, None
        with self._lock:
            keys = self._twin_keys
            if keys is not None and message_id not in keys and letter_key not in keys:
                return None, None  # no drafted row has either: nothing to ask
        first = f"SELECT {_COLUMNS} FROM messages WHERE {{}} = ? AND outcome = ? ORDER BY id LIMIT 1"
        by_mid, by_letter = first.format("message_id"), first.format("letter_key")
        rows = self._query(
            f"SELECT 1, * FROM ({by_mid}) UNION ALL SELECT 2, * FROM ({by_letter})",
            message_id or None,
            DRAFTED,
            letter_key or None,
            DRAFTED,
        )
        found: dict[int, Entry] = {row[0]: Entry(*row[1:]) for row in rows}
        return found.get(1), found.get(2)

    def by_letter(self, letter_key: str) -> Entry | None:
        """The first drafted row whose letter has this fingerprint (see the pipeline)."""
        return self._one("letter_key = ? AND outcome = ?", letter_key, DRAFTED)

    def by_message_id(self, message_id: str) -> Entry | None:
        """The first drafted row with this Message-ID."""
        return self._one("message_id = ? AND outcome = ?", message_id, DRAFTED)

    def record(
        self,
        source: str,
        key: str,
        sha256: str,
        message_id: str | None,
        outcome: str,
        *,
        draft_id: str | None = None,
        error: str | None = None,
        letter_key: str | None = None,
        also: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        """Insert or replace the row for (source, key); committed before return.

        ``also`` runs in the same transaction (the outbox queues the mail the event causes).
        """
        with self._write() as db:
            if also is not None:
                also(db)
            db.execute(
                _UPSERT, (source, key, message_id, sha256, draft_id, outcome, error, _now(), letter_key)
            )
            if outcome == DRAFTED:
                self._drafted(message_id, letter_key)

    def record_drafted(
        self,
        rows: list[tuple[str, str, str, str | None, str, str | None]],
        also: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        """Record a group of drafted messages in one transaction (one fsync).

        Each row is (source, key, sha256, message_id, draft_id, letter_key); ``also`` runs
        in the same transaction (the outbox queues the mail the drafts cause).
        """
        with self._write() as db:
            if also is not None:
                also(db)
            db.executemany(
                _UPSERT,
                [
                    (src, key, mid, sha, did, DRAFTED, None, _now(), lk)
                    for src, key, sha, mid, did, lk in rows
                ],
            )
            for _src, _key, _sha, mid, _did, lk in rows:
                self._drafted(mid, lk)

    def draft_ids(self) -> set[str]:
        """Every draft id the ledger has handed out (also for drafts not yet on disk)."""
        rows = self._query("SELECT draft_id FROM messages WHERE draft_id IS NOT NULL")
        return {r[0] for r in rows}

    def counts(self) -> dict[str, int]:
        """Number of rows by outcome."""
        rows = self._query("SELECT outcome, COUNT(*) FROM messages GROUP BY outcome")
        return {outcome: n for outcome, n in rows}

    def last_error(self) -> Entry | None:
        return self._one("error IS NOT NULL AND id = (SELECT MAX(id) FROM messages WHERE error IS NOT NULL)")

    def start_run(self, source: str) -> int:
        with self._write() as db:
            cur = db.execute("INSERT INTO runs (source, started_at) VALUES (?, ?)", (source, _now()))
            assert cur.lastrowid is not None
            return cur.lastrowid

    def finish_run(self, run_id: int, counts: str, error: str | None = None) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, counts = ?, error = ? WHERE id = ?",
                (_now(), counts, error, run_id),
            )

    def last_run(self) -> tuple[str, str, str | None, str | None, str | None] | None:
        rows = self._query(
            "SELECT source, started_at, finished_at, counts, error FROM runs ORDER BY id DESC LIMIT 1"
        )
        return tuple(rows[0]) if rows else None
