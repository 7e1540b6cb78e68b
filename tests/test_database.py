"""The state database's schema in numbered steps: old ledgers open and are brought up to date."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mailbot import database
from mailbot.commands import tokens
from mailbot.comments.guard import RateLimit
from mailbot.comments.store import CommentStore
from mailbot.desk.auth import Reviewers
from mailbot.drafts.audit import Audit
from mailbot.errors import StoreError
from mailbot.ingest.ledger import DRAFTED, Ledger
from mailbot.outbox.outbox import Outbox

# The statements of the ledger before letters were fingerprinted, as an older mailbot ran them
# (copied from its source by hand: the test must not build the old file with today's code).
OLD_LEDGER = """
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    key         TEXT NOT NULL,
    message_id  TEXT,
    sha256      TEXT NOT NULL,
    draft_id    TEXT,
    outcome     TEXT NOT NULL,
    error       TEXT,
    handled_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX messages_source_key ON messages(source, key);
CREATE INDEX messages_sha256 ON messages(sha256);
CREATE INDEX messages_message_id ON messages(message_id);
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    counts      TEXT,
    error       TEXT
);
INSERT INTO messages (source, key, message_id, sha256, draft_id, outcome, error, handled_at)
VALUES ('maildir:/inbox', '1700000000.M1.host', '<uno@example.org>', 'aa', '20070122-uno', 'drafted',
        NULL, '2007-01-23T09:12:00+00:00');
INSERT INTO runs (source, started_at, finished_at, counts) VALUES
    ('maildir:/inbox', '2007-01-23T09:12:00+00:00', '2007-01-23T09:12:01+00:00', '1 drafted');
"""

# What the sniffing code of later versions added, and the audit table it created on its own.
OLD_LETTER_KEY_AND_AUDIT = """
ALTER TABLE messages ADD COLUMN letter_key TEXT;
CREATE INDEX messages_letter_key ON messages(letter_key);
UPDATE messages SET letter_key = 'lk-uno';
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    draft_id  TEXT NOT NULL,
    at        TEXT NOT NULL,
    who       TEXT NOT NULL,
    action    TEXT NOT NULL,
    detail    TEXT
);
CREATE INDEX audit_draft_id ON audit(draft_id);
INSERT INTO audit (draft_id, at, who, action, detail)
VALUES ('20070122-uno', '2007-01-23T09:12:00+00:00', 'mailbot', 'created', NULL);
"""


# What the modules added beside a version-3 ledger before their tables were migrations: each
# created its own on first use (IF NOT EXISTS), with these statements, and rows in them.
OLD_TABLES_BESIDE_VERSION_3 = """
PRAGMA user_version = 3;
CREATE TABLE IF NOT EXISTS reviewers (
    email     TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    hash      TEXT NOT NULL,
    created   TEXT NOT NULL
);
INSERT INTO reviewers
VALUES ('rita@example.org', 'Rita', '$argon2id$not-a-real-hash', '2007-01-20T10:00:00+00:00');
CREATE TABLE IF NOT EXISTS outbox (
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
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_try);
CREATE INDEX IF NOT EXISTS outbox_sent ON outbox(recipient, sent_at);
INSERT INTO outbox (event, kind, recipient, message_id, message, state, attempts, next_try, last_error,
                    created_at)
VALUES ('new:20070122-uno', 'new', 'rita@example.org', '<n1@example.org>', X'00', 'queued', 2,
        '2007-01-23T09:20:00+00:00', 'connection refused', '2007-01-23T09:12:00+00:00'),
       ('thanks:20070122-uno', 'thanks', 'tom@example.org', '<n2@example.org>', X'00', 'sent', 1,
        '2007-01-23T09:12:00+00:00', NULL, '2007-01-23T09:12:00+00:00');
CREATE TABLE IF NOT EXISTS used_tokens (
    token   TEXT PRIMARY KEY,
    used_at TEXT NOT NULL,
    used_by TEXT NOT NULL
);
INSERT INTO used_tokens
VALUES ('20070122-uno.review.abc.0123', '2007-01-24T08:00:00+00:00', 'rita@example.org');
CREATE TABLE IF NOT EXISTS comments (
    id          INTEGER PRIMARY KEY,
    post        TEXT NOT NULL,
    received    TEXT NOT NULL,
    via         TEXT NOT NULL,
    sha256      TEXT,
    message_id  TEXT,
    state       TEXT NOT NULL DEFAULT 'stored',
    reason      TEXT
);
CREATE INDEX IF NOT EXISTS comments_sha256 ON comments(sha256);
CREATE INDEX IF NOT EXISTS comments_message_id ON comments(message_id);
INSERT INTO comments (post, received, via, sha256, message_id)
VALUES ('20070122-uno', '2007-01-25T12:00:00+00:00', 'mail', 'cc', '<c1@example.org>');
CREATE TABLE IF NOT EXISTS comment_rate (addr TEXT NOT NULL, at INTEGER NOT NULL);
INSERT INTO comment_rate VALUES ('192.0.2.7', 1169726400);
"""

ALL_TABLES = {"messages", "runs", "audit", "reviewers", "outbox", "used_tokens", "comments", "comment_rate"}


def _old(path: Path, script: str) -> None:
    db = sqlite3.connect(path)
    db.executescript(script)
    db.close()


def _schema(path: Path) -> dict[str, set[str]]:
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    found = {t: {r[1] for r in db.execute(f"PRAGMA table_info({t})")} for t in tables}
    found["indexes"] = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    found["version"] = {str(db.execute("PRAGMA user_version").fetchone()[0])}
    db.close()
    return found


def test_the_migrations_are_numbered_in_order() -> None:
    assert database.SCHEMA_VERSION == len(database.MIGRATIONS) == 8


def test_a_new_database_is_at_the_last_version_with_every_table(tmp_path: Path) -> None:
    Ledger(tmp_path / "ledger.sqlite3").close()
    schema = _schema(tmp_path / "ledger.sqlite3")
    assert schema["version"] == {"8"}
    assert set(schema) - {"indexes", "version"} == ALL_TABLES
    assert schema["messages"] >= {"source", "key", "sha256", "draft_id", "outcome", "letter_key"}
    assert schema["audit"] == {"id", "draft_id", "at", "who", "action", "detail"}
    assert schema["reviewers"] == {"email", "name", "hash", "created"}
    assert schema["used_tokens"] == {"token", "used_at", "used_by"}
    assert schema["comment_rate"] == {"addr", "at"}
    assert {"state", "reason", "sha256", "message_id"} <= schema["comments"]
    assert {"event", "recipient", "state", "next_try", "sent_at"} <= schema["outbox"]
    assert {
        "messages_source_key",
        "messages_letter_key",
        "audit_draft_id",
        "outbox_due",
        "outbox_sent",
        "comments_sha256",
        "comments_message_id",
    } <= schema["indexes"]


@pytest.mark.parametrize("first", ["reviewers", "outbox", "comments", "rate"])
def test_whichever_module_opens_a_new_ledger_first_makes_it_whole_and_private(
    tmp_path: Path, first: str
) -> None:
    path = tmp_path / "state" / "ledger.sqlite3"
    if first == "reviewers":
        Reviewers(path).close()
    elif first == "outbox":
        Outbox(path).close()
    elif first == "comments":
        assert not CommentStore(tmp_path / "drafts", path).seen("dd", None)
    else:
        assert RateLimit(path).allow("192.0.2.9", 1_000_000, 5)
    assert set(_schema(path)) - {"indexes", "version"} == ALL_TABLES
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_ledger_from_before_letter_keys_opens_and_migrates(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _old(path, OLD_LEDGER)
    with Ledger(path) as ledger:
        old = ledger.by_key("maildir:/inbox", "1700000000.M1.host")
        assert old is not None and old.draft_id == "20070122-uno" and old.outcome == DRAFTED
        assert ledger.last_run() is not None
        ledger.record("maildir:/inbox", "2.M2.host", "bb", None, DRAFTED, draft_id="x", letter_key="lk")
        found = ledger.by_letter("lk")
        assert found is not None and found.key == "2.M2.host"
    with Audit(path) as trail:
        trail.record([("x", "mailbot", "created", None)])
        assert [e.action for e in trail.history("x")] == ["created"]
    fresh = tmp_path / "fresh" / "ledger.sqlite3"
    Ledger(fresh).close()
    assert _schema(path) == _schema(fresh)


def test_a_ledger_whose_column_was_added_by_sniffing_migrates_without_losing_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _old(path, OLD_LEDGER + OLD_LETTER_KEY_AND_AUDIT)
    with Audit(path) as trail:  # the audit trail may be the first to open it
        assert [e.who for e in trail.history("20070122-uno")] == ["mailbot"]
    with Ledger(path) as ledger:
        found = ledger.by_letter("lk-uno")
        assert found is not None and found.draft_id == "20070122-uno"
    assert _schema(path)["version"] == {"8"}


@pytest.mark.parametrize("first", ["ledger", "reviewers", "outbox", "comments"])
def test_a_ledger_as_version_3_made_it_migrates_and_keeps_every_row(tmp_path: Path, first: str) -> None:
    path = tmp_path / "ledger.sqlite3"
    _old(path, OLD_LEDGER + OLD_LETTER_KEY_AND_AUDIT + OLD_TABLES_BESIDE_VERSION_3)
    if first == "reviewers":
        Reviewers(path).close()
    elif first == "outbox":
        Outbox(path).close()
    elif first == "comments":
        CommentStore(tmp_path / "drafts", path).seen(None, None)
    else:
        Ledger(path).close()
    fresh = tmp_path / "fresh" / "ledger.sqlite3"
    Ledger(fresh).close()
    assert _schema(path) == _schema(fresh)
    assert _schema(path)["version"] == {"8"}

    with Reviewers(path) as reviewers:
        assert [(r.email, r.name) for r in reviewers.list()] == [("rita@example.org", "Rita")]
    with Outbox(path) as outbox:
        counts = outbox.counts()
        assert (counts.queued, counts.sent, counts.failing) == (1, 1, 1)
        assert counts.last_error == "connection refused"
    db = database.connect(path)
    try:
        assert not tokens.use(db, "20070122-uno.review.abc.0123", "tom@example.org")
        assert tokens.use(db, "20070122-uno.review.abd.4567", "tom@example.org")
    finally:
        db.close()
    store = CommentStore(tmp_path / "drafts", path)
    assert store.seen("cc", None) and store.seen(None, "<c1@example.org>")
    assert not store.seen("dd", None)
    rate = RateLimit(path)
    assert not rate.allow("192.0.2.7", 1169726400 + 60, 1)  # the old row still counts
    assert rate.allow("192.0.2.8", 1169726400 + 60, 1)
    with Ledger(path) as ledger:
        found = ledger.by_letter("lk-uno")
        assert found is not None and found.draft_id == "20070122-uno"
    with Audit(path) as trail:
        assert [e.action for e in trail.history("20070122-uno")] == ["created"]


def test_a_database_from_a_newer_mailbot_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _old(path, OLD_LEDGER + "PRAGMA user_version = 99;")
    with pytest.raises(StoreError, match=r"newer mailbot \(schema 99; .*upgrade mailbot"):
        Ledger(path)
    assert "letter_key" not in _schema(path)["messages"]


def test_a_failing_migration_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.sqlite3"
    _old(path, OLD_LEDGER)

    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(database, "MIGRATIONS", (*database.MIGRATIONS, broken))
    monkeypatch.setattr(database, "SCHEMA_VERSION", database.SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="cannot be opened"):
        Ledger(path)
    schema = _schema(path)
    assert schema["version"] == {"0"} and "half_done" not in schema and "audit" not in schema
