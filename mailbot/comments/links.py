"""How a message names the post it comments on: a plus-address and a subject marker.

The site's "Comment by e-mail" link writes to ``<local>+c-<post-id>@<domain>`` (when the
server delivers plus-addresses to ``<local>@<domain>``) with the subject ``Re: <title> [c-<post-id>]``;
either one is enough for :func:`mailbot.comments.intake.detect` to find the post.
"""

from __future__ import annotations

import re

from mailbot.comments.store import valid_post_id
from mailbot.models import CommentLinks

TAG = "c-"
_MARK = re.compile(r"\[c-([A-Za-z0-9][A-Za-z0-9._-]{0,200})\]")


def plus_address(address: str, post_id: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local}+{TAG}{post_id}@{domain}"


def subject(title: str, post_id: str) -> str:
    short = " ".join(title.split())[:120]
    return f"Re: {short} [{TAG}{post_id}]"


def post_in_subject(text: str) -> str | None:
    found = _MARK.findall(text or "")
    return found[-1] if found and valid_post_id(found[-1]) else None


def post_in_address(address: str, comments_address: str) -> str | None:
    """The post id in ``address`` when it is the comments address plus ``+c-<post-id>``."""
    local, _, domain = comments_address.lower().rpartition("@")
    a_local, _, a_domain = address.strip().rpartition("@")
    prefix = f"{local}+{TAG}"
    if a_domain.lower() != domain or not a_local.lower().startswith(prefix):
        return None
    post = a_local[len(prefix) :]
    return post if valid_post_id(post) else None


def links_for(post_id: str, title: str, address: str | None, form_base: str | None) -> CommentLinks | None:
    """What a post page offers readers; None when comments are off."""
    if not address and not form_base:
        return None
    return CommentLinks(
        address=plus_address(address, post_id) if address else None,
        subject=subject(title, post_id) if address else None,
        form_action=(form_base.rstrip("/") + "/comment") if form_base else None,
    )


def notification_message_id(post_id: str, token: str, domain: str) -> str:
    """The Message-ID for a mail about ``post_id`` (``token``: 8-32 hex digits): replies comment on it."""
    return f"<c-{post_id}.{token}@{domain}>"
