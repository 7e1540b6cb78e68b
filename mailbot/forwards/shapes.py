"""Pre-pass over a forward's text: shapes of header blocks the engine reads better once unfolded.

Yahoo Mail's plain-text forwards run the header labels together on one line::

    ----- Forwarded Message ----- From: Ann <a@x.org> To: Blog <b@x.org> Sent: Monday, ... Subject: Hi

:func:`split_label_runs` turns such a line into the usual one-label-per-line block, so the
forward engine (:mod:`mailbot.forwards`) sees the same shape as every other client's. Pure text in,
text out; a line is only touched when it reads as a whole header block (a From label, a Subject
label and at least one more, each naming a different field).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_PATTERNS: dict[int, re.Pattern[str]] = {}


def _pattern(fields: Mapping[str, str]) -> re.Pattern[str]:
    """One regex finding any known label followed by a colon, built once per label table."""
    found = _PATTERNS.get(id(fields))
    if found is None:
        words = sorted((re.escape(label) for label in fields), key=len, reverse=True)
        found = re.compile(r"(?:^|(?<=\s))(" + "|".join(words) + r")\s*[:\uff1a]", re.IGNORECASE)
        _PATTERNS[id(fields)] = found
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
        if split is None:
            out.append(line)
        else:
            out.extend(split)
            changed = True
    return "\n".join(out) if changed else text
