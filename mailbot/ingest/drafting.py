"""One message to one new draft: the checks that may quarantine it, then the draft and its images.

:class:`Drafting` is the part of :class:`~mailbot.ingest.pipeline.Pipeline` that works on one
message alone (parse, sender checks, limits, redaction, the id); the pipeline composes it.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from mailbot import forwards, langdetect, wording
from mailbot.budget import Deadline
from mailbot.config import Config
from mailbot.drafts import amend, attribution
from mailbot.drafts.fields import public_fields
from mailbot.drafts.parts import REDACTED
from mailbot.drafts.parts import attachments as _attachments
from mailbot.drafts.parts import id_words as _id_words
from mailbot.drafts.parts import kind_of as _kind
from mailbot.drafts.parts import remote_images as _remote_images
from mailbot.drafts.parts import scrubbed as _scrubbed
from mailbot.drafts.store import DraftStore
from mailbot.errors import MailbotError, MessageError, SenderNotAllowed
from mailbot.ingest.ledger import Ledger
from mailbot.mail import inline
from mailbot.mail import mime as parse
from mailbot.models import (
    Asset,
    Draft,
    Extraction,
    ParsedMessage,
    RawMessage,
    SkippedAttachment,
    Status,
)
from mailbot.safety import assets, authres
from mailbot.safety.senders import is_allowed
from mailbot.sources.base import Source

log = logging.getLogger(__name__)


class Drafting:
    """Parse, check and draft one message (mixed into the pipeline, which sets these attributes)."""

    config: Config
    ledger: Ledger
    store: DraftStore
    clock: Callable[[], datetime]
    _taken_ids: set[str] | None

    def _accept(self, source: Source, message: RawMessage) -> tuple[ParsedMessage, Extraction]:
        """Parse the message and check it may become a draft; MessageError if not.

        Checks, in order: size, parse, ``[senders] allow``, ``require_authentication``
        (see :mod:`mailbot.safety.authres` for which headers are trusted), the attachment limits.
        The extraction comes back with every text made storable (:func:`mailbot.safety.redact.scrub`).
        """
        limit = self.config.service.max_message_bytes
        if len(message.data) > limit:
            raise MessageError(f"message too large: {len(message.data)} bytes (limit {limit})")
        # The time budget of one message (parse and extract check it as they go): past it the
        # message is quarantined with the reason, and the run goes on.
        deadline = Deadline(self.config.service.message_seconds)
        try:
            parsed = parse.parse_message(message.data, deadline=deadline)
            found = forwards.extract(
                parsed,
                drop_patterns=self.config.cleanup.drop_patterns,
                deadline=deadline,
                local_tz=self.config.site.tz,
                keep_pictures=True,
            )
        except MessageError:
            raise
        except Exception as exc:  # a parser bug must not kill the batch: quarantine and go on
            # Only the type: an exception's text may quote the letter. --debug shows the traceback.
            log.error("parser failed on %s %s (%s)", source.name, message.key, type(exc).__name__)
            log.debug("parser traceback", exc_info=True)
            raise MessageError(f"could not be parsed ({type(exc).__name__})") from exc
        sender = found.sender.address if found.sender else None
        if not is_allowed(sender, self.config.senders.allow):
            raise SenderNotAllowed(f"sender {sender or '(none)'} is not in [senders] allow")
        senders = self.config.senders
        if senders.require_authentication:
            verdict = authres.evaluate(parsed.headers, senders.trusted_authserv_ids, sender)
            if not verdict.ok:
                raise SenderNotAllowed(verdict.reason)
        parts = _attachments(parsed)
        service = self.config.service
        if len(parts) > service.max_attachments:
            raise MessageError(f"too many attachments: {len(parts)} (limit {service.max_attachments})")
        biggest = max((len(p.data) for p in parts), default=0)
        if biggest > service.max_attachment_bytes:
            raise MessageError(
                f"attachment too large: {biggest} bytes (limit {service.max_attachment_bytes})"
            )
        return parsed, _scrubbed(found)

    def _new_draft(
        self, found: Extraction, source_name: str, sha: str, parsed: ParsedMessage
    ) -> tuple[Draft, list[assets.Prepared]]:
        """The draft of a new letter, private values already hidden, and its images to write."""
        letter = found.letter
        now = self.clock()
        title = letter.subject or (letter.body.strip().split("\n", 1)[0][:60] if letter.body.strip() else "")
        title = title or "(untitled)"
        day = letter.date or found.received
        policy = self.config.attribution
        # Pictures stay where they stood in the letter; those only in a forwarder's note are their
        # signature's (a logo), internal like the note, and never published.
        parts = _attachments(parsed)
        in_notes = set().union(*(inline.referenced(f.note, parts) for f in found.forwarders))
        note_only = in_notes - inline.referenced(letter.body, parts)
        draft = Draft(
            id="",
            status=Status.DRAFT,
            title=title,
            author=letter.author,
            forwarders=tuple(replace(f, note=inline.strip(f.note)) for f in found.forwarders),
            body=inline.place(letter.body, parts),
            letter_date=letter.date,
            letter_date_raw=letter.date_raw,
            received=found.received,
            message_id=found.message_id,
            source=source_name,
            sha256=sha,
            created=now,
            author_display=attribution.author_display(letter.author, policy.author_style),
            forwarded_by=attribution.forwarded_by(found.forwarders, policy),
        )
        draft.kind, draft.kind_reason = _kind(found)
        # Forwarders' notes are internal (they stay in forwarders[].note for the reviewer); the
        # public intro is editorial: a default sentence from the attribution, or nothing.
        draft.intro = self._default_intro(draft)
        draft.lang = langdetect.guess_language(draft.body)
        # Hidden before the id is chosen: the id (and the image names made from it) are public.
        hidden = self._redact(draft, public_fields(draft))
        draft.warnings = tuple(dict.fromkeys(found.flags)) + ((REDACTED,) if hidden else ())
        prefix = f"{day:%Y%m%d}-" if day else "undated-"  # never the clock: a rerun finds the same id
        draft.id = self._free_id(prefix + _id_words(draft.title), sha)
        kept = [n for n in range(len(parts)) if n not in note_only]
        images, skipped = assets.prepare(
            [(parts[n].filename, parts[n].content_type, parts[n].data) for n in kept], draft.id
        )
        draft.body = inline.name(draft.body, {kept[i.part]: i.name for i in images})
        draft.assets = tuple(Asset(i.name, i.content_type, i.sha256) for i in images)
        draft.skipped_attachments = tuple(
            SkippedAttachment(s["reason"], s.get("filename"), s.get("content_type"), s.get("size"))
            for s in skipped
        )
        draft.remote_images = tuple(_remote_images(parsed))
        return draft, images

    def _default_intro(self, draft: Draft) -> str | None:
        """The editorial intro a new draft starts with, which the reviewer edits.

        A localized sentence ("Grazie ai colleghi di Napoli che ci hanno girato questa
        lettera di Tommaso.") from :mod:`mailbot.wording`, built from the draft's public
        names (``author_display``, ``forwarded_by``), never from a forwarder's note; it then
        goes through the same redaction as every public field.
        """
        language = self.config.site.language
        return wording.default_intro(draft.author_display or "", draft.forwarded_by, language)

    def _redact(self, draft: Draft, fields: list[str]) -> int:
        """Hide private values and the author's surname in ``fields`` (:func:`mailbot.drafts.amend.hide`)."""
        return amend.hide(draft, fields, self.config)

    def _free_id(self, base: str, sha: str) -> str:
        """The draft id for a new letter: ``base``, else ``base-2``, ``base-3``...

        The choice is deterministic, which makes a crash after the draft file was
        written but before the ledger recorded it harmless: the rerun arrives at
        the same id, finds the file holding the same message (by SHA-256), and
        rewrites it instead of adding a second draft.
        """
        taken = self._taken()
        for n in itertools.count(1):
            candidate = base if n == 1 else f"{base}-{n}"
            if candidate not in taken:
                taken.add(candidate)
                return candidate
            if self.store.exists(candidate) and self._sha_of(candidate) == sha:
                return candidate
        raise AssertionError("unreachable")  # pragma: no cover

    def _sha_of(self, draft_id: str) -> str | None:
        try:
            return self.store.read(draft_id).sha256
        except MailbotError:
            return None  # a draft broken by hand is someone else's: take the next id

    def _taken(self) -> set[str]:
        # Read once per pipeline, then kept up to date as drafts are created: listing
        # the drafts folder for every message would make a large import quadratic.
        if self._taken_ids is None:
            self._taken_ids = self.store.ids() | self.ledger.draft_ids()
        return self._taken_ids
