# ruff: noqa: RUF001 - the full-width colon of Chinese and Japanese labels, on purpose.
"""The regexes of the forward engine, built once from all languages together.

:data:`PATTERNS` is rebuilt in place by :func:`install` when the languages change, so a body is
scanned once whatever the number of languages, and every module sees the current tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from mailbot.forwards.vocabulary import Labels, check_tables, every, load_directory

GENERIC_DISCLAIMERS = (r"(?:disclaimer|confidentiality notice|confidential)\s*(?::\s*)?$", r"disclaimer\s*:")
"""Disclaimer openings in no particular language: a heading line of its own."""

ZONES: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "WET": 0, "BST": 60, "WEST": 60, "CET": 60, "MEZ": 60,
    "CEST": 120, "MESZ": 120, "EET": 120, "EEST": 180, "MSK": 180, "TRT": 180, "JST": 540,
    "KST": 540, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420,
}  # fmt: skip
"""Zone abbreviations in no particular language, as minutes east of UTC (languages add theirs)."""

COLON = "[:：]"
FRAME_RE = re.compile(r"[-_=*\s]*")
# Matched after the leading quote marks, bullets and spaces (``LEAD_RE``), not with them.
LEAD_RE = re.compile(r"[\s*_>]*")
# Outlook leftovers: "<<ATT00001.txt>>" lines, "[cid:image001.png@01D...]" and "[image: logo.png]".
LEFTOVER_LINE_RE = re.compile(r"^\s*(?:<<)?ATT\d{5}\.(?:txt|htm|html|c|bin)(?:>>)?\s*$", re.IGNORECASE)
PLACEHOLDER_RE = re.compile(r"\[(?:cid:[^\[\]\s]+|image:[^\[\]\n]{0,200})\]", re.IGNORECASE)
INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
RULE_RE = re.compile(r"^\s*(_{8,}|-{8,}|={8,})\s*$")
QUOTE_RE = re.compile(r" ?> ?")
QUOTES_RE = re.compile(r"(?: ?> ?)*")
# No "@" on either side: "<" + 20,000 "@" made the two parts fight over every split.
ADDRESS = r"[^\s<>\[\]()\"',;:@]+@[^\s<>\[\]()\"',;:@]+"
PERSON_RE = re.compile(r"(.*?)\s*[<\[(]\s*(?:mailto:)?(" + ADDRESS + r")\s*[>\])]", re.IGNORECASE)


def alternatives(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so "Message transféré" wins over its prefixes."""
    items = sorted({re.escape(w) for w in words}, key=len, reverse=True)
    return "|".join(items)


class Patterns:
    """Lookups and regexes over every installed language."""

    languages: dict[str, Labels]
    months: dict[str, int]
    field_by_label: dict[str, str]
    zones: dict[str, int]
    separator: re.Pattern[str]
    label: re.Pattern[str]
    reply: re.Pattern[str]
    reply_words: tuple[str, ...]
    reply_starts: tuple[str, ...]
    reply_ends: tuple[str, ...]
    prefix: re.Pattern[str]
    reply_prefix: re.Pattern[str]
    on_behalf: re.Pattern[str]
    device_lines: re.Pattern[str]
    disclaimer: re.Pattern[str]
    am: re.Pattern[str] | None
    pm: re.Pattern[str] | None

    def __init__(self, languages: dict[str, Labels]) -> None:
        self.rebuild(languages)

    def rebuild(self, languages: dict[str, Labels]) -> None:
        """Check ``languages`` together and compile every pattern from them."""
        self.months, self.field_by_label = check_tables(languages)
        self.languages = languages
        self.zones = dict(ZONES)
        for lab in languages.values():
            self.zones.update(lab.zones)
        # Matched against a line stripped of its dashes, rules and spaces (``blocks.is_separator``):
        # with them in the pattern, "Original Message" + 20,000 spaces + "x" backtracked quadratically.
        self.separator = re.compile(
            r"(?:" + alternatives(every(languages, "separators")) + r")\s*" + COLON + "?", re.IGNORECASE
        )
        # ``*From:*`` is how bold labels survive a conversion to plain text.
        self.label = re.compile(
            r"^\*{0,2}("
            + alternatives(self.field_by_label)
            + r")\*{0,2}\s*"
            + COLON
            + r"\s*\*{0,2}[ \t]*(.*)$",
            re.IGNORECASE,
        )
        pairs = [pair for lab in languages.values() for pair in lab.reply]
        self.reply = re.compile(
            "|".join(
                "^" + (re.escape(start) + r"\b.{0,200}?" if start else r".{1,200}?") + re.escape(end)
                + r"\w*(?:\(\w+\))?(?!\w).{0,200}?" + COLON + r"$"
                for start, end in pairs
            ) or r"(?!)",
            re.IGNORECASE | re.DOTALL,
        )  # fmt: skip
        self.reply_words = tuple(sorted({end.lower() for _start, end in pairs}))
        self.reply_starts = tuple(start for start, _end in pairs)
        self.reply_ends = tuple(end for _start, end in pairs)
        self.prefix = re.compile(
            r"^\s*(?:(?:" + alternatives(every(languages, "forward_prefixes")) + r")\s*(?:\[\d+\]\s*)?"
            + COLON + r"\s*)+",
            re.IGNORECASE,
        )  # fmt: skip
        self.reply_prefix = re.compile(
            r"^\s*(?:" + alternatives(every(languages, "reply_prefixes")) + r")\s*" + COLON, re.IGNORECASE
        )
        self.on_behalf = re.compile(
            r"^(.+?)\s+(?:" + alternatives(every(languages, "on_behalf")) + r")\s+(.+)$", re.IGNORECASE
        )
        self.device_lines = re.compile(
            r"^\s*(?:" + "|".join(every(languages, "device_lines")) + r")\s*$", re.IGNORECASE
        )
        self.disclaimer = re.compile(
            r"(?:" + "|".join(every(languages, "disclaimers") + list(GENERIC_DISCLAIMERS)) + ")",
            re.IGNORECASE | re.DOTALL,
        )
        self.am = _marks(every(languages, "am"))
        self.pm = _marks(every(languages, "pm"))


def _marks(words: list[str]) -> re.Pattern[str] | None:
    """A regex finding any of ``words`` not inside a longer word; ``None`` for no words."""
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + alternatives(words) + r")(?!\w)", re.IGNORECASE)


LANGUAGES: dict[str, Labels] = load_directory()
"""The installed languages by code (the built-in files plus any :func:`install` added)."""

PATTERNS = Patterns(LANGUAGES)


def install(languages: Mapping[str, Labels]) -> None:
    """Make ``languages`` the engine's vocabulary (checked first: on an error nothing changes)."""
    new = dict(languages)
    PATTERNS.rebuild(new)
    LANGUAGES.clear()
    LANGUAGES.update(new)
    PATTERNS.languages = LANGUAGES
