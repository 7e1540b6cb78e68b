"""Acting on a reviewer's reply: every check, then the same transition the CLI uses.

:func:`act` accepts a command only when all hold: the sender is a reviewer (``[notify]
reviewers``); the reply carries a genuine, unexpired token for an existing draft; with
``[senders] require_authentication`` the reply passes the Authentication-Results rule of
letters; its own first line is a command; the token was not used before. Anything else
comes back as a reason (the pipeline quarantines the message with it). An accepted command
goes through :func:`mailbot.drafts.review.transition` (audit entry with the reviewer's
address as actor) and yields a confirmation mail for the reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mailbot import database
from mailbot.commands import tokens
from mailbot.commands.reply import command, own_text
from mailbot.config import Config
from mailbot.drafts import review
from mailbot.drafts.store import DraftStore
from mailbot.errors import MailbotError
from mailbot.mail import mime
from mailbot.outbox import notices
from mailbot.outbox.compose import Notice
from mailbot.safety import authres


@dataclass
class Outcome:
    ok: bool
    reason: str
    draft_id: str | None = None
    mail: list[Notice] = field(default_factory=list)


def reviewers(config: Config) -> set[str]:
    """Who may command by mail: ``[notify] reviewers`` and the review desk's reviewers."""
    return set(notices.reviewer_addresses(config))


def act(
    config: Config,
    ledger: Path,
    store: DraftStore,
    raw: bytes,
    found_tokens: tuple[str, ...],
    *,
    locked: bool = True,
    now: datetime | None = None,
) -> Outcome:
    """Check and carry out the command in ``raw`` (see the module docstring)."""
    parsed = mime.parse_message(raw)
    sender = (parsed.sender.address or "").strip().lower()
    if not sender or sender not in reviewers(config):
        return Outcome(
            False, f"a reply to mailbot from {sender or '(none)'}, who is not in [notify] reviewers"
        )
    if not config.notify.commands:
        return Outcome(False, "a reply to mailbot, and [notify] commands = false")
    if not found_tokens:
        return Outcome(False, "a reply to mailbot without its reply token")
    senders = config.senders
    if senders.require_authentication:
        verdict = authres.evaluate(parsed.headers, senders.trusted_authserv_ids, sender)
        if not verdict.ok:
            return Outcome(False, f"a reviewer's reply that is not authenticated: {verdict.reason}")
    secret = tokens.key(config.paths.state)
    token, checked = "", tokens.Checked(None, "no reply token")
    for token in found_tokens:
        checked = tokens.check(secret, token, now)
        if checked.reason is None:
            break
    if checked.reason is not None or checked.draft_id is None:
        return Outcome(False, f"a reviewer's reply refused: {checked.reason}")
    draft_id = checked.draft_id
    order = command(own_text(parsed))
    if order is None:
        return Outcome(False, "a reviewer's reply without a command on its first line", draft_id)
    if not store.exists(draft_id):
        return Outcome(False, f"a reviewer's reply for draft {draft_id}, which no longer exists", draft_id)
    if not _use(ledger, token, sender, now):
        return Outcome(False, "a reviewer's reply whose token was used before", draft_id)
    action = "reject" if order.action == "reject" else "approve"
    try:
        (draft,) = review.transition(
            store, ledger, [draft_id], action, reason=order.reason, who=sender, locked=locked
        )
    except MailbotError as exc:
        return Outcome(False, f"a reviewer's command could not be carried out: {exc}", draft_id)
    mail = notices.confirmation(config, draft, order.action, sender, parsed.message_id)
    return Outcome(True, f"{order.action} by {sender}", draft_id, mail)


def _use(ledger: Path, token: str, who: str, now: datetime | None) -> bool:
    db = database.connect(ledger)
    try:
        db.execute("BEGIN IMMEDIATE")
        fresh = tokens.use(db, token, who, now or datetime.now(UTC))
        db.execute("COMMIT")
        return fresh
    finally:
        db.close()
