"""The checks a form comment passes before it is taken: signed fill time, limits, rate per address.

Pure where it can be: :func:`sign` / :func:`check_token` (an HMAC over the post id and the
moment the form was served, with a key kept in the state folder), :func:`count_links`;
:class:`RateLimit` keeps its rows in the ledger database (table ``comment_rate``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import sqlite3
from pathlib import Path

from mailbot import database
from mailbot.errors import StoreError
from mailbot.keys import secret_key

KEY_NAME = "comments-form.key"
# A form older than this is served again rather than taken (a stale tab, a replayed token).
MAX_AGE = 24 * 3600
_LINK_RE = re.compile(r"(?:https?://|www\.|mailto:|javascript:)", re.IGNORECASE)
_EMAIL_RE = re.compile(r"[^\s@<>\"]{1,64}@[^\s@<>\"]{1,190}\.[^\s@<>\".]{1,60}")


def form_key(state: Path) -> bytes:
    """The private key that signs the forms' timestamps: made once, 0600 in the state folder."""
    return secret_key(state, KEY_NAME, "the comment form's key")


def sign(key: bytes, post: str, issued: int) -> str:
    mac = hmac.new(key, f"{post}\x1f{issued}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{issued}.{mac}"


def check_token(key: bytes, post: str, token: str, now: int) -> int | None:
    """Seconds since the form was served, or None when the token is not one mailbot signed for ``post``."""
    issued_text = token.partition(".")[0]
    if not issued_text.isdigit() or len(issued_text) > 12:
        return None
    issued = int(issued_text)
    if not hmac.compare_digest(sign(key, post, issued), token):
        return None
    return now - issued


def count_links(text: str) -> int:
    return len(_LINK_RE.findall(text))


def plausible_email(text: str) -> bool:
    return bool(_EMAIL_RE.fullmatch(text))


class RateLimit:
    """Comments taken per network address in the last hour (rows older than a day are dropped)."""

    def __init__(self, ledger: Path) -> None:
        self.ledger = ledger

    def allow(self, addr: str, now: int, per_hour: int) -> bool:
        """True (and the attempt counted) when ``addr`` sent fewer than ``per_hour`` in the last hour."""
        db = database.connect(self.ledger)  # made or migrated: comment_rate is one of the migrations
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM comment_rate WHERE at < ?", (now - 86400,))
            (count,) = db.execute(
                "SELECT COUNT(*) FROM comment_rate WHERE addr = ? AND at > ?", (addr, now - 3600)
            ).fetchone()
            if count >= per_hour:
                db.execute("COMMIT")
                return False
            db.execute("INSERT INTO comment_rate (addr, at) VALUES (?, ?)", (addr, now))
            db.execute("COMMIT")
            return True
        except sqlite3.Error as exc:
            raise StoreError(f"the comment rate table in {self.ledger} cannot be used ({exc}).") from exc
        finally:
            db.close()
