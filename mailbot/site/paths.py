"""Where a post goes in the site: its folder from its slug and date, its pictures' names.

Pure: a :class:`~mailbot.models.Post` in, a relative path out, or a :class:`~mailbot.errors.PublishError`
naming the post and the fix.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from mailbot.errors import PublishError
from mailbot.models import ASSET_NAME, ASSET_NAME_RULE, Post

# ---------------------------------------------------------------------------
# Slugs and paths
# ---------------------------------------------------------------------------

_VALID_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?")


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


def usable_local(moment: datetime | None, tz: tzinfo | None) -> datetime | None:
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
    local = usable_local(post.date, tz)
    if local is None:
        raise PublishError(bad_date(post))
    letter = usable_local(post.letter_date, tz) if post_date == "letter" else None
    return path_at(post, letter or local)


def path_at(post: Post, local: datetime) -> str:
    if not _VALID_SLUG.fullmatch(post.slug):
        raise PublishError(
            f"post {post.id} has the invalid slug {post.slug!r}; use lowercase letters, digits and hyphens."
        )
    return f"{local.year:04d}/{local.month:02d}/{post.slug}/"


def bad_date(post: Post) -> str:
    return (
        f"post {post.id} has a publication date that cannot be shown in the site's time zone"
        f" ({post.date.isoformat()}); correct its published date in the draft."
    )


def asset_names(post: Post) -> list[str]:
    names = [item[0] for item in post.assets]
    for name in names:
        if not ASSET_NAME.fullmatch(name):
            raise PublishError(
                f"post {post.id} has a picture named {name!r}; {ASSET_NAME_RULE}: rename it in the draft."
            )
    if len(set(names)) != len(names):
        raise PublishError(f"post {post.id} lists a picture name twice; give each picture its own name.")
    return names
