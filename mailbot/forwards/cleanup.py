# ruff: noqa: RUF001 - the middle dot and dashes of signature lines, on purpose.
"""Cleanup of notes and letters: disclaimers, device lines, leftovers, the forwarder's sign-off.

In the letter only *trailing* paragraphs are dropped, so its own text and sign-off stay; in notes
any matching paragraph goes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailbot.forwards.patterns import (
    INVISIBLE_RE,
    LEAD_RE,
    LEFTOVER_LINE_RE,
    PATTERNS,
    PLACEHOLDER_RE,
    RULE_RE,
)
from mailbot.models import Person


def _is_device_line(line: str) -> bool:
    """ "Sent from my iPhone" and the like: a short line of its own."""
    return len(line) <= 300 and PATTERNS.device_lines.match(line) is not None


def _is_disclaimer(paragraph: str) -> bool:
    start = LEAD_RE.match(paragraph).end()  # type: ignore[union-attr]
    return PATTERNS.disclaimer.match(paragraph, start) is not None


def _is_junk(paragraph: str, drop: Sequence[re.Pattern[str]]) -> bool:
    """A paragraph nobody wrote for the reader: disclaimer, device line, leftover, caller's pattern."""
    lines = [x for x in paragraph.split("\n") if x.strip()]
    if not lines:
        return True
    if all(_is_device_line(x) or LEFTOVER_LINE_RE.match(x) or RULE_RE.match(x) for x in lines):
        return True
    return _is_disclaimer(paragraph) or any(p.search(paragraph) for p in drop)


# A phone number (+44 20 7946 0000, (02) 1234 5678), an address or a web site: contact lines.
_CONTACT_RE = re.compile(
    r"(?:\+|\b(?:tel|phone|mob|mobile|cell|fax|t|m)\b\.?:?\s*)?\(?\d[\d\s().-]{6,}\d"
    r"|[^\s@|]+@[^\s@|]+\.\w+|\bwww\.\S+|https?://\S+",
    re.IGNORECASE,
)
_FIELD_SPLIT_RE = re.compile(r"\s+[|·•]\s+")
_NAME_LINE_RE = re.compile(r"[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){1,3}")


_PARTICLES = frozenset(
    {"de", "di", "da", "del", "della", "van", "von", "der", "den", "la", "le", "du", "dos", "das"}
)


def _is_name(text: str) -> bool:
    """Two to four words, each capitalised (or in a script without case), particles aside."""
    if _NAME_LINE_RE.fullmatch(text) is None or text.endswith((".", ",")):
        return False
    return all(not word[0].islower() or word in _PARTICLES for word in text.split())


def is_signature_block(paragraph: str) -> bool:
    """A forwarder's signature block: a name with title, company and contact details.

    Either one line of at least three ``|``/``·``/``•`` separated fields (``Name | Title |
    Company | +44 ...``), or two to six short lines opening with a name (two to four words)
    where a later line holds a phone number, an address or a web site. Sentences (a line
    ending in ``.``, ``!`` or ``?`` past the name) are never a signature.
    """
    lines = [x.strip() for x in paragraph.split("\n") if x.strip()]
    if not lines or len(lines) > 6 or any(len(x) > 100 for x in lines):
        return False
    if len(lines) == 1:
        fields = _FIELD_SPLIT_RE.split(lines[0])
        return len(fields) >= 3 and _is_name(fields[0]) and any(_CONTACT_RE.search(f) for f in fields[1:])
    name = _FIELD_SPLIT_RE.split(lines[0])[0]
    if not _is_name(name) or any(x.endswith((".", "!", "?", ":")) for x in lines[1:]):
        return False
    return any(_CONTACT_RE.search(x) for x in lines[1:])


def _without_signature_block(paragraphs: list[str]) -> list[str]:
    """The note's paragraphs without a signature block at their end (with its closing line).

    The block is either whole paragraphs, or the last lines of the last paragraph under a line
    that ends a sentence or a closing ("Thanks, see below.\nAnna Bianchi | Care | +39 ...").
    """
    paragraphs = list(paragraphs)
    if paragraphs and not is_signature_block(paragraphs[-1]):
        lines = paragraphs[-1].split("\n")
        for cut in range(max(1, len(lines) - 6), len(lines)):
            if lines[cut - 1].rstrip().endswith((".", "!", "?", ",", ":")) and is_signature_block(
                "\n".join(lines[cut:])
            ):
                kept = lines[: cut - 1] if _is_closing(lines[cut - 1]) else lines[:cut]
                if kept or len(paragraphs) == 1:
                    paragraphs[-1] = "\n".join(kept or lines[:cut])
                else:
                    paragraphs.pop()
                return paragraphs
        return paragraphs
    if paragraphs:
        while paragraphs and is_signature_block(paragraphs[-1]):
            paragraphs.pop()
        # "Kind regards," alone above the block is the signature's closing.
        if len(paragraphs) > 1 and _is_closing(paragraphs[-1]):
            paragraphs.pop()
    return paragraphs


def _is_closing(paragraph: str) -> bool:
    """A sign-off line of its own: at most four words ending with a comma ("Kind regards,")."""
    return "\n" not in paragraph.strip() and paragraph.strip().endswith(",") and len(paragraph.split()) <= 4


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def note_above(lines: list[str], drop: Sequence[re.Pattern[str]] = ()) -> str | None:
    """What the forwarder wrote above the block, without their signature, disclaimers or rules."""
    kept: list[str] = []
    for line in lines:
        if line.rstrip() == "--":
            break
        kept.append(line)
    text = clean_body("\n".join(kept))
    paragraphs = [p for p in _paragraphs(text) if not _is_junk(p, drop)]
    note = "\n\n".join(_without_signature_block(paragraphs))
    note = "\n".join(x for x in note.split("\n") if not _is_device_line(x) and not RULE_RE.match(x))
    return clean_body(note).strip() or None


def trim_letter(body: str, drop: Sequence[re.Pattern[str]]) -> str:
    """The letter without trailing junk paragraphs (disclaimers, device lines, leftovers)."""
    paragraphs = _paragraphs(clean_body(body))
    while paragraphs and _is_junk(paragraphs[-1], drop):
        paragraphs.pop()
    if paragraphs:  # "Regards,\nPeter\nSent from my iPhone": the device line alone goes.
        last = paragraphs[-1].split("\n")
        while len(last) > 1 and _is_device_line(last[-1]):
            last.pop()
        paragraphs[-1] = "\n".join(last)
    return "\n\n".join(paragraphs)


def _name_words(name: str) -> set[str]:
    return {w.strip(".,").lower() for w in name.replace(",", " ").split() if w.strip(".,")}


def _is_name_line(line: str, names: set[str]) -> bool:
    words = [w.strip(".,!").lower() for w in line.split()]
    return 0 < len(words) <= 3 and words[0] in names and all(w in names or len(w) == 1 for w in words)


def without_name_signoff(note: str | None, author: Person) -> str | None:
    """Drop the forwarder's sign-off ("Anna", "Anna B.", or a short signature under their name).

    The cut is at the last line made of the forwarder's own name words, when at most five
    short lines (title, office, phone) follow it; a short closing such as "Thanks," just
    above goes too. A note that ends with a sentence, or names someone else, is kept whole.
    """
    if not note or not author.name:
        return note
    names = _name_words(author.name)
    lines = note.split("\n")
    cut = None
    for index in range(len(lines) - 1, max(-1, len(lines) - 7), -1):
        head = re.split(r"\s[|·•–-]\s", lines[index], maxsplit=1)[0]
        if _is_name_line(head, names):
            cut = index
            break
    tail = lines[cut + 1 :] if cut is not None else []
    if cut is None or any(not x.strip() or len(x) > 80 for x in tail):
        return note
    lines = clean_body("\n".join(lines[:cut])).split("\n")
    # A short closing just above the name ("Thanks,", "Un saluto,") belongs to the sign-off.
    if len(lines) > 1 and lines[-1].endswith(",") and len(lines[-1].split()) <= 3:
        lines = lines[:-1]
    return clean_body("\n".join(lines)) or None


def clean_body(text: str) -> str:
    """``\\n`` line ends, no trailing spaces (a ``-- `` signature line keeps its space), no outer blanks.

    Outlook's ``[cid:...]``/``[image: ...]`` placeholders and invisible characters go, runs of
    blank lines become one, and paragraphs are never joined. No-break spaces inside a line stay
    (French ``a écrit\u00a0:``): the letter is kept as written.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "[" in text:
        text = PLACEHOLDER_RE.sub("", text)
    text = INVISIBLE_RE.sub("", text)
    lines = [line if line == "-- " else line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
