"""One draft's post page, exactly as publishing would render it, for the review desk.

The page is made by :func:`mailbot.site.render.render_site` (the code path of ``mailbot publish``)
from :meth:`Publisher.post` (the public fields only), into a private folder of its own with the
theme's static files beside it, marked as a preview (banner, ``noindex``).
"""

from __future__ import annotations

from pathlib import Path

from mailbot.errors import PublishError
from mailbot.models import Draft
from mailbot.site.paths import post_path
from mailbot.site.publishing import Publisher
from mailbot.site.render import render_site
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
