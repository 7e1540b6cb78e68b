"""The publish stage: approved posts become a static site folder.

``render_site`` writes one page per post (with its pictures beside it), the
front page and numbered older pages, monthly archives, an archive list, an
optional about page, an Atom feed, an RSS 2.0 feed, a sitemap and the theme's
static files. Pages link to each other with relative links ending in
``index.html`` so the folder can be opened straight from disk; feeds, sitemap
and canonical links use absolute URLs made from ``site.base_url``.

The theme's words live in gettext catalogs, ``mailbot/locale/<lang>/LC_MESSAGES/mailbot.po``,
read at run time with Babel (no compile step; see :mod:`mailbot.wording`); English is
the source language and the fallback. :mod:`mailbot.sitetheme` is what the templates
see; :mod:`mailbot.letterhtml` turns a letter (with its picture markers) into HTML.

One bad post never stops the site: a post that cannot be placed or rendered is left
out of every page and feed and reported in :attr:`PublishReport.skipped`.

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

This module imports only models, config, errors, fsutil, textutil and its own helpers
(sitetheme, letterhtml, wording, langdetect): it is one stage.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from email.utils import format_datetime
from pathlib import Path
from typing import Any, cast
from xml.sax.saxutils import escape as xml_escape

from .config import SiteConfig
from .errors import PublishError
from .fsutil import PRIVATE, PUBLIC, Modes, atomic_write, make_root, read_inside, remove
from .letterhtml import render_letter
from .models import Post
from .sitetheme import Entry as _Entry
from .sitetheme import MonthLink, PostView, YearGroup, builtin_templates_dir
from .sitetheme import PostFailed as _PostFailed
from .sitetheme import Theme as _Theme
from .sitetheme import by_day as _by_day
from .sitetheme import digest as _digest
from .sitetheme import picture as _picture
from .sitetheme import read_file as _read_file
from .textutil import slugify
from .wording import LOCALE_DIR, translations

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

_MANIFEST_VERSION = 2

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


# ---------------------------------------------------------------------------
# The plan: every file of the site, its fingerprint, and how to produce its bytes
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Job:
    """One output file: ``produce`` runs only when ``fingerprint`` differs from the manifest's."""

    rel: str
    fingerprint: str
    produce: Callable[[], bytes]
    # What the file is (static, assets, posts, months, pages...): for readers of the plan.
    group: str
    # The post whose page this is (post pages only).
    post_id: str | None = None


def _page_rel(num: int) -> str:
    return f"page/{num}/index.html"


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
    # The public site is world-readable; a preview shows unreviewed drafts: private.
    modes = PRIVATE if preview else PUBLIC
    try:
        make_root(out, modes)
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
    # (A post page found fresh here is remembered: the file is looked at once per run.)
    fresh_pages = {j.rel for j in jobs if j.post_id is not None and fresh(j, previous.get(j.rel))}
    pages, failed = _prerender_posts([j for j in jobs if j.post_id is not None and j.rel not in fresh_pages])
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
            root=root,
            modes=modes,
            durable=True,
        )

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
        if job.rel in fresh_pages or fresh(job, known):
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
        if _write_if_changed(Path(local_path), data, root=root, modes=modes):
            report.written.append(job.rel)
        else:
            report.unchanged += 1
        current[job.rel] = [job.fingerprint, len(data)]
    planned = {j.rel for j in jobs}
    for rel in sorted((previous.keys() | current.keys()) - planned):
        if rel != MANIFEST_NAME and _remove(root, rel):
            report.removed.append(rel)
    final = {rel: current[rel] for rel in planned if rel in current}
    _write_if_changed(manifest_path, _manifest_bytes(final), root=root, modes=modes, durable=True)
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
