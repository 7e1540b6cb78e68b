"""The chain: unwrap a message level by level down to the original letter, forwarders outermost first."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from mailbot import daterange
from mailbot.budget import Deadline
from mailbot.budget import check as check_deadline
from mailbot.forwards.blocks import find_block
from mailbot.forwards.cleanup import clean_body, note_above, trim_letter, without_name_signoff
from mailbot.forwards.dates import read_client_date
from mailbot.forwards.patterns import PATTERNS
from mailbot.forwards.people import parse_person, strip_forward_prefixes
from mailbot.forwards.shapes import split_label_runs, text_after_forward, without_text_below
from mailbot.mail import inline
from mailbot.models import Extraction, Forwarder, Letter, ParsedMessage, Person


@dataclass(frozen=True)
class _Node:
    """One level of the chain: a message, either real or written out inline by a client."""

    author: Person
    date: datetime | None
    date_raw: str | None
    subject: str | None
    body: str
    attached: tuple[ParsedMessage, ...] = ()


# Defects mailbot.mail.mime records that the reviewer should see as flags.
_DEFECT_FLAGS = frozenset({daterange.FLAG, "subject-undecodable"})


def _defect_flags(message: ParsedMessage) -> list[str]:
    return [defect for defect in message.defects if defect in _DEFECT_FLAGS]


def _node_of(message: ParsedMessage) -> _Node:
    return _Node(
        author=message.sender,
        date=message.date,
        date_raw=message.date_raw,
        subject=message.subject,
        body=message.text or "",
        attached=message.attached,
    )


# A forwarder's note above a forward block is a few lines; more than this (signature, rules and
# disclaimers not counted) and the block sits deep in the text, where a client does not put one.
NOTE_LINES = 12


@dataclass(frozen=True)
class _Step:
    inner: _Node
    note: str | None
    rule: str


def _is_deep(note: str | None) -> bool:
    return note is not None and sum(1 for x in note.split("\n") if x.strip()) > NOTE_LINES


def unwrap(
    node: _Node,
    drop: Sequence[re.Pattern[str]],
    deadline: Deadline | None,
    level: int,
    flags: list[str],
    local_tz: tzinfo | None = None,
) -> _Step | None:
    """The message ``node`` forwards and the note above it, or ``None`` if it forwards nothing.

    A forward block is trusted where mail clients write one: at the top of the body, below at
    most :data:`NOTE_LINES` lines of the forwarder's note. At level 0 (the received message,
    written by an allowed sender) a block deeper down is still taken, flagged
    ``deep-forward-block``. Below that the text is someone else's letter: there a block must
    also be written as only a client writes it (a separator line, a rule line above it, ``>``
    quotes, or a forward prefix in the subject of the message that holds it); any other block
    is part of the letter (it stays in its text), flagged ``ignored-forward-block``.
    """
    subject = node.subject or ""
    forward_subject = strip_forward_prefixes(subject) != (subject.strip() or None)
    reply_subject = bool(PATTERNS.reply_prefix.match(subject)) and not forward_subject
    block = find_block(node.body, reply_subject, deadline, forward_subject)
    if block is not None:
        deep = _is_deep(block.note)
        if level == 0 or (not deep and (block.marked or forward_subject)):
            if deep:
                flags.append("deep-forward-block")
            # A date written without a zone: the caller's zone, else the enclosing message's offset.
            default_tz = local_tz or (node.date.tzinfo if node.date else None)
            date_raw = block.headers.get("date") or None
            date = read_client_date(date_raw, default_tz)
            if date is not None and not daterange.in_range(date):
                date = None
                flags.append(daterange.FLAG)
            inner = _Node(
                author=parse_person(block.headers.get("from")),
                date=date,
                date_raw=date_raw,
                subject=block.headers.get("subject") or strip_forward_prefixes(node.subject),
                body=block.body,
            )
            note_lines = (block.note or "").split("\n")
            return _Step(inner, note_above(note_lines, drop), block.rule)
        flags.append("ignored-forward-block")
    if node.attached:
        flags.extend(_defect_flags(node.attached[0]))
        return _Step(_node_of(node.attached[0]), note_above(node.body.split("\n"), drop), "rfc822-attachment")
    return None


def extract(
    message: ParsedMessage,
    *,
    drop_patterns: Sequence[re.Pattern[str]] = (),
    deadline: Deadline | None = None,
    local_tz: tzinfo | None = None,
    keep_pictures: bool = False,
) -> Extraction:
    """Unwrap ``message`` down to the original letter and list who forwarded it, outermost first.

    ``keep_pictures`` keeps the marks of where pictures stood (:mod:`mailbot.mail.inline`) in
    the letter and the notes, for the pipeline to place them; without it the texts are plain, as
    ``mailbot extract`` shows them.

    ``drop_patterns`` are the operator's own junk: any paragraph one of them finds
    (``pattern.search``) is removed from the forwarders' notes and from the end of the letter,
    besides the built-in disclaimers and device lines.

    ``deadline`` (:class:`mailbot.budget.Deadline`) is checked as the text is scanned; once it
    has passed, :class:`~mailbot.errors.MessageError` is raised (the message is quarantined).
    Every step is linear in the text, so this is a guard, not the usual way out.

    ``local_tz`` is the zone of dates written without one (Outlook's "Inviato: venerdì 10
    gennaio 2025 19:44"): the pipeline passes ``[site] timezone``, as the colleagues who forward
    live there. Without it (``mailbot extract`` needs no configuration) such a date is read in
    the offset of the message that carries it (the forwarder's Date header), as before; a date
    with its own zone (``+0100``, ``CET``, ``GMT+01:00``) is always read in that zone.
    """
    node = _node_of(message)
    node = replace(node, body=split_label_runs(node.body, PATTERNS.field_by_label))
    forwarders: list[Forwarder] = []
    flags = _defect_flags(message)
    rule = "none"
    # A bound on the chain depth keeps a hostile message from looping for long.
    for level in range(32):
        check_deadline(deadline)
        step = unwrap(node, drop_patterns, deadline, level, flags, local_tz)
        if step is None:
            break
        inner, rule = step.inner, step.rule
        note = without_name_signoff(step.note, node.author)
        forwarders.append(Forwarder(node.author.name, node.author.address, node.date, note))
        node = inner
    body = trim_letter(node.body, drop_patterns) if forwarders or drop_patterns else clean_body(node.body)
    if not keep_pictures:
        body = inline.strip(body) or ""
        forwarders = [replace(f, note=inline.strip(f.note)) for f in forwarders]
    letter = Letter(
        author=node.author,
        date=node.date,
        date_raw=node.date_raw,
        subject=strip_forward_prefixes(node.subject),
        body=without_text_below(body, text_after_forward(message.html)) if forwarders else body,
    )
    return Extraction(
        forwarded=bool(forwarders),
        letter=letter,
        forwarders=tuple(forwarders),
        message_id=message.message_id,
        received=message.date,
        sender=message.sender,
        rule=rule,
        flags=tuple(dict.fromkeys(flags)),
    )
