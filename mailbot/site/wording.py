"""The words of the site: the catalogs, each language's grammar, the default intro.

They live in :mod:`mailbot.wording`, neutral ground that ingest uses too (stages do not import
each other); the site's modules import them from here as before.
"""

from __future__ import annotations

from mailbot.wording import (
    DOMAIN,
    LOCALE_DIR,
    Grammar,
    default_intro,
    grammar_for,
    parse_locale,
    to_names,
    translations,
    translations_and_bytes,
)

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "Grammar",
    "default_intro",
    "grammar_for",
    "parse_locale",
    "to_names",
    "translations",
    "translations_and_bytes",
]
