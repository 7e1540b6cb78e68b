"""Review transitions: what a reviewer may do to a draft, each change recorded in the audit trail.

::

    draft ──approve──▶ approved ──publish──▶ published ──retract──▶ retracted
      ▲  ◀─unapprove──    │                      │
      └──────reject───────┴─▶ rejected           └─ a credit waits as an amendment

Approving a rejected or retracted draft needs ``force`` (the decision stays in the
history). A letter forwarded again after its draft left status ``draft`` never changes
what is public: the new forwarders wait in ``pending_forwarders`` until a reviewer
accepts them (:func:`apply_pending`; an accepted amendment puts a published post back to
``approved``, so the next ``mailbot publish`` shows it) or discards them.
Every function takes the drafts folder's lock and checks every id before any file changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path

from mailbot.drafts import audit
from mailbot.drafts.fields import restore_redaction
from mailbot.drafts.store import DraftStore
from mailbot.errors import UsageError
from mailbot.models import Draft, Redaction, Status

# action: (statuses it applies to, statuses it applies to only with force, the new status)
TRANSITIONS: dict[str, tuple[frozenset[Status], frozenset[Status], Status]] = {
    "approve": (
        frozenset({Status.DRAFT, Status.APPROVED}),
        frozenset({Status.REJECTED, Status.RETRACTED}),
        Status.APPROVED,
    ),
    "reject": (frozenset({Status.DRAFT, Status.APPROVED, Status.REJECTED}), frozenset(), Status.REJECTED),
    "unapprove": (frozenset({Status.APPROVED}), frozenset(), Status.DRAFT),
}


def transition(
    store: DraftStore,
    ledger: Path | None,
    ids: Sequence[str],
    action: str,
    *,
    reason: str | None = None,
    force: bool = False,
    who: str = audit.PIPELINE,
    locked: bool = False,
) -> list[Draft]:
    """Approve, reject or unapprove drafts (ids or unambiguous prefixes); all or none change.

    ``locked``: the caller already holds the store's lock (an ingestion run acting on a
    reviewer's reply, :mod:`mailbot.commands.act`).
    """
    allowed, forced, target = TRANSITIONS[action]
    with contextlib.nullcontext() if locked else store.lock():
        drafts = [store.find(i) for i in ids]
        for d in drafts:
            if d.status in forced and not force:
                why = f" ({d.reason})" if d.reason else ""
                raise UsageError(
                    f"draft {d.id} was {d.status.value}{why}; to {action} it all the same, add --force."
                )
            if d.status not in allowed | (forced if force else frozenset()):
                raise UsageError(f"draft {d.id} is {d.status.value}; it cannot be {_past(action)}.")
        rows = []
        for d in drafts:
            before = d.status
            d.status = target
            d.reason = reason if action == "reject" else None
            store.write(d)
            detail = f"{before.value} → {target.value}" + (f"; reason: {reason}" if reason else "")
            rows.append((d.id, who, action, detail))
        audit.record(ledger, rows)
    return drafts


def _past(action: str) -> str:
    return {"approve": "approved", "reject": "rejected", "unapprove": "moved back to draft"}[action]


def delete(store: DraftStore, ledger: Path | None, ids: Sequence[str], *, who: str) -> list[str]:
    """Remove drafts (file and images); the ledger keeps their messages so they are not drafted again.

    A published post must be retracted first: deleting it would leave it on the site.
    """
    with store.lock():
        drafts = [store.find(i) for i in ids]
        for d in drafts:
            if d.status in (Status.PUBLISHED, Status.APPROVED) and d.published is not None:
                raise UsageError(f"draft {d.id} is on the site; retract it first (mailbot retract {d.id}).")
        for d in drafts:
            store.delete(d.id)
        audit.record(ledger, [(d.id, who, "delete", f"was {d.status.value}") for d in drafts])
    return [d.id for d in drafts]


def restore(store: DraftStore, ledger: Path | None, draft_id: str, number: int, *, who: str) -> Redaction:
    """Put hidden value ``number`` back into a draft's text (it will be published if approved)."""
    with store.lock():
        d = store.find(draft_id)
        record = restore_redaction(d, number)
        store.write(d)
        audit.record(ledger, [(d.id, who, "restore", f"{record.kind} in {record.field} (number {number})")])
    return record


def apply_pending(draft: Draft, labels: Sequence[str]) -> list[str]:
    """Accept a draft's pending forwarders: credited, with ``labels`` added to ``forwarded_by``.

    A published post goes back to ``approved`` (the site keeps the old version until the next
    ``mailbot publish``); other statuses stay. Returns the fields that are new, for redaction.
    """
    if not draft.pending_forwarders:
        raise UsageError(f"draft {draft.id} has no pending amendment to accept.")
    first = len(draft.forwarders)
    draft.forwarders = draft.forwarders + draft.pending_forwarders
    _move_unknown(draft, "pending_forwarders", "forwarders", first)
    draft.pending_forwarders = ()
    old = list(draft.forwarded_by)
    draft.forwarded_by = tuple(old + [label for label in dict.fromkeys(labels) if label not in old])
    if draft.status is Status.PUBLISHED:
        draft.status = Status.APPROVED
    fields = [f"forwarders[{i}].note" for i in range(first, len(draft.forwarders))]
    return fields + [f"forwarded_by[{i}]" for i in range(len(old), len(draft.forwarded_by))]


def settle_pending(
    store: DraftStore,
    ledger: Path | None,
    ids: Sequence[str],
    action: str,
    settle: Callable[[Draft], str],
    *,
    who: str,
) -> list[Draft]:
    """Accept or discard drafts' pending amendments, all or none, with one audit entry each.

    Every draft must have one (else nothing changes); ``settle`` changes a draft in place and
    returns what the audit trail says of it; each draft is then written.
    """
    with store.lock():
        drafts = [store.find(i) for i in ids]
        for d in drafts:
            if not d.pending_forwarders:
                raise UsageError(f"draft {d.id} has no pending amendment to {action}.")
        rows = []
        for d in drafts:
            rows.append((d.id, who, action, settle(d)))
            store.write(d)
        audit.record(ledger, rows)
    return drafts


def discard_pending(store: DraftStore, ledger: Path | None, ids: Sequence[str], *, who: str) -> list[Draft]:
    """Drop drafts' pending amendments: nothing they carried is credited or published."""

    def discard(d: Draft) -> str:
        detail = _who_pending(d)
        d.pending_forwarders = ()
        d.unknown.pop("pending_forwarders", None)
        return detail

    return settle_pending(store, ledger, ids, "discard", discard, who=who)


def _who_pending(draft: Draft) -> str:
    return "forwarders " + ", ".join(f.address or f.name or "?" for f in draft.pending_forwarders)


def _move_unknown(draft: Draft, source: str, target: str, offset: int) -> None:
    """Keep a reviewer's own keys of pending tables with them when they move to ``target``."""
    moved = draft.unknown.pop(source, None)
    if moved:
        kept = list(draft.unknown.get(target, []))
        kept += [{}] * (offset - len(kept))
        draft.unknown[target] = kept + list(moved)


def pending_summary(draft: Draft) -> str:
    """One line for the audit trail: who the pending amendment would credit."""
    return _who_pending(draft)
