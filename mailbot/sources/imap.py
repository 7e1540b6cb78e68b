"""The IMAP source: letters waiting in one folder of a mailbox, fetched in batches, moved when done.

Its connection is in imapconn, its moves in imapmove, waiting for mail (IDLE) in imapidle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import TracebackType

from mailbot.config import ImapConfig, ServiceConfig
from mailbot.errors import SourceError, TransientSourceError
from mailbot.logguard import guard_libraries
from mailbot.models import RawMessage
from mailbot.sources.imapconn import shutdown_quietly
from mailbot.sources.imapidle import IDLE_MAX_SECONDS, POLL_SECONDS, ImapWaiting
from mailbot.sources.imapmove import COPIED_KEYWORD, ImapMoves

__all__ = [
    "COPIED_KEYWORD",
    "DEFAULT_MAX_BYTES",
    "FETCH_BYTES",
    "IDLE_MAX_SECONDS",
    "POLL_SECONDS",
    "ImapSource",
    "check",
]

log = logging.getLogger(__name__)
# imapclient's protocol trace holds whole messages: never let it reach a log (see mailbot.logguard).
guard_libraries()

DEFAULT_MAX_BYTES = ServiceConfig.max_message_bytes  # one limit: [service] max_message_bytes
"""Messages larger than this are quarantined without being downloaded."""

FETCH_BYTES = 32 * 1024 * 1024
"""Roughly how many bytes of message bodies one FETCH may bring into memory."""


class ImapSource(ImapMoves, ImapWaiting):
    """One IMAP folder as a :class:`~mailbot.sources.base.Source`, plus what the service needs.

    What is new is decided by the folder, not by ``\\Seen``: every message still
    in ``imap.folder`` is unhandled by construction, because a handled message is
    moved out — to ``imap.processed_folder`` by :meth:`done`, to
    ``imap.failed_folder`` by :meth:`quarantine`. Messages are read with
    ``BODY.PEEK[]`` so reading never marks them as seen, and they are named by
    ``"<uidvalidity>:<uid>"`` so a key can never point at another message.

    Mail is never deleted: a message is expunged only after it was copied (``MOVE``
    does both atomically; without ``MOVE`` it is ``COPY``, then ``\\Deleted`` and a
    ``UID EXPUNGE`` of that one UID, which needs ``UIDPLUS``).

    ``ImapSource(config, max_bytes=[service] max_message_bytes)`` does not connect;
    the first call that needs the server does (log in, select ``config.folder``).
    Every lower-layer error (``imaplib``/``imapclient``, ``socket``, ``ssl``) is
    translated into the :mod:`mailbot.errors` tree (:class:`~mailbot.sources.imapconn.ImapConnection`):
    after a :class:`~mailbot.errors.TransientSourceError` the connection is
    dropped and the next call connects again, so the caller only has to retry.

    Attributes:
        name: ``"imap://<username>@<host>:<port>/<folder>"``; the ``source`` of every
            :class:`~mailbot.models.RawMessage` this source yields.
        uidvalidity: UIDVALIDITY of the folder as last selected, ``None`` before.
        max_bytes: the size limit above which messages are not downloaded.
        skipped: ``(key, reason)`` for each message that :meth:`messages` quarantined
            itself (today: too large) instead of yielding it. Emptied at the start of
            each :meth:`messages` call and filled as the iteration goes, so read it
            after the loop to record those messages in the ledger; they are already
            in ``failed_folder`` and need no :meth:`quarantine` call.
    """

    read_only = False

    def __init__(
        self,
        config: ImapConfig,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        super().__init__(config)
        self.name = f"imap://{config.username}@{config.host}:{config.port}/{config.folder}"
        self.max_bytes = max_bytes
        self.skipped: list[tuple[str, str]] = []
        # UIDNEXT as seen by the last messages() scan: anything at or above it is new.
        self._scanned: tuple[int, int] | None = None
        self._pending: list[int] = []
        self._folders_ready: set[str] = set()

    def __repr__(self) -> str:
        return f"ImapSource({self.name!r})"

    def __enter__(self) -> ImapSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the Source protocol ----------------------------------------------------------------------

    def messages(self) -> Iterator[RawMessage]:
        """Yield every message in the folder, oldest UID first, in batches of ``batch_size``.

        Messages over ``max_bytes`` are moved to ``failed_folder`` without being
        downloaded and listed in :attr:`skipped` instead of being yielded.
        """
        self.skipped = []
        folder = self.config.folder
        client = self._connection()
        with self._errors(f"listing the messages in {folder}"):
            self._select()
            self._finish_interrupted_moves()
            uids = sorted(int(uid) for uid in client.search("ALL"))
        assert self.uidvalidity is not None
        uidvalidity = self.uidvalidity
        self._scanned = (uidvalidity, self._uidnext)
        log.info("%d message(s) waiting in %s", len(uids), self.name)
        batch_size = max(1, self.config.batch_size)
        for start in range(0, len(uids), batch_size):
            batch = uids[start : start + batch_size]
            self.flush()
            # The caller works between our yields and may have lost and remade the connection.
            client = self._connection()
            if self.uidvalidity != uidvalidity:
                raise TransientSourceError(
                    f"the UIDVALIDITY of {folder} changed during the scan; the folder will be read again."
                )
            with self._errors(f"reading the sizes of messages in {folder}"):
                sizes = client.fetch(batch, [b"RFC822.SIZE"])
            wanted: list[tuple[int, int]] = []
            for uid in batch:
                item = sizes.get(uid)
                if item is None:  # expunged meanwhile by another client
                    continue
                size = int(item[b"RFC822.SIZE"])
                if size > self.max_bytes:
                    self._skip_too_large(uid, size)
                else:
                    wanted.append((uid, size))
            for group in _by_total_size(wanted, max(FETCH_BYTES, self.max_bytes)):
                with self._errors(f"downloading messages from {folder}"):
                    # BODY.PEEK: reading must not set \Seen, so a human's view of the mailbox stays intact.
                    bodies = client.fetch(group, [b"BODY.PEEK[]"])
                for uid in group:
                    data = bodies.get(uid, {}).get(b"BODY[]")
                    if data is None:
                        log.error(
                            "the server returned no content for UID %s in %s; left in place", uid, folder
                        )
                        continue
                    yield RawMessage(source=self.name, key=f"{uidvalidity}:{uid}", data=bytes(data))
        self.flush()

    def _skip_too_large(self, uid: int, size: int) -> None:
        key = f"{self.uidvalidity}:{uid}"
        reason = f"message too large: {size} bytes (limit {self.max_bytes})"
        log.warning("quarantining %s from %s without downloading it: %s", key, self.name, reason)
        self._move(uid, self.config.failed_folder)
        self.skipped.append((key, reason))

    def done(self, message: RawMessage) -> None:
        """Queue a handled message for the move to ``processed_folder``.

        The queue is moved with one command per batch (:meth:`flush`: before the
        next batch is fetched, at the end of the scan, and on :meth:`close`), which
        saves a round trip per message. It is safe because the pipeline calls
        ``done`` only after the draft is recorded: a crash that loses the queue
        leaves the messages in the inbox, and the next run only moves them.
        """
        uid = self._uid_of(message)
        if uid not in self._pending:
            self._pending.append(uid)
        if len(self._pending) >= max(1, self.config.batch_size):
            self.flush()

    def flush(self) -> None:
        """Move the queued handled messages now (already moved ones are skipped)."""
        if not self._pending or self._client is None:
            return
        uids, self._pending = self._pending, []
        moved = self._move_many(uids, self.config.processed_folder)
        if moved:
            log.info("moved %d message(s) to %s", moved, self.config.processed_folder)

    def quarantine(self, message: RawMessage, reason: str) -> None:
        """Move a message that could not be handled to ``failed_folder`` (the ledger keeps ``reason``)."""
        uid = self._uid_of(message)
        # The pipeline logs the quarantine with its reason, once; this is only the move.
        if self._move(uid, self.config.failed_folder):
            log.debug("moved %s to %s", message.key, self.config.failed_folder)

    def close(self) -> None:
        """Move what is queued, then log out; errors of an already-dead connection are swallowed."""
        if self._pending and self._client is not None:
            try:
                self.flush()
            except SourceError as exc:  # the next run moves them: the ledger knows they are done
                log.warning("could not move handled messages before closing: %s", exc)
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception as exc:  # the connection is going away either way
            log.debug("logout from %s failed: %s", self._where, exc)
            shutdown_quietly(client)


def _by_total_size(items: list[tuple[int, int]], limit: int) -> Iterator[list[int]]:
    """Group ``(uid, size)`` pairs so each group's sizes add up to about ``limit`` at most."""
    group: list[int] = []
    total = 0
    for uid, size in items:
        if group and total + size > limit:
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def check(config: ImapConfig) -> None:
    """Connect, log in, select ``config.folder`` and log out: report problems early.

    Raises the same errors as :class:`ImapSource` (AuthenticationError, TransientSourceError,
    SourceError).
    """
    source = ImapSource(config)
    try:
        source.connect()
    finally:
        source.close()
