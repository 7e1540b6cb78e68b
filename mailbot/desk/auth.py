"""Reviewers of the desk: accounts with argon2 password hashes, sign-in limiting, the session key.

Accounts live in the table ``reviewers`` of the ledger database (``mailbot reviewers`` manages
them). Failed sign-ins are counted per account and per client address in memory: after
:data:`MAX_FAILURES` failures within :data:`WINDOW_SECONDS` further attempts are refused without
even checking the password, and every failure is answered only after a growing delay.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mailbot import database
from mailbot.errors import UsageError
from mailbot.keys import secret_key

KEY_NAME = "desk-session.key"
MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60

_hasher = PasswordHasher()
# Verifying against this when the account does not exist costs the same time as a real check.
_DUMMY = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Reviewer:
    email: str
    name: str
    created: str


def _normal(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or any(c.isspace() for c in email):
        raise UsageError(f"{email!r} is not an e-mail address; give the reviewer's address.")
    return email


class Reviewers:
    """The reviewers table in the ledger database at ``path``."""

    def __init__(self, path: Path) -> None:
        # Made or migrated by mailbot.database (its table is one of the migrations).
        self._db = database.connect(path, check_same_thread=False)
        self._mutex = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Reviewers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, name: str, email: str, password: str) -> Reviewer:
        email = _normal(email)
        _check_password(password)
        if not name.strip():
            raise UsageError("the reviewer's name is empty; give the name shown in the audit trail.")
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._mutex:
            try:
                self._db.execute(
                    "INSERT INTO reviewers (email, name, hash, created) VALUES (?, ?, ?, ?)",
                    (email, name.strip(), _hasher.hash(password), created),
                )
            except sqlite3.IntegrityError as exc:
                raise UsageError(
                    f"there is already a reviewer {email}; "
                    "change the password with `mailbot reviewers passwd`."
                ) from exc
        return Reviewer(email, name.strip(), created)

    def list(self) -> list[Reviewer]:
        with self._mutex:
            rows = self._db.execute("SELECT email, name, created FROM reviewers ORDER BY email").fetchall()
        return [Reviewer(*row) for row in rows]

    def remove(self, email: str) -> None:
        email = _normal(email)
        with self._mutex:
            if self._db.execute("DELETE FROM reviewers WHERE email = ?", (email,)).rowcount == 0:
                raise UsageError(f"there is no reviewer {email}; see `mailbot reviewers list`.")

    def passwd(self, email: str, password: str) -> None:
        email = _normal(email)
        _check_password(password)
        with self._mutex:
            cur = self._db.execute(
                "UPDATE reviewers SET hash = ? WHERE email = ?", (_hasher.hash(password), email)
            )
            if cur.rowcount == 0:
                raise UsageError(f"there is no reviewer {email}; see `mailbot reviewers list`.")

    def verify(self, email: str, password: str) -> Reviewer | None:
        """The reviewer when ``password`` is theirs, else None (same cost either way)."""
        try:
            email = _normal(email)
        except UsageError:
            email = ""
        with self._mutex:
            row = self._db.execute(
                "SELECT email, name, created, hash FROM reviewers WHERE email = ?", (email,)
            ).fetchone()
        try:
            _hasher.verify(row[3] if row else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        return Reviewer(row[0], row[1], row[2]) if row else None

    def exists(self, email: str) -> bool:
        with self._mutex:
            return (
                self._db.execute("SELECT 1 FROM reviewers WHERE email = ?", (email,)).fetchone() is not None
            )


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise UsageError("the password is shorter than 8 characters; choose a longer one.")


class Limiter:
    """Failed sign-ins per key (an account, an address) within a sliding window."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._mutex = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        times = self._failures[key]
        limit = self.clock() - self.window
        while times and times[0] < limit:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> bool:
        with self._mutex:
            return any(len(self._recent(k)) >= self.max_failures for k in keys)

    def failed(self, *keys: str) -> int:
        """Count a failure for every key; the highest count among them."""
        with self._mutex:
            counts = []
            for k in keys:
                times = self._recent(k)
                times.append(self.clock())
                counts.append(len(times))
            return max(counts)

    def succeeded(self, *keys: str) -> None:
        with self._mutex:
            for k in keys:
                self._failures.pop(k, None)


def session_key(state: Path) -> bytes:
    """The key signing the desk's session cookies: made once in the state folder, mode 0600."""
    return secret_key(state, KEY_NAME, "the desk's session key")
