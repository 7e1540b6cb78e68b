"""Reply tokens: an HMAC over (draft id, scope, expiry) with a key kept in the state folder.

A token looks like ``<draft id>.<scope>.<expiry>.<mac>`` (expiry in base 36 seconds since
the epoch, the mac 24 hex digits of HMAC-SHA256). It travels in the subject of a reviewer's
notice (``[mb:TOKEN]``) and, when it fits the 64 characters of a local part, in the
Reply-To plus-address (``blog+TOKEN@example.org``). The key (32 random bytes, ``0600``) is
made once, the first time a token is needed. A used token is recorded in the ``used_tokens``
table of the ledger database and never accepted again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.keys import secret_key

KEY_NAME = "reply-token.key"
SCOPE = "review"
TOKEN_RE = re.compile(r"\[mb:([A-Za-z0-9_.-]+)\]")
_PLUS_RE = re.compile(r"\+([A-Za-z0-9_.-]+)@")


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def key(state: Path) -> bytes:
    """The token key in ``state`` (made on first use, 0600)."""
    return secret_key(state, KEY_NAME, "the reply-token key")


def _mac(secret: bytes, draft_id: str, scope: str, expiry: str) -> str:
    text = f"{draft_id}\x00{scope}\x00{expiry}".encode()
    return hmac.new(secret, text, hashlib.sha256).hexdigest()[:24]


def make(secret: bytes, draft_id: str, days: int, now: datetime | None = None, scope: str = SCOPE) -> str:
    expiry = _b36(int(((now or datetime.now(UTC)) + timedelta(days=days)).timestamp()))
    return f"{draft_id}.{scope}.{expiry}.{_mac(secret, draft_id, scope, expiry)}"


@dataclass(frozen=True)
class Checked:
    draft_id: str | None
    reason: str | None  # None: valid


def check(secret: bytes, token: str, now: datetime | None = None, scope: str = SCOPE) -> Checked:
    """Whether ``token`` is genuine, of ``scope`` and not expired (use is checked by :func:`use`)."""
    parts = token.split(".")
    if len(parts) != 4:
        return Checked(None, "the reply token is malformed")
    draft_id, tscope, expiry, mac = parts
    if not hmac.compare_digest(mac, _mac(secret, draft_id, tscope, expiry)):
        return Checked(None, "the reply token is not genuine")
    if tscope != scope:
        return Checked(None, f"the reply token is for {tscope!r}, not {scope!r}")
    try:
        until = int(expiry, 36)
    except ValueError:
        return Checked(None, "the reply token is malformed")
    if until < (now or datetime.now(UTC)).timestamp():
        return Checked(draft_id, "the reply token has expired")
    return Checked(draft_id, None)


def find(headers: list[tuple[str, str]]) -> list[str]:
    """The tokens a reply carries: plus-addresses in To/Cc/Delivered-To, then ``[mb:...]`` in the subject."""
    found: list[str] = []
    for name, value in headers:
        if name.lower() in ("to", "cc", "delivered-to", "x-original-to"):
            found += _PLUS_RE.findall(value)
    for name, value in headers:
        if name.lower() == "subject":
            found += TOKEN_RE.findall(value)
    return list(dict.fromkeys(t for t in found if t.count(".") == 3))


def use(db: sqlite3.Connection, token: str, who: str, now: datetime | None = None) -> bool:
    """Mark ``token`` used on ``db`` (inside the caller's transaction); False if it was used before.

    ``db`` is the ledger database opened by :func:`mailbot.database.connect`: its table is there.
    """
    cur = db.execute(
        "INSERT OR IGNORE INTO used_tokens (token, used_at, used_by) VALUES (?, ?, ?)",
        (token, (now or datetime.now(UTC)).isoformat(timespec="seconds"), who),
    )
    return cur.rowcount == 1


def plus_address(address: str, token: str) -> str | None:
    """``address`` with ``+token`` in its local part, or None when that would be too long."""
    local, at, domain = address.rpartition("@")
    if not at or "+" in local or len(local) + 1 + len(token) > 64:
        return None
    return f"{local}+{token}@{domain}"
