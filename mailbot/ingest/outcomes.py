"""What happened to messages: one vocabulary for `poll`, `status` and the logs, and a run's report.

Keys are the ledger's outcomes where it has one (``drafted``, ``duplicate``,
``failed``); :meth:`RunReport.summary` uses the same words, in this order (a test
holds them together).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class RunReport:
    """What one pass over a source did."""

    source: str
    drafted: list[str] = field(default_factory=list)
    duplicates: int = 0
    resumed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Copies of a known letter from another colleague, credited on its existing draft.
    credited: int = 0

    @property
    def seen(self) -> int:
        return len(self.drafted) + self.duplicates + self.credited + self.resumed + len(self.failed)

    def summary(self) -> str:
        return (
            f"{self.seen} message(s) from {self.source}: {len(self.drafted)} drafted, "
            f"{self.credited} credited on an existing draft, "
            f"{self.duplicates} already known, {self.resumed} resumed, {len(self.failed)} quarantined"
        )
