"""``mailbot status``: what the service and the ledger say, as data and as text.

The counters use the words of :mod:`mailbot.ingest.outcomes`, the same as ``poll`` and
the logs. The JSON keeps the ledger's outcome names
(``drafted``, ``duplicate``, ``failed``) as keys.
"""

from __future__ import annotations

from typing import Any

from mailbot.config import Config
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.outcomes import describe
from mailbot.outbox.outbox import Outbox
from mailbot.service.runlock import holder


def gather(config: Config) -> dict[str, Any]:
    """The status as a JSON-ready object."""
    pid = holder(config.paths.state)
    with Ledger(config.ledger_path) as ledger:
        last = ledger.last_run()
        counts = ledger.counts()
        entry = ledger.last_error()
    with Outbox(config.ledger_path) as outbox:
        mail = outbox.counts()
    by_status: dict[str, int] = {}
    for d in DraftStore(config.paths.drafts).all():
        by_status[d.status.value] = by_status.get(d.status.value, 0) + 1
    last_poll = None
    if last is not None:
        source, started, finished, summary, error = last
        last_poll = {"source": source, "started": started, "finished": finished, "summary": summary,
                     "error": error}  # fmt: skip
    errors: list[dict[str, Any]] = []
    if entry is not None:
        errors.append(
            {"source": entry.source, "key": entry.key, "error": entry.error, "at": entry.handled_at}
        )
    if last_poll is not None and last_poll["error"]:
        # A poll that failed as a whole (a refused login, an unreachable server).
        at = last_poll["finished"] or last_poll["started"]
        errors.append({"source": last_poll["source"], "key": None, "error": last_poll["error"], "at": at})
    return {
        "source": "imap" if config.imap else "maildir",
        "service": {"running": pid is not None, "pid": pid or None},
        "last_poll": last_poll,
        "messages": counts,
        "drafts": by_status,
        "last_error": max(errors, key=lambda e: e["at"]) if errors else None,
        "outbox": {
            "queued": mail.queued,
            "sent": mail.sent,
            "failing": mail.failing,
            "last_error": mail.last_error,
            "smtp": config.smtp is not None,
        },
    }


def lines(data: dict[str, Any]) -> list[str]:
    """The status as text, one line per topic."""
    service = data["service"]
    running = "not running"
    if service["running"]:
        running = f"running (pid {service['pid']})" if service["pid"] else "running"
    out = [f"service:    {running}"]
    lp = data["last_poll"]
    if lp is None:
        out.append("last poll:  never")
    elif lp["error"]:
        out.append(f"last poll:  {lp['started']} — failed: {lp['error']}")
    else:
        out.append(f"last poll:  {lp['started']} — {lp['summary'] or 'unfinished'}")
    out.append(f"messages:   {describe(data['messages'])}")
    drafts = data["drafts"]
    out.append("drafts:     " + (", ".join(f"{n} {k}" for k, n in sorted(drafts.items())) or "none"))
    box = data["outbox"]
    failing = f", {box['failing']} failing (last error: {box['last_error']})" if box["failing"] else ""
    off = "" if box["smtp"] else " (no [smtp]: nothing is sent)"
    out.append(f"outbox:     {box['queued']} queued, {box['sent']} sent{failing}{off}")
    error = data["last_error"]
    if error is not None:
        out.append(f"last error: {error['at']} {error['key'] or error['source']}: {error['error']}")
    return out
