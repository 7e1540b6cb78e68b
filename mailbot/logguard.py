"""Logs never carry letter text or message bytes, at any verbosity.

mailbot's own log lines name messages (source and key), drafts (id) and
reasons, never the text of a letter. Two libraries below it see whole
messages and log what they see at DEBUG (and a few things above it):

* imapclient: ``imapclient.imaplib`` is imaplib's protocol trace, every line
  the server sends (a FETCH response is the whole message); ``imapclient.util``
  warns with the bytes it could not decode; ``imapclient.imapclient`` logs the
  commands sent, literals (message data) included.
* mail-parser: ``mailparser.*`` logs header values, Received lines and file
  names, already formatted into the message with f-strings.

:class:`MessageDataFilter` drops every record of those loggers except a few
imapclient records known to carry no message data (connecting, logging in
and out, and the IMAP commands sent when they carry no literal). It is
attached to those loggers themselves (a logger's filters do not apply to
records of its children, so each one by name) and, by :func:`install`, to the
root logger's handlers, which also covers any child logger a future version
of a library may add.
"""

from __future__ import annotations

import logging
from typing import Any

DATA_LOGGERS = ("imapclient", "mailparser")
"""Libraries that see message bytes; their records are filtered."""

KNOWN_LOGGERS = (
    "imapclient", "imapclient.imapclient", "imapclient.imaplib", "imapclient.util",
    "mailparser", "mailparser.core", "mailparser.utils", "mailparser.__main__",
)  # fmt: skip

# imapclient records (by their format string) that carry no message data.
SAFE_TEMPLATES = frozenset(
    {
        "Connected to host %s over %s",
        "Logged in as %s",
        "Logged out, connection closed",
        "Connection closed",
        "Could not close the connection cleanly: %s",
        "< UNSELECT",
        "< DONE",
        "Attempting to establish an encrypted connection to a port (143) often used for unencrypted "
        "connections",
    }
)
_COMMAND = "> %s"


def _from(name: str, library: str) -> bool:
    return name == library or name.startswith(library + ".")


def carries_no_message_data(record: logging.LogRecord) -> bool:
    """False for a record that may hold message bytes or letter text (see the module docstring)."""
    name = record.name
    if not any(_from(name, library) for library in DATA_LOGGERS):
        return True
    if not _from(name, "imapclient") or name == "imapclient.imaplib":
        return False  # mail-parser formats values into its messages; imaplib's trace is the mail
    if record.msg in SAFE_TEMPLATES:
        return True
    if record.msg == _COMMAND and isinstance(record.args, tuple) and len(record.args) == 1:
        command = record.args[0]
        # A command with a literal ({n} or {n+}) carries data (e.g. APPEND's message); others do not.
        return isinstance(command, bytes) and b"{" not in command and b"\r" not in command
    return False


class MessageDataFilter(logging.Filter):
    """Drops log records of mail libraries that may carry message data."""

    def filter(self, record: logging.LogRecord) -> bool:
        return carries_no_message_data(record)


_FILTER = MessageDataFilter()


def _attach(target: Any) -> None:
    if _FILTER not in target.filters:
        target.addFilter(_FILTER)


def guard_libraries() -> None:
    """Attach the filter to the mail libraries' own loggers (idempotent)."""
    for name in KNOWN_LOGGERS:
        _attach(logging.getLogger(name))


def install() -> None:
    """Guard the libraries' loggers and every handler of the root logger (idempotent)."""
    guard_libraries()
    for handler in logging.getLogger().handlers:
        _attach(handler)


def quiet_imap_trace(client: Any) -> None:
    """Switch off imaplib's protocol trace on an IMAPClient connection.

    imapclient turns imaplib's debug level to 5, so imaplib formats every line
    it reads (whole messages included) for its trace; the filter would drop
    those records, but formatting them costs time proportional to the mail.
    """
    imap = getattr(client, "_imap", None)
    if imap is not None and hasattr(imap, "debug"):
        imap.debug = 0
