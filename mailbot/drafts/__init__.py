"""Drafts: the draft files a reviewer reads, their store and index, and the review transitions.

fileformat (TOML front matter + body), store (files, locks, index), review and amend (transitions
with their audit trail), attribution (how forwarders are credited).
"""

from mailbot.drafts.store import DraftStore

__all__ = ["DraftStore"]
