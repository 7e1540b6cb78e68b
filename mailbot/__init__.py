"""mailbot: customer letters forwarded to a mailbox become reviewed posts on a static blog."""

__version__ = "0.1.0"
