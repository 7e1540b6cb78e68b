"""Client shapes read apart: Yahoo's one-line header runs, and notes written below an HTML forward.

Yahoo Mail's plain-text forwards run the header labels together on one line::

    ----- Forwarded Message ----- From: Ann <a@x.org> To: Blog <b@x.org> Sent: Monday, ... Subject: Hi

:func:`split_label_runs` turns such a line into the usual one-label-per-line block, so the
forward engine (:mod:`mailbot.forwards`) sees the same shape as every other client's. Pure text in,
text out; a line is only touched when it reads as a whole header block (a From label, a Subject
label and at least one more, each naming a different field).

:func:`text_after_forward` finds what a forwarder wrote *below* a forward in the HTML part
(after Thunderbird's or Gmail's container), which the text part runs into the letter;
:func:`without_text_below` takes it off the letter's end.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import unescape

_PATTERNS: dict[tuple[int, bool], re.Pattern[str]] = {}


def _pattern(fields: Mapping[str, str], tight: bool = False) -> re.Pattern[str]:
    """One regex finding any known label followed by a colon, built once per label table.

    A label follows a space or starts the line; ``tight``, it may follow anything (Yahoo's
    text part can glue a label to the value before it: ``<ann@x.org>To: ...``).
    """
    found = _PATTERNS.get((id(fields), tight))
    if found is None:
        words = sorted((re.escape(label) for label in fields), key=len, reverse=True)
        lead = "" if tight else r"(?:^|(?<=\s))"
        found = re.compile(lead + "(" + "|".join(words) + r")\s*[:\uff1a]", re.IGNORECASE)
        _PATTERNS[(id(fields), tight)] = found
    return found


def _split_line(line: str, pattern: re.Pattern[str], fields: Mapping[str, str]) -> list[str] | None:
    matches = list(pattern.finditer(line))
    if len(matches) < 3:
        return None
    # A case-insensitive match may not lower-case back to the table's key (Turkish dotted I).
    named = [fields.get(m.group(1).lower()) for m in matches]
    if None in named or len(set(named)) != len(named) or "from" not in named or "subject" not in named:
        return None
    lead = line[: matches[0].start()].strip()
    # Only a separator may stand before the first label ("----- Forwarded Message -----").
    if lead and not re.match(r"[-_=*]{2,}", lead):
        return None
    ends = [m.start() for m in matches[1:]] + [len(line)]
    parts = [line[m.start() : end].strip() for m, end in zip(matches, ends, strict=True)]
    return ([lead] if lead else []) + parts


def split_label_runs(text: str, fields: Mapping[str, str]) -> str:
    """``text`` with every line that runs a whole header block together split one label per line.

    ``fields`` maps each known label, lower case, to its field (``from``, ``date``, ``subject``,
    ``to``, ``cc``), as the forward engine's tables do.
    """
    if text.count(":") < 3:
        return text
    pattern = _pattern(fields)
    lines = text.split("\n")
    out: list[str] = []
    changed = False
    for line in lines:
        split = _split_line(line, pattern, fields) if line.count(":") >= 3 else None
        if split is None and line.count(":") >= 3 and line.lstrip().startswith(("--", "__")):
            # Glued labels are trusted only on a line that opens with a separator.
            split = _split_line(line, _pattern(fields, tight=True), fields)
        if split is None:
            out.append(line)
        else:
            out.extend(split)
            changed = True
    return "\n".join(out) if changed else text


# The element a client wraps the forwarded message in, in its HTML part: Thunderbird's
# container, Gmail's quote. Text the forwarder wrote after it is a note below the forward.
_CONTAINER_RE = re.compile(
    r"<div\b[^>]{0,200}\bclass=\"(?:moz-forward-container|gmail_quote)\b", re.IGNORECASE
)
_DIV_RE = re.compile(r"<div\b|</div\s*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^<>]{0,2000}>")
_BODY_END_RE = re.compile(r"</body\s*>", re.IGNORECASE)


def text_after_forward(html: str | None) -> list[str]:
    """The words written after the forwarded message's container in an HTML part, if any.

    Only Thunderbird's ``moz-forward-container`` and Gmail's ``gmail_quote`` divs are known;
    nested divs are counted, so the container's own end is found in one pass.
    """
    if not html:
        return []
    opened = _CONTAINER_RE.search(html)
    if opened is None:
        return []
    depth = 0
    for tag in _DIV_RE.finditer(html, opened.start()):
        depth += -1 if tag.group().startswith("</") else 1
        if depth == 0:
            end = _BODY_END_RE.search(html, tag.end())
            tail = html[tag.end() : end.start() if end else len(html)]
            return unescape(_TAG_RE.sub(" ", tail)).split()
    return []


def without_text_below(body: str, words: list[str]) -> str:
    """``body`` without its last paragraphs when they are exactly ``words`` (spacing aside)."""
    if not words:
        return body
    paragraphs = body.split("\n\n")
    for count in range(1, min(len(paragraphs) - 1, 8) + 1):
        found = " ".join(paragraphs[-count:]).split()
        if found == words:
            return "\n\n".join(paragraphs[:-count]).rstrip()
        if len(found) > len(words):
            break
    return body
