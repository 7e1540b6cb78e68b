"""The draft file format: TOML front matter between ``+++`` lines, then the letter in Markdown.

:func:`dumps` and :func:`loads` turn a :class:`~mailbot.models.Draft` into the text of its file
and back. Every key mailbot does not know, at the top level or inside one of its tables
(``[author]``, ``[[forwarders]]``, ``[[assets]]``...), is kept in ``Draft.unknown`` and written
back unchanged: a reviewer's ``tags = ["grazie"]`` survives approve and publish.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w

from mailbot.errors import StoreError
from mailbot.models import (
    ASSET_NAME,
    ASSET_NAME_RULE,
    KINDS,
    Asset,
    Draft,
    Forwarder,
    Person,
    Redaction,
    SkippedAttachment,
    Status,
)

FENCE = "+++"


# The keys of each table mailbot writes; anything else in them is the reviewer's and kept.
PERSON_KEYS = ("name", "address")
FORWARDER_KEYS = ("name", "address", "date", "note")
ASSET_KEYS = ("name", "content_type", "sha256")
SKIPPED_KEYS = ("reason", "filename", "content_type", "size")
REDACTION_KEYS = ("kind", "field", "placeholder", "original", "restored", "occurrence")
TABLES: dict[str, tuple[str, ...]] = {
    "forwarders": FORWARDER_KEYS,
    "pending_forwarders": FORWARDER_KEYS,
    "assets": ASSET_KEYS,
    "skipped_attachments": SKIPPED_KEYS,
    "redactions": REDACTION_KEYS,
}
STRINGS = (
    "id", "status", "title", "author_display", "intro", "letter_date_raw", "slug", "reason",
    "message_id", "source", "sha256", "kind", "kind_reason", "lang",
)  # fmt: skip
DATES = ("letter_date", "received", "created", "published")
STRING_LISTS = ("forwarded_by", "warnings", "remote_images")
KNOWN = frozenset((*STRINGS, *DATES, *STRING_LISTS, "author", *TABLES))


class DraftFileError(StoreError):
    """A draft file that cannot be read as a draft; ``line`` is the line in the file, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class _Invalid(Exception):
    """A front-matter value of the wrong type: the key, and what it should be."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


# -- writing -------------------------------------------------------------------------------------


def _clean(value: dict[str, Any]) -> dict[str, Any]:
    # TOML has no null: a missing key means None; empty known values are left out too.
    return {k: v for k, v in value.items() if v is not None and v != {} and v != [] and v is not False}


def _forwarder(f: Forwarder) -> dict[str, Any]:
    return _clean({"name": f.name, "address": f.address, "date": f.date, "note": f.note})


def _records(draft: Draft) -> dict[str, list[dict[str, Any]]]:
    return {
        "forwarders": [_forwarder(f) for f in draft.forwarders],
        "pending_forwarders": [_forwarder(f) for f in draft.pending_forwarders],
        "assets": [
            {"name": a.name, "content_type": a.content_type, "sha256": a.sha256} for a in draft.assets
        ],
        "skipped_attachments": [
            _clean(
                {"reason": s.reason, "filename": s.filename, "content_type": s.content_type, "size": s.size}
            )
            for s in draft.skipped_attachments
        ],
        "redactions": [r.to_table() for r in draft.redactions],
    }


def dumps(draft: Draft) -> str:
    """The text of a draft file."""
    return text_of(to_meta(draft), draft.body)


def text_of(meta: dict[str, Any], body: str) -> str:
    """The text of a draft file from its front matter (:func:`to_meta`) and body."""
    front = tomli_w.dumps(meta)
    return f"{FENCE}\n{front}{FENCE}\n\n{body.rstrip()}\n"


def to_meta(draft: Draft) -> dict[str, Any]:
    """The front matter of a draft, as :func:`split` reads it back (unknown keys included)."""
    meta: dict[str, Any] = _clean(
        {
            "id": draft.id,
            "status": draft.status.value,
            "title": draft.title,
            "author_display": draft.author_display,
            "forwarded_by": list(draft.forwarded_by),
            "intro": draft.intro,
            "kind": draft.kind,
            "kind_reason": draft.kind_reason,
            "lang": draft.lang,
            "warnings": list(draft.warnings),
            "letter_date": draft.letter_date,
            "letter_date_raw": draft.letter_date_raw,
            "received": draft.received,
            "created": draft.created,
            "published": draft.published,
            "slug": draft.slug,
            "reason": draft.reason,
            "message_id": draft.message_id,
            "source": draft.source,
            "sha256": draft.sha256,
            "remote_images": list(draft.remote_images),
        }
    )
    unknown = draft.unknown
    meta.update((k, v) for k, v in unknown.items() if k not in KNOWN)
    author = _clean({"name": draft.author.name, "address": draft.author.address})
    author.update(unknown.get("author") or {})
    if author:
        meta["author"] = author
    for key, items in _records(draft).items():
        extras = unknown.get(key) or []
        merged = [item | (extras[i] if i < len(extras) else {}) for i, item in enumerate(items)]
        if merged:
            meta[key] = merged
    return meta


# -- reading -------------------------------------------------------------------------------------


def split(text: str, where: str) -> tuple[dict[str, Any], str]:
    """The parsed front matter and the body of a draft file's text."""
    head, sep, body = text.partition(f"\n{FENCE}\n")
    if not head.startswith(FENCE + "\n") or not sep:
        raise DraftFileError(
            f"{where} has no front matter between {FENCE} lines; restore the fences.", line=1
        )
    try:
        return tomllib.loads(head[len(FENCE) + 1 :]), body
    except tomllib.TOMLDecodeError as exc:
        # tomllib counts from the first line of the front matter; the file has the fence above it.
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        front = head[len(FENCE) + 1 :]
        # "at end of document": the last line of the front matter.
        line = int(m.group(1)) + 1 if m else front.count("\n") + 2
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc)) or "invalid TOML"
        at = f" at line {line}" if line else ""
        raise DraftFileError(
            f"{where} has invalid front matter{at} ({reason}); fix the TOML above the body.", line=line
        ) from exc


def line_of(text: str, key: str) -> int | None:
    """The line (from 1) of the file where front-matter ``key`` is set or its table starts."""
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}\s*=|\[\[?\s*{re.escape(key)}\s*\]\]?)")
    for number, line in enumerate(text.split("\n"), 1):
        if number > 1 and line == FENCE:
            return None
        if pattern.match(line):
            return number
    return None


def loads(text: str, where: str = "draft") -> Draft:
    """Parse a draft file's text; errors name the file, the line and the field."""
    meta, body = split(text, where)
    return from_meta(meta, body, where, text)


def from_meta(meta: dict[str, Any], body: str, where: str, text: str | None = None) -> Draft:
    """A Draft from parsed front matter and body, every known field checked.

    ``text`` (the file's text) lets an error name the line of the faulty key.
    """
    try:
        return _draft(meta, body, where)
    except _Invalid as exc:
        line = line_of(text, exc.key) if text is not None else None
        at = f", line {line}" if line else ""
        raise DraftFileError(f"{where}{at}: {exc}", line=line) from None


def _string(value: Any, key: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _Invalid(key, f"{key} must be a string in quotes.")


def _date(value: Any, key: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    raise _Invalid(key, f"{key} must be a TOML date-time like 2007-01-22T18:03:00+01:00.")


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _Invalid(key, f'{key} must be a list of strings in quotes, like ["a", "b"].')


def _table(value: Any, key: str, keys: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The known and the unknown keys of one table."""
    if not isinstance(value, dict):
        raise _Invalid(key, f"{key} must be a table.")
    known = {k: v for k, v in value.items() if k in keys}
    return known, {k: v for k, v in value.items() if k not in keys}


def _array(meta: dict[str, Any], key: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The known parts of each ``[[key]]`` table, and the unknown parts (one dict per table)."""
    items = meta.get(key)
    if items is None:
        return [], []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _Invalid(key, f"{key} must be a list of [[{key}]] tables.")
    pairs = [_table(item, key, TABLES[key]) for item in items]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _needs(item: dict[str, Any], key: str, number: int, names: tuple[str, ...]) -> None:
    for name in names:
        if not isinstance(item.get(name), str):
            raise _Invalid(key, f"[[{key}]] number {number} needs {name} as a string.")


def _forwarders(meta: dict[str, Any], key: str) -> tuple[tuple[Forwarder, ...], list[dict[str, Any]]]:
    known, unknown = _array(meta, key)
    found = tuple(
        Forwarder(_string(f.get("name"), key), _string(f.get("address"), key), _date(f.get("date"), key),
                  _string(f.get("note"), key))
        for f in known
    )  # fmt: skip
    return found, unknown


def _checked(meta: dict[str, Any]) -> dict[str, Any]:
    """The unknown top-level keys; every known scalar and list checked for its type on the way."""
    unknown: dict[str, Any] = {}
    for key, value in meta.items():
        if key in _STRING_SET:
            if type(value) is not str:
                raise _Invalid(key, f"{key} must be a string in quotes.")
        elif key in _DATE_SET:
            if not isinstance(value, datetime):
                raise _Invalid(key, f"{key} must be a TOML date-time like 2007-01-22T18:03:00+01:00.")
        elif key in _LIST_SET:
            _strings(value, key)
        elif key not in KNOWN:
            unknown[key] = value
    return unknown


_STRING_SET = frozenset(STRINGS)
_DATE_SET = frozenset(DATES)
_LIST_SET = frozenset(STRING_LISTS)


def _draft(meta: dict[str, Any], body: str, where: str) -> Draft:
    unknown = _checked(meta)
    get = meta.get
    try:
        status = Status(get("status", "draft"))
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise _Invalid("status", f"status must be one of {allowed}.") from None
    kind = get("kind")
    if kind is not None and kind not in KINDS:
        raise _Invalid("kind", f"kind must be one of {', '.join(KINDS)}.")
    author, author_unknown = _table(get("author") or {}, "author", PERSON_KEYS)
    if author_unknown:
        unknown["author"] = author_unknown
    forwarders, fw_unknown = _forwarders(meta, "forwarders")
    pending, pending_unknown = _forwarders(meta, "pending_forwarders")
    assets, assets_unknown = _array(meta, "assets")
    for i, a in enumerate(assets, 1):
        _needs(a, "assets", i, ASSET_KEYS)
        if not ASSET_NAME.fullmatch(a["name"]):
            raise _Invalid("assets", f"an [[assets]] name is not like 20070122-x-1.jpg ({ASSET_NAME_RULE}).")
    skipped, skipped_unknown = _array(meta, "skipped_attachments")
    for i, s in enumerate(skipped, 1):
        _needs(s, "skipped_attachments", i, tuple(k for k in SKIPPED_KEYS if k == "reason" or k in s))
    redactions, redactions_unknown = _array(meta, "redactions")
    for i, r in enumerate(redactions, 1):
        _needs(r, "redactions", i, REDACTION_KEYS[:4])
        if not isinstance(r.get("restored", False), bool):
            raise _Invalid("redactions", f"[[redactions]] number {i} needs restored as true or false.")
        occurrence = r.get("occurrence")
        if occurrence is not None and (type(occurrence) is not int or occurrence < 0):
            raise _Invalid("redactions", f"[[redactions]] number {i} needs occurrence as a number from 0.")
    for key, extras in (
        ("forwarders", fw_unknown),
        ("pending_forwarders", pending_unknown),
        ("assets", assets_unknown),
        ("skipped_attachments", skipped_unknown),
        ("redactions", redactions_unknown),
    ):
        while extras and not extras[-1]:
            extras.pop()
        if extras:
            unknown[key] = extras
    return Draft(
        id=get("id") or Path(where).stem,
        status=status,
        title=get("title") or "",
        author=Person(_string(author.get("name"), "author"), _string(author.get("address"), "author")),
        forwarders=forwarders,
        body=body.strip("\n"),
        intro=get("intro"),
        letter_date=get("letter_date"),
        letter_date_raw=get("letter_date_raw"),
        received=get("received"),
        message_id=get("message_id"),
        source=get("source"),
        sha256=get("sha256"),
        created=get("created"),
        published=get("published"),
        reason=get("reason"),
        author_display=get("author_display"),
        forwarded_by=tuple(get("forwarded_by") or ()),
        slug=get("slug"),
        kind=kind,
        kind_reason=get("kind_reason"),
        lang=get("lang"),
        warnings=tuple(get("warnings") or ()),
        pending_forwarders=pending,
        assets=tuple(Asset(a["name"], a["content_type"], a["sha256"]) for a in assets) if assets else (),
        skipped_attachments=tuple(
            SkippedAttachment(s["reason"], s.get("filename"), s.get("content_type"), s.get("size"))
            for s in skipped
        )
        if skipped
        else (),
        redactions=tuple(Redaction.from_table(r) for r in redactions) if redactions else (),
        remote_images=tuple(get("remote_images") or ()),
        unknown=unknown,
    )
