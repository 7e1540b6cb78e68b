"""Finding the forwarded block in a text: separator lines, header blocks, Outlook 2019's wrote-line.

Linear in the text: each line is looked at once; a reply attribution ("On ... wrote:") over quoted
text ends the search (a reply is not a forward) unless a forward subject makes it Outlook 2019's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbot.budget import Deadline
from mailbot.budget import check as check_deadline
from mailbot.forwards.cleanup import note_above
from mailbot.forwards.patterns import FRAME_RE, PATTERNS, QUOTES_RE, RULE_RE
from mailbot.forwards.wroteline import indented_block, split_attribution


@dataclass(frozen=True)
class Block:
    note: str | None
    headers: dict[str, str]
    body: str
    rule: str = "header-block"
    """How the block was found: "separator", "header-block" or "quoted-header-block"."""
    marked: bool = True
    """Written the way only a client writes it: after a separator or a rule line, or quoted."""


def quote_depth(line: str) -> int:
    """How many ``>`` quote the line: one pass (slicing the line per level was quadratic)."""
    return QUOTES_RE.match(line).group().count(">")  # type: ignore[union-attr]


def unquote(line: str, depth: int) -> str:
    """``line`` without its first ``depth`` quote marks (fewer if it has fewer), in one pass.

    Each level is `` ?> ?``: the ``depth``-th ``>`` and the space after it end the cut.
    """
    prefix_end = QUOTES_RE.match(line).end() if depth > 0 else 0  # type: ignore[union-attr]
    if not prefix_end:
        return line
    parts = line[:prefix_end].split(">", depth)
    if len(parts) <= depth:  # no more levels than asked for: the whole quote prefix goes
        return line[prefix_end:]
    cut = prefix_end - len(parts[-1])
    return line[cut + 1 :] if line[cut : cut + 1] == " " else line[cut:]


# A header value longer than this is cut: no client writes one, and a hostile block must not
# make a value that every later step copies.
_MAX_VALUE = 4000


def _read_headers(lines: list[str], start: int, depth: int) -> tuple[dict[str, str], int]:
    """Read ``Label: value`` lines from ``start`` (unquoted ``depth`` times); the fields and the body's line.

    New Outlook writes no blank line between the block and the body, so a line that is no
    label ends the block unless it continues a recipient list (an address, or a list
    ending in ``,``/``;``) or is indented.
    """
    parts: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    last: str | None = None
    index = start
    while index < len(lines):
        line = unquote(lines[index], depth)
        stripped = line.strip()
        if not stripped:
            break
        match = PATTERNS.label.match(stripped)
        if match:
            last = PATTERNS.field_by_label[match.group(1).lower()]
            if last not in parts:
                parts[last] = [match.group(2).strip()[:_MAX_VALUE]]
                sizes[last] = len(parts[last][0])
        elif last and (
            line[:1] in " \t"
            or (last in ("to", "cc") and ("@" in line or parts[last][-1].rstrip().endswith((",", ";"))))
        ):
            if sizes[last] < _MAX_VALUE:  # a wrapped value
                parts[last].append(stripped[:_MAX_VALUE])
                sizes[last] += len(parts[last][-1]) + 1
        else:
            break
        index += 1
    return {name: " ".join(values) for name, values in parts.items()}, index


_FRAMED_RE = re.compile(r"[-=]{5,}[ \t]*[^-=\s][^-=]{0,80}?[ \t]*[-=]{5,}")


def _body_depth(lines: list[str], start: int, depth: int) -> int:
    """The quote depth of a forwarded body: one more than its header block's when all is quoted.

    Proton quotes the letter with ``> `` under a plain header block.
    """
    text = [x for x in lines[start:] if x.strip()]
    if text and all(quote_depth(x) > depth for x in text):
        return depth + 1
    return depth


def _is_header_block(headers: dict[str, str]) -> bool:
    """A From line followed by Date/Sent and Subject lines: Outlook's block with no separator."""
    return "from" in headers and ("date" in headers or "subject" in headers) and len(headers) >= 3


def _is_separator(bare: str) -> bool:
    """A line that opens a forwarded block ("---------- Forwarded message ---------")."""
    if len(bare) > 500:
        return False
    start = FRAME_RE.match(bare).end()  # type: ignore[union-attr]
    end = len(bare) - FRAME_RE.match(bare[::-1]).end()  # type: ignore[union-attr]
    return start < end and PATTERNS.separator.fullmatch(bare, start, end) is not None


def find_block(
    text: str, reply_subject: bool, deadline: Deadline | None = None, forward_subject: bool = False
) -> Block | None:
    """Locate the first forwarded block in ``text``; ``None`` if it is not a forward (or a reply).

    Linear in the text: each line is looked at once, and a run of label lines that turned out
    not to be a header block is not read again from each of its ``From:`` lines.
    """
    lines = text.split("\n")
    # One substring scan of the body for "wrote"-like words; only their lines can be attributions.
    lowered = text.lower()
    words = [w for w in PATTERNS.reply_words if w in lowered]
    reply_lines = (
        {i for i, x in enumerate(lowered.split("\n")) if any(w in x for w in words)} if words else set()
    )
    read_until: dict[int, int] = {}  # by quote depth: lines already read as a failed header block
    previous = ""  # the last non-blank line above, unquoted
    previous_index = 0
    for index, line in enumerate(lines):
        if not index & 255:
            check_deadline(deadline)
        depth = quote_depth(line)
        bare = unquote(line, depth).strip()
        if not bare:
            continue
        if (index in reply_lines or index + 1 in reply_lines) and _is_attribution(lines, index):
            # A reply, unless a forward subject says otherwise and the text is Outlook 2019's.
            return _wrote_line_block(lines, index) if forward_subject and not depth else None
        if _is_separator(bare):
            start = index + 1
            while start < len(lines) and not unquote(lines[start], depth + 1).strip():
                start += 1
            inner_depth = max(depth, quote_depth(lines[start])) if start < len(lines) else depth
            headers, body_start = _read_headers(lines, start, inner_depth)
            body_depth = _body_depth(lines, body_start, inner_depth)
            body = "\n".join(unquote(x, body_depth) for x in lines[body_start:])
            rule = "quoted-header-block" if inner_depth else "separator"
            return Block(note_above(lines[:index]), headers, body, rule)
        if not reply_subject and index >= read_until.get(depth, 0) and _field(bare) == "from":
            headers, body_start = _read_headers(lines, index, depth)
            if _is_header_block(headers):
                body = "\n".join(unquote(x, depth) for x in lines[body_start:])
                rule = "quoted-header-block" if depth else "header-block"
                # "---------- <words in a language not known> ----------" right above: a separator.
                framed = len(previous) <= 200 and _FRAMED_RE.fullmatch(previous) is not None
                marked = bool(depth) or bool(RULE_RE.match(previous)) or framed
                return Block(
                    note_above(lines[: previous_index if framed else index]), headers, body, rule, marked
                )
            read_until[depth] = body_start
        previous, previous_index = bare, index
    return None


def _is_attribution(lines: list[str], index: int) -> bool:
    """``On <date> X wrote:`` (maybe wrapped on two lines) over quoted text: a reply.

    A date (a digit) or a quoted next line is required, so a note such as "Il cliente ci ha
    scritto:" above a forward is not mistaken for a reply.
    """
    for length in (1, 2):
        candidate = " ".join(x.strip() for x in lines[index : index + length]).rstrip()
        if len(candidate) > 600:  # the pattern spans at most ~420 characters
            return False
        if PATTERNS.reply.match(candidate):
            following = [x for x in lines[index + length : index + length + 2] if x.strip()]
            quoted = bool(following) and quote_depth(following[0]) > quote_depth(lines[index])
            return quoted or any(ch.isdigit() for ch in candidate)
    return False


def _wrote_line_block(lines: list[str], index: int) -> Block | None:
    """Outlook 2019's forward: ``On <date>, "Name" <address> wrote:`` over a four-space indent."""
    for length in (1, 2):
        candidate = " ".join(x.strip() for x in lines[index : index + length])
        found = split_attribution(candidate, PATTERNS.reply_starts, PATTERNS.reply_ends)
        if found is None:
            continue
        start = index + length
        while start < len(lines) and not lines[start].strip():
            start += 1
        body = indented_block(lines, start)
        if body is None:
            return None
        date, person = found
        headers = {"from": person, "date": date} if date else {"from": person}
        return Block(note_above(lines[:index]), headers, "\n".join(body), "wrote-line")
    return None


def _field(line: str) -> str | None:
    match = PATTERNS.label.match(line)
    return PATTERNS.field_by_label[match.group(1).lower()] if match else None
