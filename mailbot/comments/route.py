"""The comments' answer to :func:`mailbot.ingest.route.classify`: is this message a reader's comment?

The ingest pipeline takes comments before it routes (:func:`mailbot.comments.intake.take`); this
hook makes :func:`~mailbot.ingest.route.classify` agree with it for every other caller. A reply to
a mail mailbot sent about a post (its Message-ID is ``<c-<post-id>.<hex>@...>``, see
:func:`mailbot.outbox.notices.published`) is a comment, never a reviewer's command: the mails that
carry commands (``<mailbot.<hex>@...>`` and a reply token) are not about a post.
"""

from __future__ import annotations

from mailbot.budget import Deadline
from mailbot.comments.intake import detect, may_be_comment
from mailbot.config import Config
from mailbot.mail.mime import parse_message
from mailbot.models import ParsedMessage


def is_comment(parsed: ParsedMessage | None, raw: bytes, config: Config) -> bool:
    """True when ``parsed`` (or ``raw``, parsed here when needed) comments on a post."""
    if not config.comments.address:
        return False
    if parsed is None:
        if not may_be_comment(raw) or len(raw) > config.service.max_message_bytes:
            return False
        try:
            parsed = parse_message(raw, deadline=Deadline(config.service.message_seconds))
        except Exception:  # the letter path parses it again and says why it cannot
            return False
    return detect(parsed, config) is not None
