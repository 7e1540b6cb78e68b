"""The IMAP source: letters waiting in one folder of a mailbox.

What is new is decided by the folder, not by ``\\Seen``: every message still
in ``imap.folder`` is unhandled by construction, because a handled message is
moved out — to ``imap.processed_folder`` by :meth:`ImapSource.done`, to
``imap.failed_folder`` by :meth:`ImapSource.quarantine`. Messages are read with
``BODY.PEEK[]`` so reading never marks them as seen, and they are named by
``"<uidvalidity>:<uid>"`` so a key can never point at another message.

Mail is never deleted: a message is expunged only after it was copied (``MOVE``
does both atomically; without ``MOVE`` it is ``COPY``, then ``\\Deleted`` and a
``UID EXPUNGE`` of that one UID, which needs ``UIDPLUS``).

Every lower-layer error (``imaplib``/``imapclient``, ``socket``, ``ssl``) is
translated here into the :mod:`mailbot.errors` tree: a refused login is an
:class:`~mailbot.errors.AuthenticationError`, a network problem a
:class:`~mailbot.errors.TransientSourceError`, anything else a
:class:`~mailbot.errors.SourceError`.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
import time
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import CapabilityError, LoginError

from mailbot.config import ImapConfig, ServiceConfig
from mailbot.errors import AuthenticationError, MailbotError, SourceError, TransientSourceError
from mailbot.logguard import guard_libraries, quiet_imap_trace
from mailbot.models import RawMessage
from mailbot.netutil import is_loopback
from mailbot.sources.certnames import certificate_names

log = logging.getLogger(__name__)
# imapclient's protocol trace holds whole messages: never let it reach a log (see mailbot.logguard).
guard_libraries()

DEFAULT_MAX_BYTES = ServiceConfig.max_message_bytes  # one limit: [service] max_message_bytes
"""Messages larger than this are quarantined without being downloaded."""

IDLE_MAX_SECONDS = 25 * 60.0
"""Longest single IDLE: RFC 2177 lets servers drop clients idle for 30 minutes."""

POLL_SECONDS = 30.0
"""How often :meth:`ImapSource.wait_for_new` looks when the server cannot IDLE."""

FETCH_BYTES = 32 * 1024 * 1024
"""Roughly how many bytes of message bodies one FETCH may bring into memory."""

COPIED_KEYWORD = "$MailbotCopied"
"""Set on a message once it was copied (no-MOVE servers), so a retry never copies it twice."""

_DELETED = b"\\Deleted"


# OpenSSL's verify codes for a certificate that is valid but for another name.
_HOSTNAME_MISMATCH = 62
_IP_MISMATCH = 64


def _server_text(exc: BaseException) -> str:
    """The server's words from an imaplib error (which carries them as ``b'...'`` text)."""
    text = str(exc.args[0]) if exc.args else str(exc)
    if text.startswith(("b'", 'b"')) and text.endswith(text[1]):
        text = text[2:-1]
    return text.strip() or type(exc).__name__


def _shutdown(client: Any) -> None:
    """Close a connection without talking to the server; it may already be dead."""
    with contextlib.suppress(Exception):
        client.shutdown()


class ImapSource:
    """One IMAP folder as a :class:`~mailbot.models.Source`, plus what the service needs.

    ``ImapSource(config, max_bytes=[service] max_message_bytes)`` does not connect;
    the first call that needs the server does (log in, select ``config.folder``).
    After a :class:`~mailbot.errors.TransientSourceError` the connection is
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
    poll_interval: float = POLL_SECONDS
    idle_max_seconds: float = IDLE_MAX_SECONDS

    def __init__(
        self,
        config: ImapConfig,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.config = config
        self.name = f"imap://{config.username}@{config.host}:{config.port}/{config.folder}"
        self.max_bytes = max_bytes
        self.uidvalidity: int | None = None
        self.skipped: list[tuple[str, str]] = []
        self._client: Any = None
        self._exists = 0
        self._uidnext = 0
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

    # -- connection -------------------------------------------------------------------------------

    @property
    def _where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def _ssl_context(self) -> ssl.SSLContext:
        ca_file = self.config.ca_file
        try:
            # Verification stays on: with ca_file only that CA is trusted, else the system's.
            return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise SourceError(
                f"imap.ca_file {ca_file} is not a readable PEM certificate ({exc}); "
                "point it at the CA certificate of the IMAP server."
            ) from exc

    def connect(self) -> None:
        """Connect, log in and select ``config.folder`` unless already connected."""
        self._connection()

    def _connection(self) -> Any:
        if self._client is not None:
            return self._client
        config = self.config
        context = None
        if config.security in ("ssl", "starttls"):
            context = self._ssl_context()
        elif not is_loopback(config.host):
            log.warning(
                'imap.security = "none": the password and the mail to %s travel unencrypted', self._where
            )
        log.debug("connecting to %s (%s)", self._where, config.security)
        with self._errors(f"connecting to {self._where}"):
            client = IMAPClient(
                config.host,
                port=config.port,
                ssl=config.security == "ssl",
                ssl_context=context,
                timeout=config.timeout,
            )
            quiet_imap_trace(client)
            try:
                if config.security == "starttls":
                    self._starttls(client, context)
                # LOGIN goes through imaplib's protocol trace, which quiet_imap_trace switched off.
                client.login(config.username, config.password)
                self._client = client
                self._select()
            except BaseException:
                self._client = None
                _shutdown(client)
                raise
        log.info("connected to %s as %s", self._where, config.username)
        return client

    def _starttls(self, client: Any, context: ssl.SSLContext | None) -> None:
        try:
            client.starttls(context)
        except CapabilityError as exc:
            raise SourceError(
                f"the IMAP server at {self._where} does not offer STARTTLS; "
                'set imap.security = "ssl" (usually port 993) or check imap.port.'
            ) from exc

    def _select(self) -> None:
        """(Re)select the folder: refreshes UIDVALIDITY, EXISTS and UIDNEXT."""
        folder = self.config.folder
        try:
            info = self._client.select_folder(folder)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            raise SourceError(
                f"the IMAP folder {folder!r} cannot be opened ({_server_text(exc)}); check imap.folder."
            ) from exc
        uidvalidity = int(info[b"UIDVALIDITY"])
        if self.uidvalidity is not None and uidvalidity != self.uidvalidity:
            log.warning("UIDVALIDITY of %s changed from %s to %s", folder, self.uidvalidity, uidvalidity)
        self.uidvalidity = uidvalidity
        self._exists = int(info.get(b"EXISTS", 0))
        self._uidnext = int(info.get(b"UIDNEXT", 0))

    def _drop(self) -> None:
        """Forget a connection that failed; the next call connects again."""
        client, self._client = self._client, None
        if client is not None:
            _shutdown(client)

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Translate imaplib/socket/ssl errors raised while ``doing`` into mailbot's errors."""
        where = self._where
        try:
            yield
        except TransientSourceError:
            self._drop()
            raise
        except MailbotError:
            raise
        except ssl.SSLCertVerificationError as exc:
            self._drop()
            if exc.verify_code in (_HOSTNAME_MISMATCH, _IP_MISMATCH):
                names = certificate_names(self.config, self._ssl_context())
                on_it = f" ({', '.join(names)})" if names else ""
                raise SourceError(
                    f"the TLS certificate of the IMAP server {where} is not issued for the name "
                    f"{self.config.host!r}; set imap.host to the name on the certificate{on_it}. "
                    "The certificate itself is trusted: imap.ca_file does not need to change."
                ) from exc
            raise SourceError(
                f"the TLS certificate of the IMAP server {where} could not be verified "
                f"({exc.verify_message}); set imap.ca_file to the CA certificate that signed it."
            ) from exc
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError) as exc:
            self._drop()
            raise TransientSourceError(
                f"the IMAP server {where} closed the TLS connection while {doing}."
            ) from exc
        except ssl.SSLError as exc:
            self._drop()
            raise SourceError(
                f"the TLS handshake with the IMAP server {where} failed ({exc.reason or exc}); check that "
                f'imap.security = "{self.config.security}" is what port {self.config.port} speaks.'
            ) from exc
        except LoginError as exc:
            self._drop()
            text = _server_text(exc)
            # imapclient wraps a connection dropped during LOGIN in LoginError too; the
            # abort survives as the context. That is a network problem, not a bad password.
            dropped = isinstance(exc.__context__, (imaplib.IMAP4.abort, OSError))
            if dropped or "[UNAVAILABLE]" in text.upper():
                raise TransientSourceError(
                    f"the IMAP server {where} could not check the login now ({text}); it will be retried."
                ) from exc
            raise AuthenticationError(
                f"the IMAP server refused the login for {self.config.username}; check [imap] username "
                f"and the password source (server said: {text})."
            ) from exc
        except TimeoutError as exc:
            self._drop()
            raise TransientSourceError(
                f"the IMAP server {where} did not answer within {self.config.timeout:g} s while {doing}."
            ) from exc
        except ConnectionRefusedError as exc:
            self._drop()
            raise TransientSourceError(
                f"the IMAP server {where} refused the connection; check imap.host and imap.port, "
                "or whether the server is running."
            ) from exc
        except imaplib.IMAP4.abort as exc:
            self._drop()
            raise TransientSourceError(
                f"the connection to the IMAP server {where} dropped while {doing} ({_server_text(exc)})."
            ) from exc
        except OSError as exc:
            self._drop()
            raise TransientSourceError(
                f"network error talking to the IMAP server {where} while {doing}: {exc.strerror or exc}."
            ) from exc
        except imaplib.IMAP4.error as exc:
            raise SourceError(f"the IMAP server {where} refused {doing}: {_server_text(exc)}.") from exc

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
            _shutdown(client)

    # -- moving -----------------------------------------------------------------------------------

    def _uid_of(self, message: RawMessage) -> int:
        if message.source != self.name:
            raise SourceError(f"message {message.key} comes from {message.source}, not from {self.name}.")
        try:
            uidvalidity, uid = (int(part) for part in message.key.split(":"))
        except ValueError as exc:
            raise SourceError(f"{message.key!r} is not an IMAP message key (<uidvalidity>:<uid>).") from exc
        self._connection()
        if uidvalidity != self.uidvalidity:
            # The UID may now name another message: touching it could file the wrong letter.
            raise SourceError(
                f"the UIDVALIDITY of {self.config.folder} changed from {uidvalidity} to {self.uidvalidity}, "
                f"so message {message.key} was left in place; it will be read again under a new key."
            )
        return uid

    def _move(self, uid: int, folder: str) -> bool:
        """Move one UID to ``folder``; False if it is not in the source folder (already moved)."""
        client = self._connection()
        with self._errors(f"moving UID {uid} to {folder}"):
            self._ensure_folder(folder)
            # Idempotence: a crash after the move but before the ledger recorded it is harmless.
            if not client.search([b"UID", str(uid).encode()]):
                log.info("UID %s is no longer in %s; nothing to move", uid, self.config.folder)
                return False
            if client.has_capability("MOVE"):
                client.move([uid], folder)
            else:
                self._copy_then_expunge(uid, folder)
        return True

    def _move_many(self, uids: list[int], folder: str) -> int:
        """Move the UIDs still in the source folder to ``folder`` in one command; how many moved."""
        client = self._connection()
        with self._errors(f"moving {len(uids)} message(s) to {folder}"):
            self._ensure_folder(folder)
            present = sorted(int(u) for u in client.search([b"UID", ",".join(map(str, uids)).encode()]))
            if not present:
                return 0
            if client.has_capability("MOVE"):
                client.move(present, folder)
            else:
                for uid in present:
                    self._copy_then_expunge(uid, folder)
        return len(present)

    def _copy_then_expunge(self, uid: int, folder: str) -> None:
        client = self._client
        if not client.has_capability("UIDPLUS"):
            # A plain EXPUNGE would also remove messages others flagged \Deleted: mail is never deleted.
            raise SourceError(
                f"the IMAP server {self._where} supports neither MOVE nor UIDPLUS, so mailbot cannot "
                "move one message safely; use a server with either extension."
            )
        flags = client.get_flags([uid]).get(uid, ())
        if COPIED_KEYWORD.encode() not in flags:
            client.copy([uid], folder)
            client.add_flags([uid], [COPIED_KEYWORD], silent=True)
        client.add_flags([uid], [_DELETED], silent=True)
        client.uid_expunge([uid])

    def _finish_interrupted_moves(self) -> None:
        """Expunge messages a crashed COPY-based move had already copied (no-MOVE servers only)."""
        client = self._client
        if client.has_capability("MOVE") or not client.has_capability("UIDPLUS"):
            return
        copied = client.search([b"KEYWORD", COPIED_KEYWORD.encode()])
        if copied:
            log.info("finishing %d interrupted move(s) in %s", len(copied), self.config.folder)
            client.add_flags(copied, [_DELETED], silent=True)
            client.uid_expunge(copied)

    def _ensure_folder(self, folder: str) -> None:
        """Create and subscribe ``folder`` the first time this source uses it."""
        if folder in self._folders_ready:
            return
        client = self._client
        if not client.folder_exists(folder):
            try:
                client.create_folder(folder)
                log.info("created IMAP folder %s", folder)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                if not client.folder_exists(folder):  # not a race with another client: a real failure
                    raise
        # Subscribed so that people see the folder in their mail program.
        with contextlib.suppress(imaplib.IMAP4.error):
            client.subscribe_folder(folder)
        self._folders_ready.add(folder)

    # -- waiting (for the service) ----------------------------------------------------------------

    def wait_for_new(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for mail; True as soon as some arrived.

        "New" means a UID that neither the last :meth:`messages` scan nor the last
        True answer of this method covered (before either: the folder is not
        empty). So a watcher that never scans is told of each arrival once, and
        messages a failed run left in the folder do not wake it again and again;
        the service rescans them on its own schedule.

        Uses IDLE when the server offers it and ``config.idle`` is true, renewed
        every :attr:`idle_max_seconds`; otherwise looks every :attr:`poll_interval`
        seconds. A dropped connection raises :class:`~mailbot.errors.TransientSourceError`.
        """
        deadline = time.monotonic() + timeout
        client = self._connection()
        with self._errors(f"waiting for mail in {self.config.folder}"):
            if self._has_new():
                return self._announced()
            if self.config.idle and client.has_capability("IDLE"):
                if self._idle_until(deadline):
                    self._select()
                    return self._announced()
                return False
            while (remaining := deadline - time.monotonic()) > 0:
                time.sleep(min(remaining, self.poll_interval))
                if self._has_new():
                    return self._announced()
            return False

    def _announced(self) -> bool:
        """Count what the folder holds now as seen, so it is announced only once."""
        assert self.uidvalidity is not None
        self._scanned = (self.uidvalidity, self._uidnext)
        return True

    def _has_new(self) -> bool:
        self._select()
        if self._scanned is None:
            return self._exists > 0
        uidvalidity, uidnext = self._scanned
        return self.uidvalidity != uidvalidity or self._uidnext > uidnext

    def _idle_until(self, deadline: float) -> bool:
        client = self._client
        while (remaining := deadline - time.monotonic()) > 0:
            span_end = time.monotonic() + min(remaining, self.idle_max_seconds)
            client.idle()
            arrived = False
            try:
                while not arrived and (left := span_end - time.monotonic()) > 0:
                    responses = client.idle_check(timeout=left)
                    arrived = self._saw_new(responses)
                    if not responses and span_end - time.monotonic() > 0.01:
                        # Woken with nothing to read: the server closed the connection (or sent half
                        # a line). Ending IDLE tells which: it raises on a dead connection.
                        break
            except BaseException:
                # Interrupted mid-IDLE (BYE, Ctrl-C, a signal): the session cannot take commands
                # until DONE, so drop it rather than leave the next call a confused connection.
                self._drop()
                raise
            _text, responses = client.idle_done()
            if self._saw_new(responses) or arrived:
                log.debug("new mail in %s", self.config.folder)
                return True
        return False

    def _saw_new(self, responses: Sequence[Any]) -> bool:
        """Read IDLE responses: True if EXISTS grew; a BYE means the connection is going away.

        RECENT is not used: RFC 3501 servers announce every arrival with EXISTS, while
        RECENT counts may also be re-sent for old messages.
        """
        new = False
        for response in responses:
            if not response:
                continue
            if response[0] == b"BYE":
                text = b" ".join(part for part in response[1:] if isinstance(part, bytes)).decode(
                    errors="replace"
                )
                raise TransientSourceError(f"the IMAP server {self._where} closed the connection ({text}).")
            if len(response) >= 2 and isinstance(response[0], int):
                if response[1] == b"EXISTS":
                    new = new or response[0] > self._exists
                    self._exists = response[0]
                elif response[1] == b"EXPUNGE":
                    self._exists = max(0, self._exists - 1)
        return new


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
