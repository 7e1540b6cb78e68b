"""The dates mailbot accepts from a message: 1970-01-01 to 2100-12-31, in the date's own zone.

A date header is whatever the sender wrote. ``Fri, 31 Dec 9999 23:59:59 -1200`` is a valid
``datetime`` but one step of arithmetic or ``astimezone`` away from ``OverflowError``, which
stopped every publish once such a draft was approved. No real letter was written before 1970
(the Unix epoch: e-mail itself is younger) or after 2100; between those bounds any offset of up
to a day, any conversion and any sorting stay far from ``datetime``'s limits (years 1-9999).
A date outside is dropped (``None``) by the parsers; its text stays in ``date_raw`` and the
extraction is flagged ``date-out-of-range``.
"""

from __future__ import annotations

from datetime import date, datetime

EARLIEST = date(1970, 1, 1)
LATEST = date(2100, 12, 31)
FLAG = "date-out-of-range"
"""The flag (:attr:`mailbot.models.Extraction.flags`) and the defect name of a dropped date."""


def in_range(value: datetime) -> bool:
    """Whether ``value`` falls between :data:`EARLIEST` and :data:`LATEST` (its own calendar day)."""
    return EARLIEST <= value.date() <= LATEST
