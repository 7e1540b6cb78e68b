"""Plain data exchanged between the stages.

The stages (sources → parse/forwards → drafts → review → publish) import this
module and :mod:`mailbot.errors`, never each other; :mod:`mailbot.ingest.pipeline`
composes them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Person:
    """Someone named in a message: either part may be unknown."""

    name: str | None
    address: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "address": self.address}


@dataclass(frozen=True)
class Letter:
    """The original letter: for a forward, the innermost forwarded message."""

    author: Person
    date: datetime | None
    date_raw: str | None
    subject: str | None
    body: str

    def to_json(self) -> dict[str, Any]:
        return {
            "author": self.author.to_json(),
            "date": self.date.isoformat() if self.date else None,
            "date_raw": self.date_raw,
            "subject": self.subject,
            "body": self.body,
        }


@dataclass(frozen=True)
class Forwarder:
    """One person who passed the letter on, with the note written above the forward."""

    name: str | None
    address: str | None
    date: datetime | None
    note: str | None

    @property
    def person(self) -> Person:
        return Person(self.name, self.address)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "date": self.date.isoformat() if self.date else None,
            "note": self.note,
        }


@dataclass(frozen=True)
class Extraction:
    """What mailbot sees in one message: the letter and who forwarded it.

    ``forwarders`` is outermost first: ``forwarders[0]`` is the sender of the
    message mailbot received.
    """

    forwarded: bool
    letter: Letter
    forwarders: tuple[Forwarder, ...]
    message_id: str | None = None
    received: datetime | None = None
    sender: Person | None = None
    # Which rule found the letter ("none" when the message is not a forward), and warnings
    # for the reviewer (e.g. "date-out-of-range", "deep-forward-block"); see mailbot.forwards.
    rule: str = "none"
    flags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``mailbot extract --json`` object fixed by CONTRACT.md, with ``rule`` and ``flags`` added.

        ``rule`` names how the letter was found ("separator", "header-block",
        "quoted-header-block", "rfc822-attachment", "wrote-line"; "none" when not a forward) and
        ``flags`` lists warnings for the reviewer (see :mod:`mailbot.forwards`).
        """
        return {
            "forwarded": self.forwarded,
            "letter": self.letter.to_json(),
            "forwarders": [f.to_json() for f in self.forwarders],
            "rule": self.rule,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class RawMessage:
    """A message as a source hands it over: bytes plus where it came from.

    ``key`` identifies the message within ``source`` (a Maildir key, a file
    path, ``"<uidvalidity>:<uid>"`` for IMAP) so the source can acknowledge it.
    """

    source: str
    key: str
    data: bytes


class Status(enum.StrEnum):
    """Where a draft is in its life."""

    DRAFT = "draft"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"
    RETRACTED = "retracted"


# What a draft's picture may be called, in its draft file, its drafts folder and the site alike:
# lowercase letters, digits, "-" and "_", one of the extensions mailbot prepares. So a name is
# never a path, a hidden file, or the page beside it (index.html).
ASSET_NAME = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,78}[a-z0-9])?\.(?:jpg|png|gif|webp)")
ASSET_NAME_RULE = (
    "picture names have only lowercase letters, digits, '-' or '_', then .jpg, .png, .gif or .webp"
)


@dataclass(frozen=True)
class Asset:
    """A prepared image of a draft, stored in ``<drafts>/<id>.assets/<name>`` (see :data:`ASSET_NAME`)."""

    name: str
    content_type: str
    sha256: str


@dataclass(frozen=True)
class SkippedAttachment:
    """An attachment left out of a draft (never published), noted for the reviewer."""

    reason: str
    filename: str | None = None
    content_type: str | None = None
    size: str | None = None


@dataclass(frozen=True)
class Redaction:
    """A private value hidden in a draft field; ``original`` stays in the (private) draft file."""

    kind: str
    field: str
    placeholder: str
    original: str
    restored: bool = False
    # Where the placeholder stands: its occurrence (from 0) among every place its text stands
    # in the field, when that text can also occur naturally (kind "surname": "Tommaso").
    occurrence: int | None = None

    def to_table(self) -> dict[str, Any]:
        """The ``[[redactions]]`` table of a draft or comment file (TOML has no null: unset keys left out)."""
        table: dict[str, Any] = {"kind": self.kind, "field": self.field}
        table |= {"placeholder": self.placeholder, "original": self.original}
        if self.restored:
            table["restored"] = True
        if self.occurrence is not None:
            table["occurrence"] = self.occurrence
        return table

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> Redaction:
        """The record a ``[[redactions]]`` table holds (its keys already checked by the reader)."""
        return cls(
            table["kind"], table["field"], table["placeholder"], table["original"],
            bool(table.get("restored", False)), table.get("occurrence"),
        )  # fmt: skip


def hidden_place(records: Sequence[Redaction], index: int) -> int:
    """Which occurrence (from 0) of ``records[index]``'s placeholder in its field stands for it.

    A record that knows its place is counted among every place its text stands, less what
    earlier restores in that field took away; otherwise the earlier values still hidden behind
    the same placeholder in the same field come first.
    """
    record = records[index]
    if record.occurrence is not None:
        mark = record.placeholder
        return record.occurrence - sum(
            r.placeholder.count(mark) - r.original.count(mark)
            for r in records[:index]
            if r.restored and r.field == record.field and r.occurrence is not None
        )
    return sum(
        1
        for r in records[:index]
        if not r.restored and r.field == record.field and r.placeholder == record.placeholder
    )


# What a draft is, for the reviewer: a colleague's forward of a customer letter, or not.
KINDS = ("forward", "not-forward")


@dataclass
class Draft:
    """One draft post: a Markdown file with TOML front matter on disk.

    ``body`` is the letter as the reviewer will publish it; ``intro`` the
    editorial text shown above it (editable; forwarders' notes are internal).
    ``author_display`` and ``forwarded_by`` are the public names chosen by the
    attribution policy. ``pending_forwarders`` are colleagues who forwarded the
    letter again after it left status ``draft``: an amendment waiting for a
    reviewer (``mailbot drafts accept``/``discard``), never published as is.
    ``unknown`` keeps every front-matter key mailbot does not know (top level,
    and inside its tables: ``unknown["author"]`` is a table of unknown keys,
    ``unknown["forwarders"]`` a list of them, one per forwarder) so a file is
    written back with them unchanged.
    """

    id: str
    status: Status
    title: str
    author: Person
    forwarders: tuple[Forwarder, ...]
    body: str
    intro: str | None = None
    letter_date: datetime | None = None
    letter_date_raw: str | None = None
    received: datetime | None = None
    message_id: str | None = None
    source: str | None = None
    sha256: str | None = None
    created: datetime | None = None
    published: datetime | None = None
    reason: str | None = None
    author_display: str | None = None
    forwarded_by: tuple[str, ...] = ()
    slug: str | None = None
    kind: str | None = None
    kind_reason: str | None = None
    # The letter's language (a BCP 47 tag) when detected or set by the reviewer.
    lang: str | None = None
    warnings: tuple[str, ...] = ()
    pending_forwarders: tuple[Forwarder, ...] = ()
    assets: tuple[Asset, ...] = ()
    skipped_attachments: tuple[SkippedAttachment, ...] = ()
    redactions: tuple[Redaction, ...] = ()
    remote_images: tuple[str, ...] = ()
    unknown: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PostComment:
    """An approved comment as the site shows it: number (anchor ``#comment-N``), name, text, date."""

    number: int
    name: str
    text: str
    date: datetime


@dataclass(frozen=True)
class CommentLinks:
    """How readers comment on a post: a ``mailto:`` address and subject, and/or a form's action URL."""

    address: str | None = None
    subject: str | None = None
    form_action: str | None = None


# A picture of a post: (public file name, prepared file), or with its alt text (None: unknown).
PostAsset = tuple[str, Path] | tuple[str, Path, str | None]


@dataclass(frozen=True)
class Post:
    """A draft made ready for the site: every field already safe to show.

    ``author`` and ``forwarded_by`` are display strings chosen by the
    attribution policy (e.g. "Tommaso", "i colleghi di Napoli"); the author's
    address is never part of a post. ``intro`` is the editors' text above the
    letter (by default :func:`mailbot.wording.default_intro`); when it is None
    the site shows an automatic thanks line instead.
    """

    id: str
    slug: str
    title: str
    author: str
    forwarded_by: tuple[str, ...]
    intro: str | None
    body: str
    letter_date: datetime | None
    date: datetime
    # Files (images) to publish beside the post page, already made safe by the
    # pipeline: (public file name, path of the prepared file on disk[, alt text]). The
    # body places them with markers ("[[image:NAME|alt text]]", see mailbot.site.letterhtml);
    # those it does not place are shown after the letter.
    assets: tuple[PostAsset, ...] = ()
    # Forwarders' notes to show under the intro, each marked as a forwarder's note. The
    # pipeline fills this only with ``[attribution] publish_notes = true``: notes are internal.
    notes: tuple[str, ...] = ()
    # The letter's language as a BCP 47 tag ("fr", "pt-BR"), from mailbot.langdetect or the
    # reviewer; None when unknown. Shown as a ``lang`` attribute when it is not the site's.
    lang: str | None = None
    # Approved readers' comments, oldest first, and how to add one (None: comments are off).
    comments: tuple[PostComment, ...] = ()
    comment_links: CommentLinks | None = None


@dataclass(frozen=True)
class Attachment:
    """A non-message attachment or inline part (images, files)."""

    filename: str | None
    content_type: str
    data: bytes = field(repr=False)
    content_id: str | None = None


@dataclass(frozen=True)
class ParsedMessage:
    """One RFC 822 message decoded: headers, bodies (``\\n`` line ends) and parts.

    ``attached`` holds the messages carried as ``message/rfc822`` parts, parsed
    the same way; their text never leaks into ``text``/``html`` of the outer one.
    """

    sender: Person
    subject: str | None
    date: datetime | None
    date_raw: str | None
    message_id: str | None
    text: str | None
    html: str | None
    attached: tuple[ParsedMessage, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    defects: tuple[str, ...] = ()
    # Remote images the HTML would load (``<img src="http...">``, tracking pixels), for the
    # reviewer's information: never fetched, never part of the text.
    remote_images: tuple[str, ...] = ()
