"""The IMAP connection: TLS, login and the selected folder, reconnected after a network failure.

Every lower-layer error (imaplib/imapclient, socket, ssl) is translated here into mailbot's errors.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from collections.abc import Iterator
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import CapabilityError, LoginError

from mailbot.config import ImapConfig
from mailbot.errors import AuthenticationError, MailbotError, SourceError, TransientSourceError
from mailbot.logguard import quiet_imap_trace
from mailbot.netutil import is_loopback
from mailbot.sources.certnames import certificate_names

log = logging.getLogger(__name__)

# OpenSSL's verify codes for a certificate that is valid but for another name.
_HOSTNAME_MISMATCH = 62
_IP_MISMATCH = 64


def _server_text(exc: BaseException) -> str:
    """The server's words from an imaplib error (which carries them as ``b'...'`` text)."""
    text = str(exc.args[0]) if exc.args else str(exc)
    if text.startswith(("b'", 'b"')) and text.endswith(text[1]):
        text = text[2:-1]
    return text.strip() or type(exc).__name__


def shutdown_quietly(client: Any) -> None:
    """Close a connection without talking to the server; it may already be dead."""
    with contextlib.suppress(Exception):
        client.shutdown()


class ImapConnection:
    """One logged-in IMAP session on ``config.folder``, opened by the first call that needs it.

    A refused login is an :class:`~mailbot.errors.AuthenticationError`, a network problem a
    :class:`~mailbot.errors.TransientSourceError` (the connection is dropped and the next call
    connects again, so the caller only has to retry), anything else a
    :class:`~mailbot.errors.SourceError`.

    Attributes:
        uidvalidity: UIDVALIDITY of the folder as last selected, ``None`` before.
    """

    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self.uidvalidity: int | None = None
        self._client: Any = None
        self._exists = 0
        self._uidnext = 0

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
                shutdown_quietly(client)
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
            shutdown_quietly(client)

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
