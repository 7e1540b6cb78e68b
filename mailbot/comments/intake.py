"""Comments by mail: which post a message comments on, and the pending comment it becomes.

:func:`detect` is pure (a parsed message and the config in, a post id or None out); the
ingest pipeline (or the router) calls it before the letter path. :func:`accept` makes the
comment: the reader's own words only (:mod:`mailbot.comments.replytext`), private values
hidden as in letters (:mod:`mailbot.safety.redact`, listed and restorable), the same size
limit as every comment, stored once per message (:class:`~mailbot.comments.store.CommentStore`).
What cannot be taken raises :class:`~mailbot.errors.MessageError` with the reason: the caller
quarantines the message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from mailbot.budget import Deadline
from mailbot.comments import links, notify
from mailbot.comments.model import Comment, CommentStatus
from mailbot.comments.moderation import auto_approved
from mailbot.comments.replytext import own_words
from mailbot.comments.store import CommentStore, valid_post_id
from mailbot.config import Config
from mailbot.errors import MessageError
from mailbot.mail.html import html_to_text
from mailbot.mail.mime import parse_message
from mailbot.models import ParsedMessage, Redaction
from mailbot.safety import authres, redact
from mailbot.textutil import clean_text

log = logging.getLogger(__name__)

# Headers where a plus-address shows which post a reply is for.
RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to")
_ADDRESS_RE = re.compile(r"[^\s<>,;:\"()\[\]]+@[^\s<>,;:\"()\[\]]+")
# The Message-IDs mailbot gives its own mails about a post (links.notification_message_id).
_NOTIFICATION_RE = re.compile(r"<c-([A-Za-z0-9][A-Za-z0-9._-]{0,200})\.[0-9a-f]{8,32}@")


def detect(parsed: ParsedMessage, config: Config) -> str | None:
    """The id of the post ``parsed`` comments on, or None when it is not a comment.

    A comment is a message sent to the ``[comments] address`` plus ``+c-<post-id>``, or whose
    subject carries the marker ``[c-<post-id>]``, or that answers (In-Reply-To, References) a
    mail mailbot sent about the post. Nothing is checked against the drafts here.
    """
    return detect_in_headers(parsed.headers, parsed.subject or "", config)


def detect_in_headers(headers: Sequence[tuple[str, str]], subject: str, config: Config) -> str | None:
    """:func:`detect` on decoded header fields (``subject`` decoded too)."""
    address = config.comments.address
    if not address:
        return None
    headers = [(k.lower(), v) for k, v in headers]
    for name, value in headers:
        if name in RECIPIENT_HEADERS:
            for found in _ADDRESS_RE.findall(value):
                post = links.post_in_address(found, address)
                if post:
                    return post
    post = links.post_in_subject(subject)
    if post:
        return post
    for name, value in headers:
        if name in ("in-reply-to", "references"):
            m = _NOTIFICATION_RE.search(value)
            if m and valid_post_id(m.group(1)):
                return m.group(1)
    return None


def may_be_comment(raw: bytes) -> bool:
    """A cheap look at the raw header block: False only when :func:`detect` cannot find a post.

    Every way of naming a post leaves ``+c-``, ``[c-`` or ``<c-`` in the headers, unless an
    encoded word (``=?``) hides the subject's marker: then the message is parsed to see.
    """
    head = raw[:65536].replace(b"\r\n", b"\n")
    end = head.find(b"\n\n")
    head = head[:end] if end >= 0 else head
    return any(mark in head for mark in (b"+c-", b"[c-", b"<c-", b"=?"))


def comment_text(parsed: ParsedMessage) -> str:
    """The reader's own words: the text part, or the HTML part as text, without quotes and signature."""
    text = parsed.text if parsed.text and parsed.text.strip() else None
    if text is None and parsed.html:
        text = html_to_text(parsed.html)
    return own_words(clean_text(text or ""))


def accept(
    parsed: ParsedMessage,
    post: str,
    config: Config,
    store: CommentStore,
    *,
    sha256: str,
    received: datetime,
) -> Comment | None:
    """Store the comment ``parsed`` makes on ``post`` (pending unless its sender is trusted).

    None when this message was already taken (exactly once, by its bytes and Message-ID).
    Raises :class:`MessageError` when it cannot be taken: no words of the reader's own, too long.
    """
    if store.seen(sha256, parsed.message_id):
        return None
    text = comment_text(parsed)
    if not text.strip():
        raise MessageError(f"comment on {post} has no text of its own (only quotes or a signature)")
    limit = config.comments.max_chars
    if len(text) > limit:
        raise MessageError(
            f"comment on {post} is {len(text)} characters long (limit: [comments] max_chars = {limit})"
        )
    hidden, pairs = redact.redact(text, config.redaction.patterns, config.site.language)
    redactions = tuple(Redaction(f.kind, "text", mark, f.original) for f, mark in pairs)
    email = parsed.sender.address or ""
    name = clean_text(parsed.sender.name or "", multiline=False)[:80]
    if "@" in name:  # a display name that is an address would publish it
        name = ""
    trusted = auto_approved(email, config.comments.auto_approve)
    senders = config.senders
    if trusted and senders.require_authentication:
        # A From line is easy to forge: with [senders] require_authentication, trust needs its proof.
        trusted = authres.evaluate(parsed.headers, senders.trusted_authserv_ids, email).ok
    return store.add(
        post=post,
        name=name,
        email=email,
        text=hidden,
        received=received,
        via="mail",
        status=CommentStatus.APPROVED if trusted else CommentStatus.PENDING,
        message_id=parsed.message_id,
        sha256=sha256,
        redactions=redactions,
        also=notify.recorded(config),
    )


def take(
    raw: bytes,
    config: Config,
    ledger: Path,
    sha256: str,
    received: datetime,
    post_exists: Callable[[str], bool],
) -> tuple[str, str | None, bool] | None:
    """The ingest pipeline's one call: None when ``raw`` is no comment (the letter path takes it),
    else (post id, Message-ID, whether a new comment was stored: False for a message taken before).

    Raises :class:`MessageError` for a comment that cannot be taken (the caller quarantines it).
    """
    if len(raw) > config.service.max_message_bytes or not may_be_comment(raw):
        return None  # the letter path takes it (and quarantines a message too large)
    try:
        parsed = parse_message(raw, deadline=Deadline(config.service.message_seconds))
    except Exception:  # the letter path parses it again and says why it cannot
        return None
    post = detect(parsed, config)
    if post is None:
        return None
    if not post_exists(post):
        raise MessageError(f"comment on {post}: there is no such post")
    comment = accept(
        parsed, post, config, CommentStore(config.paths.drafts, ledger), sha256=sha256, received=received
    )
    if comment is not None:
        log.info("comment %d on %s stored as %s", comment.id, post, comment.status.value)
    return post, parsed.message_id, comment is not None
