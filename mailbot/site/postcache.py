"""The posts of published drafts, kept between runs and keyed by each draft file's stamp.

Building every post of a large site from its draft (front matter → :class:`~mailbot.models.Draft`
→ :class:`~mailbot.models.Post`) costs more than rendering one new post. A published draft whose
file has the same inode, modification time and size as when its post was made (the test the
drafts index itself uses) gives the same post, so its post is read back from here, with its
fingerprint (:func:`mailbot.site.plan.post_fingerprint`). Kept in the state folder (private,
in :mod:`marshal` format: plain values only, nothing a load could run), and in memory for a
long-lived process (the review desk). It is only a cache: deleting it is always safe, and any
other configuration of the posts starts afresh.
"""

from __future__ import annotations

import logging
import marshal
import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from mailbot.errors import MailbotError
from mailbot.fsutil import atomic_write
from mailbot.models import CommentLinks, Post
from mailbot.site.plan import post_fingerprint, remember_fingerprint

log = logging.getLogger(__name__)

CACHE_NAME = "site-posts.cache"
VERSION = 2  # of the entries' contents: another number starts afresh

# (inode, mtime_ns, size) of a draft file, as in the drafts index.
Stamp = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Cached:
    """The post of one published draft file with the stamp it was made from.

    ``post`` has no comments and no pictures: comments change without the draft changing,
    and the pictures (``assets``, their names) are looked for on disk at every use.
    """

    stamp: Stamp
    post: Post
    assets: tuple[str, ...] = ()


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _encode(c: Cached) -> list[Any]:
    p = c.post
    links = p.comment_links
    return [
        list(c.stamp),
        list(c.assets),
        p.id,
        p.slug,
        p.title,
        p.author,
        list(p.forwarded_by),
        p.intro,
        p.body,
        _dt(p.letter_date),
        _dt(p.date),
        list(p.notes),
        p.lang,
        None if links is None else [links.address, links.subject, links.form_action],
        post_fingerprint(p),
    ]


def _decode(item: list[Any]) -> Cached:
    stamp, assets, pid, slug, title, author, labels, intro, body, letter, when, notes, lang, links, fp = item
    post = Post(
        id=pid,
        slug=slug,
        title=title,
        author=author,
        forwarded_by=tuple(labels),
        intro=intro,
        body=body,
        letter_date=datetime.fromisoformat(letter) if letter is not None else None,
        date=datetime.fromisoformat(when),
        notes=tuple(notes),
        lang=lang,
        comment_links=CommentLinks(*links) if links is not None else None,
    )
    remember_fingerprint(post, str(fp))
    ino, mtime, size = stamp
    return Cached((int(ino), int(mtime), int(size)), post, tuple(assets))


# A long-lived process keeps what it read or wrote: path -> (the file's own stamp, key, entries).
_MEMORY: dict[Path, tuple[Stamp, str, dict[str, Cached]]] = {}


def _file_stamp(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class PostCache:
    """The cache file ``path``; ``key`` names everything besides a draft that its post depends on."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.key = key

    def load(self) -> dict[str, Cached]:
        """Draft file name -> its cached post; empty when there is no usable cache."""
        stamp = _file_stamp(self.path)
        if stamp is None:
            return {}
        remembered = _MEMORY.get(self.path)
        if remembered is not None and remembered[0] == stamp and remembered[1] == self.key:
            return dict(remembered[2])
        try:
            data = marshal.loads(self.path.read_bytes())
            if not isinstance(data, dict) or data.get("version") != VERSION or data.get("key") != self.key:
                return {}
            entries = {str(name): _decode(item) for name, item in data["posts"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError, EOFError) as exc:
            log.warning("the post cache %s is unusable (%s); the posts are made again", self.path, exc)
            return {}
        _MEMORY[self.path] = (stamp, self.key, entries)
        return dict(entries)

    def keep(self, entries: dict[str, Cached]) -> None:
        """Remember ``entries`` in this process only, the file staying as it is.

        For a few new posts: rewriting the whole file would cost more than the next process
        reading those few drafts again. Entries the file has and ``entries`` lacks are harmless:
        an entry is used only for a published draft with its stamp.
        """
        remembered = _MEMORY.get(self.path)
        if remembered is not None and remembered[0] == _file_stamp(self.path) and remembered[1] == self.key:
            _MEMORY[self.path] = (remembered[0], self.key, dict(entries))

    def remember(
        self,
        published: list[tuple[str, Cached]],
        stamps: dict[str, Stamp],
        used: dict[str, Cached],
        loaded: dict[str, Cached],
    ) -> None:
        """Keep, for the next run, the posts built this run and the cached ones ``used``.

        ``published``: (file name, post) of the published drafts built this run, each kept
        with its file's stamp in ``stamps``; ``loaded`` is the cache as this run loaded it.
        Nothing is done when nothing changed; a few new posts are kept in this process only.
        """
        if not published and used.keys() == loaded.keys():
            return
        entries = dict(used)
        for name, cached in published:
            stamp = stamps.get(name)
            if stamp is not None:
                entries[name] = replace(cached, stamp=stamp)
        added = sum(1 for name, c in entries.items() if loaded.get(name) is not c)
        if loaded and added <= max(50, len(entries) // 100) and loaded.keys() <= entries.keys():
            self.keep(entries)  # a few new posts: not worth rewriting the whole file
        else:
            self.save(entries)

    def save(self, entries: dict[str, Cached]) -> None:
        """Replace the cache with ``entries`` (a failure is logged: the cache is never needed)."""
        data = marshal.dumps(
            {"version": VERSION, "key": self.key, "posts": {n: _encode(c) for n, c in entries.items()}}
        )
        try:
            # Not fsynced: a cache lost in a crash is made again; a torn one cannot be read.
            atomic_write(self.path, data, durable=False)
        except (OSError, MailbotError) as exc:
            log.warning("the post cache %s cannot be written (%s)", self.path, exc)
            _MEMORY.pop(self.path, None)
            return
        stamp = _file_stamp(self.path)
        if stamp is not None:
            _MEMORY[self.path] = (stamp, self.key, dict(entries))
