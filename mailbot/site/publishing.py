"""The publish flow: approved drafts to the site, retractions, previews.

The drafts stay the source of truth: the slug and publication date are written into a
draft before its page is, the status after. Only public fields reach a
:class:`~mailbot.models.Post`; the rendering is :mod:`mailbot.site.render`'s.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from mailbot.comments import links as comment_links
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

    def publish(self) -> tuple[list[str], PublishReport]:
        """Render every approved and published draft; approved ones become published.

        The slug and publication date are stored in the draft *before* the
        site is written, so a crash never changes a permalink; the status is
        set after, so a crash only means the next publish does it again.
        """
        with self.store.lock():
            return self._publish(promote=True)

    def _publish(self, *, promote: bool) -> tuple[list[str], PublishReport]:
        drafts = self.store.all()
        wanted = (Status.APPROVED, Status.PUBLISHED) if promote else (Status.PUBLISHED,)
        live = [d for d in drafts if d.status in wanted]
        taken = {d.slug for d in live if d.slug}
        for d in live:
            if not d.slug or d.published is None:
                d.slug = d.slug or slugify(d.title, taken)
                taken.add(d.slug)
                d.published = d.published or self.clock()
                self.store.write(d)
        comments = self._comments()
        report = publish.render_site(
            [self.post(d, comments=comments.get(d.id, ())) for d in live],
            self.config.site,
            self.config.paths.site,
        )
        newly = []
        for d in live:
            if d.status is Status.APPROVED:
                d.status = Status.PUBLISHED
                self.store.write(d)
                newly.append(d.id)
        audit.record(
            self.ledger,
            [(i, audit.PIPELINE, "publish", "approved → published") for i in newly],
            also=self._published_mail([d for d in live if d.id in newly]),
        )
        return newly, report

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
