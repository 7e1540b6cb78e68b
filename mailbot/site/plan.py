"""The plan of a site: every file, a fingerprint of all its bytes depend on, and how to produce them.

Nothing is rendered here: a job's ``produce`` runs only when its fingerprint changed.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from mailbot.models import Post
from mailbot.site import comments as _comments
from mailbot.site.theme import Entry as _Entry
from mailbot.site.theme import MonthLink, PostView, YearGroup
from mailbot.site.theme import Theme as _Theme
from mailbot.site.theme import by_day as _by_day
from mailbot.site.theme import digest as _digest
from mailbot.site.theme import picture as _picture
from mailbot.site.theme import read_file as _read_file

FEED_ENTRIES = 20


# Fingerprints of the post objects still in memory, by identity (equal posts may differ in
# what they show: dates with other offsets): a long-lived process (the review desk) hands in
# the same cached post objects at every publish.
_FINGERPRINTS: dict[int, tuple[weakref.ref[Post], str]] = {}


def post_fingerprint(post: Post) -> str:
    """Everything of ``post`` its pages show; the site-wide inputs are in the theme's fingerprint."""
    found = _FINGERPRINTS.get(id(post))
    if found is not None and found[0]() is post:
        return found[1]
    if len(_FINGERPRINTS) > 50_000:  # forget the posts that are gone
        for key, (ref, _) in list(_FINGERPRINTS.items()):  # (threads: a copy, then pop)
            if ref() is None:
                _FINGERPRINTS.pop(key, None)
    fingerprint = _post_fingerprint(post)
    _FINGERPRINTS[id(post)] = (weakref.ref(post), fingerprint)
    return fingerprint


def remember_fingerprint(post: Post, fingerprint: str) -> None:
    """Take ``fingerprint`` as :func:`post_fingerprint` of this very object (a cache's, kept with it)."""
    _FINGERPRINTS[id(post)] = (weakref.ref(post), fingerprint)


def _post_fingerprint(post: Post) -> str:
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
        *_comment_parts(_comments.count_fingerprint(post)),
    )


def _comment_parts(value: str) -> tuple[str, ...]:
    """Nothing for a post without comments (and comments off): fingerprints stay what they were."""
    return () if value in ("", "0\x1f0") else (value,)


# ---------------------------------------------------------------------------
# The plan: every file of the site, its fingerprint, and how to produce its bytes
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
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


class Views:
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


def site_plan(entries: list[_Entry], theme: _Theme, made: dict[str, PostView]) -> list[Job]:
    """Every output file in safe write order; ``entries`` is newest first.

    The order is the one a reader can follow: a file is written before any
    file that links to it (static files, pictures, posts, about, months,
    archive list, numbered pages newest first, front page, feeds, sitemap).
    """
    site = theme.site
    fp = theme.fingerprint
    views = Views(theme, entries, made)
    jobs: list[Job] = []

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
                jobs.append(Job(rel, _digest("static", data), functools.partial(bytes, data), "static"))

    # Pictures before the pages showing them; posts oldest first, so an interrupted first
    # build leaves the oldest posts, the ones the numbered pages reach first.
    for i in range(len(entries) - 1, -1, -1):
        e = entries[i]
        for name, source, size, mtime in e.asset_stats:
            # The pipeline writes a prepared picture once; size and mtime tell a replaced one apart.
            jobs.append(
                Job(
                    e.path + name,
                    _digest("asset", str(source), str(size), str(mtime)),
                    functools.partial(_read_file, source),
                    "assets",
                )
            )
    for i in range(len(entries) - 1, -1, -1):
        e = entries[i]
        jobs.append(
            Job(
                e.path + "index.html",
                _digest(fp, "post", e.fingerprint, *_comment_parts(_comments.page_fingerprint(e.post))),
                lambda i=i: theme.render("post.html", "../../../", post=views[i]),  # type: ignore[misc]
                "posts",
                post_id=e.post.id,
            )
        )

    if site.about.strip():
        jobs.append(
            Job("about/index.html", _digest(fp, "about"), lambda: theme.render("about.html", "../"), "about")
        )

    months: dict[tuple[int, int], list[int]] = {}
    for i, e in enumerate(entries):
        months.setdefault((e.local.year, e.local.month), []).append(i)
    years: dict[int, list[MonthLink]] = {}
    for (year, month), indices in months.items():
        first = date(year, month, 1)
        rel = f"{year:04d}/{month:02d}/index.html"
        jobs.append(
            Job(
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
        Job(
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
    ) -> Job:
        return Job(
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
        Job(
            "feed.xml",
            feed_fp,
            lambda: theme.render("feed.xml", "", posts=views.many(newest), **feed_context),
            "feeds",
        )
    )
    jobs.append(
        Job(
            "rss.xml",
            feed_fp,
            lambda: theme.render("rss.xml", "", posts=views.many(newest), **feed_context),
            "feeds",
        )
    )

    pages = [j.rel for j in jobs if j.rel.endswith("index.html")]
    urls = [site.base_url + _folder_url(rel) for rel in sorted(pages, key=_sitemap_order)]
    jobs.append(Job("sitemap.xml", _digest("sitemap", *urls), lambda: _sitemap(urls), "sitemap"))
    return jobs


def _sitemap_order(rel: str) -> tuple[int, str]:
    # The front page first, then everything else in path order: a stable, readable sitemap.
    return (0 if rel == "index.html" else 1, rel)
