"""Comments as files beside the drafts, one file per comment, and their rows in the ledger.

A comment on the post ``<post-id>`` lives in ``<drafts>/<post-id>.comments/<n>.md`` where ``n``
is its number (unique across the site: ``mailbot comments approve 12``, anchor ``#comment-12``).
The file looks like a draft's: TOML front matter between ``+++`` lines, then the text::

    +++
    id = 12
    post = "20070122-esternalizzazione-del-call-center"
    status = "pending"
    name = "Anna"
    email = "anna@example.org"
    received = 2007-01-23T09:15:00Z
    via = "mail"
    +++

    Grazie Tommaso, ci dai speranza.

The files are private (0600 in 0700 folders), written atomically through :mod:`mailbot.fsutil`,
and may be edited by hand like drafts. The ``comments`` table of the ledger database gives each
comment its number and records each comment message exactly once (by its bytes' sha256 and by its
Message-ID), even after the comment is deleted.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from mailbot import database
from mailbot.comments.model import Comment, CommentStatus
from mailbot.errors import StoreError, UsageError
from mailbot.fsutil import atomic_write, remove
from mailbot.models import Redaction

log = logging.getLogger(__name__)

FENCE = "+++"
SUFFIX = ".comments"

_KNOWN = frozenset(
    ("id", "post", "status", "name", "email", "received", "via", "message_id", "sha256", "redactions")
)
_POST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


def valid_post_id(post: str) -> bool:
    return bool(_POST_ID.fullmatch(post)) and not post.endswith(SUFFIX) and ".." not in post


def dumps(c: Comment) -> str:
    meta: dict[str, Any] = {
        "id": c.id,
        "post": c.post,
        "status": c.status.value,
        "name": c.name,
        "email": c.email,
        "received": c.received,
        "via": c.via,
    }
    if c.message_id:
        meta["message_id"] = c.message_id
    if c.sha256:
        meta["sha256"] = c.sha256
    meta.update((k, v) for k, v in c.unknown.items() if k not in _KNOWN)
    if c.redactions:
        meta["redactions"] = [r.to_table() for r in c.redactions]
    return f"{FENCE}\n{tomli_w.dumps(meta)}{FENCE}\n\n{c.text.strip()}\n"


def loads(text: str, where: str) -> Comment:
    head, sep, body = text.partition(f"\n{FENCE}\n")
    if not head.startswith(FENCE + "\n") or not sep:
        raise StoreError(f"{where} has no front matter between {FENCE} lines; restore the fences.")
    try:
        meta = tomllib.loads(head[len(FENCE) + 1 :])
        received = meta["received"]
        if not isinstance(received, datetime):
            raise ValueError("received is not a date and time")
        if received.tzinfo is None:
            received = received.replace(tzinfo=UTC)
        redactions = tuple(Redaction.from_table(r) for r in meta.get("redactions", []))
        return Comment(
            id=int(meta["id"]),
            post=str(meta["post"]),
            status=CommentStatus(meta["status"]),
            name=str(meta.get("name", "")),
            email=str(meta.get("email", "")),
            text=body.strip(),
            received=received,
            via=str(meta.get("via", "mail")),
            message_id=meta.get("message_id"),
            sha256=meta.get("sha256"),
            redactions=redactions,
            unknown={k: v for k, v in meta.items() if k not in _KNOWN},
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"{where} is not a readable comment ({exc}); fix its front matter.") from exc


class CommentStore:
    """The comments beside the drafts in ``drafts`` and their rows in the ledger at ``ledger``."""

    def __init__(self, drafts: Path, ledger: Path) -> None:
        self.drafts = drafts
        self.ledger = ledger

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = database.connect(self.ledger)  # made or migrated: the comments table is one of the migrations
        try:
            yield db
        except sqlite3.Error as exc:
            raise StoreError(f"the comments table in {self.ledger} cannot be used ({exc}).") from exc
        finally:
            db.close()

    def folder(self, post: str) -> Path:
        if not valid_post_id(post):
            raise UsageError(f"{post!r} is not a post id; see `mailbot drafts list`.")
        return self.drafts / f"{post}{SUFFIX}"

    def path(self, post: str, number: int) -> Path:
        return self.folder(post) / f"{number}.md"

    def seen(self, sha256: str | None, message_id: str | None) -> bool:
        """True when this message was already taken as a comment (or quarantined as one)."""
        with self._db() as db:
            row = db.execute(
                "SELECT 1 FROM comments WHERE (sha256 = ? AND ? IS NOT NULL)"
                " OR (message_id = ? AND ? IS NOT NULL) LIMIT 1",
                (sha256, sha256, message_id, message_id),
            ).fetchone()
        return row is not None

    def add(
        self,
        *,
        post: str,
        name: str,
        email: str,
        text: str,
        received: datetime,
        via: str,
        status: CommentStatus = CommentStatus.PENDING,
        message_id: str | None = None,
        sha256: str | None = None,
        redactions: tuple[Redaction, ...] = (),
        also: Callable[[sqlite3.Connection, Comment], None] | None = None,
    ) -> Comment | None:
        """Store a new comment; None when the same message was already recorded (exactly once).

        ``also`` runs in the transaction that records the comment (the moderators' notice,
        :mod:`mailbot.comments.notify`): it happens exactly when the comment does.
        """
        self.folder(post)  # a post id that cannot name a folder is refused before anything is written
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if (sha256 or message_id) and db.execute(
                    "SELECT 1 FROM comments WHERE (sha256 = ? AND ? IS NOT NULL)"
                    " OR (message_id = ? AND ? IS NOT NULL) LIMIT 1",
                    (sha256, sha256, message_id, message_id),
                ).fetchone():
                    db.execute("ROLLBACK")
                    return None
                cur = db.execute(
                    "INSERT INTO comments (post, received, via, sha256, message_id) VALUES (?, ?, ?, ?, ?)",
                    (post, received.isoformat(timespec="seconds"), via, sha256, message_id),
                )
                number = int(cur.lastrowid or 0)
                comment = Comment(
                    number, post, status, name, email, text, received, via, message_id, sha256, redactions
                )
                self.write(comment)
                try:
                    if also is not None:
                        also(db, comment)
                except BaseException:
                    remove(self.path(post, number), root=self.drafts)  # no file for a number never recorded
                    raise
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        log.info("comment %d on post %s stored (%s, %s)", number, post, via, status.value)
        return comment

    def quarantine(self, post: str, reason: str, *, sha256: str | None, message_id: str | None) -> None:
        """Record a comment message that cannot be taken, with the reason (never its text)."""
        with self._db() as db:
            db.execute(
                "INSERT INTO comments (post, received, via, sha256, message_id, state, reason)"
                " VALUES (?, ?, 'mail', ?, ?, 'quarantined', ?)",
                (post, datetime.now(UTC).isoformat(timespec="seconds"), sha256, message_id, reason),
            )

    def quarantined(self) -> list[tuple[int, str, str]]:
        """(number, post, reason) of every comment message quarantined."""
        with self._db() as db:
            rows = db.execute("SELECT id, post, reason FROM comments WHERE state = 'quarantined' ORDER BY id")
            return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def write(self, comment: Comment) -> None:
        path = self.path(comment.post, comment.id)
        try:
            atomic_write(path, dumps(comment), root=self.drafts)
        except OSError as exc:
            raise StoreError(
                f"comment {path} cannot be written ({exc.strerror}); check [paths] drafts."
            ) from exc

    def _post_of(self, number: int) -> str:
        with self._db() as db:
            row = db.execute("SELECT post, state FROM comments WHERE id = ?", (number,)).fetchone()
        if row is None or row[1] != "stored":
            raise UsageError(f"there is no comment {number}; see `mailbot comments list`.")
        return str(row[0])

    def get(self, number: int) -> Comment:
        path = self.path(self._post_of(number), number)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise UsageError(f"there is no comment {number}; see `mailbot comments list`.") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"comment {path} cannot be read ({exc}).") from exc
        return loads(text, str(path))

    def delete(self, number: int) -> Comment:
        """Really delete a comment's file (text and address); the ledger keeps its number."""
        comment = self.get(number)
        remove(self.path(comment.post, number), root=self.drafts)
        with self._db() as db:
            db.execute("UPDATE comments SET state = 'deleted' WHERE id = ?", (number,))
        return comment

    def all(self, post: str | None = None, status: CommentStatus | None = None) -> list[Comment]:
        """Every readable comment (of ``post``, in ``status``), oldest first (by number)."""
        if not self.drafts.is_dir():
            return []
        folders = [self.folder(post)] if post is not None else sorted(self.drafts.glob(f"*{SUFFIX}"))
        found = []
        for folder in folders:
            if not folder.is_dir() or folder.is_symlink():
                continue
            for path in folder.glob("*.md"):
                if not path.stem.isdigit():
                    continue
                try:
                    c = loads(path.read_text(encoding="utf-8"), str(path))
                except (OSError, UnicodeDecodeError, StoreError) as exc:
                    log.warning("comment %s cannot be read: %s", path, exc)
                    continue
                if status is None or c.status is status:
                    found.append(c)
        found.sort(key=lambda c: c.id)
        return found

    def approved_by_post(self) -> dict[str, list[Comment]]:
        """The approved comments of every post, oldest first: what the site shows."""
        by_post: dict[str, list[Comment]] = {}
        for c in self.all(status=CommentStatus.APPROVED):
            by_post.setdefault(c.post, []).append(c)
        return by_post
