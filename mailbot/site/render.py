"""Rendering and writing the site: approved posts become a static site folder.

``render_site`` writes one page per post (with its pictures beside it), the
front page and numbered older pages, monthly archives, an archive list, an
optional about page, an Atom feed, an RSS 2.0 feed, a sitemap and the theme's
static files. Pages link to each other with relative links ending in
``index.html`` so the folder can be opened straight from disk; feeds, sitemap
and canonical links use absolute URLs made from ``site.base_url``.

The theme's words live in gettext catalogs, ``mailbot/site/locale/<lang>/LC_MESSAGES/mailbot.po``,
read at run time with Babel (no compile step; see :mod:`mailbot.wording`); English is
the source language and the fallback. :mod:`mailbot.site.theme` is what the templates
see; :mod:`mailbot.site.letterhtml` turns a letter (with its picture markers) into HTML.

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

Where each post goes is :mod:`mailbot.site.paths`; which files the site has and what each
depends on is :mod:`mailbot.site.plan`; this module renders what changed and writes it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, cast

import jinja2
import jinja2.bccache

from mailbot.collector import paused
from mailbot.config import SiteConfig
from mailbot.errors import PublishError
from mailbot.fsutil import PRIVATE, PUBLIC, Modes, atomic_write, make_root, read_inside, remove
from mailbot.models import Post
from mailbot.site.letterhtml import render_letter
from mailbot.site.manifest import MANIFEST_NAME, Manifest, manifest_bytes, read_manifest
from mailbot.site.paths import asset_names, bad_date, path_at, post_path, usable_local
from mailbot.site.plan import Job, post_fingerprint, site_plan
from mailbot.site.theme import Entry as _Entry
from mailbot.site.theme import PostFailed as _PostFailed
from mailbot.site.theme import PostView, builtin_templates_dir
from mailbot.site.theme import Theme as _Theme
from mailbot.textutil import slugify
from mailbot.wording import LOCALE_DIR

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
]


class _Compiled(jinja2.BytecodeCache):
    """The theme's compiled templates in memory, by template; Jinja checks each one's source
    checksum before using it, so a changed template file is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _Compiled()


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


# ---------------------------------------------------------------------------
# Writing: only changed files, manifest-tracked fingerprints and removal
# ---------------------------------------------------------------------------


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
    published = usable_local(post.date, tz)
    if published is None:
        raise PublishError(bad_date(post))
    letter_local = usable_local(post.letter_date, tz)
    if post.letter_date is not None and letter_local is None:
        log.warning("post %s: its letter's date cannot be shown in the site's time zone; left out", post.id)
    # [site] post_date = "letter": an archive of old letters is dated by the letters.
    local = letter_local if site.post_date == "letter" and letter_local is not None else published
    stats = []
    for name, source in zip(asset_names(post), (item[1] for item in post.assets), strict=True):
        try:
            st = source.stat()
        except OSError as exc:
            raise PublishError(
                f"picture {source} of post {post.id} cannot be read ({exc.strerror}); publish it again."
            ) from exc
        stats.append((name, source, st.st_size, st.st_mtime_ns))
    return _Entry(
        post, local, published, letter_local, path_at(post, local), post_fingerprint(post), tuple(stats)
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
    posts: Sequence[Post],
    site: SiteConfig,
    out: Path,
    *,
    preview: bool = False,
    force: bool = False,
    before_write: Callable[[], object] | None = None,
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
    left alone. ``before_write`` is called once the pages are rendered in memory, before
    the first file is written (the publish waits there for its drafts to be durable).

    One bad post never stops the site: a post that cannot be placed (bad slug
    or picture, clashing permalink, a date that cannot be shown) or whose page
    fails to render is left out of every page and feed, listed in
    ``PublishReport.skipped`` with the reason, and everything else is published.
    A date that cannot be shown (a letter's date of year 9999, say) is treated
    as missing. Raises :class:`PublishError` when the theme itself is broken (a
    template that does not load, or fails for every post), or the folder is not
    writable.
    """
    with paused():  # (mailbot.collector: 10^5 live objects, nearly no cycles)
        return _render_site(posts, site, out, preview=preview, force=force, before_write=before_write)


def _render_site(
    posts: Sequence[Post],
    site: SiteConfig,
    out: Path,
    *,
    preview: bool,
    force: bool,
    before_write: Callable[[], object] | None,
) -> PublishReport:
    theme = _Theme(site, preview)
    # Compiled templates are kept for the life of the process (keyed by each template's source):
    # a long-lived process (the review desk) does not compile the theme at every publish.
    theme.env.bytecode_cache = _COMPILED
    report = PublishReport()
    entries = _entries(posts, site, theme.tz, report.skipped)
    # The public site is world-readable; a preview shows unreviewed drafts: private.
    modes = PRIVATE if preview else PUBLIC
    try:
        make_root(out, modes)
        root = out.resolve()
    except OSError as exc:
        raise PublishError(f"site folder {out} cannot be created ({exc.strerror}); check the path.") from exc
    previous = read_manifest(root)
    root_prefix = str(root) + os.sep

    def fresh(job: Job, known: list[Any] | None) -> bool:
        """True when the file on disk was made from the same inputs: no need to render it."""
        return (
            not force
            and known is not None
            and known[0] == job.fingerprint
            and _size(root_prefix + job.rel.replace("/", os.sep)) == known[1]
        )

    made: dict[str, PostView] = {}
    jobs = site_plan(entries, theme, made)
    # Post pages first, before anything is written: a post whose page fails is left out of
    # every list and feed of this run.
    # (A post page found fresh here is remembered: the file is looked at once per run.)
    fresh_pages = {j.rel for j in jobs if j.post_id is not None and fresh(j, previous.get(j.rel))}
    pages, failed = _prerender_posts([j for j in jobs if j.post_id is not None and j.rel not in fresh_pages])
    if failed:
        report.skipped += failed
        gone = {post_id for post_id, _ in failed}
        entries = [e for e in entries if e.post.id not in gone]
        jobs = site_plan(entries, theme, made)
    if before_write is not None:
        # Whoever waits there waits less with the other pages rendered first (the lists, feeds).
        _render_ahead(jobs, pages, lambda job: fresh(job, previous.get(job.rel)))
        before_write()
    planned = {j.rel for j in jobs}
    manifest_path = root / MANIFEST_NAME
    # Record new files before creating them: a crash mid-run must not leave files no manifest knows.
    # They get no fingerprint yet, so the next run renders them whatever happened.
    if not planned.issubset(previous):
        _write_if_changed(
            manifest_path,
            manifest_bytes({**{rel: ["", -1] for rel in planned}, **previous}),
            root=root,
            modes=modes,
            durable=True,
        )

    current: Manifest = {}
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
                jobs = site_plan(entries, theme, made)
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
    _write_if_changed(manifest_path, manifest_bytes(final), root=root, modes=modes, durable=True)
    for post_id, reason in report.skipped:
        log.warning("post %s left out of the site: %s", post_id, reason)
    return report


_COPIED = frozenset({"assets", "static"})  # plan groups of files copied, not rendered


def _render_ahead(jobs: Sequence[Job], pages: dict[str, bytes], fresh: Callable[[Job], bool]) -> None:
    """Render into ``pages`` the lists and feeds that the write loop would render.

    Not the post pages (rendered already), nor pictures and theme files: those are copied one
    at a time by the loop, never all held at once. Stops at the first that fails, leaving it
    and the rest to the loop, which knows what a failure means. The loop goes through the same
    plan in the same order: it writes every page rendered here before it meets that one (and
    plans again), so none is stale.
    """
    for job in jobs:
        if job.post_id is not None or job.group in _COPIED or job.rel in pages or fresh(job):
            continue
        try:
            pages[job.rel] = job.produce()
        except Exception:
            break


def _prerender_posts(jobs: Iterable[Job]) -> tuple[dict[str, bytes], list[tuple[str, str]]]:
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
