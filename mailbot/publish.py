"""The publish stage: approved posts become a static site folder.

``render_site`` writes one page per post (with its pictures beside it), the
front page and numbered older pages, monthly archives, an archive list, an
optional about page, an Atom feed, an RSS 2.0 feed, a sitemap and the theme's
static files. Pages link to each other with relative links ending in
``index.html`` so the folder can be opened straight from disk; feeds, sitemap
and canonical links use absolute URLs made from ``site.base_url``.

The theme's words live in gettext catalogs, ``mailbot/locale/<lang>/LC_MESSAGES/mailbot.po``,
read at run time with Babel (no compile step); English is the source language
and the fallback.

Republishing is incremental and cheap: the manifest :data:`MANIFEST_NAME`
inside the output folder records, for every generated file, a fingerprint of
everything its bytes depend on (the posts it shows, the templates, the
catalog, the site settings, this module's code). A file whose fingerprint is
unchanged is not even rendered. Files mailbot did not create are never
deleted.

Every file is replaced atomically, and the *set* of changes is ordered so a
reader never follows a link to a missing file: static files and new or changed
post pages first, then the pages that link to them (archives, numbered pages,
front page), then feeds and sitemap, and stale files are removed last.

This module imports only models, config, errors, fsutil, textutil, wording and langdetect:
it is one stage.
"""

from __future__ import annotations

import functools
import gettext
import hashlib
import itertools
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from email.utils import format_datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape as xml_escape

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.lists import format_list
from markupsafe import Markup, escape

from . import langdetect
from .config import SiteConfig
from .errors import MailbotError, PublishError
from .fsutil import atomic_write, safe_join
from .letterhtml import Letter, clean, letter_html, parse_letter, render_letter
from .models import Post, PostAsset
from .textutil import slugify
from .wording import LOCALE_DIR, grammar_for, to_names, translations, translations_and_bytes

log = logging.getLogger(__name__)

__all__ = [
    "LOCALE_DIR",
    "MANIFEST_NAME",
    "PublishReport",
    "builtin_templates_dir",
    "post_path",
    "render_letter",
    "render_site",
    "slugify",
    "translations",
]

MANIFEST_NAME = ".mailbot-manifest.json"
FEED_ENTRIES = 20

_PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
_REPO_TEMPLATES = Path(__file__).parent.parent / "templates"
_MANIFEST_VERSION = 2
# Bump when a change to this module changes the bytes of pages: published sites re-render.
_RENDER_VERSION = "mailbot-publish-3"

# ---------------------------------------------------------------------------
# Slugs and paths
# ---------------------------------------------------------------------------

_VALID_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?")
# Pictures published beside a post: a plain lowercase name and an image extension, so a
# name can never be a path, a hidden file, or shadow the page (index.html).
_VALID_ASSET = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,78}[a-z0-9])?\.(?:jpg|jpeg|png|gif|webp|avif)")


def _local(moment: datetime, tz: tzinfo | None) -> datetime:
    """``moment`` in the site time zone; a naive datetime is taken as site time."""
    if tz is None:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


# A day of margin at both ends of what datetime holds: the theme and Babel add and subtract
# days (weekdays, months), and 9999-12-31 -12:00 is already year 10000 in UTC.
_FIRST_YEAR, _LAST_YEAR = 2, 9998


def _usable_local(moment: datetime | None, tz: tzinfo | None) -> datetime | None:
    """``moment`` in the site time zone, or None when it cannot be converted and shown.

    A stored date is data: a forged ``Date: Fri, 31 Dec 9999 23:59:59 -1200`` must not
    make every publish fail with an OverflowError.
    """
    if moment is None:
        return None
    try:
        local = _local(moment, tz)
        local.utcoffset()
    except (OverflowError, ValueError, TypeError):
        return None
    return local if _FIRST_YEAR <= local.year <= _LAST_YEAR else None


def post_path(post: Post, tz: tzinfo | None = None, post_date: str = "published") -> str:
    """The permalink folder of ``post`` relative to the site root: ``YYYY/MM/slug/``.

    Year and month come from ``post.date`` in ``tz`` (the site time zone; the
    post's own offset when None), or with ``post_date="letter"`` (the setting
    ``[site] post_date``) from its letter's date when that is known and can be
    shown. The page itself is ``<path>index.html``. Raises
    :class:`PublishError` when the slug is not a plain URL-safe slug or the
    publication date cannot be shown.
    """
    local = _usable_local(post.date, tz)
    if local is None:
        raise PublishError(_bad_date(post))
    letter = _usable_local(post.letter_date, tz) if post_date == "letter" else None
    return _path_at(post, letter or local)


def _path_at(post: Post, local: datetime) -> str:
    if not _VALID_SLUG.fullmatch(post.slug):
        raise PublishError(
            f"post {post.id} has the invalid slug {post.slug!r}; use lowercase letters, digits and hyphens."
        )
    return f"{local.year:04d}/{local.month:02d}/{post.slug}/"


def _bad_date(post: Post) -> str:
    return (
        f"post {post.id} has a publication date that cannot be shown in the site's time zone"
        f" ({post.date.isoformat()}); correct its published date in the draft."
    )


def _asset_names(post: Post) -> list[str]:
    names = [item[0] for item in post.assets]
    for name in names:
        if not _VALID_ASSET.fullmatch(name):
            raise PublishError(
                f"post {post.id} has a picture named {name!r}; picture names must be lowercase letters,"
                " digits, '-' or '_' with a .jpg/.jpeg/.png/.gif/.webp/.avif extension."
            )
    if len(set(names)) != len(names):
        raise PublishError(f"post {post.id} lists a picture name twice; give each picture its own name.")
    return names


# Where a picture's URL starts in the one rendering of a post's entry: replaced by each
# page's way to the site root ("", "../../", the base URL in feeds). Never in any text: NUL
# is among the characters cleaned out of every text.
_ROOT_MARK = "\x00root\x00"


def _picture(item: PostAsset) -> tuple[str, Path, str | None]:
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
# Theme words: the catalogs and grammars of mailbot.wording, made fast for Jinja
# ---------------------------------------------------------------------------


def _fast_gettext(words: gettext.NullTranslations) -> Callable[..., Markup]:
    cache: dict[str, Markup] = {}

    def gettext_(message: str, **variables: Any) -> Markup:
        found = cache.get(message)
        if found is None:
            found = cache[message] = Markup(words.gettext(message))
        # Markup's % escapes each variable: the translation is trusted, the names are not.
        return found % variables

    return gettext_


def _fast_ngettext(words: gettext.NullTranslations) -> Callable[..., Markup]:
    def ngettext_(singular: str, plural: str, num: int, **variables: Any) -> Markup:
        variables.setdefault("num", num)
        return Markup(words.ngettext(singular, plural, num)) % variables

    return ngettext_


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
            found = self._cache["letter"] = letter_html(self.letter, _ROOT_MARK + self.path, signoff=True)
        return found

    def entry(self, root: str) -> Markup:
        """The whole letter (intro, thanks, notes, text, pictures) for a page at ``root``.

        ``root`` leads from the page to the site root ("", "../../") or, in feeds,
        is the site's base URL: pictures get working links everywhere.
        """
        found = self._cache.get("entry")
        if found is None:
            found = self._cache["entry"] = self._entry_renderer(self)
        if _ROOT_MARK not in found:
            return found
        return Markup(found.replace(_ROOT_MARK, str(escape(root))))

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


@dataclass
class PublishReport:
    """What one ``render_site`` run did; paths are relative to the output folder, with ``/``.

    ``unchanged`` counts files left alone; ``rendered`` counts files whose
    bytes were produced this run (written or found equal), the rest were
    skipped on their fingerprint alone.
    """

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    rendered: int = 0
    # Posts left out of the site, with the reason (post id, one sentence): everything else
    # was published. Reasons name the post and the fix, never the letter's text.
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _digest(*parts: str | bytes) -> str:
    # Length-prefixed, so ("ab", "c") and ("a", "bc") differ; one hash call per digest,
    # since tens of thousands are made per run.
    text = "".join(f"{len(p)}:{p}" if isinstance(p, str) else f"{len(p)}b:{p.hex()}" for p in parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _post_fingerprint(post: Post) -> str:
    """Everything of ``post`` its pages show; the site-wide inputs are in the theme's fingerprint."""
    return _digest(
        post.id,
        post.slug,
        post.title,
        post.author,
        "\x1f".join(post.forwarded_by),
        "\x00" if post.intro is None else post.intro,
        post.body,
        post.letter_date.isoformat() if post.letter_date else "",
        post.date.isoformat(),
        "\x1f".join(f"{name}\x1d{alt}" for name, _, alt in map(_picture, post.assets)),
        "\x1e".join(post.notes),
        post.lang or "",
    )


def _files_digest(folders: Iterable[Path]) -> str:
    """A digest of the template files in ``folders`` (static files are fingerprinted on their own)."""
    parts: list[str | bytes] = []
    for folder in folders:
        if not folder.is_dir():
            parts.append("missing")
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            if Path(dirpath) == folder:
                dirnames[:] = [d for d in dirnames if d != "static"]
            dirnames.sort()
            for filename in sorted(filenames):
                source = Path(dirpath) / filename
                parts += [source.relative_to(folder).as_posix(), _read_file(source)]
    return _digest(*parts)


class _Theme:
    """The Jinja2 environment and localizers for one run: templates compile once."""

    def __init__(self, site: SiteConfig, preview: bool) -> None:
        self.site = site
        self.preview = preview
        try:
            self.locale = Locale.parse(site.language.replace("-", "_"))
        except (ValueError, UnknownLocaleError) as exc:
            raise PublishError(
                f'site.language {site.language!r} is not a known locale; use a code like "it" or "en".'
            ) from exc
        self.tz = site.tz
        self.grammar = grammar_for(self.locale)
        builtin = builtin_templates_dir()
        loader: jinja2.BaseLoader = jinja2.FileSystemLoader(builtin)
        template_dirs = [builtin]
        self.static_dirs = [builtin / "static"]
        if site.templates is not None:
            loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(site.templates), loader])
            template_dirs.append(site.templates)
            self.static_dirs.append(site.templates / "static")
        self.env = jinja2.Environment(
            loader=loader,
            autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True, default=True),
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        words, catalog_bytes = translations_and_bytes(self.locale)
        cast(Any, self.env).install_gettext_translations(words, newstyle=True)
        # The extension's newstyle callables go through three Jinja context calls per word;
        # these plain functions do the same (escape the variables, always %-format) in one.
        self.env.globals.update(
            _=_fast_gettext(words), gettext=_fast_gettext(words), ngettext=_fast_ngettext(words)
        )
        self.env.filters["paragraphs"] = render_letter
        self.env.globals["fragment"] = self._fragment
        self._fragments: dict[tuple[str, str], Markup] = {}
        # Whatever a page's bytes depend on besides its posts: when any of it changes, every
        # page renders again. Only inputs that are the same on every machine go in, so the
        # manifest (and the golden copies of sites) do not depend on the environment; a
        # change to this module's output must bump _RENDER_VERSION, and `force` re-renders all.
        self.fingerprint = _digest(
            _RENDER_VERSION,
            repr(replace(site, templates=None)),  # the templates' contents are hashed below
            str(preview),
            _files_digest(template_dirs),
            catalog_bytes,
        )
        self._templates: dict[str, jinja2.Template] = {}
        self._days: dict[date, str] = {}
        self._longs: dict[date, str] = {}
        self._months: dict[date, str] = {}
        self._times: dict[tuple[int, int], str] = {}
        self._lists: dict[tuple[str, ...], str] = {}
        self._tag_authority = urlsplit(site.base_url).hostname or "localhost"
        self.lang_tag = str(self.locale).replace("_", "-")
        self.common = {
            "site": site,
            "lang": self.lang_tag,
            "preview": preview,
            "base_url": site.base_url,
        }

    def template(self, name: str) -> jinja2.Template:
        found = self._templates.get(name)
        if found is None:
            try:
                found = self._templates[name] = self.env.get_template(name)
            except jinja2.TemplateNotFound as exc:
                raise PublishError(
                    f"template {exc.name} was not found; restore it in the templates folder."
                ) from exc
            except jinja2.TemplateSyntaxError as exc:
                raise PublishError(
                    f"template {exc.filename or name} line {exc.lineno} is wrong ({exc.message}); fix it."
                ) from exc
        return found

    @jinja2.pass_context
    def _fragment(self, context: jinja2.runtime.Context, name: str) -> Markup:
        """``name`` rendered with the site-wide variables only, once per run and ``root``.

        The page chrome (head links, header, footer) is the same on thousands of
        pages: rendering it once saves most of a page's translation calls.
        """
        root = str(context.get("root", ""))
        found = self._fragments.get((name, root))
        if found is None:
            found = self._fragments[name, root] = Markup(self.render_text(name, root).rstrip("\n"))
        return found

    def render(self, name: str, root: str, **context: Any) -> bytes:
        return self.render_text(name, root, **context).encode("utf-8")

    def render_text(self, name: str, root: str, **context: Any) -> str:
        try:
            return self.template(name).render(self.common, root=root, **context)
        except PublishError:
            raise
        except jinja2.TemplateError as exc:
            raise PublishError(f"template {name} failed to render ({exc}); fix the template.") from exc

    # Babel's formatters parse patterns on every call: cache every label per day, month or minute.

    def day(self, d: date) -> str:
        label = self._days.get(d)
        if label is None:
            label = self._days[d] = format_date(d, format="full", locale=self.locale)
        return label

    def long_date(self, d: date) -> str:
        label = self._longs.get(d)
        if label is None:
            label = self._longs[d] = format_date(d, format="long", locale=self.locale)
        return label

    def short_time(self, moment: datetime) -> str:
        key = (moment.hour, moment.minute)
        label = self._times.get(key)
        if label is None:
            label = self._times[key] = format_time(moment.timetz(), format="short", locale=self.locale)
        return label

    def month_label(self, d: date) -> str:
        key = d.replace(day=1)
        label = self._months.get(key)
        if label is None:
            label = self._months[key] = format_date(key, "LLLL yyyy", locale=self.locale)
        return label

    def month_name(self, d: date) -> str:
        return format_date(d, "LLLL", locale=self.locale)

    def names(self, forwarders: tuple[str, ...]) -> str:
        found = self._lists.get(forwarders)
        if found is None:
            found = self._lists[forwarders] = (
                format_list(list(forwarders), locale=self.locale) if forwarders else ""
            )
        return found

    def post_lang(self, value: str | None) -> str | None:
        """``value`` as a BCP 47 tag when it says something the site's language does not."""
        tag = langdetect.language_tag(value)
        if tag is None or tag.lower() == self.lang_tag.lower():
            return None
        primary = tag.partition("-")[0]
        if tag == primary and primary == self.locale.language:
            return None  # "it" on an "it-CH" site: nothing new
        return tag

    def render_entry(self, view: PostView) -> Markup:
        try:
            return Markup(self.render_text("_entry.html", "", post=view).strip())
        except Exception as exc:  # one post's failure is reported, the site goes on
            raise _PostFailed(view.id, exc) from exc

    def view(self, e: _Entry) -> PostView:
        try:
            return self._view(e)
        except Exception as exc:
            raise _PostFailed(e.post.id, exc) from exc

    def _view(self, e: _Entry) -> PostView:
        post, local, path, published, letter_local = e.post, e.local, e.path, e.published, e.letter_local
        title = clean(post.title).strip()
        author = clean(post.author).strip()
        forwarders = tuple(name for name in (clean(n).strip() for n in post.forwarded_by) if name)
        pictures = {name: _alt(alt) for name, _, alt in map(_picture, post.assets)}
        names = self.names(forwarders)
        day = local.date()
        return PostView(
            id=post.id,
            lang=self.post_lang(post.lang),
            title=title,
            author=author,
            forwarded_by=forwarders,
            names=names,
            to_names=to_names(self.grammar, self.locale, forwarders, names),
            of_author=self.grammar.of(author) if author else "",
            forwarders_count=2 if self.grammar.plural(forwarders) else 1,
            path=path,
            url=self.site.base_url + path,
            # The publication day, whatever date the site shows: the id never changes.
            atom_id=f"tag:{self._tag_authority},{published.date().isoformat()}:{quote(post.id, safe='')}",
            date=local,
            date_iso=local.isoformat(timespec="seconds"),
            date_rfc822=format_datetime(local),
            day_iso=day.isoformat(),
            day=self.day(day),
            date_long=self.long_date(day),
            time_short=self.short_time(local),
            published_iso=published.isoformat(timespec="seconds"),
            published_long=self.long_date(published.date()),
            published_time=self.short_time(published),
            letter_date_iso=letter_local.isoformat(timespec="seconds") if letter_local else None,
            letter_date_long=self.long_date(letter_local.date()) if letter_local else None,
            month_label=self.month_label(day),
            assets=[path + name for name in pictures],
            _pictures=pictures,
            _intro=clean(post.intro) if post.intro is not None else None,
            _notes=tuple(note for note in (clean(n).strip() for n in post.notes) if note),
            _body=post.body,
            _entry_renderer=self.render_entry,
        )


def _alt(alt: str | None) -> str | None:
    return " ".join(clean(alt).split())[:500] or None if alt else None


def builtin_templates_dir() -> Path:
    """The shipped theme: ``mailbot/templates`` in a wheel, else the repository's ``templates/``."""
    return _PACKAGE_TEMPLATES if _PACKAGE_TEMPLATES.is_dir() else _REPO_TEMPLATES


def _by_day(views: Iterable[PostView]) -> list[DayGroup]:
    return [
        DayGroup(day=group[0].day, day_iso=day_iso, posts=group)
        for day_iso, group in ((k, list(g)) for k, g in itertools.groupby(views, key=lambda v: v.day_iso))
    ]


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PublishError(f"{path} cannot be read ({exc.strerror}); check its permissions.") from exc


# ---------------------------------------------------------------------------
# The plan: every file of the site, its fingerprint, and how to produce its bytes
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
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


@dataclass(frozen=True, slots=True)
class _Job:
    """One output file: ``produce`` runs only when ``fingerprint`` differs from the manifest's."""

    rel: str
    fingerprint: str
    produce: Callable[[], bytes]
    # What the file is (static, assets, posts, months, pages...): for readers of the plan.
    group: str
    # Paths built from post data are checked against symbolic links leading out of the site.
    untrusted: bool = False
    # The post whose page this is (post pages only).
    post_id: str | None = None


def _page_rel(num: int) -> str:
    return f"page/{num}/index.html"


class _PostFailed(Exception):
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
            cause = cause.cause if isinstance(cause, _PostFailed) else cause.__cause__
        return isinstance(cause, jinja2.TemplateError)

    @property
    def reason(self) -> str:
        cause = self.cause
        while isinstance(cause, _PostFailed):
            cause = cause.cause
        if isinstance(cause, PublishError):
            return str(cause)
        # Not the exception's text: it could quote the letter, and reasons reach logs.
        return f"its page failed to render ({type(cause).__name__}); check the draft and the templates."


class _Views:
    """PostViews made on demand, once per run: unchanged posts are never prepared at all."""

    def __init__(self, theme: _Theme, entries: list[_Entry], made: dict[str, PostView]) -> None:
        self._theme = theme
        self._entries = entries
        # Shared by every plan of the run (a skipped post makes a new plan): keyed by post id.
        self._made = made

    def __getitem__(self, index: int) -> PostView:
        e = self._entries[index]
        found = self._made.get(e.post.id)
        if found is None:
            found = self._made[e.post.id] = self._theme.view(e)
        return found

    def many(self, indices: Iterable[int]) -> list[PostView]:
        return [self[i] for i in indices]


def _sitemap(urls: Iterable[str]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    lines += [f"<url><loc>{xml_escape(url)}</loc></url>" for url in urls]
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def _folder_url(rel: str) -> str:
    """The URL path a web server shows for ``rel``: ``a/index.html`` -> ``a/``."""
    return rel[: -len("index.html")] if rel.endswith("index.html") else rel


def _plan(entries: list[_Entry], theme: _Theme, made: dict[str, PostView]) -> list[_Job]:
    """Every output file in safe write order; ``entries`` is newest first.

    The order is the one a reader can follow: a file is written before any
    file that links to it (static files, pictures, posts, about, months,
    archive list, numbered pages newest first, front page, feeds, sitemap).
    """
    site = theme.site
    fp = theme.fingerprint
    views = _Views(theme, entries, made)
    jobs: list[_Job] = []

    for static_dir in theme.static_dirs:
        if not static_dir.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(static_dir):
            dirnames.sort()
            for filename in sorted(filenames):
                source = Path(dirpath) / filename
                data = _read_file(source)
                rel = "static/" + source.relative_to(static_dir).as_posix()
                # A user's file of the same name replaces the theme's: drop the earlier job.
                jobs = [j for j in jobs if j.rel != rel]
                jobs.append(_Job(rel, _digest("static", data), functools.partial(bytes, data), "static"))

    # Pictures before the pages showing them; posts oldest first, so an interrupted first
    # build leaves the oldest posts, the ones the numbered pages reach first.
    for i in range(len(entries) - 1, -1, -1):
        e = entries[i]
        for name, source, size, mtime in e.asset_stats:
            # The pipeline writes a prepared picture once; size and mtime tell a replaced one apart.
            jobs.append(
                _Job(
                    e.path + name,
                    _digest("asset", str(source), str(size), str(mtime)),
                    functools.partial(_read_file, source),
                    "assets",
                    untrusted=True,
                )
            )
    for i in range(len(entries) - 1, -1, -1):
        e = entries[i]
        jobs.append(
            _Job(
                e.path + "index.html",
                _digest(fp, "post", e.fingerprint),
                lambda i=i: theme.render("post.html", "../../../", post=views[i]),  # type: ignore[misc]
                "posts",
                untrusted=True,
                post_id=e.post.id,
            )
        )

    if site.about.strip():
        jobs.append(
            _Job("about/index.html", _digest(fp, "about"), lambda: theme.render("about.html", "../"), "about")
        )

    months: dict[tuple[int, int], list[int]] = {}
    for i, e in enumerate(entries):
        months.setdefault((e.local.year, e.local.month), []).append(i)
    years: dict[int, list[MonthLink]] = {}
    for (year, month), indices in months.items():
        first = date(year, month, 1)
        rel = f"{year:04d}/{month:02d}/index.html"
        jobs.append(
            _Job(
                rel,
                _digest(fp, "month", rel, *(entries[i].fingerprint for i in indices)),
                lambda first=first, indices=indices: theme.render(  # type: ignore[misc]
                    "archive.html",
                    "../../",
                    kind="month",
                    month_label=theme.month_label(first),
                    groups=_by_day(views.many(indices)),
                    years=[],
                ),
                "months",
            )
        )
        years.setdefault(year, []).append(MonthLink(label=theme.month_name(first), path=rel))
    year_groups = [YearGroup(year=y, months=m) for y, m in years.items()]
    jobs.append(
        _Job(
            "archives/index.html",
            _digest(fp, "archives", *(m.path for y in year_groups for m in y.months)),
            lambda: theme.render(
                "archive.html", "../", kind="all", month_label=None, groups=[], years=year_groups
            ),
            "archives",
        )
    )

    # Pages are numbered from the oldest so that a new post changes only the newest page and the front.
    per = max(1, site.posts_per_page)
    count = len(entries)
    # chunks[k] holds the indices (newest first) of page k+1; page 1 is the oldest.
    chunks = [list(range(max(count - start - per, 0), count - start)) for start in range(0, count, per)]
    total = len(chunks)

    def index_job(
        rel: str, root: str, indices: list[int], num: int | None, older: str | None, newer: str | None
    ) -> _Job:
        return _Job(
            rel,
            _digest(
                fp, "index", rel, str(num), str(older), str(newer), *(entries[i].fingerprint for i in indices)
            ),
            lambda: theme.render(
                "index.html",
                root,
                groups=_by_day(views.many(indices)),
                page_num=num,
                older=older,
                newer=newer,
            ),
            rel,  # one page per group: each links to its neighbours, written one after the other
        )

    # Newest page first: an older page's "newer posts" link must find its target already there.
    for num in range(total, 0, -1):
        jobs.append(
            index_job(
                _page_rel(num),
                "../../",
                chunks[num - 1],
                num,
                _page_rel(num - 1) if num > 1 else None,
                _page_rel(num + 1) if num < total else None,
            )
        )
    # The front shows the newest page; while that page is still filling, the one before it too,
    # so the front never shows just one or two posts.
    front_chunks = 2 if total >= 2 and len(chunks[-1]) < per else min(total, 1)
    front = [i for chunk in reversed(chunks[total - front_chunks :]) for i in chunk]
    oldest_front = total - front_chunks + 1
    jobs.append(
        index_job(
            "index.html", "", front, None, _page_rel(oldest_front - 1) if oldest_front > 1 else None, None
        )
    )

    newest = list(range(min(FEED_ENTRIES, count)))
    feed_fp = _digest(fp, "feed", *(entries[i].fingerprint for i in newest))
    updated = entries[0].local if entries else datetime(1970, 1, 1, tzinfo=theme.tz)
    feed_context = {
        "updated": updated.isoformat(timespec="seconds"),
        "updated_rfc822": format_datetime(updated),
        "feed_url": site.base_url + "feed.xml",
        "rss_url": site.base_url + "rss.xml",
    }
    jobs.append(
        _Job(
            "feed.xml",
            feed_fp,
            lambda: theme.render("feed.xml", "", posts=views.many(newest), **feed_context),
            "feeds",
        )
    )
    jobs.append(
        _Job(
            "rss.xml",
            feed_fp,
            lambda: theme.render("rss.xml", "", posts=views.many(newest), **feed_context),
            "feeds",
        )
    )

    pages = [j.rel for j in jobs if j.rel.endswith("index.html")]
    urls = [site.base_url + _folder_url(rel) for rel in sorted(pages, key=_sitemap_order)]
    jobs.append(_Job("sitemap.xml", _digest("sitemap", *urls), lambda: _sitemap(urls), "sitemap"))
    return jobs


def _sitemap_order(rel: str) -> tuple[int, str]:
    # The front page first, then everything else in path order: a stable, readable sitemap.
    return (0 if rel == "index.html" else 1, rel)


# ---------------------------------------------------------------------------
# Writing: only changed files, manifest-tracked fingerprints and removal
# ---------------------------------------------------------------------------


def _target(root: Path, rel: str) -> Path:
    try:
        return safe_join(root, *rel.split("/"))
    except MailbotError as exc:
        raise PublishError(f"refusing to touch {rel!r}: it would be outside the site folder {root}.") from exc


class _Folders:
    """Checks that the folders of paths made from post data stay inside the site folder.

    The components are already validated (no ``..``, no ``/``), so only a symbolic link
    planted in the tree could lead outside: each folder is looked at once per run with
    one ``lstat``, instead of resolving every path from the root (``safe_join``), which
    costs a dozen system calls per file.
    """

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self._ok: set[str] = {""}

    def target(self, rel: str) -> Path:
        folder = rel.rpartition("/")[0]
        if folder not in self._ok:
            self._check(folder)
        return Path(self.root + os.sep + rel.replace("/", os.sep))

    def _check(self, folder: str) -> None:
        parent = folder.rpartition("/")[0]
        if parent not in self._ok:
            self._check(parent)
        path = self.root + os.sep + folder.replace("/", os.sep)
        if os.path.islink(path):
            real = os.path.realpath(path)
            if not real.startswith(self.root + os.sep):
                raise PublishError(
                    f"refusing to write under {folder!r}: it leads outside the site folder {self.root}."
                )
        self._ok.add(folder)


# rel -> [fingerprint, size]; version 1 manifests (a plain list) have no fingerprints.
_Manifest = dict[str, list[Any]]


def _read_manifest(root: Path) -> _Manifest:
    path = root / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PublishError(
            f"the manifest {path} is unreadable"
            f" ({exc}); restore it, or empty the site folder and publish again."
        ) from exc
    files = data.get("files") if isinstance(data, dict) else None
    if isinstance(files, list) and all(isinstance(f, str) for f in files):
        return {f: ["", -1] for f in files}
    if isinstance(files, dict) and all(
        isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int)
        for v in files.values()
    ):
        return cast(_Manifest, files)
    raise PublishError(
        f"the manifest {path} is not a mailbot manifest;"
        " restore it, or empty the site folder and publish again."
    )


def _manifest_bytes(files: _Manifest) -> bytes:
    body = json.dumps(dict(sorted(files.items())), separators=(",", ":"))
    # One file per line, so a reviewer can read the diff of a golden manifest. Outside
    # strings only, '],"' separates two entries: inside a JSON string '"' is always escaped.
    body = "{\n" + body[1:-1].replace('],"', '],\n"') + "\n}"
    return f'{{"version":{_MANIFEST_VERSION},"files":{body}}}\n'.encode()


def _write_if_changed(path: Path, data: bytes, *, durable: bool = False) -> bool:
    """Write ``data`` unless ``path`` already holds exactly it; True when written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise PublishError(
            f"{path} cannot be read ({exc.strerror}); check the site folder's permissions."
        ) from exc
    try:
        # Pages need not be fsynced one by one: a page lost in a crash differs from
        # what the next run renders, so that run rewrites it.
        atomic_write(path, data, durable=durable)
    except OSError as exc:
        raise PublishError(
            f"{path} cannot be written ({exc.strerror}); check the site folder's permissions."
        ) from exc
    return True


def _remove(root: Path, rel: str) -> bool:
    path = _target(root, rel)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise PublishError(
            f"stale file {path} cannot be removed ({exc.strerror}); check its permissions."
        ) from exc
    parent = path.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            break  # not empty (or not ours to judge): keep it
        parent = parent.parent
    return True


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def _entry(post: Post, site: SiteConfig, tz: tzinfo) -> _Entry:
    """``post`` placed and checked: raises :class:`PublishError` naming what is wrong with it."""
    published = _usable_local(post.date, tz)
    if published is None:
        raise PublishError(_bad_date(post))
    letter_local = _usable_local(post.letter_date, tz)
    if post.letter_date is not None and letter_local is None:
        log.warning("post %s: its letter's date cannot be shown in the site's time zone; left out", post.id)
    # [site] post_date = "letter": an archive of old letters is dated by the letters.
    local = letter_local if site.post_date == "letter" and letter_local is not None else published
    stats = []
    for name, source in zip(_asset_names(post), (item[1] for item in post.assets), strict=True):
        try:
            st = source.stat()
        except OSError as exc:
            raise PublishError(
                f"picture {source} of post {post.id} cannot be read ({exc.strerror}); publish it again."
            ) from exc
        stats.append((name, source, st.st_size, st.st_mtime_ns))
    return _Entry(
        post, local, published, letter_local, _path_at(post, local), _post_fingerprint(post), tuple(stats)
    )


def _entries(
    posts: Sequence[Post], site: SiteConfig, tz: tzinfo, skipped: list[tuple[str, str]]
) -> list[_Entry]:
    """The posts newest first, placed and fingerprinted.

    A post that cannot be placed (bad slug, bad picture, impossible date), a second post
    wanting a permalink already taken and a repeated post are left out and listed in
    ``skipped`` with the reason: one bad post never stops the site.
    """
    entries = []
    for post in posts:
        try:
            entries.append(_entry(post, site, tz))
        except PublishError as exc:
            skipped.append((post.id, str(exc)))
    entries.sort(key=lambda e: (e.local, e.post.id), reverse=True)
    seen_paths: dict[str, str] = {}
    seen_ids: set[str] = set()
    kept = []
    # Oldest first, so that the post which had the permalink first keeps it.
    for e in reversed(entries):
        if e.post.id in seen_ids:
            skipped.append((e.post.id, f"post {e.post.id} is listed twice; it is published once."))
            continue
        other = seen_paths.setdefault(e.path, e.post.id)
        if other != e.post.id:
            skipped.append(
                (
                    e.post.id,
                    f"posts {other} and {e.post.id} both want the permalink {e.path};"
                    f" give {e.post.id} another slug.",
                )
            )
            continue
        seen_ids.add(e.post.id)
        kept.append(e)
    kept.reverse()
    return kept


def render_site(
    posts: Sequence[Post], site: SiteConfig, out: Path, *, preview: bool = False, force: bool = False
) -> PublishReport:
    """Render ``posts`` into the static site folder ``out`` and return what changed.

    Writes each post at ``YYYY/MM/slug/index.html`` with its pictures
    (``post.assets``) beside it, the front page ``index.html`` (newest posts,
    grouped under localized day headers), older pages at ``page/N/index.html``
    numbered from the oldest, monthly archives ``YYYY/MM/index.html``, the list
    ``archives/index.html``, ``about/index.html`` when ``site.about`` is set,
    the feeds ``feed.xml`` (Atom) and ``rss.xml`` (RSS 2.0), ``sitemap.xml``
    and the theme's ``static/`` files.

    A file whose inputs did not change since the last run is not rendered;
    one rendered to the same bytes is not rewritten; files of posts no longer
    in ``posts`` are removed, after every page linking to them has been
    rewritten. ``preview`` adds a visible draft banner and ``noindex`` to
    every page. ``force`` renders every file again whatever the manifest says
    (after upgrading Babel, say); files whose bytes are the same are still
    left alone.

    One bad post never stops the site: a post that cannot be placed (bad slug
    or picture, clashing permalink, a date that cannot be shown) or whose page
    fails to render is left out of every page and feed, listed in
    ``PublishReport.skipped`` with the reason, and everything else is published.
    A date that cannot be shown (a letter's date of year 9999, say) is treated
    as missing. Raises :class:`PublishError` when the theme itself is broken (a
    template that does not load, or fails for every post), or the folder is not
    writable.
    """
    theme = _Theme(site, preview)
    report = PublishReport()
    entries = _entries(posts, site, theme.tz, report.skipped)
    for name in ("post.html", "_entry.html"):
        theme.template(name)  # a template that does not load is the theme's fault: stop here
    try:
        out.mkdir(parents=True, exist_ok=True)
        root = out.resolve()
    except OSError as exc:
        raise PublishError(f"site folder {out} cannot be created ({exc.strerror}); check the path.") from exc
    previous = _read_manifest(root)
    root_prefix = str(root) + os.sep

    def fresh(job: _Job, known: list[Any] | None) -> bool:
        """True when the file on disk was made from the same inputs: no need to render it."""
        return (
            not force
            and known is not None
            and known[0] == job.fingerprint
            and _size(root_prefix + job.rel.replace("/", os.sep)) == known[1]
        )

    made: dict[str, PostView] = {}
    jobs = _plan(entries, theme, made)
    # Post pages first, before anything is written: a post whose page fails is left out of
    # every list and feed of this run.
    pages, failed = _prerender_posts([j for j in jobs if not fresh(j, previous.get(j.rel))])
    if failed:
        report.skipped += failed
        gone = {post_id for post_id, _ in failed}
        entries = [e for e in entries if e.post.id not in gone]
        jobs = _plan(entries, theme, made)
    planned = {j.rel for j in jobs}
    manifest_path = root / MANIFEST_NAME
    # Record new files before creating them: a crash mid-run must not leave files no manifest knows.
    # They get no fingerprint yet, so the next run renders them whatever happened.
    if not planned.issubset(previous):
        _write_if_changed(
            manifest_path,
            _manifest_bytes({**{rel: ["", -1] for rel in planned}, **previous}),
            durable=True,
        )

    folders = _Folders(root)
    current: _Manifest = {}
    position = 0
    # One file after the other, in plan order: that order is what keeps links working while
    # the run is under way. (Writer threads were tried: GIL hand-offs made a build slower.)
    while position < len(jobs):
        job = jobs[position]
        position += 1
        if job.rel in current and current[job.rel][0] == job.fingerprint:
            continue  # already handled in this run, before a post was skipped
        known = current.get(job.rel) or previous.get(job.rel)
        if fresh(job, known):
            # Same inputs as the file on disk was made from: skip rendering entirely.
            current[job.rel] = cast(list[Any], known)
            report.unchanged += 1
            continue
        local_path = root_prefix + job.rel.replace("/", os.sep)
        data = pages.pop(job.rel, None)
        if data is None:
            try:
                data = job.produce()
            except _PostFailed as failed:
                # A list or feed met a post that fails on its data (its page was not rendered
                # this run): leave it out everywhere and go on with a new plan from the start.
                # A template error here is the theme's: every post would meet it.
                if failed.template_error:
                    raise PublishError(failed.reason) from failed
                report.skipped.append((failed.post_id, failed.reason))
                entries = [e for e in entries if e.post.id != failed.post_id]
                jobs = _plan(entries, theme, made)
                position = 0
                continue
        report.rendered += 1
        path = folders.target(job.rel) if job.untrusted else Path(local_path)
        if _write_if_changed(path, data):
            report.written.append(job.rel)
        else:
            report.unchanged += 1
        current[job.rel] = [job.fingerprint, len(data)]
    planned = {j.rel for j in jobs}
    for rel in sorted((previous.keys() | current.keys()) - planned):
        if rel != MANIFEST_NAME and _remove(root, rel):
            report.removed.append(rel)
    final = {rel: current[rel] for rel in planned if rel in current}
    _write_if_changed(manifest_path, _manifest_bytes(final), durable=True)
    for post_id, reason in report.skipped:
        log.warning("post %s left out of the site: %s", post_id, reason)
    return report


def _prerender_posts(jobs: Iterable[_Job]) -> tuple[dict[str, bytes], list[tuple[str, str]]]:
    """The pages of ``jobs``' posts by path, and the posts whose page failed (id, reason).

    Raises :class:`PublishError` when every page failed on a template: then the theme
    is broken, not the posts.
    """
    pages: dict[str, bytes] = {}
    failures: list[_PostFailed] = []
    attempted = 0
    for job in jobs:
        if job.post_id is None:
            continue
        attempted += 1
        try:
            pages[job.rel] = job.produce()
        except _PostFailed as failed:
            failures.append(failed)
        except Exception as exc:  # one post's failure is reported, the site goes on
            failures.append(_PostFailed(job.post_id, exc))
    if failures and len(failures) == attempted and any(f.template_error for f in failures):
        raise PublishError(failures[0].reason) from failures[0]
    return pages, [(f.post_id, f.reason) for f in failures]
