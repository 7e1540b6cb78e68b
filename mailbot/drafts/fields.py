"""A draft's text fields by name (``title``, ``forwarded_by[0]``, ``forwarders[1].note``...).

Reading and writing one field, the fields that reach the public site, and hiding or putting
back the private values redaction found in them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from mailbot.errors import UsageError
from mailbot.models import Draft, Redaction, hidden_place

_FIELD = re.compile(r"(title|body|intro|author_display)|forwarded_by\[(\d+)\]|forwarders\[(\d+)\]\.note")


def get_field(draft: Draft, name: str) -> str | None:
    """The text field ``name`` of a draft: ``title``, ``forwarded_by[0]``, ``forwarders[1].note``..."""
    m = _FIELD.fullmatch(name)
    if m is None:
        return None
    if m.group(1):
        value: str | None = getattr(draft, m.group(1))
        return value
    try:
        if m.group(2) is not None:
            return draft.forwarded_by[int(m.group(2))]
        return draft.forwarders[int(m.group(3))].note
    except IndexError:
        return None


def set_field(draft: Draft, name: str, value: str) -> None:
    m = _FIELD.fullmatch(name)
    if m is None:
        raise UsageError(f"{name!r} is not a draft field that redaction touches.")
    if m.group(1):
        setattr(draft, m.group(1), value)
    elif m.group(2) is not None:
        labels = list(draft.forwarded_by)
        labels[int(m.group(2))] = value
        draft.forwarded_by = tuple(labels)
    else:
        index = int(m.group(3))
        forwarders = list(draft.forwarders)
        forwarders[index] = dataclasses.replace(forwarders[index], note=value)
        draft.forwarders = tuple(forwarders)


def public_fields(draft: Draft) -> list[str]:
    """Every text field of a draft that can reach the site (notes too: ``publish_notes`` shows them)."""
    fields = ["title", "body", "intro", "author_display"]
    fields += [f"forwarded_by[{i}]" for i in range(len(draft.forwarded_by))]
    fields += [f"forwarders[{i}].note" for i in range(len(draft.forwarders))]
    return fields


def redact_fields(
    draft: Draft,
    fields: Iterable[str],
    patterns: Iterable[tuple[str, re.Pattern[str]]] = (),
    language: str = "en",
) -> int:
    """Hide private values in ``fields`` of ``draft``, recording each in ``draft.redactions``.

    The originals are kept in the draft file itself (drafts are private; the site never sees
    them), so ``mailbot drafts restore`` can put one back and deleting a draft deletes them too.
    Returns how many values were hidden.
    """
    from mailbot.safety import redact  # imported when used: `mailbot drafts list` needs none of it

    records = list(draft.redactions)
    patterns = tuple(patterns)
    count = 0
    for name in fields:
        text = get_field(draft, name)
        if not text:
            continue
        new, pairs = redact.redact(text, patterns, language)
        if not pairs:
            continue
        set_field(draft, name, new)
        records += [Redaction(f.kind, name, mark, f.original) for f, mark in pairs]
        count += len(pairs)
    draft.redactions = tuple(records)
    return count


def restore_redaction(draft: Draft, number: int) -> Redaction:
    """Put hidden value ``number`` (from 1, as ``mailbot drafts show`` lists them) back in its field."""
    records = list(draft.redactions)
    if not 1 <= number <= len(records):
        raise UsageError(
            f"draft {draft.id} has no redaction number {number}; `mailbot drafts show {draft.id}` lists them."
        )
    record = records[number - 1]
    if record.restored:
        raise UsageError(f"redaction {number} of draft {draft.id} is already restored.")
    occurrence = hidden_place(records, number - 1)
    from mailbot.safety import redact

    text = get_field(draft, record.field) or ""
    new = redact.restore(text, record.placeholder, occurrence, record.original)
    if new is None:
        raise UsageError(
            f"the placeholder {record.placeholder} of redaction {number} is no longer in "
            f"{record.field}; edit the draft by hand (mailbot drafts edit {draft.id})."
        )
    set_field(draft, record.field, new)
    records[number - 1] = dataclasses.replace(record, restored=True)
    draft.redactions = tuple(records)
    return records[number - 1]
