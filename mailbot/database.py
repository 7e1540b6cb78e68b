"""The state database (``<state>/ledger.sqlite3``): opened one way, its schema in numbered steps.

Every table mailbot keeps in it (the ledger's ``messages`` and ``runs``, the drafts' ``audit``,
the desk's ``reviewers``, the ``outbox``, ``used_tokens``, ``comments`` and ``comment_rate``) is
created or changed by one of :data:`MIGRATIONS`, applied in order; the number of the last one
applied is the database's ``PRAGMA user_version``. A newer mailbot adds a migration at the end of
the list, never edits one. Opening (:func:`connect`, the one way every module opens it) applies
whatever is missing, in one transaction, so two processes opening an old database at once migrate
it once, and every module may rely on all tables being there.

Databases from before the numbering (version 0) may already have any of the first three steps
applied (the ``letter_key`` column was added by looking for it); databases at version 3 may
already hold the tables of steps 4 to 8, which their modules created on first use with the same
columns. So every step is written to be harmless when its work is already done.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from mailbot.errors import StoreError
from mailbot.fsutil import make_root, private_file

Migration = Callable[[sqlite3.Connection], None]

# How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_MS = 10_000


def _messages_and_runs(db: sqlite3.Connection) -> None:
    """1: the ledger: one row per message handled, one per run."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS messages (
            id          INTEGER PRIMARY KEY,
            source      TEXT NOT NULL,
            key         TEXT NOT NULL,
            message_id  TEXT,
            sha256      TEXT NOT NULL,
            draft_id    TEXT,
            outcome     TEXT NOT NULL,
            error       TEXT,
            handled_at  TEXT NOT NULL
        )"""
    )
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS messages_source_key ON messages(source, key)")
    db.execute("CREATE INDEX IF NOT EXISTS messages_sha256 ON messages(sha256)")
    db.execute("CREATE INDEX IF NOT EXISTS messages_message_id ON messages(message_id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS runs (
            id          INTEGER PRIMARY KEY,
            source      TEXT NOT NULL,
            started_at  TEXT NOT NULL,
            finished_at TEXT,
            counts      TEXT,
            error       TEXT
        )"""
    )


def _letter_key(db: sqlite3.Connection) -> None:
    """2: the fingerprint of each message's letter, so a second forward of it is recognised."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
    if "letter_key" not in columns:  # a version-0 ledger may have it already
        db.execute("ALTER TABLE messages ADD COLUMN letter_key TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS messages_letter_key ON messages(letter_key)")


def _audit(db: sqlite3.Connection) -> None:
    """3: the drafts' audit trail: who changed which draft, when, how."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS audit (
            id        INTEGER PRIMARY KEY,
            draft_id  TEXT NOT NULL,
            at        TEXT NOT NULL,
            who       TEXT NOT NULL,
            action    TEXT NOT NULL,
            detail    TEXT
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS audit_draft_id ON audit(draft_id)")


def _reviewers(db: sqlite3.Connection) -> None:
    """4: the review desk's accounts (mailbot.desk.auth)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS reviewers (
            email     TEXT PRIMARY KEY,
            name      TEXT NOT NULL,
            hash      TEXT NOT NULL,
            created   TEXT NOT NULL
        )"""
    )


def _outbox(db: sqlite3.Connection) -> None:
    """5: mail to send, recorded with the event that causes it (mailbot.outbox.outbox)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS outbox (
            id          INTEGER PRIMARY KEY,
            event       TEXT NOT NULL UNIQUE,
            kind        TEXT NOT NULL,
            recipient   TEXT NOT NULL,
            message_id  TEXT NOT NULL,
            message     BLOB NOT NULL,
            state       TEXT NOT NULL,
            attempts    INTEGER NOT NULL DEFAULT 0,
            next_try    TEXT NOT NULL,
            last_error  TEXT,
            created_at  TEXT NOT NULL,
            sent_at     TEXT
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_try)")
    db.execute("CREATE INDEX IF NOT EXISTS outbox_sent ON outbox(recipient, sent_at)")


def _used_tokens(db: sqlite3.Connection) -> None:
    """6: reply tokens already used, never accepted again (mailbot.commands.tokens)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS used_tokens (
            token   TEXT PRIMARY KEY,
            used_at TEXT NOT NULL,
            used_by TEXT NOT NULL
        )"""
    )


def _comments(db: sqlite3.Connection) -> None:
    """7: each comment's number and the messages taken as comments (mailbot.comments.store)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS comments (
            id          INTEGER PRIMARY KEY,
            post        TEXT NOT NULL,
            received    TEXT NOT NULL,
            via         TEXT NOT NULL,
            sha256      TEXT,
            message_id  TEXT,
            state       TEXT NOT NULL DEFAULT 'stored',
            reason      TEXT
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS comments_sha256 ON comments(sha256)")
    db.execute("CREATE INDEX IF NOT EXISTS comments_message_id ON comments(message_id)")


def _comment_rate(db: sqlite3.Connection) -> None:
    """8: form comments taken per network address, for the hourly limit (mailbot.comments.guard)."""
    db.execute("CREATE TABLE IF NOT EXISTS comment_rate (addr TEXT NOT NULL, at INTEGER NOT NULL)")


# The schema, step by step: MIGRATIONS[n - 1] takes a database from version n - 1 to n.
MIGRATIONS: tuple[Migration, ...] = (
    _messages_and_runs,
    _letter_key,
    _audit,
    _reviewers,
    _outbox,
    _used_tokens,
    _comments,
    _comment_rate,
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite3.Connection) -> int:
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations ``db`` lacks, in one transaction (``db`` in autocommit mode)."""
    if schema_version(db) == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")  # another process may be migrating: wait for it, then look again
    try:
        version = schema_version(db)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the ledger {path} was written by a newer mailbot (schema {version}; this one knows up "
                f"to {SCHEMA_VERSION}); upgrade mailbot."
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[number - 1](db)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """The state database at ``path``, created private (0600 in a 0700 folder) and migrated.

    The connection is in autocommit mode (``isolation_level=None``): callers open their own
    transactions. Raises :class:`StoreError` naming the file when it cannot be opened.
    """
    try:
        # It names every message and draft: SQLite gives its -wal and -shm files the database's mode.
        make_root(path.parent)
        private_file(path)
        for suffix in ("-wal", "-shm", "-journal"):  # left by an older mailbot, maybe 0644
            private_file(path.with_name(path.name + suffix), only_existing=True)
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=check_same_thread)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(
            f"the ledger {path} cannot be opened ({exc}); check [paths] state and its permissions."
        ) from exc
    try:
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS:d}")
        db.execute("PRAGMA journal_mode=WAL")
        migrate(db, path)
    except sqlite3.Error as exc:
        db.close()
        raise StoreError(
            f"the ledger {path} cannot be opened ({exc}); check [paths] state and its permissions."
        ) from exc
    except BaseException:
        db.close()
        raise
    return db
