"""Small text helpers shared by several stages (no stage logic here)."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Collection

SLUG_MAX = 60

# Letters NFKD does not decompose into ASCII.
_TRANSLIT = str.maketrans(
    {
        "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
        "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
        "\u0131": "i",  # dotless i
    }
)  # fmt: skip
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


# -- text that is safe to store ------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls but \t and \n, DEL, C1 controls, bidi embeddings/overrides (U+202A-U+202E) and
# isolates (U+2066-U+2069), and the two noncharacters XML cannot carry.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
# Line ends as mail and HTML write them: CR LF, or a lone CR.
_LINE_END = re.compile("\r\n?")
# Line breaks in all their forms: CR LF, CR, NEL (U+0085), LINE and PARAGRAPH SEPARATOR.
_BREAK = re.compile("\r\n?|[\x85\u2028\u2029]")
# Outlook/Exchange names the pieces it cuts a message into ATT00001.txt, ATT00002.htm, ...; a
# forward shows them as "<<ATT00001.txt>>" lines.
_OUTLOOK_LEFTOVER = re.compile(r"ATT\d{5}\.(txt|htm|html|c|bin)", re.IGNORECASE)


def unix_newlines(text: str) -> str:
    """``text`` with ``\\n`` line ends: CR LF and a lone CR become ``\\n`` (the one rule for line ends;
    :func:`clean_text` applies it too, and also breaks lines at NEL and the Unicode separators)."""
    return _LINE_END.sub("\n", text)


def outlook_leftover(name: str) -> str | None:
    """The extension (lowercase) when ``name`` is one of the pieces Outlook/Exchange cuts a message
    into (``ATT00001.txt``, ``ATT00002.htm``, ``ATT00003.bin``...), else None."""
    found = _OUTLOOK_LEFTOVER.fullmatch(name.strip())
    return found.group(1).lower() if found else None


_SPACES = re.compile(" {2,}")


def clean_text(text: str, *, multiline: bool = True) -> str:
    """``text`` made safe to store and show: the one rule for every text mailbot stores.

    Lone surrogates become U+FFFD; CR LF, CR, NEL (U+0085) and the Unicode line and
    paragraph separators become ``\\n``; every other C0 or C1 control character, DEL, the
    bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069: they can make
    a name or a title read backwards) and U+FFFE/U+FFFF are removed. A ``multiline`` text
    (a letter, a note) keeps ``\\n`` and ``\\t``; in a one-line text (a name, an address, a
    subject) they become spaces, runs of spaces one space, and its ends lose them.
    Linear in the text.
    """
    text = _SURROGATE.sub("\ufffd", text)
    text = _BREAK.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    if not multiline:
        text = _SPACES.sub(" ", text.replace("\t", " ").replace("\n", " ")).strip(" ")
    return text


def slugify(
    title: str,
    taken: Collection[str] = (),
    *,
    max_length: int = SLUG_MAX,
    tried: dict[str, int] | None = None,
) -> str:
    """Turn ``title`` into a slug: ASCII, lowercase, words joined by hyphens.

    Accents are dropped ("perché" → "perche"), the result is at most
    ``max_length`` characters (cut at a word boundary when possible) and never
    empty ("post"). When the slug is in ``taken`` a ``-2``, ``-3``... suffix is
    added; pass a set for large collections. For many titles against one ``taken``
    that only grows (each slug returned added to it), ``tried`` keeps the next suffix
    to try for each slug: the thousandth "Grazie" costs no more than the second.
    """
    text = unicodedata.normalize("NFKD", title.translate(_TRANSLIT))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_ALNUM.sub("-", text).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        # Prefer a whole-word cut, unless that throws most of the title away.
        boundary = cut.rfind("-")
        slug = (cut[:boundary] if boundary >= max_length // 2 else cut).strip("-")
    slug = slug or "post"
    if slug not in taken:
        return slug
    for n in itertools.count(tried.get(slug, 2) if tried is not None else 2):
        suffix = f"-{n}"
        candidate = slug[: max_length - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            if tried is not None:
                tried[slug] = n + 1
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover
