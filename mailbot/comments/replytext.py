"""A reader's reply reduced to the reader's own words: what a comment publishes.

Pure: text in, text out. What goes, using the forward engine's vocabulary
(:data:`mailbot.forwards.LANGUAGES`, read only):

* everything from the quoted original on: the reply attribution line ("On <date>, X wrote:",
  "Il giorno ... ha scritto:", also split over two lines), a separator line ("-----Original
  Message-----", "Messaggio originale"), Outlook's header block ("From: ... / Sent: ..." under a
  rule line), and every ``>``-quoted line;
* the signature: from a ``-- `` line on;
* device lines ("Sent from my iPhone", "Inviato da iPhone"), anywhere;
* outer blank lines, trailing rule lines; Outlook's ``[cid:...]`` leftovers and invisible
  characters (:func:`mailbot.forwards.clean_body`).

HTML-only replies are turned into text by the caller first (:func:`mailbot.mail.html.html_to_text`).
"""

from __future__ import annotations

import re

from mailbot.forwards import LANGUAGES, clean_body
from mailbot.forwards.wroteline import split_attribution

_COLON = "[:\uff1a]"  # a colon, or the full-width one
_STARTS = tuple(start for lab in LANGUAGES.values() for start, _ in lab.reply)
_ENDS = tuple(end for lab in LANGUAGES.values() for _, end in lab.reply)
_END_RE = re.compile(
    r"(?:"
    + "|".join(re.escape(e) for e in sorted(set(_ENDS), key=len, reverse=True))
    + r")\s*"
    + _COLON
    + r"\s*$",
    re.IGNORECASE,
)
_DEVICE_RE = re.compile(
    r"^\s*(?:" + "|".join(p for lab in LANGUAGES.values() for p in lab.device_lines) + r")\s*$", re.IGNORECASE
)
_SEPARATOR_RE = re.compile(
    r"^[\s\-_=*]*(?:"
    + "|".join(re.escape(s) for lab in LANGUAGES.values() for s in lab.separators)
    + r")[\s\-_=*:]*$",
    re.IGNORECASE,
)
_FROM_RE = re.compile(
    r"^\s*\*?(?:" + "|".join(re.escape(w) for lab in LANGUAGES.values() for w in lab.fields.get("from", ()))
    + r")\*?\s*" + _COLON + r"",
    re.IGNORECASE,
)  # fmt: skip
_HEADER_RE = re.compile(
    r"^\s*\*?(?:"
    + "|".join(
        re.escape(w)
        for lab in LANGUAGES.values()
        for k in ("date", "subject", "to")
        for w in lab.fields.get(k, ())
    )
    + r")\*?\s*"
    + _COLON
    + r"",
    re.IGNORECASE,
)
_RULE_RE = re.compile(r"^\s*(?:_{5,}|-{5,}|={5,})\s*$")
_QUOTED_RE = re.compile(r"^\s*>")


def _is_attribution(line: str) -> bool:
    """ "On Tue, 23 Jan 2007 at 10:15, Anna <anna@...> wrote:" and the like."""
    text = line.strip()
    if not text or len(text) > 400:
        return False
    if split_attribution(text, _STARTS, _ENDS) is not None:
        return True
    # Without an address in brackets (Apple Mail: "On 23 Jan 2007, at 10:15, Anna wrote:").
    return bool(_END_RE.search(text)) and any(ch.isdigit() for ch in text)


def _header_block_at(lines: list[str], index: int) -> bool:
    """Outlook's "From: ..." line followed within four lines by "Sent:"/"Date:"/"Subject:"/"To:"."""
    if not _FROM_RE.match(lines[index]):
        return False
    return any(_HEADER_RE.match(x) for x in lines[index + 1 : index + 5])


def own_words(text: str) -> str:
    """The reader's own words in a reply's text (see the module's docstring)."""
    lines = clean_body(text).split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if line in ("-- ", "--"):
            break
        if _SEPARATOR_RE.match(line) and line.strip(" -_=*:"):
            break
        if _header_block_at(lines, index):
            break
        joined = " ".join(x.strip() for x in lines[index : index + 2])
        if _is_attribution(line) or (
            index + 1 < len(lines) and _END_RE.search(lines[index + 1]) and _is_attribution(joined)
        ):
            break
        if _QUOTED_RE.match(line) or _DEVICE_RE.match(line):
            continue
        kept.append(line)
    while kept and (not kept[-1].strip() or _RULE_RE.match(kept[-1])):
        kept.pop()
    return clean_body("\n".join(kept))
