"""Readers' comments as the theme shows them: escaped plain text, localized dates, links to comment.

The page of a post depends on its comments (:func:`page_fingerprint`); the pages listing the
post only on their count and on whether comments are open (:func:`count_fingerprint`, part of the
post's fingerprint): a new comment rewrites its post's page and the pages showing the count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import quote

from markupsafe import Markup, escape

from mailbot.models import Post
from mailbot.textutil import clean_text

# The longest name shown (a longer one is cut): a name is a line, not a letter.
NAME_MAX = 80


@dataclass(frozen=True, slots=True)
class CommentView:
    number: int
    anchor: str
    # Empty when the commenter left no name: the template says "Anonimo"/"Anonymous".
    name: str
    text_html: Markup
    date_iso: str
    date_long: str
    time_short: str


def text_html(text: str) -> Markup:
    """``text`` as escaped plain text: paragraphs at blank lines, ``<br>`` at line breaks."""
    paragraphs = [p.strip("\n") for p in clean_text(text).replace("\t", " ").split("\n\n")]
    html = [
        Markup("<p>") + Markup("<br>\n").join(escape(line) for line in p.split("\n")) + Markup("</p>")
        for p in paragraphs
        if p.strip()
    ]
    return Markup("\n").join(html)


def views(
    post: Post, tz: tzinfo, long_date: Callable[[datetime], str], short_time: Callable[[datetime], str]
) -> list[CommentView]:
    out = []
    for c in post.comments:
        local = c.date.astimezone(tz)
        out.append(
            CommentView(
                number=c.number,
                anchor=f"comment-{c.number}",
                name=clean_text(c.name, multiline=False)[:NAME_MAX],
                text_html=text_html(c.text),
                date_iso=local.isoformat(timespec="seconds"),
                date_long=long_date(local),
                time_short=short_time(local),
            )
        )
    return out


def mailto(post: Post) -> str | None:
    """The ``mailto:`` URL of "Comment by e-mail", or None when comments by mail are off."""
    links = post.comment_links
    if links is None or not links.address:
        return None
    url = "mailto:" + quote(links.address, safe="@+")
    if links.subject:
        url += "?subject=" + quote(links.subject, safe="")
    return url


def count_fingerprint(post: Post) -> str:
    """What the lists showing ``post`` need of its comments: how many, and whether comments are open."""
    links = post.comment_links
    is_open = links is not None and bool(links.address or links.form_action)
    return f"{len(post.comments)}\x1f{int(is_open)}"


def page_fingerprint(post: Post) -> str:
    """Everything of ``post``'s comments and links its own page shows."""
    if post.comment_links is None and not post.comments:
        return ""
    parts = [repr(post.comment_links)]
    parts += [f"{c.number}\x1d{c.name}\x1d{c.text}\x1d{c.date.isoformat()}" for c in post.comments]
    return "\x1e".join(parts)
