"""People and subjects in a forward header: ``Name <addr>`` lines and ``Fwd:`` prefixes.

``X on behalf of Y <y@...>`` (Outlook's delegate sending) is X, who wrote, with the address on the
line; reply prefixes (``Re:``, ``R:``, ``AW:``) are never stripped from a subject.
"""

from __future__ import annotations

import re

from mailbot.forwards.patterns import ADDRESS, PATTERNS, PERSON_RE
from mailbot.models import Person


def strip_forward_prefixes(subject: str | None) -> str | None:
    """Drop ``Fwd:``/``I:``/``TR:``/``WG:``... prefixes (repeated, mixed, any case).

    Stripping stops at the first word that is not a forward prefix, so reply prefixes
    (``Re:``, ``R:``, ``AW:``...) and everything after them stay.
    """
    if subject is None:
        return None
    subject = subject.strip()
    bracketed = re.fullmatch(r"\[(?:fwd?|fw)\s*:\s*(.*)\]", subject, re.IGNORECASE | re.DOTALL)
    if bracketed:
        subject = bracketed.group(1)
    return PATTERNS.prefix.sub("", subject).strip() or None


def parse_person(text: str | None) -> Person:
    """Read a From line: ``Name <addr>``, ``"Last, First" <addr>``, ``Name [mailto:addr]``, or one part.

    ``X on behalf of Y <y@...>`` (and its translations) is X, who wrote, with the address
    on the line: X's own if given, else Y's.
    """
    # One space between words: runs of spaces made the name and address patterns backtrack.
    text = " ".join((text or "").split())
    behalf = PATTERNS.on_behalf.match(text)
    if behalf:
        writer, represented = _parse_one(behalf.group(1)), _parse_one(behalf.group(2))
        return Person(writer.name or represented.name, writer.address or represented.address)
    return _parse_one(text)


def _parse_one(text: str) -> Person:
    text = text.strip()
    match = PERSON_RE.fullmatch(text)
    if match:
        name, address = match.group(1), match.group(2)
    elif re.fullmatch(ADDRESS, text):
        name, address = "", text
    else:
        name, address = text, None
    name = name.strip().strip("*").strip().strip("\"'«»“”„").strip().replace('\\"', '"')
    if address and address.lower().startswith("mailto:"):
        address = address[7:]
    if not name or name == address:
        return Person(None, address)
    return Person(name, address)
