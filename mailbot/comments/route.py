"""The comments' answer to :func:`mailbot.ingest.route.classify`: is this message a reader's comment?

The ingest pipeline takes comments before it routes (:func:`mailbot.comments.intake.take`); this
hook makes :func:`~mailbot.ingest.route.classify` agree with it for every other caller. A reply to
a mail mailbot sent about a post (its Message-ID is ``<c-<post-id>.<hex>@...>``, see
:func:`mailbot.outbox.notices.published`) is a comment, never a reviewer's command: the mails that
carry commands (``<mailbot.<hex>@...>`` and a reply token) are not about a post.
"""

from __future__ import annotations

from mailbot.comments.intake import detect, detect_in_headers, may_be_comment
from mailbot.config import Config
from mailbot.models import ParsedMessage
from mailbot.outbox.notices import headers_of


def is_comment(parsed: ParsedMessage | None, raw: bytes, config: Config) -> bool:
    """True when ``parsed`` (or the header fields of ``raw``; the body is not parsed) comments on a post."""
    if not config.comments.address:
        return False
    if parsed is not None:
        return detect(parsed, config) is not None
    if not may_be_comment(raw):
        return False
    headers = headers_of(raw)
    subject = next((v for k, v in headers if k.lower() == "subject"), "")
    return detect_in_headers(headers, subject, config) is not None
