"""Outlook 2019's "wrote line" forward: an attribution line over the letter indented by four spaces.

Outlook 2016-2019 (Windows, plain text or converted HTML) can forward a message as::

    On 28/10/2021 12:46, "John Doe" <john.doe@example.com> wrote:

        Dear team,
        ...

in the user's language ("Il 28/10/2021 12:46, ... ha scritto:", "Le ... a écrit :"...), under a
forward subject (FW:, I:, TR:, WG:, RV:, VS:, PD:...). The same line over ``>``-quoted text is a
reply; :mod:`mailbot.forwards` decides which (the subject and the indentation); the helpers here
only read the line and the indented block. Pure and linear: no language data lives here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

INDENT = "    "
_ADDRESS_IN_BRACKETS = re.compile(r"<[^<>\s]{1,200}@[^<>\s]{1,200}>")
_QUOTED_NAME = re.compile(r'"[^"]{1,200}"\s*$')


def split_attribution(line: str, starts: Sequence[str], ends: Sequence[str]) -> tuple[str, str] | None:
    """(date text, person text) of ``On <date>, "Name" <address> wrote:``; ``None`` if no address.

    ``starts`` and ``ends`` are the languages' opening and closing words ("On"/"wrote",
    "Il"/"ha scritto"...), matched case-insensitively.
    """
    addresses = list(_ADDRESS_IN_BRACKETS.finditer(line))
    if not addresses:
        return None
    address = addresses[-1]
    lowered = line.lower()
    tail = lowered[address.end() :].strip()
    if tail in (":", "\uff1a"):
        return _verb_first(line, address.start(), address.end(), starts, ends)
    # The verb may follow a word or two: Turkish "sunu yazdi" (dotless i), Hungarian "ezt írta".
    if not any(end.lower() in tail[: len(end) + 12] for end in ends if end):
        return None
    before = line[: address.start()]
    quoted = _QUOTED_NAME.search(before)
    if quoted:
        name_start = quoted.start()
    else:
        comma = before.rfind(",")
        name_start = comma + 1 if comma >= 0 else len(before)
    person = line[name_start : address.end()].strip()
    date = line[:name_start].strip().rstrip(",").strip()
    for start in sorted((s for s in starts if s), key=len, reverse=True):
        if lowered.startswith(start.lower() + " "):
            date = date[len(start) :].strip()
            break
    return date, person


def _verb_first(
    line: str, address_start: int, address_end: int, starts: Sequence[str], ends: Sequence[str]
) -> tuple[str, str] | None:
    """Outlook for Mac's order: ``Am 10.01.25, 19:44 schrieb "Name" <address>:``."""
    lowered = line[:address_start].lower()
    found = max(((lowered.rfind(end.lower()), end) for end in ends if end), default=(-1, ""))
    if found[0] < 0:
        return None
    person = line[found[0] + len(found[1]) : address_end].strip()
    date = line[: found[0]].strip().rstrip(",").strip()
    for start in sorted((s for s in starts if s), key=len, reverse=True):
        if date.lower().startswith(start.lower() + " "):
            date = date[len(start) :].strip()
            break
    return (date, person) if person else None


def indented_block(lines: Sequence[str], start: int) -> list[str] | None:
    """The lines from ``start`` with their four-space indent removed, when the text is indented so.

    The first three non-blank lines must all start with :data:`INDENT` (or a tab); lines that
    are not indented (a footer the client added) are kept as they are.
    """
    seen = 0
    for line in lines[start:]:
        if not line.strip():
            continue
        if not line.startswith((INDENT, "\t")):
            return None
        seen += 1
        if seen == 3:
            break
    if not seen:
        return None
    return [_dedent(line) for line in lines[start:]]


def _dedent(line: str) -> str:
    if line.startswith(INDENT):
        return line[len(INDENT) :]
    if line.startswith("\t"):
        return line[1:]
    return line
