"""A reviewer's reply as a command: its own first line, never a quoted part. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbot.mail.html import html_to_text
from mailbot.models import ParsedMessage

_WORDS = {
    "approve": "approve",
    "approva": "approve",
    "approved": "approve",
    "publish": "publish",
    "pubblica": "publish",
    "reject": "reject",
    "rifiuta": "reject",
}
_LINE = re.compile(r"^\s*([A-Za-z]+)[.!]?(?:\s+(.*?))?\s*$")


@dataclass(frozen=True)
class Command:
    action: str  # "approve" | "reject" | "publish"
    reason: str | None = None


def own_text(parsed: ParsedMessage) -> str:
    """The reply's text: the plain part, else its HTML through the HTML-to-text path."""
    if parsed.text and parsed.text.strip():
        return parsed.text
    return html_to_text(parsed.html) if parsed.html else ""


def command(text: str) -> Command | None:
    """The command on the first non-blank line of ``text``; None when that line is not one.

    A first line that is quoted (``>``) is the notice being answered, never the reviewer's word.
    """
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.lstrip().startswith(">"):
            return None
        match = _LINE.match(line)
        if match is None:
            return None
        action = _WORDS.get(match.group(1).lower())
        rest = (match.group(2) or "").strip() or None
        if action is None or (rest is not None and action != "reject"):
            return None
        return Command(action, rest)
    return None
