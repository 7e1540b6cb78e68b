"""Which mails an event causes, and to whom (the rules of :mod:`mailbot.outbox`).

Every function here is pure: config and event data in, :class:`~mailbot.outbox.compose.Notice`
objects out; the caller records them with its event (:func:`mailbot.outbox.outbox.enqueue`).

Nobody is mailed who is not known: a forwarder gets mail only when ``[senders] allow`` is set
and names them (and, with ``require_authentication``, only for a message that passed it), so
a forged From never turns mailbot into a backscatter source. :func:`loop_reason` refuses
to answer auto-replies, bounces and mailing lists (RFC 3834).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parseaddr

from mailbot.comments.links import notification_message_id
from mailbot.config import Config
from mailbot.errors import StoreError
from mailbot.models import Draft
from mailbot.outbox.compose import Composer, Notice

__all__ = ["Notice", "drafted", "loop_reason", "published", "quarantined"]
from mailbot.safety import authres
from mailbot.safety.senders import is_allowed

FIRST_LINES = 6


def composer(config: Config) -> Composer | None:
    """The composer for ``config``; None when no ``[smtp]`` is configured (nothing is sent)."""
    if config.smtp is None:
        return None
    return Composer(config.smtp.sender, config.site.language, config.site.templates)


def headers_of(raw: bytes) -> list[tuple[str, str]]:
    """The top-level header fields of a raw message (the body is not read)."""
    # compat32: the values as written, never a structured parse that a hostile header could break.
    msg = BytesHeaderParser(policy=compat32).parsebytes(raw)
    out = []
    for name, value in msg.raw_items():
        text = value if isinstance(value, str) else str(value)
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # raw 8-bit bytes
        out.append((name, _decoded(" ".join(text.split()))))  # unfolded, RFC 2047 words decoded
    return out


def loop_reason(headers: Sequence[tuple[str, str]]) -> str | None:
    """Why a message must not be answered (auto-reply, bounce, list), or None if it may."""
    fields: dict[str, list[str]] = {}
    for name, value in headers:
        fields.setdefault(name.lower(), []).append(value.strip())
    for value in fields.get("auto-submitted", []):
        if value.split(";")[0].strip().lower() != "no":
            return f"Auto-Submitted: {value}"
    for value in fields.get("return-path", []):
        if parseaddr(value)[1] == "" or value.replace(" ", "") == "<>":
            return "empty return path (a bounce)"
    for value in fields.get("precedence", []):
        if value.lower() in ("bulk", "list", "junk"):
            return f"Precedence: {value}"
    for name in ("list-id", "list-unsubscribe", "list-post"):
        if name in fields:
            return f"mailing list ({name})"
    if "x-autoreply" in fields or "x-autorespond" in fields:
        return "auto-reply header"
    for _, address in getaddresses(fields.get("from", [])):
        local = address.lower().partition("@")[0]
        if local in ("mailer-daemon", "postmaster") or local.startswith(("noreply", "no-reply")):
            return f"automatic sender {address}"
    return None


def known(config: Config, address: str | None) -> bool:
    """Whether ``address`` may get mail: ``[senders] allow`` is set and names it."""
    allow = config.senders.allow
    return bool(address and "@" in address and allow and is_allowed(address, allow))


def may_answer(config: Config, address: str | None, headers: Sequence[tuple[str, str]]) -> bool:
    """Whether the sender of a message with ``headers`` may be answered at all."""
    if not known(config, address) or loop_reason(headers) is not None:
        return False
    senders = config.senders
    if senders.require_authentication:
        return authres.evaluate(headers, senders.trusted_authserv_ids, address).ok
    return True


def _decoded(value: str) -> str:
    """An RFC 2047 header value as text (as written when it cannot be decoded)."""
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # a hostile encoded-word: the raw text will do for a subject line
        return value


def _answers(headers: Sequence[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "message-id" and value.strip():
            return value.strip()
    return None


def _credit(draft: Draft) -> str:
    return draft.author_display or draft.author.name or "(anonymous)"


def drafted(config: Config, draft: Draft, sender: str | None, raw: bytes) -> list[Notice]:
    """The mails a new draft causes: the forwarder's thanks and the reviewers' notice."""
    comp = composer(config)
    if comp is None:
        return []
    notices: list[Notice] = []
    headers = headers_of(raw)
    if config.notify.thanks and sender and may_answer(config, sender, headers):
        values = {"title": draft.title, "credit": _credit(draft)}
        notices.append(
            comp.compose(f"thanks:{draft.id}", "thanks", sender.lower(), values, answers=_answers(headers))
        )
    if config.notify.new_drafts:
        notices.extend(reviewer_notices(config, comp, draft))
    return notices


def reviewer_addresses(config: Config) -> list[str]:
    """``[notify] reviewers`` and, when the review desk made it, every address of its ``reviewers`` table."""
    found = [r.strip().lower() for r in config.notify.reviewers if "@" in r]
    path = config.ledger_path
    if path.exists():
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                db.execute("PRAGMA busy_timeout=5000")
                if db.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reviewers'"
                ).fetchone():
                    found += [str(r[0]).strip().lower() for r in db.execute("SELECT email FROM reviewers")]
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise StoreError(f"the reviewers in {path} cannot be read ({exc}).") from exc
    return list(dict.fromkeys(a for a in found if "@" in a))


def reviewer_notices(config: Config, comp: Composer, draft: Draft) -> list[Notice]:
    """One notice per reviewer, carrying the reply token (subject and Reply-To plus-address)."""
    reply_to = token_tag = None
    if config.notify.commands and config.smtp is not None:
        from mailbot.commands import tokens

        token = tokens.make(tokens.key(config.paths.state), draft.id, config.notify.token_days)
        token_tag = f" [mb:{token}]"
        reply_to = tokens.plus_address(parseaddr(config.smtp.sender)[1], token)
    lines = [line for line in draft.body.splitlines() if line.strip()][:FIRST_LINES]
    forwarders = ", ".join(f.name or f.address or "?" for f in draft.forwarders) or "-"
    base = config.review.base_url
    values: dict[str, object] = {
        "title": draft.title,
        "author": draft.author.name or draft.author.address or "-",
        "forwarders": forwarders,
        "warnings": ", ".join(draft.warnings),
        "first_lines": lines,
        "link": f"{base}drafts/{draft.id}" if base else None,
    }
    values["commands"] = token_tag is not None
    out = []
    for who in reviewer_addresses(config):
        notice = comp.compose(f"review:{draft.id}:{who.lower()}", "reviewer", who, values, reply_to=reply_to)
        if token_tag:
            subject = str(notice.message["Subject"]) + token_tag
            del notice.message["Subject"]
            notice.message["Subject"] = subject
        out.append(notice)
    return out


def confirmation(
    config: Config, draft: Draft, action: str, reviewer: str, answers: str | None
) -> list[Notice]:
    """The reviewer's confirmation that their command was carried out."""
    comp = composer(config)
    if comp is None:
        return []
    on_approve = config.service.publish == "on-approve"
    values = {"title": draft.title, "action": action, "reason": draft.reason or "", "on_approve": on_approve}
    event = f"confirm:{draft.id}:{action}:{answers or reviewer}"
    return [comp.compose(event, "confirm", reviewer, values, answers=answers)]


def quarantined(config: Config, raw: bytes, reason: str, key: str) -> list[Notice]:
    """The forwarder's mail about a quarantined message (only to a known, answerable sender)."""
    comp = composer(config)
    if comp is None or not config.notify.quarantined:
        return []
    headers = headers_of(raw)
    sender = next((parseaddr(v)[1] for k, v in headers if k.lower() == "from"), "")
    if not may_answer(config, sender, headers):
        return []
    subject = next((v for k, v in headers if k.lower() == "subject"), "") or "(no subject)"
    values = {"subject": subject, "reason": reason}
    return [
        comp.compose(f"quarantined:{key}", "quarantined", sender.lower(), values, answers=_answers(headers))
    ]


def published(config: Config, drafts: Iterable[Draft], link_of: Callable[[Draft], str]) -> list[Notice]:
    """The mails to the forwarders credited on newly published posts (each post once).

    ``link_of(draft)`` is the address of a draft's page (asked only when a mail is sent).
    """
    comp = composer(config)
    if comp is None or not config.notify.published:
        return []
    notices = []
    for draft in drafts:
        addresses = [f.address for f in draft.forwarders if f.address]
        link = link_of(draft) if addresses else ""
        for who in dict.fromkeys(a.lower() for a in addresses):
            if known(config, who):
                values = {"title": draft.title, "link": link}
                event = f"published:{draft.id}:{who}"
                msgid, reply_to = _about_post(config, draft, event)
                notices.append(comp.compose(event, "published", who, values, msgid=msgid, reply_to=reply_to))
    return notices


def _about_post(config: Config, draft: Draft, event: str) -> tuple[str | None, str | None]:
    """(Message-ID, Reply-To) of a mail about a post: with comments by mail, a reply is a comment on it.

    The Message-ID names the post (``<c-<post-id>.<hex>@...>``, made from the event by
    :func:`mailbot.comments.links.notification_message_id`), so a reply, which names it in
    In-Reply-To/References, is taken as a comment on the post; Reply-To is the comments address.
    Without ``[comments] address`` both are the usual ones (a reply is then quarantined).
    """
    address = config.comments.address
    if not address or config.smtp is None:
        return None, None
    domain = parseaddr(config.smtp.sender)[1].rpartition("@")[2] or "mailbot.invalid"
    token = hashlib.sha256(event.encode("utf-8")).hexdigest()[:16]
    return notification_message_id(draft.id, token, domain), address


def test_notice(config: Config, address: str, stamp: str) -> Notice | None:
    comp = composer(config)
    return None if comp is None else comp.compose(f"test:{address}:{stamp}", "test", address, {})
