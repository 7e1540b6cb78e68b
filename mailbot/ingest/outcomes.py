"""One vocabulary for what happened to a message, in `poll`, `status` and the logs.

Keys are the ledger's outcomes where it has one (``drafted``, ``duplicate``,
``failed``); :meth:`mailbot.ingest.pipeline.RunReport.summary` uses the same words,
in this order (a test holds them together).
"""

from __future__ import annotations

WORDS: tuple[tuple[str, str], ...] = (
    ("drafted", "drafted"),
    ("credited", "credited on an existing draft"),
    ("duplicate", "already known"),
    ("resumed", "resumed"),
    ("failed", "quarantined"),
)


def describe(counts: dict[str, int]) -> str:
    """``{"drafted": 2, "failed": 1}`` as "2 drafted, 1 quarantined", in the order of :data:`WORDS`."""
    words = dict(WORDS)
    order = list(words)
    items = sorted(counts.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0]))
    return ", ".join(f"{n} {words.get(k, k)}" for k, n in items) or "none"
