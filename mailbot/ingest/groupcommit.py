"""The group commit: new drafts written by a writer thread, then recorded and moved in groups.

A draft file is written and fsynced by one writer thread while the next message is parsed;
:meth:`GroupCommit.commit` makes a group durable (one folder fsync), records it in one ledger
transaction with the mail it causes, and only then moves its messages out of the inbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from mailbot.drafts import audit
from mailbot.drafts.store import DraftStore
from mailbot.fsutil import atomic_write, fsync_dir
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.outcomes import RunReport
from mailbot.models import Draft, RawMessage
from mailbot.outbox.compose import Notice
from mailbot.outbox.outbox import enqueue
from mailbot.safety.assets import Prepared
from mailbot.sources.base import Source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Pending:
    """A draft written (or being written) but not yet recorded."""

    message: RawMessage
    sha: str
    draft: Draft
    letter_key: str | None
    has_images: bool
    written: Future[None]
    mail: list[Notice]


class GroupCommit:
    """The drafts of one run waiting to be recorded, and the thread that writes them."""

    def __init__(self, store: DraftStore, ledger: Ledger) -> None:
        self.store = store
        self.ledger = ledger
        self._pending: list[_Pending] = []
        self._keys: set[str] = set()  # the SHA-256, Message-ID and letter key of each pending draft
        self._writer: ThreadPoolExecutor | None = None

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def threaded(self) -> bool:
        """True within a run: files are written by the writer thread and recorded in groups."""
        return self._writer is not None

    def start(self) -> None:
        # fsync releases the GIL: the writer thread's fsyncs overlap the next message's parsing.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mailbot-drafts")

    def stop(self) -> None:
        """Wait for the writer thread and forget what was not recorded (the next run resumes it)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        self._pending, self._keys = [], set()

    def holds(self, *keys: str | None) -> bool:
        """True when a pending draft has one of these SHA-256s, Message-IDs or letter keys."""
        return any(k in self._keys for k in keys if k)

    def add(
        self,
        message: RawMessage,
        sha: str,
        draft: Draft,
        text: str,
        images: Sequence[Prepared],
        letter_key: str | None,
        mail: list[Notice],
    ) -> None:
        """Write the draft (on the writer thread within a run, else now) and hold it for the group.

        The images first (named after the draft id, so a rerun rewrites the same files), then
        the draft; whatever the crash point, the next run converges to one draft.
        """
        if self._writer is not None:
            written: Future[None] = self._writer.submit(self._write, draft, text, images)
        else:
            written = Future()
            self._write(draft, text, images)
            written.set_result(None)
        self._pending.append(_Pending(message, sha, draft, letter_key, bool(images), written, mail))
        self._keys.update(k for k in (sha, draft.message_id, letter_key) if k)

    def _write(self, draft: Draft, text: str, images: Sequence[Prepared]) -> None:
        for image in images:
            path = self.store.asset_path(draft.id, image.name)
            atomic_write(path, image.data, sync_dir=False, root=self.store.folder)
        self.store.write(draft, text=text, sync_dir=False)

    def commit(self, source: Source, report: RunReport) -> None:
        """Make the group's drafts durable, record them in one transaction, then move their mail."""
        if not self._pending:
            return
        group, self._pending, self._keys = self._pending, [], set()
        for item in group:
            item.written.result()  # every file written and fsynced (or its error raised) first
        fsync_dir(self.store.folder)
        for item in group:
            if item.has_images:
                fsync_dir(self.store.assets_dir(item.draft.id))
        mail = [n for item in group for n in item.mail]
        rows = [
            (source.name, i.message.key, i.sha, i.draft.message_id, i.draft.id, i.letter_key) for i in group
        ]
        # The mail the drafts cause is queued in the same transaction (mailbot.outbox).
        if mail:
            self.ledger.record_drafted(rows, also=lambda db: enqueue(db, mail))
        else:
            self.ledger.record_drafted(rows)
        audit.record(
            self.ledger.path,
            [
                (i.draft.id, audit.PIPELINE, "create", f"{i.draft.kind or 'draft'} from {source.name}")
                for i in group
            ],
        )
        for item in group:
            source.done(item.message)
            report.drafted.append(item.draft.id)
            log.info("drafted %s from %s %s", item.draft.id, source.name, item.message.key)
