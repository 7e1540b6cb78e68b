"""The audit trail of the drafts: who changed which draft, when, and how.

One row per change in the table ``audit`` of the ledger's database: the pipeline's
draft creations and credits (who: ``mailbot``) and every review transition (who: the
local user name). ``mailbot drafts history ID`` shows it. The rows name people by
address at most and never hold letter text.
"""

from __future__ import annotations

import getpass
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailbot import database
from mailbot.errors import StoreError

PIPELINE = "mailbot"


def local_user() -> str:
    """Who is at the command line: the local user name."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown user"


@dataclass(frozen=True)
class AuditEntry:
    """One change of one draft."""

    draft_id: str
    at: str
    who: str
    action: str
    detail: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.draft_id,
            "at": self.at,
            "who": self.who,
            "action": self.action,
            "detail": self.detail,
        }


def _now() -> datetime:
    return datetime.now(UTC)


class Audit:
    """The audit table in the state database at ``path`` (see :mod:`mailbot.database`)."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = _now) -> None:
        self._db = database.connect(path)  # the ledger's database: its table is one of the migrations
        self.path = path
        self.clock = clock

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Audit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(
        self,
        rows: Iterable[tuple[str, str, str, str | None]],
        also: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        """Record changes, each ``(draft id, who, action, detail)``, in one transaction.

        ``also`` runs in the same transaction (the outbox queues the mail the changes cause).
        """
        at = self.clock().isoformat(timespec="seconds")
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT INTO audit (draft_id, at, who, action, detail) VALUES (?, ?, ?, ?, ?)",
                    [(d, at, who, action, detail) for d, who, action, detail in rows],
                )
                if also is not None:
                    also(self._db)
        except sqlite3.Error as exc:
            raise StoreError(f"the audit trail in {self.path} could not be written ({exc}).") from exc

    def history(self, draft_id: str) -> list[AuditEntry]:
        """Every recorded change of a draft, oldest first."""
        rows = self._db.execute(
            "SELECT draft_id, at, who, action, detail FROM audit WHERE draft_id = ? ORDER BY id", (draft_id,)
        ).fetchall()
        return [AuditEntry(*row) for row in rows]


def record(
    path: Path | None,
    rows: Iterable[tuple[str, str, str, str | None]],
    also: Callable[[sqlite3.Connection], None] | None = None,
) -> None:
    """Record ``rows`` in the audit trail of the ledger at ``path`` (nothing when None).

    ``also`` runs in the same transaction (see :meth:`Audit.record`).
    """
    rows = list(rows)
    if path is None or not rows:
        return
    with Audit(path) as audit:
        audit.record(rows, also)
