"""How mailbot sends: one SMTP connection per flush (smtplib), as ``[smtp]`` says.

``security`` is ``ssl`` (implicit TLS), ``starttls`` (required, never silently skipped) or
``none`` (a warning unless the server is on the loopback, as for IMAP). Certificates are
checked against the system CAs plus ``ca_file``; AUTH is used when ``username`` is set.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType

from mailbot.errors import MailbotError
from mailbot.featureconfig import SmtpConfig
from mailbot.netutil import is_loopback

log = logging.getLogger(__name__)


class SmtpError(MailbotError):
    """Mail could not be handed to the SMTP server (the outbox retries later)."""


def _context(config: SmtpConfig) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise SmtpError(
            f"smtp.ca_file {config.ca_file} is not a readable PEM certificate ({exc}); "
            "point it at the CA certificate of the SMTP server."
        ) from exc


class Sender:
    """An open, authenticated SMTP session; use as a context manager."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._where = f"{config.host}:{config.port}"
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> Sender:
        config = self.config
        try:
            if config.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    config.host, config.port, timeout=config.timeout, context=_context(config)
                )
            else:
                client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
            try:
                client.ehlo()
                if config.security == "starttls":
                    if not client.has_extn("starttls"):
                        raise SmtpError(
                            f"the SMTP server at {self._where} does not offer STARTTLS; "
                            'set smtp.security = "ssl" (usually port 465) or check smtp.port.'
                        )
                    client.starttls(context=_context(config))
                    client.ehlo()
                elif config.security == "none" and not is_loopback(config.host):
                    log.warning('smtp.security = "none": the password and the mail to %s travel unencrypted',
                                self._where)  # fmt: skip
                if config.username:
                    client.login(config.username, config.password)
            except BaseException:
                client.close()
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpError(
                f"the SMTP server at {self._where} refused the login of {config.username} ({exc.smtp_code}); "
                "check smtp.username and the password."
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(f"cannot reach the SMTP server at {self._where} ({exc}); check [smtp].") from exc
        self._client = client
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            try:
                self._client.quit()
            except (OSError, smtplib.SMTPException):
                self._client.close()
            self._client = None

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Hand one message over; returns only after the server accepted it (250)."""
        assert self._client is not None
        try:
            refused = self._client.send_message(message, from_addr=None, to_addrs=[recipient])
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(f"the SMTP server at {self._where} did not take the mail ({exc}).") from exc
        if refused:
            raise SmtpError(f"the SMTP server at {self._where} refused {recipient} ({refused[recipient]}).")
