"""Unwrap ``text/plain; format=flowed`` (RFC 3676), Thunderbird's and Apple Mail's default.

A flowed body is wrapped at about 72 columns; a line that ends in a space is a *soft* break and
joins the next line, so the letter's own paragraphs come back instead of the client's wrapping.
Handled here, in one pass over the lines:

* **quote depth**: the ``>`` marks at the start of a line (no spaces between them); a soft line
  joins the next only when that one has the same depth, otherwise it ends where it is;
* **space-stuffing**: one space after the quote marks (or at the start of an unquoted line) was
  added by the sender's client and goes;
* **DelSp=yes**: the space that marks a soft break is deleted when the lines are joined
  (without DelSp it stays, as the space between two words);
* the **signature separator** ``-- `` is never a soft break, nor joined to the line above.

Quoted lines come back as ``>`` marks, one space, and the text, which is what the forward
engine reads.
"""

from __future__ import annotations

import re

_QUOTE_MARKS = re.compile(r">*")
SIGNATURE = "-- "


def unflow(text: str, *, delsp: bool = False) -> str:
    """``text`` (``\\n`` line ends) with its soft line breaks joined; see the module docstring."""
    out: list[str] = []
    pending: list[str] = []  # the pieces of a paragraph still being joined
    pending_depth = -1
    for line in text.split("\n"):
        depth = _QUOTE_MARKS.match(line).end()  # type: ignore[union-attr]
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if pending and (depth != pending_depth or content == SIGNATURE):
            out.append(_line(pending_depth, "".join(pending)))  # an improperly flowed end: kept as it is
            pending = []
        soft = content.endswith(" ") and content != SIGNATURE
        if soft:
            pending.append(content[:-1] if delsp else content)
            pending_depth = depth
            continue
        pending.append(content)
        out.append(_line(depth, "".join(pending)))
        pending = []
    if pending:
        out.append(_line(pending_depth, "".join(pending)))
    return "\n".join(out)


def _line(depth: int, content: str) -> str:
    if not depth:
        return content
    return ">" * depth + (" " + content if content else "")
