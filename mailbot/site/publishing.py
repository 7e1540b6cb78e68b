"""The publish flow: approved drafts to the site, and retractions (previews: :mod:`.draftpage`).

The drafts stay the source of truth: the slug, publication date and status published are
written into a draft, in one write, before its page is. Only public fields reach a
:class:`~mailbot.models.Post`; the rendering is :mod:`mailbot.site.render`'s. The posts of
published drafts that did not change since the last run come from :mod:`mailbot.site.postcache`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from mailbot.collector import paused
from mailbot.comments import links as comment_links
from mailbot.comments.store import CommentStore
from mailbot.config import Config
from mailbot.drafts import audit, writer
from mailbot.drafts.index import Source
from mailbot.drafts.store import DraftStore
from mailbot.errors import UsageError
from mailbot.langdetect import language_tag
from mailbot.models import Draft, Post, PostComment, Status
from mailbot.site import render as publish
from mailbot.site.paths import post_path
from mailbot.site.postcache import CACHE_NAME, Cached, PostCache, Stamp
from mailbot.site.render import PublishReport
from mailbot.site.theme import digest
from mailbot.textutil import slugify

log = logging.getLogger(__name__)

_APPROVED = "SELECT count(*) FROM drafts WHERE status = 'approved' AND error IS NULL"

# From this many approved drafts on, a child process writes them while the pages render
# (mailbot.drafts.writer): the first publish of a big site. Fewer are written here, first.
CHILD_AT = 500


def _now() -> datetime:
    return datetime.now(UTC)


class Publisher:
    """Publishes the drafts of one drafts folder with one configuration."""

    def __init__(
        self, config: Config, store: DraftStore, ledger: Path | None, clock: Callable[[], datetime]
    ) -> None:
        self.config = config
        self.store = store
        self.ledger = ledger  # the ledger database, for the audit trail
        self.clock = clock

    @classmethod
    def of(cls, config: Config, *, clock: Callable[[], datetime] = _now) -> Publisher:
        """The publisher of ``config``'s drafts folder, recording in its ledger's audit trail."""
        return cls(config, DraftStore(config.paths.drafts), config.ledger_path, clock)

    def post(self, draft: Draft, slug: str | None = None, comments: tuple[PostComment, ...] = ()) -> Post:
        """The post a draft becomes: its public fields only (and its approved comments)."""
        return self._finish(self._bare_post(draft, slug), [item.name for item in draft.assets], comments)

    def _bare_post(self, draft: Draft, slug: str | None = None) -> Post:
        """:meth:`post` without pictures and comments: what the post cache keeps.

        A change to what this puts in a post must bump :data:`mailbot.site.postcache.VERSION`.
        """
        c = self.config.comments
        form = self.config.review.base_url if c.form else None
        return Post(
            id=draft.id,
            slug=slug or draft.slug or "",
            title=draft.title,
            author=draft.author_display or "",
            forwarded_by=draft.forwarded_by,
            intro=draft.intro,
            notes=self._notes(draft),
            lang=language_tag(draft.lang),
            body=draft.body,
            letter_date=draft.letter_date,
            date=draft.published or draft.created or self.clock(),
            comment_links=comment_links.links_for(draft.id, draft.title, c.address, form),
        )

    def _finish(self, post: Post, assets: Iterable[str], comments: tuple[PostComment, ...]) -> Post:
        """``post`` with its pictures found on disk and its comments (the same object if none)."""
        found = self._assets_named(post.id, assets)
        return replace(post, assets=found, comments=comments) if found or comments else post

    def _comments(self) -> dict[str, tuple[PostComment, ...]]:
        """The approved comments of every post, as the site shows them (no address, ever)."""
        store = CommentStore(self.config.paths.drafts, self.ledger) if self.ledger else None
        if store is None:
            return {}
        return {
            post: tuple(PostComment(c.id, c.name, c.text, c.received) for c in found)
            for post, found in store.approved_by_post().items()
        }

    def _notes(self, draft: Draft) -> tuple[str, ...]:
        """Forwarders' notes are internal, published only with ``[attribution] publish_notes``."""
        if not self.config.attribution.publish_notes:
            return ()
        return tuple(f.note for f in draft.forwarders if f.note)

    def _assets_named(self, draft_id: str, names: Iterable[str]) -> tuple[tuple[str, Path], ...]:
        found = []
        for name in names:
            path = self.store.asset_path(draft_id, name)
            if path.is_file():
                found.append((name, path))
            else:
                log.warning("draft %s: image %s is missing from %s", draft_id, name, path.parent)
        return tuple(found)

    def _cache(self) -> PostCache:
        """The post cache, keyed by every setting a post depends on besides its draft."""
        c = self.config
        key = digest(
            str(self.store.folder.resolve()),
            repr(c.attribution.publish_notes),
            repr((c.comments.address, c.comments.form, c.review.base_url if c.comments.form else None)),
        )
        return PostCache(c.paths.state / CACHE_NAME, key)

    def publish(
        self, *, rebuild: bool = False, only: Collection[str] | None = None
    ) -> tuple[list[str], PublishReport]:
        """Render every approved and published draft; approved ones become published.

        ``only`` (draft ids) publishes just those approved drafts ("publish now" of the
        review desk): every other approved draft stays approved and off the site; the pages
        the new posts change (their own, the lists, archives, feeds, sitemap) are written as
        a full publish would write them. ``rebuild`` renders every page again whatever the
        site's manifest says (after an upgrade of Jinja, Babel or the theme); pages whose
        bytes did not change stay untouched.
        """
        with self.store.lock() as lock, paused():  # (mailbot.collector)
            child = None
            synced = self._synced()
            if synced and only is None and self.store.index.scalar(_APPROVED) >= CHILD_AT:
                # Many drafts to write: their writer starts now, and builds them while we do.
                child = writer.spawn(self.store.folder, lock)
            try:
                return self._publish(promote=True, rebuild=rebuild, only=only, child=child, synced=synced)
            finally:
                if child is not None:
                    child.finish()  # (done already, unless we failed before sending it anything)

    def _synced(self) -> bool:
        """The drafts index brought up to date (False: there is no drafts folder)."""
        if not self.store.folder.is_dir():
            return False
        index = self.store.index
        index.sync()
        for name, error in index.grouped("SELECT name, error FROM drafts WHERE status = 'broken'"):
            log.warning("skipping the broken draft %s: %s", self.store.folder / name, error)
        return True

    def _live(
        self, promote: bool, only: Collection[str] | None, *, synced: bool = False
    ) -> tuple[list[Draft], dict[str, Source], dict[str, Cached], dict[str, Cached], dict[str, Stamp]]:
        """What goes on the site: drafts to build posts from (oldest first) and cached posts.

        Returns the drafts, the index's source of each (by id, when it had one), the cache
        entries used (by file name), the whole cache as loaded and the stamp of every live
        file (by name). A published draft whose file has the stamp its cached post was made
        from is not read at all. ``synced``: :meth:`_synced` was called, and found the folder.
        """
        index = self.store.index
        if not synced and not self._synced():
            return [], {}, {}, {}, {}
        statuses = "'approved', 'published'" if promote else "'published'"
        # The stamps before the drafts: a row changed in between (another process's sync) then
        # leaves a stamp older than the post, which the next run finds stale; never the reverse.
        rows = index.grouped(
            "SELECT name, ino, mtime_ns, size, status FROM drafts"
            f" WHERE error IS NULL AND status IN ({statuses}) ORDER BY created, name"
        )
        wanted = None if only is None else {f"{i}.md" for i in only}
        loaded = self._cache().load()
        used: dict[str, Cached] = {}
        stamps: dict[str, Stamp] = {}
        names = []
        for name, ino, mtime, size, status in rows:
            if status == Status.APPROVED.value and wanted is not None and name not in wanted:
                continue
            stamps[name] = (ino, mtime, size)
            found = loaded.get(name)
            if status == Status.PUBLISHED.value and found is not None and found.stamp == (ino, mtime, size):
                used[name] = found
            else:
                names.append(name)
        drafts = []
        sources: dict[str, Source] = {}
        for marks, chunk in _name_chunks(names):
            for row in index.rows(f"WHERE name IN ({marks})", chunk, "ORDER BY created, name"):
                if row.draft is not None:
                    drafts.append(row.draft)
                    if row.source is not None:
                        sources[row.draft.id] = row.source
                else:
                    log.warning("skipping the broken draft %s: %s", self.store.folder / row.name, row.error)
        drafts.sort(key=lambda d: (d.created.isoformat() if d.created else "", f"{d.id}.md"))  # as the index
        return drafts, sources, used, loaded, stamps

    def _publish(
        self,
        *,
        promote: bool,
        rebuild: bool = False,
        only: Collection[str] | None = None,
        child: writer.Child | None = None,
        synced: bool = False,
    ) -> tuple[list[str], PublishReport]:
        """Publish (or, not ``promote``, render the published drafts); ``child`` writes the drafts.

        Without a ``child`` they are written here. ``synced``: the index was synced (:meth:`_synced`).
        """
        live, sources, used, loaded, stamps = self._live(promote, only, synced=synced)
        if only is not None:
            for draft_id in only:
                if not any(d.id == draft_id for d in live) and f"{draft_id}.md" not in used:
                    raise UsageError(f"draft {draft_id} is not approved; approve it before publishing it.")
        taken = {d.slug for d in live if d.slug} | {c.post.slug for c in used.values()}
        if any(not d.slug for d in live):
            # A new slug avoids every slug a draft holds: one left out of this run (approved,
            # publish now of another) or retracted may be published again with it.
            taken |= self.store.index.slugs()
        newly = []
        changed = []
        fields: dict[str, tuple[str | None, datetime | None]] = {}  # what each changed draft gets
        # Each draft that goes live is written ONCE, with its slug, its publication date and
        # the status published, BEFORE any page is written (and the file is durable):
        # - a crash before the write leaves the draft approved and the site without it: the
        #   next publish does it all again;
        # - a crash after the write but before or during the render leaves a published draft
        #   whose page may be missing: the next publish renders every published draft, with
        #   the slug and date stored here, so the permalink and the date never change;
        # - no page ever exists for a draft whose slug is not yet stored (that order is what
        #   keeps a permalink stable; the status can safely ride along, since a published
        #   draft is only ever rendered, and only an approved one ever becomes published).
        # A render that fails with an error puts the new posts back to approved (below); after
        # a crash they stay published and the next `mailbot publish` renders them.
        tried: dict[str, int] = {}  # (a thousand letters titled "Grazie" cost no more than two)
        for d in live:
            if d.status is Status.APPROVED or not d.slug or d.published is None:
                slug = None if d.slug else slugify(d.title, taken, tried=tried)
                when = None if d.published else self.clock()
                d.slug = d.slug or slug
                taken.add(d.slug or "")
                d.published = d.published or when
                if d.status is Status.APPROVED:
                    d.status = Status.PUBLISHED
                    newly.append(d.id)
                changed.append(d)
                fields[d.id] = (slug, when)
        fresh = set(newly)  # (a set made once: `in set(newly)` in a loop was O(n²), 2-3 s at 10,000)
        # The drafts are durable before the first page is written: render_site waits for them
        # (before_write) once the pages are rendered in memory. Many are written by a child
        # process meanwhile, started here (on the other core: writer threads in this process
        # fought the render over the GIL and made it slower, see bench/README.md); a few are
        # written here, first. Their index rows are recorded while the site is written (the
        # index is a cache: until then it finds those files changed and reads them again).
        comments = self._comments()
        try:
            pending = self._write(changed, sources, fields, child)
        except Exception:
            self._unpublish_after([d for d in changed if d.id in fresh])  # (no page was written)
            raise
        try:
            # Rendered as they are cached (the same objects when without pictures and comments).
            built = {
                d.id: Cached((0, 0, 0), self._bare_post(d), tuple(a.name for a in d.assets)) for d in live
            }
            posts = [
                self._finish(c.post, c.assets, comments.get(c.post.id, ()))
                for c in (*built.values(), *used.values())
            ]
            report = publish.render_site(
                posts,
                self.config.site,
                self.config.paths.site,
                force=rebuild,
                before_write=pending.durable if pending.waits else None,
            )
        except Exception:
            # A failure (not a crash): the new posts go back to approved, so whoever waits
            # for approved drafts (the service's auto-publish) tries again. Slug and date stay.
            pending.finish()  # every write of the first kind before any of the second
            self._unpublish([d for d in changed if d.id in fresh])
            raise
        finally:
            pending.finish()  # the index rows recorded, whatever happened
        # The posts of this run's published drafts, kept for the next run: a draft read this
        # run with the stamp read before it, one written this run with the stamp it was given.
        published = [(f"{d.id}.md", built[d.id]) for d in live if d.status is Status.PUBLISHED]
        self._cache().remember(published, {**stamps, **pending.durable()}, used, loaded)
        # Recorded once the pages are written, with the "published" mail in the same transaction
        # (mailbot.outbox): nobody is sent a link to a page that is not there. A crash between the
        # pages and this record loses that mail and this entry, never a post.
        audit.record(
            self.ledger,
            [(i, audit.PIPELINE, "publish", "approved → published") for i in newly],
            also=self._published_mail([d for d in changed if d.id in fresh]),
        )
        # The commenters whose comments are now on a page are told, once (mailbot.comments.notify).
        # (Every post on the site, the cached ones too; a post left out of this run is not.)
        site = self.config.site
        left_out = {name for name, _reason in report.skipped}
        on_site = {p.id: p for p in posts if p.id not in left_out}
        shown = {post: [c.number for c in found] for post, found in comments.items() if post in on_site}
        if shown:  # (no comment on any page: no mail to release, and no mail modules to import)
            from mailbot.comments import notify as comment_notify

            comment_notify.release(
                self.config,
                shown,
                lambda post: (
                    on_site[post].title,
                    site.base_url + post_path(on_site[post], site.tz, site.post_date),
                ),
            )
        return newly, report

    def _write(
        self,
        changed: list[Draft],
        sources: dict[str, Source],
        fields: dict[str, tuple[str | None, datetime | None]],
        child: writer.Child | None,
    ) -> writer.Pending:
        """Start writing ``changed`` (durable once the result's ``durable()`` returns)."""
        if child is None:
            return writer.InProcess(self.store, changed)
        child.send([writer.change_of(d, sources.get(d.id), fields[d.id]) for d in changed])
        return child

    def _unpublish_after(self, drafts: list[Draft]) -> None:
        """:meth:`_unpublish` after a failed write: drafts it wrote (published) go back too."""
        try:
            self._unpublish(drafts)
        except Exception as exc:  # the first error is the one raised; the next publish renders them
            log.warning("the new posts could not be put back to approved (%s)", exc)

    def _unpublish(self, drafts: list[Draft]) -> None:
        for d in drafts:
            d.status = Status.APPROVED
        self.store.write_many(drafts)
        audit.record(
            self.ledger,
            [
                (d.id, audit.PIPELINE, "publish", "published → approved (the site could not be written)")
                for d in drafts
            ],
        )

    def _published_mail(self, drafts: list[Draft]) -> Callable[[sqlite3.Connection], None] | None:
        """Queue the "published" mail to the forwarders with the audit entry (:mod:`mailbot.outbox`)."""
        if not drafts or self.config.smtp is None:  # (no [smtp]: no mail, and no slow import)
            return None
        from mailbot.outbox import notices
        from mailbot.outbox.outbox import enqueue

        mail = notices.published(self.config, drafts, lambda d: self.config.site.base_url + self.path_of(d))
        return (lambda db: enqueue(db, mail)) if mail else None

    def path_of(self, draft: Draft) -> str:
        """The permalink folder of a published draft, relative to the site root."""
        site = self.config.site
        return post_path(self._bare_post(draft), site.tz, site.post_date)  # (pictures do not place a post)

    def retract(self, ids: list[str], reason: str | None = None, who: str | None = None) -> PublishReport:
        """Take published posts off the site; their drafts stay, marked ``retracted``.

        The status is written first: a crash before the site is rewritten only
        means the next ``publish`` finishes the removal.
        """
        with self.store.lock():
            drafts = [self.store.find(i) for i in ids]
            for d in drafts:
                if d.status not in (Status.PUBLISHED, Status.APPROVED):
                    raise UsageError(
                        f"draft {d.id} is {d.status.value}; only published posts can be retracted."
                    )
            for d in drafts:
                before = d.status
                d.status = Status.RETRACTED
                d.reason = reason
                self.store.write(d)
            detail = f"; reason: {reason}" if reason else ""
            audit.record(
                self.ledger,
                [
                    (d.id, who or audit.local_user(), "retract", f"{before.value} → retracted{detail}")
                    for d in drafts
                ],
            )
            # Only what is already public is rendered: a retraction publishes nothing new.
            return self._publish(promote=False)[1]


def _name_chunks(names: Sequence[str], size: int = 500) -> Iterator[tuple[str, tuple[str, ...]]]:
    """``names`` in chunks small enough for one SQL ``IN (...)``: (its ``?`` marks, the chunk)."""
    for start in range(0, len(names), size):
        chunk = tuple(names[start : start + size])
        yield ",".join("?" * len(chunk)), chunk
