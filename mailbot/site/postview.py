"""What the site's templates see of each post: :class:`PostView` (texts cleaned, HTML escaped, dates
localized, the letter rendered once on first use), the groups of the lists, and one post's failure.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from mailbot.errors import PublishError
from mailbot.models import Post, PostAsset
from mailbot.site.letterhtml import Letter, clean, letter_html, parse_letter, render_letter

log = logging.getLogger(__name__)


# Where a picture's URL starts in the one rendering of a post's entry: replaced by each
# page's way to the site root ("", "../../", the base URL in feeds). Never in any text: NUL
# is among the characters cleaned out of every text.
ROOT_MARK = "\x00root\x00"


def picture(item: PostAsset) -> tuple[str, Path, str | None]:
    """(name, prepared file, alt text) of one of ``Post.assets`` (the alt is optional there)."""
    if len(item) == 3:
        return item[0], item[1], item[2]
    return item[0], item[1], None


@dataclass(frozen=True, slots=True)
class PictureView:
    """A picture shown after the letter: ``src`` from the site root, ``alt`` plain text."""

    src: str
    alt: str


# ---------------------------------------------------------------------------
# What the templates see
# ---------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class PostView:
    """A post prepared for the templates: texts cleaned, HTML escaped, dates localized.

    The letter's HTML (``intro_html``, ``body_html``, ``entry_html``) is made on
    first use, once per run: an archive listing titles never pays for it, and
    the post page, the lists and the feeds share one rendering.
    """

    id: str
    # The post's language tag when it differs from the site's (for ``lang``/``xml:lang``),
    # else None; always a well-formed BCP 47 tag, never the raw value.
    lang: str | None
    title: str
    author: str
    forwarded_by: tuple[str, ...]
    names: str
    to_names: str
    of_author: str
    forwarders_count: int
    path: str
    url: str
    atom_id: str
    date: datetime
    date_iso: str
    date_rfc822: str
    day_iso: str
    day: str
    date_long: str
    time_short: str
    # When the post was published: the same as ``date`` unless the site dates posts by
    # their letters ([site] post_date = "letter").
    published_iso: str
    published_long: str
    published_time: str
    letter_date_iso: str | None
    letter_date_long: str | None
    month_label: str
    # Pictures beside the post, as paths from the site root ("2007/01/slug/photo.jpg"):
    # templates prefix them with ``root``.
    assets: list[str]
    _pictures: dict[str, str | None]
    _intro: str | None
    _notes: tuple[str, ...]
    _body: str
    _entry_renderer: Callable[[PostView], Markup]
    _cache: dict[str, Markup] = field(default_factory=dict)
    _letter: Letter | None = None
    # Readers' comments (mailbot.site.comments.CommentView), oldest first, and how to add one.
    comments: list[Any] = field(default_factory=list)
    comments_open: bool = False
    comment_mailto: str | None = None
    comment_form: str | None = None

    @property
    def intro_html(self) -> Markup | None:
        if not (self._intro and self._intro.strip()):
            return None
        found = self._cache.get("intro")
        if found is None:
            found = self._cache["intro"] = render_letter(self._intro)
        return found

    @property
    def notes_html(self) -> list[Markup]:
        """The forwarders' notes the pipeline chose to publish (none by default), as HTML."""
        return [render_letter(note) for note in self._notes]

    @property
    def letter(self) -> Letter:
        """The letter cut into paragraphs and the pictures its markers place."""
        if self._letter is None:
            self._letter = parse_letter(self._body, self._pictures)
            if self._letter.dropped:
                log.warning(
                    "post %s: %d image marker(s) name no picture of the post; not shown",
                    self.id,
                    self._letter.dropped,
                )
        return self._letter

    @property
    def body_html(self) -> Markup:
        """The letter as HTML, its pictures linked from the post's own folder (the post page)."""
        found = self._cache.get("body")
        if found is None:
            found = self._cache["body"] = letter_html(self.letter, signoff=True)
        return found

    @property
    def letter_html(self) -> Markup:
        """The letter as HTML for ``_entry.html``: :meth:`entry` puts each page's root in."""
        found = self._cache.get("letter")
        if found is None:
            found = self._cache["letter"] = letter_html(self.letter, ROOT_MARK + self.path, signoff=True)
        return found

    def entry(self, root: str) -> Markup:
        """The whole letter (intro, thanks, notes, text, pictures) for a page at ``root``.

        ``root`` leads from the page to the site root ("", "../../") or, in feeds,
        is the site's base URL: pictures get working links everywhere.
        """
        found = self._cache.get("entry")
        if found is None:
            found = self._cache["entry"] = self._entry_renderer(self)
        if ROOT_MARK not in found:
            return found
        return Markup(found.replace(ROOT_MARK, str(escape(root))))

    @property
    def entry_html(self) -> Markup:
        """:meth:`entry` for a page at the site root (the front page)."""
        return self.entry("")

    @property
    def unplaced_pictures(self) -> list[PictureView]:
        """The pictures no marker places in the letter: shown after it on the post page."""
        placed = self.letter.placed
        return [
            PictureView(self.path + name, alt or "")
            for name, alt in self._pictures.items()
            if name not in placed
        ]


@dataclass(frozen=True, slots=True)
class DayGroup:
    """Posts published on one local day, under its localized header."""

    day: str
    day_iso: str
    posts: list[PostView]


@dataclass(frozen=True, slots=True)
class MonthLink:
    """One monthly archive in the archive list."""

    label: str
    path: str


@dataclass(frozen=True, slots=True)
class YearGroup:
    """The monthly archives of one year, newest month first."""

    year: int
    months: list[MonthLink]


def clean_alt(alt: str | None) -> str | None:
    return " ".join(clean(alt).split())[:500] or None if alt else None


def by_day(views: Iterable[PostView]) -> list[DayGroup]:
    return [
        DayGroup(day=group[0].day, day_iso=day_iso, posts=group)
        for day_iso, group in ((k, list(g)) for k, g in itertools.groupby(views, key=lambda v: v.day_iso))
    ]


@dataclass(slots=True)
class Entry:
    """One post of the run, before any rendering: enough to sort, place and fingerprint it."""

    post: Post
    # The post's date in the site time zone (day headers, order, archives, feeds, URL), its
    # publication date and its letter's date (None when unknown or impossible to show).
    local: datetime
    published: datetime
    letter_local: datetime | None
    path: str
    fingerprint: str
    # (name, prepared file, size, mtime) of each picture, read once before planning.
    asset_stats: tuple[tuple[str, Path, int, int], ...] = ()


class PostFailed(Exception):
    """Preparing or rendering one post raised: that post is skipped and reported."""

    def __init__(self, post_id: str, cause: BaseException) -> None:
        super().__init__(post_id)
        self.post_id = post_id
        self.cause = cause

    @property
    def template_error(self) -> bool:
        """True when the failure came from a template (Jinja), not from the post's data."""
        cause: BaseException | None = self.cause
        for _ in range(8):
            if cause is None or isinstance(cause, jinja2.TemplateError):
                break
            cause = cause.cause if isinstance(cause, PostFailed) else cause.__cause__
        return isinstance(cause, jinja2.TemplateError)

    @property
    def reason(self) -> str:
        cause = self.cause
        while isinstance(cause, PostFailed):
            cause = cause.cause
        if isinstance(cause, PublishError):
            return str(cause)
        # Not the exception's text: it could quote the letter, and reasons reach logs.
        return f"its page failed to render ({type(cause).__name__}); check the draft and the templates."
