"""The orchestrator of ingestion: every message of a source to a draft or a quarantine, exactly once.

It composes drafting (one message), groupcommit (new drafts, recorded in groups) and the ledger.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

from mailbot import forwards
from mailbot.commands.act import act
from mailbot.comments import intake
from mailbot.config import Config
from mailbot.drafts import amend
from mailbot.drafts.parts import kind_of as _kind
from mailbot.drafts.parts import letter_key
from mailbot.drafts.store import DraftStore, dumps
from mailbot.errors import MailbotError, MessageError
from mailbot.ingest import route
from mailbot.ingest.drafting import Drafting
from mailbot.ingest.groupcommit import GroupCommit
from mailbot.ingest.ledger import DRAFTED, DUPLICATE, FAILED, Entry, Ledger
from mailbot.ingest.outcomes import RunReport
from mailbot.mail import mime as parse
from mailbot.models import Draft, Extraction, RawMessage
from mailbot.outbox import notices
from mailbot.outbox.outbox import enqueue
from mailbot.sources.base import Source

__all__ = ["COMMAND", "COMMENT", "GROUP_SIZE", "Pipeline", "RunReport", "extract"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# Drafts recorded per ledger transaction, and messages looked up in the ledger per query;
# small enough that a stop is quick.
GROUP_SIZE = 32
# At most this many bytes of messages are read ahead for one look-up (at least one message).
LOOKUP_BYTES = 32 * 1024 * 1024
COMMAND = "command"  # the ledger outcome of a reviewer's reply acted on


# The ledger's outcome of a message taken as a reader's comment (mailbot.comments).
COMMENT = "comment"


class _Ask:
    """The ledger was not asked about this message yet."""


ASK = _Ask()


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def extract(raw: bytes) -> Extraction:
    """Parse one message and find the letter in it (no side effects)."""
    return forwards.extract(parse.parse_message(raw))


def _chunks(messages: Iterator[RawMessage], size: int, limit: int) -> Iterator[list[RawMessage]]:
    """The messages in lists of ``size`` (fewer when they add up to ``limit`` bytes).

    When the source fails mid-list, the messages it gave before are yielded first.
    """
    chunk: list[RawMessage] = []
    total = 0
    failure: Exception | None = None
    try:
        for message in messages:
            chunk.append(message)
            total += len(message.data)
            if len(chunk) >= size or total >= limit:
                yield chunk
                chunk, total = [], 0
    except Exception as exc:
        failure = exc
    if chunk:
        yield chunk
    if failure is not None:
        raise failure


class Pipeline(Drafting):
    """Composes the stages over one configuration."""

    def __init__(self, config: Config, ledger: Ledger, *, clock: Clock = _utcnow) -> None:
        self.config = config
        self.ledger = ledger
        self.store = DraftStore(config.paths.drafts)
        self.clock = clock
        self._taken_ids: set[str] | None = None
        # Drafts written but not yet recorded (see run()).
        self._group = GroupCommit(self.store, ledger)

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

        Messages are taken :data:`GROUP_SIZE` at a time: one ledger query tells which of
        them are known already (:meth:`Ledger.find_many`). New drafts are committed in
        groups (:class:`~mailbot.ingest.groupcommit.GroupCommit`): each draft file is
        written and fsynced as its message is handled, then one folder fsync and one
        ledger transaction record the group, and only then are its messages moved. An
        exception leaves the group unrecorded; the next run resumes those drafts by id
        and hash (:meth:`_free_id`).
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
        self._group.start()
        try:
            for n, chunk in enumerate(_chunks(source.messages(), GROUP_SIZE, LOOKUP_BYTES)):
                # The ledger holds every earlier message's row before the chunk is looked up.
                self._group.commit(source, report)
                if n == 1:  # a long run: one query for every twin look-up of the run to come
                    self.ledger.remember_twins()
                for message, sha, known in self._look_up(source, chunk):
                    outcome = self._handle(source, message, report, sha, known)
                    if on_message is not None:
                        on_message(message, outcome)
                    if stop is not None and stop.is_set():
                        break
                else:
                    continue
                break
            self._group.commit(source, report)
            for key, reason in source.skipped:
                # Messages the source quarantined itself (e.g. too large to download).
                self.ledger.record(source.name, key, "", None, FAILED, error=reason)
                report.failed.append((key, reason))
        except Exception as exc:
            error = str(exc)
            raise
        finally:
            self._group.stop()
            self.ledger.forget_twins()
            self.ledger.finish_run(run_id, report.summary(), error)
        return report

    def _look_up(
        self, source: Source, chunk: Sequence[RawMessage]
    ) -> list[tuple[RawMessage, str, Entry | _Ask | None]]:
        """Each message with its SHA-256 and its ledger row, asked for the chunk in one query.

        A message whose key or hash repeats one earlier in the chunk is left to ask again when
        its turn comes (:data:`ASK`): the earlier one's row may be recorded by then.
        """
        shas = [hashlib.sha256(message.data).hexdigest() for message in chunk]
        keys: set[str] = set()
        hashes: set[str] = set()
        first: list[bool] = []
        for message, sha in zip(chunk, shas, strict=True):
            first.append(message.key not in keys and sha not in hashes)
            keys.add(message.key)
            hashes.add(sha)
        pairs = [(m.key, sha) for m, sha, new in zip(chunk, shas, first, strict=True) if new]
        rows = self.ledger.find_many(source.name, pairs)
        return [
            (m, sha, rows[m.key, sha] if new else ASK) for m, sha, new in zip(chunk, shas, first, strict=True)
        ]

    def handle(self, source: Source, message: RawMessage, report: RunReport) -> str:
        """Take one message to a draft or to quarantine; returns the ledger outcome.

        Within :meth:`run` a new draft is recorded with its group; called on its
        own, the message is finished (recorded and moved) before return.
        """
        return self._handle(source, message, report, hashlib.sha256(message.data).hexdigest(), ASK)

    def _handle(
        self, source: Source, message: RawMessage, report: RunReport, sha: str, known: Entry | _Ask | None
    ) -> str:
        """:meth:`handle`, with the message's hash and its ledger row when already looked up."""
        if self._group.holds(sha):
            self._group.commit(source, report)  # the ledger must know the twin before we look
            known = ASK
        if isinstance(known, _Ask):
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
        if self._group.holds(found.message_id, key):
            self._group.commit(source, report)
        by_message_id, by_letter = self.ledger.twins(found.message_id, key)
        if by_message_id is not None and by_message_id.draft_id:
            return self._already_drafted(source, message, sha, by_message_id.draft_id, report, resumed=False)
        if by_letter is not None and by_letter.draft_id:
            twin_id = by_letter.draft_id
            credited = False
            try:
                # A deleted draft stays deleted: the letter is known, nobody is credited.
                credited = self.store.exists(twin_id) and self._credit(twin_id, found)
            except MailbotError as exc:
                # e.g. a reviewer left the draft's front matter broken: the letter is known
                # all the same; only the extra credit is missed, and the run goes on.
                log.warning("draft %s could not credit another forwarder (%s)", twin_id, type(exc).__name__)
            return self._already_drafted(
                source, message, sha, twin_id, report, resumed=False, credited=credited
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
        sender = found.sender.address if found.sender else None
        # Files read by `mailbot import` (an archive) cause no mail: only a mailbox's new letters do.
        live = not source.read_only
        mail = notices.drafted(self.config, draft, sender, message.data) if live else []
        # Its record and the move come with the group (mailbot.ingest.groupcommit).
        self._group.add(message, sha, draft, text, images, key, mail)
        if not self._group.threaded or len(self._group) >= GROUP_SIZE:
            self._group.commit(source, report)  # called on its own, handle() finishes the job
        return DRAFTED

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
        self._group.commit(source, report)  # the draft it names may be in the group
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
