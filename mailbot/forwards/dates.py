"""Dates as mail clients print them in a forward header, in every installed language.

Most clients print local time without a zone: the forwarder's offset (or the caller's zone) is the
best guess; a date with no zone and no default is unknown, never naive.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from mailbot import daterange
from mailbot.forwards.patterns import PATTERNS

_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])?\.?\s*(m\b\.?)?", re.IGNORECASE)
# Finnish "klo 9.31", Danish/Norwegian "kl. 18.03": a dot between hours and minutes.
_KLO_TIME_RE = re.compile(r"\bkl(?:o|\.)?\s*(\d{1,2})[.:](\d{2})\b", re.IGNORECASE)
# Korean "7시 2분 13초", Japanese "7時2分".
_CJK_TIME_RE = re.compile(r"(\d{1,2})\s*[時시]\s*(\d{1,2})\s*[分분](?:\s*(\d{1,2})\s*[秒초])?")
# Danish/Norwegian/Finnish "16.02.07", "10.47": a dotted time, trusted only after the year.
_DOTTED_TIME_RE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{2})(?:\.(\d{2}))?(?![\d.])")
# Vietnamese numbers its months: "10 thg 1, 2025", "10 tháng 1 năm 2025".
_NUMBERED_MONTH_RE = re.compile(
    r"\b(\d{1,2})\s+(?:thg|tháng)\s+(\d{1,2}),?\s+(?:năm\s+)?(\d{4})\b", re.IGNORECASE
)
_ZONE_WORD_RE = re.compile(r"(?<!\w)([^\W\d_a-z]{1,5})(?!\w)")
_YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")
# Right-to-left marks around Hebrew and Arabic dates.
_BIDI_RE = re.compile("[\u200e\u200f\u061c\u202a-\u202e]")
# Chinese, Japanese "2007年1月22日", Taiwanese Zimbra "2026 4 月 2", Korean "2025년 1월 16일".
_NUMERIC_DATE_RE = re.compile(
    r"(\d{4})\s*[年년]?\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]?"
    r"|\b(\d{4})[-/.]\s?(\d{1,2})[-/.]\s?(\d{1,2})\b"
    r"|\b(\d{1,2})[/.-]\s?(\d{1,2})[/.-]\s?(\d{2,4})\b"
)


def parse_client_date(text: str | None, default_tz: tzinfo | None = None) -> datetime | None:
    """Parse a date as mail clients print it in a forward header, in any of the tabled languages.

    Handles RFC 822 (``Mon, 22 Jan 2007 18:03:00 +0100``), Gmail (``Mon, Jan 22, 2007 at
    6:03 PM``, ``lun 22 gen 2007 alle ore 18:03``, ``ma 22. tammik. 2007 klo 18.03``), Outlook
    (``lunedì 22 gennaio 2007 18:03``), Apple Mail (``22 January 2007 at 18:03:00 CET``),
    numeric ``22/01/2007``, ``22.01.2007``, ``2007-01-22``, ``2007/01/22`` and Japanese
    ``2007年1月22日``.

    Most clients print local time without a zone. The forwarder's client printed it, so the
    forwarder's own offset (``default_tz``, from the enclosing message's Date) is the best
    guess; with no zone and no default the date is unknown (``None``), never naive.

    A date outside 1970-2100 (:mod:`mailbot.daterange`) is ``None`` too.
    """
    parsed = read_client_date(text, default_tz)
    return parsed if parsed is None or daterange.in_range(parsed) else None


def read_client_date(text: str | None, default_tz: tzinfo | None) -> datetime | None:
    """:func:`parse_client_date` without the range check."""
    if not text:
        return None
    rest = " ".join(_BIDI_RE.sub("", text).split())
    if len(rest) > 300:  # no client writes a date this long; its patterns stay cheap this way
        return None
    offset = _find_offset(rest)
    if offset is not None:
        tz: tzinfo | None = offset[0]
        rest = rest[: offset[1]] + " " + rest[offset[2] :]
    else:
        tz = default_tz
    if tz is None:
        return None

    hour, minute, second, rest = _read_time(rest)
    date = _read_day(rest)
    if date is None:
        return None
    year, month, day = date
    try:
        parsed = datetime(year, month, day, hour, minute, second, tzinfo=tz)
        # A named zone (the caller's, e.g. Europe/Rome) gives the offset of that day; the
        # date keeps it as a fixed offset, like every other date mailbot hands on.
        shift = parsed.utcoffset()
        if isinstance(tz, timezone) or shift is None:
            return parsed
        return parsed.replace(tzinfo=timezone(shift))
    except ValueError:
        return None


def _read_time(rest: str) -> tuple[int, int, int, str]:
    """Hour, minute, second of a date text (midnight if none), and the text without the time."""
    hour = minute = second = 0
    klo = _KLO_TIME_RE.search(rest)
    time = None if klo else _TIME_RE.search(rest)
    other = None if klo or time else _CJK_TIME_RE.search(rest)
    if other is None and not klo and not time:
        year = _YEAR_RE.search(rest)
        other = _DOTTED_TIME_RE.search(rest, year.end()) if year else None
    if klo:
        hour, minute = int(klo.group(1)), int(klo.group(2))
        rest = rest[: klo.start()] + " " + rest[klo.end() :]
    elif other:
        hour, minute, second = int(other.group(1)), int(other.group(2)), int(other.group(3) or 0)
        rest = rest[: other.start()] + " " + rest[other.end() :]
    elif time:
        hour, minute, second = int(time.group(1)), int(time.group(2)), int(time.group(3) or 0)
        meridiem = (time.group(4) or "").lower() if time.group(5) else ""
        if meridiem == "p" and hour < 12:
            hour += 12
        elif meridiem == "a" and hour == 12:
            hour = 0
        rest = rest[: time.start()] + " " + rest[time.end() :]
    if PATTERNS.pm is not None and hour < 12 and PATTERNS.pm.search(rest):
        hour += 12
    elif PATTERNS.am is not None and hour == 12 and PATTERNS.am.search(rest):
        hour = 0
    return hour, minute, second, rest


def _read_day(rest: str) -> tuple[int, int, int] | None:
    """Year, month and day of a date text (its time taken out)."""
    numbered = _NUMBERED_MONTH_RE.search(rest)
    if numbered:
        return int(numbered.group(3)), int(numbered.group(2)), int(numbered.group(1))
    numeric = _NUMERIC_DATE_RE.search(rest)
    if numeric and (numeric.group(1) or numeric.group(4)):
        first = 1 if numeric.group(1) else 4
        year, month, day = (int(numeric.group(first + i)) for i in range(3))
    elif numeric:
        first, second_part, year = int(numeric.group(7)), int(numeric.group(8)), int(numeric.group(9))
        year += 2000 if year < 100 else 0
        # Day first unless impossible: the letters come to an Italian company.
        day, month = (second_part, first) if second_part > 12 else (first, second_part)
    else:
        months = [PATTERNS.months[w] for w in re.findall(r"[^\W\d_]+", rest.lower()) if w in PATTERNS.months]
        years = re.findall(r"\b(\d{4})\b", rest)
        if not months or not years:
            return None
        # The weekday comes before the month, and Italian "mar" is also Tuesday: take the last.
        month, year = months[-1], int(years[0])
        rest = rest.replace(years[0], " ", 1)
        days = re.findall(r"\b(\d{1,2})(?:st|nd|rd|th|er)?\b", rest)
        if not days:
            return None
        day = int(days[0])
    return year, month, day


def _find_offset(text: str) -> tuple[tzinfo, int, int] | None:
    """The zone written in a date, with its span: ``+0100``, ``GMT+01:00``, ``CET``..."""
    for numeric in re.finditer(r"(?:\b(?:GMT|UTC)\s*)?([+-])(\d{1,2}):?(\d{2})?\b", text):
        # "-01" in "2007-01-22" is no zone: demand a minute part or a GMT/UTC lead, and no digit before.
        led = numeric.group(0).upper().startswith(("GMT", "UTC"))
        if (numeric.group(3) or led) and not (numeric.start() and text[numeric.start() - 1].isdigit()):
            if int(numeric.group(2)) > 14 or int(numeric.group(3) or 0) > 59:
                continue
            minutes = int(numeric.group(2)) * 60 + int(numeric.group(3) or 0)
            sign = -1 if numeric.group(1) == "-" else 1
            return timezone(timedelta(minutes=sign * minutes)), numeric.start(), numeric.end()
    # Letters, not only A-Z: Czech "SELČ", Turkish "TSİ".
    for match in _ZONE_WORD_RE.finditer(text):
        if match.group(1) in PATTERNS.zones:
            zone = (
                timezone(timedelta(minutes=PATTERNS.zones[match.group(1)]))
                if PATTERNS.zones[match.group(1)]
                else UTC
            )
            return zone, match.start(), match.end()
    return None
