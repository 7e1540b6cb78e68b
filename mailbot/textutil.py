"""Small text helpers shared by several stages (no stage logic here)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, taken: Collection[str] = (), *, max_length: int = 60) -> str:
    """An ASCII, lowercase, hyphenated slug of ``text``, unique against ``taken``.

    Accents are transliterated ("perché" → "perche"); what has no ASCII form is
    dropped. Never empty: falls back to "post". Collisions get "-2", "-3", ...
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    slug = slug or "post"
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate
