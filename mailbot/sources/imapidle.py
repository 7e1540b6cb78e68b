"""Waiting for new mail in the IMAP folder, for the service: IDLE where offered, else polling.

"New" is a UID that neither the last scan nor the last announcement covered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from mailbot.errors import TransientSourceError
from mailbot.sources.imapconn import ImapConnection

log = logging.getLogger(__name__)

IDLE_MAX_SECONDS = 25 * 60.0
"""Longest single IDLE: RFC 2177 lets servers drop clients idle for 30 minutes."""

POLL_SECONDS = 30.0
"""How often :meth:`ImapWaiting.wait_for_new` looks when the server cannot IDLE."""


class ImapWaiting(ImapConnection):
    """:meth:`wait_for_new` over the connection; a scan sets ``_scanned`` (UIDVALIDITY, UIDNEXT)."""

    poll_interval: float = POLL_SECONDS
    idle_max_seconds: float = IDLE_MAX_SECONDS
    _scanned: tuple[int, int] | None

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
