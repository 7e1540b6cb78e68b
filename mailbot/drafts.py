"""The drafts stage: one human-editable Markdown file per draft, with TOML front matter.

A draft file looks like this (``+++`` fences, as Hugo writes TOML front matter)::

    +++
    id = "20070122-esternalizzazione-del-call-center"
    status = "draft"
    title = "Esternalizzazione del call center"
    author_display = "Tommaso"
    forwarded_by = ["i colleghi di Napoli"]
    intro = "Vi giro questa lettera di un cliente di Roma."
    ...
    [author]
    name = "Tommaso Rossi"

    [[forwarders]]
    name = "Anna Bianchi"
    +++

    Ho letto dell'esternalizzazione ...

Everything above the closing fence is data; everything below is the letter as
it will be published. Writes are atomic and durable.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w

from .errors import StoreError, UsageError
from .fsutil import atomic_write
from .models import Draft, Forwarder, Person, Status

FENCE = "+++"

# Transitions a reviewer may make; publish and retract have their own commands.
ALLOWED = {
    "approve": {Status.DRAFT, Status.REJECTED, Status.APPROVED},
    "reject": {Status.DRAFT, Status.APPROVED, Status.REJECTED},
}


def _clean(value: dict[str, Any]) -> dict[str, Any]:
    # TOML has no null: a missing key means None.
    return {k: v for k, v in value.items() if v is not None and v != {} and v != []}


def dumps(draft: Draft) -> str:
    """The text of a draft file."""
    meta: dict[str, Any] = {
        "id": draft.id,
        "status": draft.status.value,
        "title": draft.title,
        "author_display": draft.extra.get("author_display"),
        "forwarded_by": list(draft.extra.get("forwarded_by", [])),
        "intro": draft.intro,
        "letter_date": draft.letter_date,
        "letter_date_raw": draft.letter_date_raw,
        "received": draft.received,
        "created": draft.created,
        "published": draft.published,
        "slug": draft.extra.get("slug"),
        "reason": draft.reason,
        "message_id": draft.message_id,
        "source": draft.source,
        "sha256": draft.sha256,
        "author": _clean(draft.author.to_json()),
        "forwarders": [_clean(f.to_json() | {"date": f.date}) for f in draft.forwarders],
    }
    front = tomli_w.dumps(_clean(meta))
    return f"{FENCE}\n{front}{FENCE}\n\n{draft.body.rstrip()}\n"


def _date(meta: dict[str, Any], key: str, where: str) -> datetime | None:
    value = meta.get(key)
    if value is None or isinstance(value, datetime):
        return value
    raise StoreError(f"{where}: {key} must be a TOML date-time like 2007-01-22T18:03:00+01:00.")


def _str(meta: dict[str, Any], key: str, where: str) -> str | None:
    value = meta.get(key)
    if value is None or isinstance(value, str):
        return value
    raise StoreError(f"{where}: {key} must be a string in quotes.")


def loads(text: str, where: str = "draft") -> Draft:
    """Parse a draft file's text; errors name the file and the field."""
    head, sep, body = text.partition(f"\n{FENCE}\n")
    if not head.startswith(FENCE + "\n") or not sep:
        raise StoreError(f"{where} has no front matter between {FENCE} lines; restore the fences.")
    try:
        meta = tomllib.loads(head[len(FENCE) + 1 :])
    except tomllib.TOMLDecodeError as exc:
        raise StoreError(f"{where} has invalid front matter ({exc}); fix the TOML above the body.") from exc
    try:
        status = Status(meta.get("status", "draft"))
    except ValueError as exc:
        allowed = ", ".join(s.value for s in Status)
        raise StoreError(f"{where}: status must be one of {allowed}.") from exc
    author = meta.get("author") or {}
    forwarders = tuple(
        Forwarder(f.get("name"), f.get("address"), _date(f, "date", where), f.get("note"))
        for f in meta.get("forwarders") or []
    )
    extra: dict[str, Any] = {}
    for key in ("author_display", "slug"):
        if (value := _str(meta, key, where)) is not None:
            extra[key] = value
    extra["forwarded_by"] = [str(x) for x in meta.get("forwarded_by") or []]
    return Draft(
        id=_str(meta, "id", where) or Path(where).stem,
        status=status,
        title=_str(meta, "title", where) or "",
        author=Person(author.get("name"), author.get("address")),
        forwarders=forwarders,
        body=body.strip("\n"),
        intro=_str(meta, "intro", where),
        letter_date=_date(meta, "letter_date", where),
        letter_date_raw=_str(meta, "letter_date_raw", where),
        received=_date(meta, "received", where),
        message_id=_str(meta, "message_id", where),
        source=_str(meta, "source", where),
        sha256=_str(meta, "sha256", where),
        created=_date(meta, "created", where),
        published=_date(meta, "published", where),
        reason=_str(meta, "reason", where),
        extra=extra,
    )


class DraftStore:
    """The drafts folder: ``<id>.md`` files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, draft_id: str) -> Path:
        if not draft_id or "/" in draft_id or draft_id.startswith("."):
            raise UsageError(f"{draft_id!r} is not a draft id; see `mailbot drafts list`.")
        return self.folder / f"{draft_id}.md"

    def exists(self, draft_id: str) -> bool:
        return self.path(draft_id).is_file()

    def ids(self) -> set[str]:
        if not self.folder.is_dir():
            return set()
        return {p.stem for p in self.folder.glob("*.md")}

    def write(self, draft: Draft) -> Path:
        path = self.path(draft.id)
        try:
            atomic_write(path, dumps(draft))
        except OSError as exc:
            raise StoreError(
                f"draft {path} cannot be written ({exc.strerror}); check [paths] drafts and free space."
            ) from exc
        return path

    def read(self, draft_id: str) -> Draft:
        path = self.path(draft_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise UsageError(f"there is no draft {draft_id!r}; see `mailbot drafts list`.") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"draft {path} cannot be read ({exc}).") from exc
        return loads(text, str(path))

    def all(self, status: Status | None = None) -> list[Draft]:
        """Every draft, oldest first (by creation time, then id)."""
        drafts = [self.read(i) for i in sorted(self.ids())]
        if status is not None:
            drafts = [d for d in drafts if d.status is status]
        return sorted(drafts, key=lambda d: (d.created.isoformat() if d.created else "", d.id))

    def transition(self, ids: Iterable[str], action: str, reason: str | None = None) -> list[Draft]:
        """Approve or reject drafts; every id is checked before any file changes."""
        drafts = [self.read(i) for i in ids]
        target = Status.APPROVED if action == "approve" else Status.REJECTED
        for d in drafts:
            if d.status not in ALLOWED[action]:
                raise UsageError(f"draft {d.id} is {d.status.value}; only drafts can be {target.value}.")
        for d in drafts:
            d.status = target
            d.reason = reason if action == "reject" else None
            self.write(d)
        return drafts
