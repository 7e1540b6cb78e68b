"""The publish flow: approved drafts to the site, retractions, previews.

The drafts stay the source of truth: the slug, publication date and status published are
written into a draft, in one write, before its page is. Only public fields reach a
:class:`~mailbot.models.Post`; the rendering is :mod:`mailbot.site.render`'s.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from mailbot.comments import links as comment_links
from mailbot.comments import notify as comment_notify
from mailbot.comments.store import CommentStore
from mailbot.config import Config
from mailbot.drafts import audit
from mailbot.drafts.store import DraftStore
from mailbot.errors import UsageError
from mailbot.langdetect import language_tag
from mailbot.models import Draft, Post, PostComment, Status
from mailbot.outbox import notices
from mailbot.outbox.outbox import enqueue
from mailbot.site import render as publish
from mailbot.site.paths import post_path
from mailbot.site.render import PublishReport
from mailbot.textutil import slugify

log = logging.getLogger(__name__)


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
            assets=self._assets(draft),
            comments=comments,
            comment_links=comment_links.links_for(draft.id, draft.title, c.address, form),
        )

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

    def _assets(self, draft: Draft) -> tuple[tuple[str, Path], ...]:
        """The draft's prepared images that are on disk: (public name, path)."""
        found = []
        for item in draft.assets:
            path = self.store.asset_path(draft.id, item.name)
            if path.is_file():
                found.append((item.name, path))
            else:
                log.warning("draft %s: image %s is missing from %s", draft.id, item.name, path.parent)
        return tuple(found)

    def publish(self, *, rebuild: bool = False) -> tuple[list[str], PublishReport]:
        """Render every approved and published draft; approved ones become published.

        ``rebuild`` renders every page again whatever the site's manifest says (after an
        upgrade of Jinja, Babel or the theme); pages whose bytes did not change stay untouched.
        """
        with self.store.lock():
            return self._publish(promote=True, rebuild=rebuild)

    def _publish(self, *, promote: bool, rebuild: bool = False) -> tuple[list[str], PublishReport]:
        drafts = self.store.all()
        wanted = (Status.APPROVED, Status.PUBLISHED) if promote else (Status.PUBLISHED,)
        live = [d for d in drafts if d.status in wanted]
        taken = {d.slug for d in live if d.slug}
        newly = []
        changed = []
        # Each draft that goes live is written ONCE, with its slug, its publication date and
        # the status published, BEFORE any page is written (and after the file is durable):
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
        for d in live:
            if d.status is Status.APPROVED or not d.slug or d.published is None:
                d.slug = d.slug or slugify(d.title, taken)
                taken.add(d.slug)
                d.published = d.published or self.clock()
                if d.status is Status.APPROVED:
                    d.status = Status.PUBLISHED
                    newly.append(d.id)
                changed.append(d)
        self.store.write_many(changed)  # all durable before the first page is written
        comments = self._comments()
        posts = [self.post(d, comments=comments.get(d.id, ())) for d in live]
        try:
            report = publish.render_site(posts, self.config.site, self.config.paths.site, force=rebuild)
        except Exception:
            # A failure (not a crash): the new posts go back to approved, so whoever waits
            # for approved drafts (the service's auto-publish) tries again. Slug and date stay.
            self._unpublish([d for d in changed if d.id in set(newly)])
            raise
        # Recorded once the pages are written, with the "published" mail in the same transaction
        # (mailbot.outbox): nobody is sent a link to a page that is not there. A crash between the
        # pages and this record loses that mail and this entry, never a post.
        audit.record(
            self.ledger,
            [(i, audit.PIPELINE, "publish", "approved → published") for i in newly],
            also=self._published_mail([d for d in changed if d.id in set(newly)]),
        )
        # The commenters whose comments are now on a page are told, once (mailbot.comments.notify).
        by_id = {d.id: d for d in live}
        comment_notify.release(
            self.config,
            {post: [c.number for c in found] for post, found in comments.items() if post in by_id},
            lambda post: (by_id[post].title, self.config.site.base_url + self.path_of(by_id[post])),
        )
        return newly, report

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
        links = {d.id: self.config.site.base_url + self.path_of(d) for d in drafts}
        mail = notices.published(self.config, drafts, links)
        return (lambda db: enqueue(db, mail)) if mail else None

    def path_of(self, draft: Draft) -> str:
        """The permalink folder of a published draft, relative to the site root."""
        site = self.config.site
        return post_path(self.post(draft), site.tz, site.post_date)

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

    def preview(self, ids: list[str] | None = None) -> PublishReport:
        """Render drafts (default: all in status draft or approved) into the preview folder.

        Same theme, marked as a preview on every page; the public site and the
        drafts themselves are not touched.
        """
        if ids:
            drafts = [self.store.find(i) for i in ids]
        else:
            drafts = [d for d in self.store.all() if d.status in (Status.DRAFT, Status.APPROVED)]
        taken: set[str] = set()
        posts = []
        for d in drafts:
            slug = d.slug or slugify(d.title, taken)
            taken.add(slug)
            posts.append(self.post(d, slug))
        return publish.render_site(posts, self.config.site, self.config.paths.preview, preview=True)
