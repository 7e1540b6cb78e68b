"""The one exception tree of mailbot.

Every error mailbot raises on purpose is a :class:`MailbotError`. Lower-layer
errors (``OSError``, ``imaplib``/``imapclient`` errors, ``sqlite3`` errors,
``tomllib`` errors) are translated where they enter, with ``raise ... from exc``.
Each class knows the exit status the command line gives it::

    MailbotError                      exit 1
    ├── ConfigError                   exit 2  bad or missing configuration
    ├── UsageError                    exit 2  bad command-line use (unknown draft id, ...)
    ├── MessageError                  exit 1  one message cannot be handled; it is quarantined
    │   └── SenderNotAllowed                  the sender is not in [senders] allow
    ├── SourceError                   exit 1  a mail source failed
    │   ├── AuthenticationError               wrong credentials: never retried in a loop
    │   └── TransientSourceError              network blip, server gone: retried with backoff
    ├── StoreError                    exit 1  drafts folder or ledger unusable
    └── PublishError                  exit 1  the site could not be written

The message of each error is one sentence naming what is wrong and how to fix it.
"""

from __future__ import annotations


class MailbotError(Exception):
    """Base class of every error mailbot raises on purpose."""

    exit_code = 1


class ConfigError(MailbotError):
    """The configuration is missing, malformed or inconsistent."""

    exit_code = 2


class UsageError(MailbotError):
    """The command line asks for something that cannot be done (unknown id, ...)."""

    exit_code = 2


class MessageError(MailbotError):
    """One message cannot be turned into a draft; it is quarantined, the run goes on."""


class SenderNotAllowed(MessageError):
    """The message comes from a sender that ``[senders] allow`` does not accept."""


class SourceError(MailbotError):
    """A mail source (IMAP server, Maildir, mbox) failed."""


class AuthenticationError(SourceError):
    """The server refused the credentials; retrying will not help."""


class TransientSourceError(SourceError):
    """A network or server problem that may go away; worth retrying with backoff."""


class StoreError(MailbotError):
    """The drafts folder or the ledger cannot be read or written."""


class PublishError(MailbotError):
    """The static site could not be rendered or written."""
