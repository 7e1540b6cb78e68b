"""The orchestrator: the one place where the stages are composed.

``Pipeline.run(source)`` takes each message from a source through
parse → forwards → attribution → drafts, with the ledger making it
exactly-once (see :mod:`mailbot.ingest.ledger`); its pure helpers are in
:mod:`mailbot.drafts.parts`. Publishing is another flow, with its own
orchestrator (:mod:`mailbot.site.publishing`).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from mailbot import forwards, langdetect
from mailbot.budget import Deadline
from mailbot.commands.act import act
from mailbot.comments import intake
from mailbot.config import Config
from mailbot.drafts import amend, attribution, audit
from mailbot.drafts.parts import REDACTED, letter_key
from mailbot.drafts.parts import attachments as _attachments
from mailbot.drafts.parts import id_words as _id_words
from mailbot.drafts.parts import kind_of as _kind
from mailbot.drafts.parts import remote_images as _remote_images
from mailbot.drafts.parts import scrubbed as _scrubbed
from mailbot.drafts.store import DraftStore, dumps, public_fields
from mailbot.errors import MailbotError, MessageError, SenderNotAllowed
from mailbot.fsutil import atomic_write, fsync_dir
from mailbot.ingest import route
from mailbot.ingest.ledger import DRAFTED, DUPLICATE, FAILED, Ledger
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
from mailbot.outbox import notices
from mailbot.outbox.outbox import enqueue
from mailbot.safety import assets, authres
from mailbot.safety.senders import is_allowed
from mailbot.site import wording
from mailbot.sources.base import Source

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# Drafts recorded per ledger transaction; small enough that a stop is quick.
GROUP_SIZE = 32
COMMAND = "command"  # the ledger outcome of a reviewer's reply acted on


# The ledger's outcome of a message taken as a reader's comment (mailbot.comments).
COMMENT = "comment"


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class RunReport:
    """What one pass over a source did."""

    source: str
    drafted: list[str] = field(default_factory=list)
    duplicates: int = 0
    resumed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Copies of a known letter from another colleague, credited on its existing draft.
    credited: int = 0

    @property
    def seen(self) -> int:
        return len(self.drafted) + self.duplicates + self.credited + self.resumed + len(self.failed)

    def summary(self) -> str:
        return (
            f"{self.seen} message(s) from {self.source}: {len(self.drafted)} drafted, "
            f"{self.credited} credited on an existing draft, "
            f"{self.duplicates} already known, {self.resumed} resumed, {len(self.failed)} quarantined"
        )


def extract(raw: bytes) -> Extraction:
    """Parse one message and find the letter in it (no side effects)."""
    return forwards.extract(parse.parse_message(raw))


class Pipeline:
    """Composes the stages over one configuration."""

    def __init__(self, config: Config, ledger: Ledger, *, clock: Clock = _utcnow) -> None:
        self.config = config
        self.ledger = ledger
        self.store = DraftStore(config.paths.drafts)
        self.clock = clock
        self._taken_ids: set[str] | None = None
        # Drafts written but not yet recorded (see run()), and their sha/Message-ID/letter keys.
        self._group: list[tuple[RawMessage, str, Draft, str | None, bool, Future[None]]] = []
        self._writer: ThreadPoolExecutor | None = None
        self._group_keys: set[str] = set()
        self._notices: dict[str, list[notices.Notice]] = {}  # mail each draft of the group causes

    # -- ingestion ---------------------------------------------------------

    def run(
        self,
        source: Source,
        on_message: Callable[[RawMessage, str], None] | None = None,
        *,
        stop: threading.Event | None = None,
    ) -> RunReport:
        """Handle every message the source offers; one bad message never stops the batch.

        ``stop``, when set, ends the pass after the message in hand. The pass is
        recorded in the ledger's ``runs`` table (``mailbot status`` shows it).

        New drafts are committed in groups (:meth:`_commit_group`): each draft file
        is written and fsynced as its message is handled, then one folder fsync
        and one ledger transaction record the group, and only then are its
        messages moved. An exception leaves the group unrecorded; the next run
        resumes those drafts by id and hash (:meth:`_free_id`).
        """
        with self.store.lock():
            return self._run(source, on_message, stop)

    def _run(
        self,
        source: Source,
        on_message: Callable[[RawMessage, str], None] | None,
        stop: threading.Event | None,
    ) -> RunReport:
        report = RunReport(source.name)
        self._taken_ids = None  # other processes may have added drafts since the last run
        run_id = self.ledger.start_run(source.name)
        error: str | None = None
        # One writer thread writes and fsyncs each draft while the next message is parsed
        # (fsync releases the GIL); _commit_group waits for every write before recording.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mailbot-drafts")
        try:
            for message in source.messages():
                outcome = self.handle(source, message, report)
                if on_message is not None:
                    on_message(message, outcome)
                if stop is not None and stop.is_set():
                    break
            self._commit_group(source, report)
            for key, reason in source.skipped:
                # Messages the source quarantined itself (e.g. too large to download).
                self.ledger.record(source.name, key, "", None, FAILED, error=reason)
                report.failed.append((key, reason))
        except Exception as exc:
            error = str(exc)
            raise
        finally:
            self._writer.shutdown(wait=True)
            self._writer = None
            self._group, self._group_keys, self._notices = [], set(), {}
            self.ledger.finish_run(run_id, report.summary(), error)
        return report

    def handle(self, source: Source, message: RawMessage, report: RunReport) -> str:
        """Take one message to a draft or to quarantine; returns the ledger outcome.

        Within :meth:`run` a new draft is recorded with its group; called on its
        own, the message is finished (recorded and moved) before return.
        """
        sha = hashlib.sha256(message.data).hexdigest()
        if sha in self._group_keys:
            self._commit_group(source, report)  # the ledger must know the twin before we look
        known = self.ledger.find(source.name, message.key, sha, None)
        if known is not None and known.outcome == DRAFTED and known.draft_id:
            # The same message still in an inbox is a crash being resumed; read from files
            # the user names again, it is simply already known.
            same = (known.source, known.key) == (source.name, message.key)
            if same and source.read_only:
                report.duplicates += 1  # its own row says it all: nothing to record or move
                return DUPLICATE
            return self._already_drafted(source, message, sha, known.draft_id, report, resumed=same)
        if self.config.comments.address and (taken := self._comment(source, message, sha, report)):
            return taken  # a reader's comment on a post (mailbot.comments), never a letter
        way = route.classify(None, message.data, self.config)
        if way.kind == route.COMMAND:  # a reviewer's reply: acted on, or quarantined; never a draft
            if source.read_only:
                reason = "a reply to mailbot, acted on only when it arrives in the mailbox"
                return self._quarantine(source, message, sha, reason, report, notify=False)
            return self._command(source, message, sha, way, report)
        try:
            parsed, found = self._accept(source, message)
        except MessageError as exc:
            return self._quarantine(source, message, sha, str(exc), report)
        if self.config.senders.require_forward and not found.forwarded:
            reason = f"not a forward ({_kind(found)[1]}) and [senders] require_forward = true"
            return self._quarantine(source, message, sha, reason, report)
        key = letter_key(found)
        if found.message_id in self._group_keys or key in self._group_keys:
            self._commit_group(source, report)
        if found.message_id:
            twin = self.ledger.by_message_id(found.message_id)
            if twin is not None and twin.draft_id:
                return self._already_drafted(source, message, sha, twin.draft_id, report, resumed=False)
        if key is not None:
            twin = self.ledger.by_letter(key)
            if twin is not None and twin.draft_id:
                credited = False
                try:
                    # A deleted draft stays deleted: the letter is known, nobody is credited.
                    credited = self.store.exists(twin.draft_id) and self._credit(twin.draft_id, found)
                except MailbotError as exc:
                    # e.g. a reviewer left the draft's front matter broken: the letter is known
                    # all the same; only the extra credit is missed, and the run goes on.
                    log.warning("draft %s could not credit another forwarder (%s)", twin.draft_id,
                                type(exc).__name__)  # fmt: skip
                return self._already_drafted(
                    source, message, sha, twin.draft_id, report, resumed=False, credited=credited
                )
        try:
            # Everything between the parser and the disk is in memory; whatever text reached
            # this point, a failure here quarantines the message instead of stopping the run.
            draft, images = self._new_draft(found, source.name, sha, parsed)
            text = dumps(draft)
        except MessageError as exc:
            return self._quarantine(source, message, sha, str(exc), report)
        except Exception as exc:  # a bug must not kill the batch; the log gets no letter text
            log.error("drafting failed on %s %s (%s)", source.name, message.key, type(exc).__name__)
            return self._quarantine(
                source, message, sha, f"could not be drafted ({type(exc).__name__})", report
            )
        # The images first (named after the draft id, so a rerun rewrites the same files),
        # then the draft; its record and the move come with the group: whatever the crash
        # point, the next run converges to one draft (see _free_id for the resume).
        if self._writer is not None:
            written: Future[None] = self._writer.submit(self._write_draft, draft, text, images)
        else:
            written = Future()
            self._write_draft(draft, text, images)
            written.set_result(None)
        sender = found.sender.address if found.sender else None
        # Files read by `mailbot import` (an archive) cause no mail: only a mailbox's new letters do.
        live = not source.read_only
        self._notices[draft.id] = notices.drafted(self.config, draft, sender, message.data) if live else []
        self._group.append((message, sha, draft, key, bool(images), written))
        self._group_keys.update(k for k in (sha, draft.message_id, key) if k)
        if self._writer is None or len(self._group) >= GROUP_SIZE:
            self._commit_group(source, report)  # called on its own, handle() finishes the job
        return DRAFTED

    def _write_draft(self, draft: Draft, text: str, images: Sequence[assets.Prepared]) -> None:
        for image in images:
            path = self.store.asset_path(draft.id, image.name)
            atomic_write(path, image.data, sync_dir=False, root=self.store.folder)
        self.store.write(draft, text=text, sync_dir=False)

    def _commit_group(self, source: Source, report: RunReport) -> None:
        """Make the group's drafts durable, record them in one transaction, then move their mail."""
        if not self._group:
            return
        group, self._group, self._group_keys = self._group, [], set()
        for *_, written in group:
            written.result()  # every file written and fsynced (or its error raised) first
        fsync_dir(self.store.folder)
        for _message, _sha, draft, _key, has_images, _ in group:
            if has_images:
                fsync_dir(self.store.assets_dir(draft.id))
        mail = [n for _, _, d, *_ in group for n in self._notices.pop(d.id, [])]
        rows = [(source.name, m.key, sha, d.message_id, d.id, key) for m, sha, d, key, _, _ in group]
        # The mail the drafts cause is queued in the same transaction (mailbot.outbox).
        if mail:
            self.ledger.record_drafted(rows, also=lambda db: enqueue(db, mail))
        else:
            self.ledger.record_drafted(rows)
        audit.record(
            self.ledger.path,
            [
                (d.id, audit.PIPELINE, "create", f"{d.kind or 'draft'} from {source.name}")
                for _, _, d, *_ in group
            ],
        )
        for message, _sha, draft, _key, _, _ in group:
            source.done(message)
            report.drafted.append(draft.id)
            log.info("drafted %s from %s %s", draft.id, source.name, message.key)

    def _already_drafted(
        self,
        source: Source,
        message: RawMessage,
        sha: str,
        draft_id: str,
        report: RunReport,
        *,
        resumed: bool,
        credited: bool = False,
    ) -> str:
        if resumed:
            # A crash came after the draft was recorded but before the move.
            report.resumed += 1
        else:
            if credited:
                report.credited += 1
            else:
                report.duplicates += 1
            self.ledger.record(source.name, message.key, sha, None, DUPLICATE, draft_id=draft_id)
        source.done(message)
        log.info("%s %s is already draft %s", source.name, message.key, draft_id)
        return DRAFTED if resumed else DUPLICATE

    def _credit(self, draft_id: str, found: Extraction) -> bool:
        """Credit another copy's forwarders on the letter's draft (:func:`mailbot.drafts.amend.credit`)."""
        return amend.credit(self.store, self.config, self.ledger.path, draft_id, found)

    def accept(self, ids: Sequence[str], who: str) -> list[Draft]:
        """Accept drafts' pending amendments (see :func:`mailbot.drafts.amend.accept`)."""
        return amend.accept(self.store, self.config, self.ledger.path, ids, who)

    def _comment(self, source: Source, message: RawMessage, sha: str, report: RunReport) -> str | None:
        """Take the message as a reader's comment when it is one (:func:`mailbot.comments.intake.take`)."""
        try:
            taken = intake.take(
                message.data, self.config, self.ledger.path, sha, self.clock(), self.store.exists
            )
        except MessageError as exc:
            return self._quarantine(source, message, sha, str(exc), report)
        if taken is None:
            return None
        _post, message_id, new = taken
        outcome = COMMENT if new else DUPLICATE
        self.ledger.record(source.name, message.key, sha, message_id, outcome)
        report.duplicates += 0 if new else 1
        source.done(message)
        return outcome

    def _command(
        self, source: Source, message: RawMessage, sha: str, way: route.Route, report: RunReport
    ) -> str:
        """A reviewer's reply (:mod:`mailbot.commands.act`): recorded with its confirmation, or not."""
        self._commit_group(source, report)  # the draft it names may be in the group
        try:
            done = act(self.config, self.ledger.path, self.store, message.data, way.tokens)
        except MessageError as exc:
            return self._quarantine(source, message, sha, str(exc), report, notify=False)
        if not done.ok:
            return self._quarantine(source, message, sha, done.reason, report, notify=False)
        also = (lambda db: enqueue(db, done.mail)) if done.mail else None
        self.ledger.record(source.name, message.key, sha, None, COMMAND, draft_id=done.draft_id, also=also)
        source.done(message)
        log.info("%s %s: %s on %s", source.name, message.key, done.reason, done.draft_id)
        return COMMAND

    def _quarantine(
        self,
        source: Source,
        message: RawMessage,
        sha: str,
        reason: str,
        report: RunReport,
        *,
        notify: bool = True,
    ) -> str:
        event = f"{source.name}:{message.key}:{sha}"
        answer = notify and not source.read_only  # an imported archive causes no mail
        mail = notices.quarantined(self.config, message.data, reason, event) if answer else []
        also = (lambda db: enqueue(db, mail)) if mail else None
        self.ledger.record(source.name, message.key, sha, None, FAILED, error=reason, also=also)
        source.quarantine(message, reason)
        report.failed.append((message.key, reason))
        log.warning("quarantined %s %s: %s", source.name, message.key, reason)
        return FAILED

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
        lettera di Tommaso.") from :mod:`mailbot.site.wording`, built from the draft's public
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
