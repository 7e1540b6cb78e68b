"""The publish stage: approved posts become a static site folder.

``render_site`` writes one page per post, the front page and numbered older
pages, monthly archives, an archive list, an Atom feed and the theme's static
files. Pages link to each other with relative links ending in ``index.html`` so
the folder can be opened straight from disk; only the feed uses absolute URLs.

Republishing is incremental: a file is rewritten only when its bytes change,
and files generated earlier for posts that are gone are removed. What was
generated is listed in :data:`MANIFEST_NAME` inside the output folder, so files
that mailbot did not create are never deleted.

This module imports only models, config, errors and fsutil: it is one stage.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlsplit

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.lists import format_list
from markupsafe import Markup, escape

from .config import SiteConfig
from .errors import MailbotError, PublishError
from .fsutil import atomic_write, safe_join
from .models import Post
from .textutil import slugify

__all__ = [
    "MANIFEST_NAME",
    "PublishReport",
    "post_path",
    "render_letter",
    "render_site",
    "slugify",
]

MANIFEST_NAME = ".mailbot-manifest.json"
FEED_ENTRIES = 20

_PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
_REPO_TEMPLATES = Path(__file__).parent.parent / "templates"

# ---------------------------------------------------------------------------
# Slugs and paths
# ---------------------------------------------------------------------------

# Letters NFKD does not decompose into ASCII.
_VALID_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?")


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
# Theme words: a small in-code catalog per language, English as the fallback
# ---------------------------------------------------------------------------

# msgid -> translation; a plural msgid (the singular English text) maps to (singular, plural).
_CATALOGS: dict[str, dict[str, str | tuple[str, str]]] = {
    "it": {
        "Home": "Home",
        "Archives": "Archivio",
        "Atom feed": "Feed Atom",
        "Older posts": "Post precedenti",
        "Newer posts": "Post successivi",
        "Page %(num)s": "Pagina %(num)s",
        "No posts yet.": "Ancora nessun post.",
        "Forwarded by": "Inoltrata da",
        "Letter date": "Data della lettera",
        "Published": "Pubblicato",
        "%(date)s, %(time)s": "%(date)s, ore %(time)s",
        "Permalink": "Link permanente",
        "DRAFT — preview": "BOZZA — anteprima",
        "This page is a preview: it is not published.": "Questa pagina è un'anteprima: non è pubblicata.",
        "A letter from %(author)s.": "Una lettera %(of_author)s.",
        "Thanks to %(names)s for forwarding this letter from %(author)s.": (
            "Grazie %(to_names)s che ci ha girato questa lettera %(of_author)s.",
            "Grazie %(to_names)s che ci hanno girato questa lettera %(of_author)s.",
        ),
        "Thanks to %(names)s for forwarding this letter.": (
            "Grazie %(to_names)s che ci ha girato questa lettera.",
            "Grazie %(to_names)s che ci hanno girato questa lettera.",
        ),
        "Posts of %(month)s": "Post di %(month)s",
    },
}


def _catalog(locale: Locale) -> dict[str, str | tuple[str, str]]:
    for key in (str(locale), locale.language):
        if key in _CATALOGS:
            return _CATALOGS[key]
    return {}


def _gettext_callables(
    catalog: dict[str, str | tuple[str, str]],
) -> tuple[Callable[[str], str], Callable[[str, str, int], str]]:
    def gettext(message: str) -> str:
        found = catalog.get(message)
        return found if isinstance(found, str) else message

    def ngettext(singular: str, plural: str, n: int) -> str:
        found = catalog.get(singular)
        # Both shipped languages use the "one / other" plural rule.
        if isinstance(found, tuple):
            return found[0] if n == 1 else found[1]
        return singular if n == 1 else plural

    return gettext, ngettext


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


_GRAMMARS: dict[str, _Grammar] = {
    "it": _Grammar(
        to=functools.partial(_it_preposition, "a"),
        of=functools.partial(_it_preposition, "di"),
        plural=lambda names: (
            len(names) > 1 or (bool(names) and names[0].split(" ", 1)[0].lower() in _IT_PLURAL_ARTICLES)
        ),
        each=True,
    ),
}
_DEFAULT_GRAMMAR = _Grammar(to=lambda s: f"to {s}", of=lambda s: f"from {s}", plural=lambda n: len(n) > 1)


# ---------------------------------------------------------------------------
# What the templates see
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostView:
    """A post prepared for the templates: texts cleaned, HTML escaped, dates localized."""

    id: str
    title: str
    author: str
    forwarded_by: tuple[str, ...]
    names: str
    to_names: str
    of_author: str
    forwarders_count: int
    intro_html: Markup | None
    body_html: Markup
    path: str
    url: str
    atom_id: str
    date: datetime
    date_iso: str
    day_iso: str
    day: str
    date_long: str
    time_short: str
    letter_date_iso: str | None
    letter_date_long: str | None
    month_label: str
    entry_html: Markup = _NO_HTML


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
    """What one ``render_site`` run did; paths are relative to the output folder, with ``/``."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


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
        self.static_dirs = [builtin / "static"]
        if site.templates is not None:
            loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(site.templates), loader])
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
        gettext, ngettext = _gettext_callables(_catalog(self.locale))
        cast(Any, self.env).install_gettext_callables(gettext, ngettext, newstyle=True)
        self.env.filters["paragraphs"] = render_letter
        self._templates: dict[str, jinja2.Template] = {}
        self._days: dict[date, str] = {}
        self._longs: dict[date, str] = {}
        self._months: dict[date, str] = {}
        self._times: dict[tuple[int, int], str] = {}
        self._lists: dict[tuple[str, ...], str] = {}
        host = urlsplit(site.base_url).hostname or "localhost"
        self._tag_authority = host
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

    def render(self, name: str, root: str, **context: Any) -> bytes:
        return self.render_text(name, root, **context).encode("utf-8")

    def render_text(self, name: str, root: str, **context: Any) -> str:
        try:
            return self.template(name).render(self.common, root=root, **context)
        except PublishError:
            raise
        except jinja2.TemplateError as exc:
            raise PublishError(f"template {name} failed to render ({exc}); fix the template.") from exc

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

    def view(self, post: Post) -> PostView:
        local = _local(post.date, self.tz)
        path = post_path(post, self.tz)
        title = _clean(post.title).strip()
        author = _clean(post.author).strip()
        forwarders = tuple(name for name in (_clean(n).strip() for n in post.forwarded_by) if name)
        names = self._lists.get(forwarders)
        if names is None:
            names = self._lists[forwarders] = (
                format_list(list(forwarders), locale=self.locale) if forwarders else ""
            )
        if self.grammar.each and len(forwarders) > 1:
            to_names = format_list([self.grammar.to(n) for n in forwarders], locale=self.locale)
        else:
            to_names = self.grammar.to(names) if names else ""
        letter_local = _local(post.letter_date, self.tz) if post.letter_date is not None else None
        intro = render_letter(post.intro) if post.intro and post.intro.strip() else None
        view = PostView(
            id=post.id,
            title=title,
            author=author,
            forwarded_by=forwarders,
            names=names,
            to_names=to_names,
            of_author=self.grammar.of(author) if author else "",
            forwarders_count=2 if self.grammar.plural(forwarders) else 1,
            intro_html=intro,
            body_html=render_letter(post.body, signoff=True),
            path=path,
            url=self.site.base_url + path,
            atom_id=f"tag:{self._tag_authority},{local.date().isoformat()}:{quote(post.id, safe='')}",
            date=local,
            date_iso=local.isoformat(timespec="seconds"),
            day_iso=local.date().isoformat(),
            day=self.day(local.date()),
            date_long=self.long_date(local.date()),
            time_short=self.short_time(local),
            letter_date_iso=letter_local.isoformat(timespec="seconds") if letter_local else None,
            letter_date_long=self.long_date(letter_local.date()) if letter_local else None,
            month_label=self.month_label(local.date()),
        )
        # The letter block appears on the post page, in the lists and in the feed: render it once.
        entry = Markup(self.render_text("_entry.html", "", post=view).strip())
        return dataclasses.replace(view, entry_html=entry)

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


def builtin_templates_dir() -> Path:
    """The shipped theme: ``mailbot/templates`` in a wheel, else the repository's ``templates/``."""
    return _PACKAGE_TEMPLATES if _PACKAGE_TEMPLATES.is_dir() else _REPO_TEMPLATES


def _by_day(views: Iterable[PostView]) -> list[DayGroup]:
    return [
        DayGroup(day=group[0].day, day_iso=day_iso, posts=group)
        for day_iso, group in ((k, list(g)) for k, g in itertools.groupby(views, key=lambda v: v.day_iso))
    ]


# ---------------------------------------------------------------------------
# The plan: every file of the site, and how to produce its bytes
# ---------------------------------------------------------------------------

_Producer = Callable[[], bytes]


def _page_rel(num: int) -> str:
    return f"page/{num}/index.html"


def _plan(views: list[PostView], theme: _Theme) -> dict[str, _Producer]:
    """Map each relative output path to a function rendering it; ``views`` is newest first."""
    site = theme.site
    plan: dict[str, _Producer] = {}
    for v in views:
        plan[v.path + "index.html"] = functools.partial(theme.render, "post.html", "../../../", post=v)

    # Pages are numbered from the oldest so that a new post changes only the newest page and the front.
    oldest_first = views[::-1]
    per = max(1, site.posts_per_page)
    chunks = [oldest_first[i : i + per][::-1] for i in range(0, len(oldest_first), per)]
    total = len(chunks)
    for num in range(1, total + 1):
        plan[_page_rel(num)] = functools.partial(
            theme.render,
            "index.html",
            "../../",
            groups=_by_day(chunks[num - 1]),
            page_num=num,
            older=_page_rel(num - 1) if num > 1 else None,
            newer=_page_rel(num + 1) if num < total else None,
        )
    # The front shows the newest page; while that page is still filling, the one before it too,
    # so the front never shows just one or two posts.
    front_chunks = 2 if total >= 2 and len(chunks[-1]) < per else min(total, 1)
    front_posts = [v for chunk in reversed(chunks[total - front_chunks :]) for v in chunk]
    oldest_front = total - front_chunks + 1
    plan["index.html"] = functools.partial(
        theme.render,
        "index.html",
        "",
        groups=_by_day(front_posts),
        page_num=None,
        older=_page_rel(oldest_front - 1) if oldest_front > 1 else None,
        newer=None,
    )

    months: dict[tuple[int, int], list[PostView]] = {}
    for v in views:
        months.setdefault((v.date.year, v.date.month), []).append(v)
    years: dict[int, list[MonthLink]] = {}
    for (year, month), month_views in months.items():
        first = date(year, month, 1)
        rel = f"{year:04d}/{month:02d}/index.html"
        plan[rel] = functools.partial(
            theme.render,
            "archive.html",
            "../../",
            kind="month",
            month_label=theme.month_label(first),
            groups=_by_day(month_views),
            years=[],
        )
        years.setdefault(year, []).append(MonthLink(label=theme.month_name(first), path=rel))
    plan["archives/index.html"] = functools.partial(
        theme.render,
        "archive.html",
        "../",
        kind="all",
        month_label=None,
        groups=[],
        years=[YearGroup(year=y, months=m) for y, m in years.items()],
    )

    plan["feed.xml"] = functools.partial(
        theme.render,
        "feed.xml",
        "",
        posts=views[:FEED_ENTRIES],
        updated=views[0].date_iso if views else "1970-01-01T00:00:00+00:00",
        feed_url=site.base_url + "feed.xml",
    )

    for static_dir in theme.static_dirs:  # later folders (the user's) override earlier ones
        if not static_dir.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(static_dir):
            dirnames.sort()
            for filename in sorted(filenames):
                source = Path(dirpath) / filename
                rel = "static/" + source.relative_to(static_dir).as_posix()
                plan[rel] = functools.partial(_read_static, source)
    return plan


def _read_static(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PublishError(
            f"theme file {path} cannot be read ({exc.strerror}); check its permissions."
        ) from exc


# ---------------------------------------------------------------------------
# Writing: only changed files, manifest-tracked removal
# ---------------------------------------------------------------------------


def _target(root: Path, rel: str) -> Path:
    try:
        return safe_join(root, *rel.split("/"))
    except MailbotError as exc:
        raise PublishError(f"refusing to touch {rel!r}: it would be outside the site folder {root}.") from exc


def _read_manifest(root: Path) -> set[str]:
    path = root / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PublishError(
            f"the manifest {path} is unreadable"
            f" ({exc}); restore it, or empty the site folder and publish again."
        ) from exc
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise PublishError(
            f"the manifest {path} is not a mailbot manifest;"
            " restore it, or empty the site folder and publish again."
        )
    return set(files)


def _manifest_bytes(files: Iterable[str]) -> bytes:
    return (json.dumps({"version": 1, "files": sorted(files)}, indent=1) + "\n").encode("utf-8")


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


def render_site(
    posts: Sequence[Post], site: SiteConfig, out: Path, *, preview: bool = False
) -> PublishReport:
    """Render ``posts`` into the static site folder ``out`` and return what changed.

    Writes each post at ``YYYY/MM/slug/index.html``, the front page
    ``index.html`` (newest posts, grouped under localized day headers), older
    pages at ``page/N/index.html`` numbered from the oldest, monthly archives
    ``YYYY/MM/index.html``, the list ``archives/index.html``, the Atom feed
    ``feed.xml`` and the theme's ``static/`` files. Unchanged files are not
    touched; generated files of posts no longer in ``posts`` are removed.
    ``preview`` adds a visible draft banner and ``noindex`` to every page.
    Raises :class:`PublishError` on template errors, clashing permalinks or
    an unwritable folder.
    """
    theme = _Theme(site, preview)
    views = sorted((theme.view(p) for p in posts), key=lambda v: (v.date, v.id), reverse=True)
    seen_paths: dict[str, str] = {}
    seen_ids: set[str] = set()
    for v in views:
        other = seen_paths.setdefault(v.path, v.id)
        if other != v.id:
            raise PublishError(
                f"posts {other} and {v.id} both want the permalink {v.path}; give one another slug."
            )
        if v.id in seen_ids:
            raise PublishError(f"post {v.id} is listed twice; publish each post once.")
        seen_ids.add(v.id)

    try:
        out.mkdir(parents=True, exist_ok=True)
        root = out.resolve()
    except OSError as exc:
        raise PublishError(f"site folder {out} cannot be created ({exc.strerror}); check the path.") from exc
    plan = _plan(views, theme)
    previous = _read_manifest(root)
    manifest_path = root / MANIFEST_NAME
    # Record new files before creating them: a crash mid-run must not leave files no manifest knows.
    if not previous.issuperset(plan):
        _write_if_changed(manifest_path, _manifest_bytes(previous | plan.keys()), durable=True)

    # Paths made from slugs go through safe_join; the fixed ones (pages, months, feed) cannot escape.
    slug_paths = {v.path + "index.html" for v in views}
    report = PublishReport()
    for rel, produce in plan.items():
        path = _target(root, rel) if rel in slug_paths else root.joinpath(*rel.split("/"))
        if _write_if_changed(path, produce()):
            report.written.append(rel)
        else:
            report.unchanged += 1
    for rel in sorted(previous - plan.keys()):
        if rel != MANIFEST_NAME and _remove(root, rel):
            report.removed.append(rel)
    _write_if_changed(manifest_path, _manifest_bytes(plan), durable=True)
    return report
