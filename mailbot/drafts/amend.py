"""Changes mailbot makes to existing drafts, and how private text is hidden in them.

A letter forwarded again by another colleague credits them on the letter's draft
(:func:`credit`): directly while the draft is in status ``draft``, else as a pending
amendment that only a reviewer turns into a credit (:func:`accept`). Every new text
field goes through :func:`hide` first, as on a new draft.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from mailbot.config import Config
from mailbot.drafts import attribution, audit, review
from mailbot.drafts.fields import get_field, redact_fields, set_field
from mailbot.drafts.parts import REDACTED, SURNAME, with_item
from mailbot.drafts.store import DraftStore
from mailbot.models import Draft, Extraction, Redaction, Status

log = logging.getLogger(__name__)


def hide(draft: Draft, fields: list[str], config: Config) -> int:
    """Hide private values in ``fields``, then show the author's name there as the policy says.

    Returns how many private values were hidden (the surname replacements, recorded among
    the redactions with kind "surname" so ``drafts restore`` can undo them, do not count).
    """
    hidden = redact_fields(draft, fields, config.redaction.patterns, config.site.language)
    style = config.attribution.author_style
    records = list(draft.redactions)
    for name in fields:
        if name == "author_display" or name.startswith("forwarded_by["):
            continue  # already chosen by the policy
        new, done = attribution.apply_author_style(get_field(draft, name) or "", draft.author, style)
        if done:
            set_field(draft, name, new)
            records += [Redaction(SURNAME, name, repl, orig, occurrence=n) for orig, repl, n in done]
    draft.redactions = tuple(records)
    return hidden


def _take_pending(draft: Draft, config: Config) -> None:
    """Credit the draft's pending forwarders, their labels and notes hidden as on a new draft."""
    labels = attribution.forwarded_by(draft.pending_forwarders, config.attribution)
    if hide(draft, review.apply_pending(draft, labels), config):
        draft.warnings = with_item(draft.warnings, REDACTED)


def credit(store: DraftStore, config: Config, ledger: Path | None, draft_id: str, found: Extraction) -> bool:
    """Credit the forwarders of another copy of a letter on its existing draft; True if any is new.

    A draft still in status ``draft`` is credited directly (a reviewer reads it before
    approving). Any other draft may be public or decided: the new forwarders wait in
    ``pending_forwarders`` for a reviewer (``mailbot drafts accept`` or ``discard``) and
    nothing public changes. Idempotent (a forwarder already credited or pending is not
    added twice), so a crash between this write and the ledger record is harmless.
    """
    draft = store.read(draft_id)
    known = {(f.address or f.name or "").lower() for f in draft.forwarders + draft.pending_forwarders}
    new = tuple(f for f in found.forwarders if (f.address or f.name or "").lower() not in known)
    if not new:
        return False
    names = ", ".join(f.address or f.name or "?" for f in new)
    draft.pending_forwarders = draft.pending_forwarders + new
    if draft.status is Status.DRAFT:
        _take_pending(draft, config)
        action = "credit"
    else:
        action = "credit-pending"
    store.write(draft)
    audit.record(ledger, [(draft.id, audit.PIPELINE, action, f"forwarders {names}")])
    log.info("draft %s: another colleague forwarded its letter (%s)", draft_id, action)
    return True


def accept(
    store: DraftStore, config: Config, ledger: Path | None, ids: Sequence[str], who: str
) -> list[Draft]:
    """Accept drafts' pending amendments (see :func:`mailbot.drafts.review.apply_pending`).

    The new forwarders are credited with the configured labels and their notes are
    hidden like any other; a published post goes back to ``approved``.
    """

    def take(d: Draft) -> str:
        detail = f"{review.pending_summary(d)}; was {d.status.value}"
        _take_pending(d, config)
        return f"{detail}, now {d.status.value}"

    return review.settle_pending(store, ledger, ids, "accept", take, who=who)
