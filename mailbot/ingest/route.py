"""What a message is, decided before any stage works on it: a letter, a reviewer's command, a comment.

:func:`classify` looks only at the headers (read from the raw bytes unless a parsed message
is given): a message that carries a mailbot reply token (a ``+token`` address or ``[mb:...]``
in the subject), or answers a mail mailbot sent (``In-Reply-To``/``References`` naming one of
its Message-IDs), is a **command**, so a forged or stale reply is quarantined as a bad
command and never drafted as a letter. A comment is recognised only by the function
``is_comment(parsed, raw, config) -> bool`` of ``mailbot.comments.route`` when that module
exists (the comments feature provides it). Everything else is a **letter**.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from mailbot.commands import tokens
from mailbot.config import Config
from mailbot.models import ParsedMessage
from mailbot.outbox.notices import headers_of

LETTER = "letter"
COMMAND = "command"
COMMENT = "comment"


@dataclass(frozen=True)
class Route:
    kind: str
    tokens: tuple[str, ...] = ()


@functools.cache
def _comment_hook() -> Any:
    """``mailbot.comments.route.is_comment``, or None; looked for once per process.

    A module that is not there is searched for on every import attempt (a stat per folder
    of ``sys.path``): asked for each message, that was a large share of a big import.
    """
    try:
        module: Any = importlib.import_module("mailbot.comments.route")
    except ImportError:
        return None
    return getattr(module, "is_comment", None)


def _is_comment(parsed: ParsedMessage | None, raw: bytes, config: Config) -> bool:
    hook = _comment_hook()
    return bool(hook(parsed, raw, config)) if hook is not None else False


def _answers_mailbot(headers: list[tuple[str, str]], config: Config) -> bool:
    if config.smtp is None:
        return False
    domain = parseaddr(config.smtp.sender)[1].rpartition("@")[2].lower()
    for name, value in headers:
        if name.lower() in ("in-reply-to", "references"):
            for ref in value.split():
                if ref.lower().startswith("<mailbot.") and ref.lower().endswith(f"@{domain}>"):
                    return True
    return False


def classify(parsed: ParsedMessage | None, raw: bytes, config: Config) -> Route:
    """The route of one message (see the module docstring)."""
    headers = list(parsed.headers) if parsed is not None and parsed.headers else headers_of(raw)
    found = tokens.find(headers)
    if found or _answers_mailbot(headers, config):
        return Route(COMMAND, tuple(found))
    if _is_comment(parsed, raw, config):
        return Route(COMMENT)
    return Route(LETTER)
