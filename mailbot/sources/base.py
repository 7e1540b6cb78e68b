"""What every source of messages offers the pipeline and the service.

A source never deletes mail. Every ability the callers use is declared here, so no caller has
to probe a source for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from mailbot.models import RawMessage


class Source(Protocol):
    """Where messages come from: a local Maildir, files named on the command line, an IMAP folder.

    The pipeline calls :meth:`messages` and, for each message, exactly one of :meth:`done`
    (after its draft is durably written and recorded) or :meth:`quarantine` (it could not be
    handled).
    """

    name: str

    @property
    def read_only(self) -> bool:
        """True when handling a message moves nothing (files the user named): a message seen
        again is simply known, not a crash being resumed."""
        ...

    @property
    def skipped(self) -> Sequence[tuple[str, str]]:
        """``(key, reason)`` for each message the last :meth:`messages` call quarantined itself
        (e.g. too large to download) instead of yielding it; read after the loop."""
        ...

    def messages(self) -> Iterator[RawMessage]: ...

    def done(self, message: RawMessage) -> None: ...

    def quarantine(self, message: RawMessage, reason: str) -> None: ...

    def wait_for_new(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for new mail; True as soon as some arrived."""
        ...

    def close(self) -> None: ...
