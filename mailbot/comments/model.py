"""A reader's comment on a post, as stored beside the drafts (see :mod:`mailbot.comments.store`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from mailbot.models import Redaction


class CommentStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(slots=True)
class Comment:
    """One comment. ``email`` is the commenter's address: private, never shown on the site."""

    id: int
    post: str
    status: CommentStatus
    name: str
    email: str
    text: str
    received: datetime
    # How it came: "mail" or "form"; for mail, the message's id and the sha256 of its bytes.
    via: str = "mail"
    message_id: str | None = None
    sha256: str | None = None
    redactions: tuple[Redaction, ...] = ()
    # Keys of the file mailbot does not know, written back unchanged.
    unknown: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "post": self.post,
            "status": self.status.value,
            "name": self.name,
            "text": self.text,
            "received": self.received.isoformat(timespec="seconds"),
            "via": self.via,
            "redactions": len(self.redactions),
        }
