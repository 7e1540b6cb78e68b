"""Editing a draft's public fields from a form (the review desk), never losing anyone's edit.

A form carries the :func:`version` of the file it was made from (the sha256 of its bytes).
:func:`save` writes the new fields only when the file still has that version, under the drafts
lock and atomically; otherwise it raises :class:`EditConflict` with the file as it is now, and
nothing is written: the reviewer sees both versions and decides.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailbot.drafts import audit
from mailbot.drafts.store import DraftStore
from mailbot.errors import UsageError
from mailbot.models import Draft, Status

AUTHOR_STYLES = ("full_name", "first_name", "initials", "anonymous")


class EditConflict(UsageError):
    """The draft changed since the form was opened: nothing was saved."""

    def __init__(self, draft_id: str, current: Draft, current_version: str) -> None:
        super().__init__(
            f"draft {draft_id} was changed by someone else since you opened it; nothing was saved. "
            "Compare the two versions and save again."
        )
        self.current = current
        self.current_version = current_version


@dataclass(frozen=True)
class Edit:
    """The fields a reviewer may change; None leaves a field as it is."""

    title: str | None = None
    intro: str | None = None
    body: str | None = None
    author_display: str | None = None
    forwarded_by: tuple[str, ...] | None = None
    published: datetime | None = None


def version(store: DraftStore, draft_id: str) -> str:
    """The version of a draft file: the sha256 of its bytes."""
    return hashlib.sha256(store.path(draft_id).read_bytes()).hexdigest()


def read(store: DraftStore, draft_id: str) -> tuple[Draft, str]:
    """A draft and the version of the file it was read from (read once: the two always agree)."""
    draft_id = store.resolve(draft_id)
    data = store.path(draft_id).read_bytes()
    from mailbot.drafts.fileformat import loads

    return loads(data.decode("utf-8"), str(store.path(draft_id))), hashlib.sha256(data).hexdigest()


def _norm(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def save(store: DraftStore, ledger: Path | None, draft_id: str, base: str, edit: Edit, *, who: str) -> Draft:
    """Apply ``edit`` to the draft if its file is still at version ``base``; record what changed."""
    with store.lock():
        current, now = read(store, draft_id)
        if now != base:
            raise EditConflict(current.id, current, now)
        if current.status in (Status.PUBLISHED, Status.RETRACTED):
            raise UsageError(
                f"draft {current.id} is {current.status.value}; retract it or move it back before editing."
            )
        changed = []
        if edit.title is not None and _norm(edit.title).strip() != current.title:
            if not edit.title.strip():
                raise UsageError("the title is empty; a post needs a title.")
            current.title = _norm(edit.title).strip()
            changed.append("title")
        if edit.intro is not None:
            intro = _norm(edit.intro).strip() or None
            if intro != current.intro:
                current.intro = intro
                changed.append("intro")
        if edit.body is not None and _norm(edit.body).rstrip("\n") != current.body.rstrip("\n"):
            if not edit.body.strip():
                raise UsageError("the letter's text is empty; reject the draft instead.")
            current.body = _norm(edit.body).rstrip("\n")
            changed.append("body")
        if edit.author_display is not None and edit.author_display.strip() != (current.author_display or ""):
            current.author_display = edit.author_display.strip()
            changed.append("author")
        if edit.forwarded_by is not None:
            labels = tuple(label.strip() for label in edit.forwarded_by if label.strip())
            if labels != current.forwarded_by:
                current.forwarded_by = labels
                changed.append("forwarded_by")
        if edit.published is not None and edit.published != current.published:
            current.published = edit.published
            changed.append("date")
        if changed:
            store.write(current)
            audit.record(ledger, [(current.id, who, "edit", ", ".join(changed))])
    return current
