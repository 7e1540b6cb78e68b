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


def slugify(title: str, taken: Collection[str] = (), *, max_length: int = SLUG_MAX) -> str:
    """Turn ``title`` into a slug: ASCII, lowercase, words joined by hyphens.

    Accents are dropped ("perché" → "perche"), the result is at most
    ``max_length`` characters (cut at a word boundary when possible) and never
    empty ("post"). When the slug is in ``taken`` a ``-2``, ``-3``... suffix is
    added; pass a set for large collections.
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
    for n in itertools.count(2):
        suffix = f"-{n}"
        candidate = slug[: max_length - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover
