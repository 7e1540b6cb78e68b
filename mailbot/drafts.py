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

import dataclasses
import json
import logging
import os
import re
import tomllib
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w

from . import redact
from .errors import StoreError, UsageError
from .fsutil import atomic_write, check_inside, exclusive_lock
from .models import Draft, Forwarder, Person, Status

log = logging.getLogger(__name__)

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
        "remote_images": list(draft.extra.get("remote_images", [])),
        "assets": [dict(a) for a in draft.extra.get("assets", [])],
        "skipped_attachments": [dict(a) for a in draft.extra.get("skipped_attachments", [])],
        "redactions": [dict(r) for r in draft.extra.get("redactions", [])],
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
    return _from_meta(*_split(text, where), where)


def _split(text: str, where: str) -> tuple[dict[str, Any], str]:
    """The parsed front matter and the body of a draft file's text."""
    head, sep, body = text.partition(f"\n{FENCE}\n")
    if not head.startswith(FENCE + "\n") or not sep:
        raise StoreError(f"{where} has no front matter between {FENCE} lines; restore the fences.")
    try:
        return tomllib.loads(head[len(FENCE) + 1 :]), body
    except tomllib.TOMLDecodeError as exc:
        raise StoreError(f"{where} has invalid front matter ({exc}); fix the TOML above the body.") from exc


def _from_meta(meta: dict[str, Any], body: str, where: str) -> Draft:
    """A Draft from parsed front matter and body, every field checked."""
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
    extra.update(_safety(meta, where))
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


# -- safety and privacy records (see README "Safety and privacy") -------------------------------

# What each record in the front matter holds, and the type of each key.
_RECORDS: dict[str, dict[str, type]] = {
    "assets": {"name": str, "content_type": str, "sha256": str},
    "skipped_attachments": {"reason": str},
    "redactions": {"kind": str, "field": str, "placeholder": str, "original": str},
}
ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,150}\.(?:jpg|png|gif|webp)")


def _safety(meta: dict[str, Any], where: str) -> dict[str, Any]:
    """Read the ``[[assets]]``, ``[[skipped_attachments]]``, ``[[redactions]]`` and ``remote_images``."""
    extra: dict[str, Any] = {}
    for key, required in _RECORDS.items():
        items = meta.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise StoreError(f"{where}: {key} must be a list of [[{key}]] tables.")
        for i, item in enumerate(items, 1):
            for name, kind in required.items():
                if not isinstance(item.get(name), kind):
                    raise StoreError(f"{where}: [[{key}]] number {i} needs {name} as a string.")
        if key == "assets" and any(not ASSET_NAME.fullmatch(a["name"]) for a in items):
            raise StoreError(f"{where}: an [[assets]] name is not a plain file name like 20070122-x-1.jpg.")
        if items:
            extra[key] = items
    images = meta.get("remote_images") or []
    if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
        raise StoreError(f"{where}: remote_images must be a list of strings.")
    if images:
        extra["remote_images"] = images
    return extra


_FIELD = re.compile(r"(title|body|intro|author_display)|forwarded_by\[(\d+)\]|forwarders\[(\d+)\]\.note")


def get_field(draft: Draft, name: str) -> str | None:
    """The public text field ``name`` of a draft: ``title``, ``forwarded_by[0]``, ``forwarders[1].note``..."""
    m = _FIELD.fullmatch(name)
    if m is None:
        return None
    if m.group(1):
        if m.group(1) == "author_display":
            return draft.extra.get("author_display")
        value: str | None = getattr(draft, m.group(1))
        return value
    try:
        if m.group(2) is not None:
            return str(draft.extra.get("forwarded_by", [])[int(m.group(2))])
        return draft.forwarders[int(m.group(3))].note
    except IndexError:
        return None


def set_field(draft: Draft, name: str, value: str) -> None:
    m = _FIELD.fullmatch(name)
    if m is None:
        raise UsageError(f"{name!r} is not a draft field that redaction touches.")
    if m.group(1) == "author_display":
        draft.extra["author_display"] = value
    elif m.group(1):
        setattr(draft, m.group(1), value)
    elif m.group(2) is not None:
        draft.extra["forwarded_by"][int(m.group(2))] = value
    else:
        index = int(m.group(3))
        forwarders = list(draft.forwarders)
        forwarders[index] = dataclasses.replace(forwarders[index], note=value)
        draft.forwarders = tuple(forwarders)


def public_fields(draft: Draft) -> list[str]:
    """Every field of a draft that can reach the site (the forwarders' notes can become the intro)."""
    fields = ["title", "body", "intro", "author_display"]
    fields += [f"forwarded_by[{i}]" for i in range(len(draft.extra.get("forwarded_by", [])))]
    fields += [f"forwarders[{i}].note" for i in range(len(draft.forwarders))]
    return fields


def redact_fields(
    draft: Draft,
    fields: Iterable[str],
    patterns: Iterable[tuple[str, re.Pattern[str]]] = (),
    language: str = "en",
) -> int:
    """Hide private values in ``fields`` of ``draft``, recording each in ``draft.extra["redactions"]``.

    The originals are kept in the draft file itself (drafts are private; the site never sees
    them), so ``mailbot drafts restore`` can put one back and deleting a draft deletes them too.
    Returns how many values were hidden.
    """
    records = list(draft.extra.get("redactions", []))
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
        for finding, mark in pairs:
            records.append(
                {"kind": finding.kind, "field": name, "placeholder": mark, "original": finding.original}
            )
        count += len(pairs)
    if records:
        draft.extra["redactions"] = records
    return count


def restore_redaction(draft: Draft, number: int) -> dict[str, Any]:
    """Put hidden value ``number`` (from 1, as ``mailbot drafts show`` lists them) back in its field."""
    records = draft.extra.get("redactions", [])
    if not 1 <= number <= len(records):
        raise UsageError(
            f"draft {draft.id} has no redaction number {number}; `mailbot drafts show {draft.id}` lists them."
        )
    record: dict[str, Any] = records[number - 1]
    if record.get("restored"):
        raise UsageError(f"redaction {number} of draft {draft.id} is already restored.")
    # Earlier, still hidden values with the same placeholder in the same field come first in the text.
    occurrence = sum(
        1
        for r in records[: number - 1]
        if not r.get("restored")
        and r["field"] == record["field"]
        and r["placeholder"] == record["placeholder"]
    )
    text = get_field(draft, record["field"]) or ""
    new = redact.restore(text, record["placeholder"], occurrence, record["original"])
    if new is None:
        raise UsageError(
            f"the placeholder {record['placeholder']} of redaction {number} is no longer in "
            f"{record['field']}; edit the draft by hand (mailbot drafts edit {draft.id})."
        )
    set_field(draft, record["field"], new)
    record["restored"] = True
    return record


INDEX_NAME = ".index.json"
LOCK_NAME = ".lock"


def _encode(value: Any) -> Any:
    """JSON for what json cannot write itself: front-matter date-times become {"$dt": ISO text}."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    raise TypeError(f"cannot index a {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    return datetime.fromisoformat(obj["$dt"]) if len(obj) == 1 and "$dt" in obj else obj


def _read_index(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_hook=_decode)
    except (OSError, ValueError):
        return {}  # missing or damaged: rebuilt from the files
    return data if isinstance(data, dict) else {}


class DraftStore:
    """The drafts folder: ``<id>.md`` files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, draft_id: str) -> Path:
        if not draft_id or "/" in draft_id or draft_id.startswith("."):
            raise UsageError(f"{draft_id!r} is not a draft id; see `mailbot drafts list`.")
        return self.folder / f"{draft_id}.md"

    def assets_dir(self, draft_id: str) -> Path:
        """The private folder of a draft's prepared images: ``<drafts>/<id>.assets/``."""
        return self.path(draft_id).with_name(f"{draft_id}.assets")

    def asset_path(self, draft_id: str, name: str) -> Path:
        """Where the prepared image ``name`` of a draft lives; never outside its folder."""
        if not ASSET_NAME.fullmatch(name):
            raise StoreError(f"draft {draft_id}: asset name {name!r} is not a plain file name.")
        return check_inside(self.assets_dir(draft_id) / name, root=self.folder)

    def exists(self, draft_id: str) -> bool:
        return self.path(draft_id).is_file()

    def ids(self) -> set[str]:
        if not self.folder.is_dir():
            return set()
        return {p.stem for p in self.folder.glob("*.md")}

    def write(self, draft: Draft, *, text: str | None = None, sync_dir: bool = True) -> Path:
        """Write a draft atomically and durably (``text``: its :func:`dumps`, if already made).

        ``sync_dir=False`` leaves the fsync of the drafts folder to the caller
        (the pipeline makes a whole group of new drafts durable at once).
        """
        path = self.path(draft.id)
        try:
            atomic_write(path, dumps(draft) if text is None else text, sync_dir=sync_dir)
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
        """Every draft, oldest first (by creation time, then id).

        Parsed front matter is kept in an index file in the drafts folder
        (:data:`INDEX_NAME`), keyed by each file's inode, modification time and
        size, so only new or edited files are parsed again: reading 10,000
        drafts takes a fraction of a second instead of seconds. The index is a
        cache: deleting it is always safe.
        """
        if not self.folder.is_dir():
            return []
        index_path = self.folder / INDEX_NAME
        old = _read_index(index_path)
        new: dict[str, Any] = {}
        changed = False
        drafts = []
        for entry in os.scandir(self.folder):
            if not entry.name.endswith(".md") or entry.name.startswith(".") or not entry.is_file():
                continue
            st = entry.stat()
            stamp = [st.st_ino, st.st_mtime_ns, st.st_size]
            cached = old.get(entry.name)
            if cached is not None and cached[0] == stamp:
                meta, body = cached[1], cached[2]
                new[entry.name] = cached
            else:
                try:
                    text = Path(entry.path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise StoreError(f"draft {entry.path} cannot be read ({exc}).") from exc
                meta, body = _split(text, entry.path)
                new[entry.name] = [stamp, meta, body]
                changed = True
            drafts.append(_from_meta(meta, body, entry.path))
        if changed or len(new) != len(old):
            try:
                text = json.dumps(new, ensure_ascii=False, default=_encode)
                atomic_write(index_path, text, durable=False)
            except OSError as exc:  # only a cache: the next listing parses the files again
                log.warning("the drafts index %s cannot be written (%s)", index_path, exc.strerror)
        if status is not None:
            drafts = [d for d in drafts if d.status is status]
        return sorted(drafts, key=lambda d: (d.created.isoformat() if d.created else "", d.id))

    def lock(self) -> AbstractContextManager[None]:
        """Exclusive use of the drafts folder against other mailbot processes.

        Held by whatever changes drafts: an ingestion run, publish, retract,
        approve, reject and restore. A service and a reviewer then never
        overwrite each other's changes, nor pick the same new draft id.
        """
        return exclusive_lock(self.folder / LOCK_NAME)

    def transition(self, ids: Iterable[str], action: str, reason: str | None = None) -> list[Draft]:
        """Approve or reject drafts; every id is checked before any file changes."""
        with self.lock():
            return self._transition(ids, action, reason)

    def _transition(self, ids: Iterable[str], action: str, reason: str | None) -> list[Draft]:
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
