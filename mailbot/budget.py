"""A per-message time budget, checked cooperatively by the parsing loops.

The service handles one message at a time, so a message that takes minutes to parse stalls
every other one. Every text path is linear, but a linear path over a large message can still
be slow on a busy machine; :class:`Deadline` is the guard behind that promise. The loops of
:mod:`mailbot.mail.mime` (HTML rendering) and :mod:`mailbot.forwards` call :meth:`Deadline.check`
every so often; past the budget it raises :class:`~mailbot.errors.MessageError`, so the message
is quarantined with the reason and the run goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from mailbot.errors import MessageError


class Deadline:
    """The moment by which one message must be parsed, ``seconds`` from its creation."""

    __slots__ = ("_clock", "_end", "seconds")

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds

    def check(self) -> None:
        """Raise :class:`MessageError` if the budget is spent."""
        if self._clock() > self._end:
            raise MessageError(
                f"parsing the message took longer than {self.seconds:g} s, the [service] "
                "message_seconds budget; raise it if such messages are expected"
            )


def check(deadline: Deadline | None) -> None:
    """:meth:`Deadline.check` when there is a deadline."""
    if deadline is not None:
        deadline.check()
