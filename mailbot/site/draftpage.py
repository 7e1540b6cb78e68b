"""Drafts rendered as they would be published, marked as previews (banner, ``noindex``).

:func:`render_draft_page` makes one draft's post page for the review desk, in a private folder
of its own with the theme's static files beside it; :func:`render_preview` makes the preview
folder of ``mailbot preview``. Both go through :func:`mailbot.site.render.render_site` (the code
path of ``mailbot publish``) from :meth:`Publisher.post` (the public fields only).
"""

from __future__ import annotations

from pathlib import Path

from mailbot.errors import PublishError
from mailbot.models import Draft, Status
from mailbot.site.paths import post_path
from mailbot.site.publishing import Publisher
from mailbot.site.render import PublishReport, render_site
from mailbot.textutil import slugify


def render_draft_page(publisher: Publisher, draft: Draft, out: Path) -> tuple[str, str]:
    """Render ``draft``'s post page into the folder ``out``: its HTML and its path inside ``out``."""
    post = publisher.post(draft, draft.slug or slugify(draft.title, set()))
    site = publisher.config.site
    report = render_site([post], site, out, preview=True)
    for _post_id, reason in report.skipped:
        raise PublishError(reason)
    rel = post_path(post, site.tz, site.post_date) + "index.html"
    return (out / rel).read_text(encoding="utf-8"), rel


def render_preview(publisher: Publisher, ids: list[str] | None = None) -> PublishReport:
    """Render drafts (default: all in status draft or approved) into the preview folder.

    Same theme, marked as a preview on every page; the public site and the
    drafts themselves are not touched.
    """
    store = publisher.store
    if ids:
        drafts = [store.find(i) for i in ids]
    else:
        drafts = [d for d in store.all() if d.status in (Status.DRAFT, Status.APPROVED)]
    taken: set[str] = set()
    posts = []
    for d in drafts:
        slug = d.slug or slugify(d.title, taken)
        taken.add(slug)
        posts.append(publisher.post(d, slug))
    config = publisher.config
    return render_site(posts, config.site, config.paths.preview, preview=True)
