"""A letter's plain text as safe HTML: paragraphs, line breaks, a sign-off, and its pictures.

A picture stands in the letter as a line of its own, a *marker*::

    [[image:NAME]]
    [[image:NAME|alt text]]

NAME is one of the post's own pictures (``Post.assets``); the alt text describes it
for readers who cannot see it (without one, the picture's own alt text, if any, is
used). The parser puts markers where images stood in the mail; a reviewer can move,
delete or describe them. A marker naming anything else is dropped, never shown; the
alt text is escaped like every other text. Everything else is text: every character
is escaped.

This module imports only markupsafe: the publish stage uses it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from mailbot.textutil import clean_text

__all__ = ["MARKER_PREFIX", "Letter", "clean", "parse_letter", "render_letter"]

MARKER_PREFIX = "[[image:"
_MARKER_SUFFIX = "]]"
_MAX_ALT = 500

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Characters XML 1.0 forbids (and HTML calls parse errors): one in a letter would break the feed.
_SIGNOFF_MAX_LINES = 3
_SIGNOFF_MAX_CHARS = 60
# A sign-off ends with a name ("Tommaso"), not with the end of a sentence.
_SENTENCE_END = (".", "!", "?", ";", ":", "…")


def clean(text: str) -> str:
    """``text`` as every stored text is (:func:`mailbot.textutil.clean_text`): ``\\n`` line ends,
    no control or bidi override characters (so nothing XML forbids), even after a hand edit."""
    return clean_text(text)


def _marker(line: str) -> tuple[str, str] | None:
    """(name, alt) when ``line`` is an image marker; plain string work, linear in the line."""
    stripped = line.strip()
    if not (stripped.startswith(MARKER_PREFIX) and stripped.endswith(_MARKER_SUFFIX)):
        return None
    inner = stripped[len(MARKER_PREFIX) : -len(_MARKER_SUFFIX)]
    name, _, alt = inner.partition("|")
    return name.strip(), " ".join(alt.split())[:_MAX_ALT]


@dataclass(frozen=True, slots=True)
class Figure:
    """A picture placed in the letter."""

    name: str
    alt: str


@dataclass(frozen=True, slots=True)
class Letter:
    """A letter cut into blocks: paragraphs (lists of lines) and figures, in order."""

    blocks: tuple[tuple[str, ...] | Figure, ...]
    # Names of the post's pictures placed by a marker, and markers naming no picture.
    placed: frozenset[str]
    dropped: int


def parse_letter(text: str, pictures: Mapping[str, str | None] | None = None) -> Letter:
    """``text`` as paragraphs and figures; only names in ``pictures`` (name -> alt) make figures."""
    pictures = pictures or {}
    blocks: list[tuple[str, ...] | Figure] = []
    placed: set[str] = set()
    dropped = 0
    body = clean(text).strip()
    if not body:
        return Letter((), frozenset(), 0)
    for block in _PARAGRAPH_BREAK.split(body):
        lines: list[str] = []
        for line in block.split("\n"):
            found = _marker(line) if MARKER_PREFIX in line else None
            if found is None:
                lines.append(line.rstrip())
                continue
            if lines:
                blocks.append(tuple(lines))
                lines = []
            name, alt = found
            if name in pictures:
                blocks.append(Figure(name, alt or (pictures[name] or "")))
                placed.add(name)
            else:
                dropped += 1
        if lines and any(lines):
            blocks.append(tuple(lines))
    return Letter(tuple(blocks), frozenset(placed), dropped)


def figure_html(src: str, alt: str) -> str:
    """One picture: ``src`` and ``alt`` are escaped here."""
    return f'<figure class="picture"><img src="{escape(src)}" alt="{escape(alt)}" loading="lazy"></figure>'


def letter_html(letter: Letter, prefix: str = "", *, signoff: bool = False) -> Markup:
    """``letter`` as HTML; a figure's image is at ``prefix + name`` (``prefix`` is trusted)."""
    parts: list[str] = []
    last_text = max((i for i, b in enumerate(letter.blocks) if not isinstance(b, Figure)), default=-1)
    texts_before = 0
    for i, block in enumerate(letter.blocks):
        if isinstance(block, Figure):
            parts.append(figure_html(prefix + block.name, block.alt))
            continue
        is_signoff = (
            signoff
            and i == len(letter.blocks) - 1 == last_text
            and texts_before > 0
            and len(block) <= _SIGNOFF_MAX_LINES
            and all(len(line) <= _SIGNOFF_MAX_CHARS for line in block)
            and not block[-1].endswith(_SENTENCE_END)
        )
        texts_before += 1
        inner = "<br>\n".join(str(escape(line)) for line in block)
        parts.append(f'<p class="signoff">{inner}</p>' if is_signoff else f"<p>{inner}</p>")
    return Markup("\n".join(parts))


def render_letter(text: str, *, signoff: bool = False) -> Markup:
    """Plain text as safe HTML: blank lines separate ``<p>``, single newlines become ``<br>``.

    Every character of ``text`` is escaped; image markers are dropped (there are
    no pictures to place). With ``signoff`` a short last paragraph after at
    least one other, not ending like a sentence ("Cordiali saluti,\\nTommaso"),
    gets ``class="signoff"`` so the theme can set it apart.
    """
    return letter_html(parse_letter(text), signoff=signoff)
