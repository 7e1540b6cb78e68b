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

This module imports only models, config, errors, fsutil and textutil: it is one stage.
"""

from __future__ import annotations

import functools
import gettext
import hashlib
import io
import itertools
import json
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
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import Markup, escape

from .config import SiteConfig
from .errors import PublishError
from .fsutil import PRIVATE, PUBLIC, Modes, atomic_write, make_root, read_inside, remove
from .models import Post
from .textutil import slugify

__all__ = [
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
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "mailbot"

_PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
_REPO_TEMPLATES = Path(__file__).parent.parent / "templates"
_MANIFEST_VERSION = 2
# Bump when a change to this module changes the bytes of pages: published sites re-render.
_RENDER_VERSION = "mailbot-publish-2"

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


def post_path(post: Post, tz: tzinfo | None = None) -> str:
    """The permalink folder of ``post`` relative to the site root: ``YYYY/MM/slug/``.

    Year and month come from ``post.date`` in ``tz`` (the site time zone; the
    post's own offset when None). The page itself is ``<path>index.html``.
    Raises :class:`PublishError` when the slug is not a plain URL-safe slug.
    """
    if not _VALID_SLUG.fullmatch(post.slug):
        raise PublishError(
            f"post {post.id} has the invalid slug {post.slug!r}; use lowercase letters, digits and hyphens."
        )
    local = _local(post.date, tz)
    return f"{local.year:04d}/{local.month:02d}/{post.slug}/"


def _asset_names(post: Post) -> list[str]:
    names = [name for name, _ in post.assets]
    for name in names:
        if not _VALID_ASSET.fullmatch(name):
            raise PublishError(
                f"post {post.id} has a picture named {name!r}; picture names must be lowercase letters,"
                " digits, '-' or '_' with a .jpg/.jpeg/.png/.gif/.webp/.avif extension."
            )
    if len(set(names)) != len(names):
        raise PublishError(f"post {post.id} lists a picture name twice; give each picture its own name.")
    return names


# ---------------------------------------------------------------------------
# Text to HTML
# ---------------------------------------------------------------------------

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Characters XML 1.0 forbids (and HTML calls parse errors): one in a letter would break the feed.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SIGNOFF_MAX_LINES = 3
_SIGNOFF_MAX_CHARS = 60
_NO_HTML = Markup("")
# A sign-off ends with a name ("Tommaso"), not with the end of a sentence.
_SENTENCE_END = (".", "!", "?", ";", ":", "…")


def _clean(text: str) -> str:
    return _FORBIDDEN_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _paragraphs(text: str) -> list[list[str]]:
    text = _clean(text).strip()
    if not text:
        return []
    return [[line.rstrip() for line in block.split("\n")] for block in _PARAGRAPH_BREAK.split(text)]


def render_letter(text: str, *, signoff: bool = False) -> Markup:
    """Plain text as safe HTML: blank lines separate ``<p>``, single newlines become ``<br>``.

    Every character of ``text`` is escaped. With ``signoff`` a short last
    paragraph after at least one other, not ending like a sentence
    ("Cordiali saluti,\\nTommaso"), gets ``class="signoff"`` so the theme
    can set it apart.
    """
    blocks = _paragraphs(text)
    parts: list[str] = []
    for i, lines in enumerate(blocks):
        is_signoff = (
            signoff
            and i == len(blocks) - 1
            and i > 0
            and len(lines) <= _SIGNOFF_MAX_LINES
            and all(len(line) <= _SIGNOFF_MAX_CHARS for line in lines)
            and not lines[-1].endswith(_SENTENCE_END)
        )
        inner = "<br>\n".join(str(escape(line)) for line in lines)
        parts.append(f'<p class="signoff">{inner}</p>' if is_signoff else f"<p>{inner}</p>")
    return Markup("\n".join(parts))


# ---------------------------------------------------------------------------
# Theme words: gettext catalogs read with Babel; grammar helpers per language
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _catalog_for(code: str) -> tuple[gettext.NullTranslations, bytes]:
    """The translations in ``locale/<code>``, and the catalog's bytes (part of every fingerprint)."""
    po = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    try:
        data = po.read_bytes()
    except FileNotFoundError:
        return gettext.NullTranslations(), b""
    except OSError as exc:
        raise PublishError(f"the catalog {po} cannot be read ({exc.strerror}); check the install.") from exc
    try:
        catalog = read_po(io.BytesIO(data), locale=code, domain=DOMAIN)
        # GNUTranslations reads the compiled form: compile in memory, no build step to forget.
        mo = io.BytesIO()
        write_mo(mo, catalog)
        mo.seek(0)
        return gettext.GNUTranslations(mo), data
    except Exception as exc:  # Babel and gettext raise assorted errors on a damaged catalog
        raise PublishError(f"the catalog {po} is damaged ({exc}); restore it from the release.") from exc


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


def translations(locale: Locale) -> gettext.NullTranslations:
    """The theme's words for ``locale`` (``it_CH`` falls back to ``it``); English when none ship."""
    return _translations_and_bytes(locale)[0]


def _translations_and_bytes(locale: Locale) -> tuple[gettext.NullTranslations, bytes]:
    for code in dict.fromkeys((str(locale), locale.language)):
        found = _catalog_for(code)
        if found[1]:
            return found
    return gettext.NullTranslations(), b""


@dataclass(frozen=True)
class _Grammar:
    """How a language puts "to <names>" and "from <author>" in the thanks sentence."""

    to: Callable[[str], str]
    of: Callable[[str], str]
    plural: Callable[[Sequence[str]], bool]
    # Italian repeats the preposition before each name ("a Laura e ai colleghi");
    # English says it once ("to Laura and the colleagues").
    each: bool = False


# Italian fuses "a"/"di" with a leading article: "a i colleghi" -> "ai colleghi".
_IT_ARTICLES = {
    "il": ("al", "del"),
    "lo": ("allo", "dello"),
    "la": ("alla", "della"),
    "i": ("ai", "dei"),
    "gli": ("agli", "degli"),
    "le": ("alle", "delle"),
}
_IT_PLURAL_ARTICLES = frozenset({"i", "gli", "le"})


def _it_preposition(prep: str, phrase: str) -> str:
    word, _, rest = phrase.partition(" ")
    fused = _IT_ARTICLES.get(word.lower())
    if fused is not None and rest:
        return f"{fused[0] if prep == 'a' else fused[1]} {rest}"
    if phrase[:2].lower() in ("l'", "l\u2019"):
        return ("all'" if prep == "a" else "dell'") + phrase[2:]
    if prep == "a" and phrase[:1].lower() == "a":
        return f"ad {phrase}"  # "ad Anna": the euphonic d before the same vowel
    return f"{prep} {phrase}"


# French fuses "à"/"de" with le/les and elides "de" before a vowel: "aux collègues", "d'Anna".
_FR_ARTICLES = {"le": ("au", "du"), "les": ("aux", "des")}
_FR_VOWELS = frozenset("aeiouhyàâäéèêëîïôöùûüœ")


def _fr_preposition(prep: str, phrase: str) -> str:
    word, _, rest = phrase.partition(" ")
    fused = _FR_ARTICLES.get(word.lower())
    if fused is not None and rest:
        return f"{fused[0] if prep == 'à' else fused[1]} {rest}"
    if prep == "de" and phrase[:1].lower() in _FR_VOWELS:
        return f"d\u2019{phrase}"
    return f"{prep} {phrase}"


# Spanish fuses "a"/"de" with "el": "al equipo", "del señor Ruiz".
def _es_preposition(prep: str, phrase: str) -> str:
    word, _, rest = phrase.partition(" ")
    if word.lower() == "el" and rest:
        return f"{'al' if prep == 'a' else 'del'} {rest}"
    return f"{prep} {phrase}"


_GRAMMARS: dict[str, _Grammar] = {
    "it": _Grammar(
        to=functools.partial(_it_preposition, "a"),
        of=functools.partial(_it_preposition, "di"),
        plural=lambda names: (
            len(names) > 1 or (bool(names) and names[0].split(" ", 1)[0].lower() in _IT_PLURAL_ARTICLES)
        ),
        each=True,
    ),
    "fr": _Grammar(
        to=functools.partial(_fr_preposition, "à"),
        of=functools.partial(_fr_preposition, "de"),
        plural=lambda names: len(names) > 1,
        each=True,
    ),
    "es": _Grammar(
        to=functools.partial(_es_preposition, "a"),
        of=functools.partial(_es_preposition, "de"),
        plural=lambda names: len(names) > 1,
        each=True,
    ),
}
_DEFAULT_GRAMMAR = _Grammar(to=lambda s: f"to {s}", of=lambda s: f"from {s}", plural=lambda n: len(n) > 1)


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
    letter_date_iso: str | None
    letter_date_long: str | None
    month_label: str
    # Pictures beside the post, as paths from the site root ("2007/01/slug/photo.jpg"):
    # templates prefix them with ``root``.
    assets: list[str]
    _intro: str | None
    _body: str
    _entry_renderer: Callable[[PostView], Markup]
    _cache: dict[str, Markup] = field(default_factory=dict)

    @property
    def intro_html(self) -> Markup | None:
        if not (self._intro and self._intro.strip()):
            return None
        found = self._cache.get("intro")
        if found is None:
            found = self._cache["intro"] = render_letter(self._intro)
        return found

    @property
    def body_html(self) -> Markup:
        found = self._cache.get("body")
        if found is None:
            found = self._cache["body"] = render_letter(self._body, signoff=True)
        return found

    @property
    def entry_html(self) -> Markup:
        found = self._cache.get("entry")
        if found is None:
            found = self._cache["entry"] = self._entry_renderer(self)
        return found


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
        "\x1f".join(name for name, _ in post.assets),
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
        self.grammar = _GRAMMARS.get(self.locale.language, _DEFAULT_GRAMMAR)
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
        words, catalog_bytes = _translations_and_bytes(self.locale)
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
        self.common = {
            "site": site,
            "lang": str(self.locale).replace("_", "-"),
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

    def entry(self, view: PostView) -> Markup:
        return Markup(self.render_text("_entry.html", "", post=view).strip())

    def view(self, post: Post, local: datetime, path: str) -> PostView:
        title = _clean(post.title).strip()
        author = _clean(post.author).strip()
        forwarders = tuple(name for name in (_clean(n).strip() for n in post.forwarded_by) if name)
        names = self.names(forwarders)
        if self.grammar.each and len(forwarders) > 1:
            to_names = format_list([self.grammar.to(n) for n in forwarders], locale=self.locale)
        else:
            to_names = self.grammar.to(names) if names else ""
        letter_local = _local(post.letter_date, self.tz) if post.letter_date is not None else None
        day = local.date()
        return PostView(
            id=post.id,
            title=title,
            author=author,
            forwarded_by=forwarders,
            names=names,
            to_names=to_names,
            of_author=self.grammar.of(author) if author else "",
            forwarders_count=2 if self.grammar.plural(forwarders) else 1,
            path=path,
            url=self.site.base_url + path,
            atom_id=f"tag:{self._tag_authority},{day.isoformat()}:{quote(post.id, safe='')}",
            date=local,
            date_iso=local.isoformat(timespec="seconds"),
            date_rfc822=format_datetime(local),
            day_iso=day.isoformat(),
            day=self.day(day),
            date_long=self.long_date(day),
            time_short=self.short_time(local),
            letter_date_iso=letter_local.isoformat(timespec="seconds") if letter_local else None,
            letter_date_long=self.long_date(letter_local.date()) if letter_local else None,
            month_label=self.month_label(day),
            assets=[path + name for name, _ in post.assets],
            _intro=_clean(post.intro) if post.intro is not None else None,
            _body=post.body,
            _entry_renderer=self.entry,
        )


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
    local: datetime
    path: str
    fingerprint: str


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


def _page_rel(num: int) -> str:
    return f"page/{num}/index.html"


class _Views:
    """PostViews made on demand, once per run: unchanged posts are never prepared at all."""

    def __init__(self, theme: _Theme, entries: list[_Entry]) -> None:
        self._theme = theme
        self._entries = entries
        self._made: dict[int, PostView] = {}

    def __getitem__(self, index: int) -> PostView:
        found = self._made.get(index)
        if found is None:
            e = self._entries[index]
            found = self._made[index] = self._theme.view(e.post, e.local, e.path)
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


def _plan(entries: list[_Entry], theme: _Theme) -> list[_Job]:
    """Every output file in safe write order; ``entries`` is newest first.

    The order is the one a reader can follow: a file is written before any
    file that links to it (static files, pictures, posts, about, months,
    archive list, numbered pages newest first, front page, feeds, sitemap).
    """
    site = theme.site
    fp = theme.fingerprint
    views = _Views(theme, entries)
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
        for name, source in e.post.assets:
            try:
                st = source.stat()
            except OSError as exc:
                raise PublishError(
                    f"picture {source} of post {e.post.id} cannot be read ({exc.strerror}); publish it again."
                ) from exc
            # The pipeline writes a prepared picture once; size and mtime tell a replaced one apart.
            jobs.append(
                _Job(
                    e.path + name,
                    _digest("asset", str(source), str(st.st_size), str(st.st_mtime_ns)),
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


def _write_if_changed(path: Path, data: bytes, *, root: Path, modes: Modes, durable: bool = False) -> bool:
    """Write ``data`` unless ``path`` already holds exactly it; True when written.

    ``path`` lies under the site folder ``root``: nothing is read or written through a
    symbolic link below it (see :mod:`mailbot.fsutil`), whatever the file is.
    """
    try:
        if read_inside(path, root=root, error=PublishError, limit=len(data)) == data:
            return False
    except OSError as exc:
        raise PublishError(
            f"{path} cannot be read ({exc.strerror}); check the site folder's permissions."
        ) from exc
    try:
        # Pages need not be fsynced one by one: a page lost in a crash differs from
        # what the next run renders, so that run rewrites it.
        atomic_write(path, data, durable=durable, root=root, modes=modes, error=PublishError)
    except OSError as exc:
        raise PublishError(
            f"{path} cannot be written ({exc.strerror}); check the site folder's permissions."
        ) from exc
    return True


def _remove(root: Path, rel: str) -> bool:
    path = Path(str(root) + os.sep + rel.replace("/", os.sep))
    try:
        return remove(path, root=root, error=PublishError)
    except OSError as exc:
        raise PublishError(
            f"stale file {path} cannot be removed ({exc.strerror}); check its permissions."
        ) from exc


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def _entries(posts: Sequence[Post], tz: tzinfo) -> list[_Entry]:
    """The posts newest first, placed and fingerprinted; refuses clashing permalinks and repeats."""
    entries = [_Entry(p, _local(p.date, tz), post_path(p, tz), _post_fingerprint(p)) for p in posts]
    entries.sort(key=lambda e: (e.local, e.post.id), reverse=True)
    seen_paths: dict[str, str] = {}
    seen_ids: set[str] = set()
    for e in entries:
        _asset_names(e.post)
        other = seen_paths.setdefault(e.path, e.post.id)
        if other != e.post.id:
            raise PublishError(
                f"posts {other} and {e.post.id} both want the permalink {e.path}; give one another slug."
            )
        if e.post.id in seen_ids:
            raise PublishError(f"post {e.post.id} is listed twice; publish each post once.")
        seen_ids.add(e.post.id)
    return entries


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
    left alone. Raises :class:`PublishError` on template errors, clashing
    permalinks, bad picture names or an unwritable folder.
    """
    theme = _Theme(site, preview)
    entries = _entries(posts, theme.tz)
    # The public site is world-readable; a preview shows unreviewed drafts: private.
    modes = PRIVATE if preview else PUBLIC
    try:
        make_root(out, modes)
        root = out.resolve()
    except OSError as exc:
        raise PublishError(f"site folder {out} cannot be created ({exc.strerror}); check the path.") from exc
    jobs = _plan(entries, theme)
    planned = {j.rel for j in jobs}
    previous = _read_manifest(root)
    manifest_path = root / MANIFEST_NAME
    # Record new files before creating them: a crash mid-run must not leave files no manifest knows.
    # They get no fingerprint yet, so the next run renders them whatever happened.
    if not planned.issubset(previous):
        _write_if_changed(
            manifest_path,
            _manifest_bytes({**{rel: ["", -1] for rel in planned}, **previous}),
            root=root,
            modes=modes,
            durable=True,
        )

    report = PublishReport()
    current: _Manifest = {}
    root_prefix = str(root) + os.sep
    # One file after the other, in plan order: that order is what keeps links working while
    # the run is under way. (Writer threads were tried: GIL hand-offs made a build slower.)
    for job in jobs:
        known = previous.get(job.rel)
        local_path = root_prefix + job.rel.replace("/", os.sep)
        if not force and known is not None and known[0] == job.fingerprint and _size(local_path) == known[1]:
            # Same inputs as the file on disk was made from: skip rendering entirely.
            current[job.rel] = known
            report.unchanged += 1
            continue
        data = job.produce()
        report.rendered += 1
        if _write_if_changed(Path(local_path), data, root=root, modes=modes):
            report.written.append(job.rel)
        else:
            report.unchanged += 1
        current[job.rel] = [job.fingerprint, len(data)]
    for rel in sorted(previous.keys() - planned):
        if rel != MANIFEST_NAME and _remove(root, rel):
            report.removed.append(rel)
    _write_if_changed(manifest_path, _manifest_bytes(current), root=root, modes=modes, durable=True)
    return report
