"""Pure helpers of the ingest flow: from a parsed message to the parts of a new draft.

No I/O: what a letter's fingerprint is, what kind of message it was, the id words of a
draft, the images and remote images of a message, texts made storable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace

from mailbot.models import Attachment, Extraction, ParsedMessage, Person
from mailbot.safety.redact import scrub
from mailbot.textutil import slugify

# The warning a draft carries when private values were hidden (placeholders like [IBAN]).
REDACTED = "redacted"
# The kind of redaction record that stands for the author's name shown by author_style.
SURNAME = "surname"


def with_item(items: tuple[str, ...], item: str) -> tuple[str, ...]:
    return items if item in items else (*items, item)


def kind_of(found: Extraction) -> tuple[str, str]:
    """What a message is for the reviewer (``kind``) and why (``kind_reason``)."""
    if found.forwarded:
        return "forward", (f"rule {found.rule}" if found.rule != "none" else "a forwarded letter was found")
    default = "no forwarded letter in it: a reply, or a colleague's own?"
    reason = found.rule if found.rule != "none" else default
    return "not-forward", reason


ID_WORDS = 40


def id_words(title: str) -> str:
    """The title part of a new draft id: its slug, cut between words to at most 40 characters."""
    slug = slugify(title, max_length=1000)
    if len(slug) <= ID_WORDS:
        return slug
    boundary = slug.rfind("-", 0, ID_WORDS + 1)
    return slug[:boundary] if boundary > 0 else slug[:ID_WORDS]


def letter_key(found: Extraction) -> str | None:
    """A fingerprint of the letter itself: its author and its text, whitespace and case folded.

    Two colleagues forwarding the same letter produce different messages (other
    headers, other notes) but the same fingerprint. None when the letter has no
    text to compare.
    """
    letter = found.letter
    text = " ".join(letter.body.split()).casefold()
    if not text:
        return None
    author = (letter.author.address or letter.author.name or "").casefold()
    return hashlib.sha256(f"{author}\n{text}".encode()).hexdigest()


def messages(parsed: ParsedMessage) -> Iterator[ParsedMessage]:
    """A message and, depth first, every message attached to it."""
    yield parsed
    for inner in parsed.attached:
        yield from messages(inner)


def attachments(parsed: ParsedMessage) -> list[Attachment]:
    """Every attachment and inline part of a message and of the messages attached to it."""
    return [a for m in messages(parsed) for a in m.attachments]


def remote_images(parsed: ParsedMessage) -> list[str]:
    """Remote image URLs in a message and its attached ones, for the reviewer (never published)."""
    urls = (scrub(u, multiline=False)[:2000] for m in messages(parsed) for u in m.remote_images)
    return list(dict.fromkeys(urls))[:100]


def scrubbed(found: Extraction) -> Extraction:
    """The extraction with every text storable: no lone surrogates, no control characters."""

    def text(value: str | None) -> str | None:  # one line: names, addresses, subject, ids
        return None if value is None else scrub(value, multiline=False)

    def lines(value: str | None) -> str | None:  # a letter or a note keeps its lines
        return None if value is None else scrub(value)

    def person(p: Person) -> Person:
        return Person(text(p.name), text(p.address))

    letter = found.letter
    return replace(
        found,
        letter=replace(
            letter,
            author=person(letter.author),
            date_raw=text(letter.date_raw),
            subject=text(letter.subject),
            body=scrub(letter.body),
        ),
        forwarders=tuple(
            replace(f, name=text(f.name), address=text(f.address), note=lines(f.note))
            for f in found.forwarders
        ),
        message_id=text(found.message_id),
        sender=person(found.sender) if found.sender else None,
    )
