"""Reviewers answer by mail: a genuine reply acts, a forged one does nothing (real SMTP server)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from mailfactory import letter, maildir
from smtpserver import SmtpServer
from test_outbox import FORWARDER, flush, poll, write_config

from mailbot.commands import tokens
from mailbot.config import Config, load_config
from mailbot.drafts import audit
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import Status
from mailbot.service import Service
from mailbot.sources.local import MaildirInbox

LEAD = "lead@example.org"
_counter = iter(range(10_000))


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpServer) -> Config:
    return write_config(tmp_path, smtpd)


def drafted(config: Config, smtpd: SmtpServer, *numbers: int) -> dict[str, EmailMessage]:
    """Draft letters ``numbers``; the reviewer's notice of each, by draft id."""
    maildir(config.local.maildir, [letter(n, subject=f"Lettera {n}") for n in numbers])
    poll(config)
    flush(config)
    out = {}
    for d in DraftStore(config.paths.drafts).all():
        (notice,) = [m for m in smtpd.to(LEAD) if m["Subject"].startswith(f"New draft: {d.title} ")]
        out[d.id] = notice
    smtpd.clear()
    return out


def reply(
    notice: EmailMessage,
    text: str,
    *,
    sender: str = LEAD,
    subject: str | None = None,
    html: bool = False,
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Lead <{sender}>"
    # A tampered subject comes with the plain address: the plus-address would carry the real token.
    msg["To"] = "blog@example.org" if subject is not None else (notice["Reply-To"] or "blog@example.org")
    msg["Subject"] = subject if subject is not None else "Re: " + str(notice["Subject"])
    msg["Date"] = "Mon, 30 Nov 2026 10:00:00 +0000"
    msg["Message-ID"] = make_msgid(f"r{next(_counter)}", "example.org")
    msg["In-Reply-To"] = notice["Message-ID"]
    for name, value in (headers or {}).items():
        msg[name] = value
    quoted = "\n".join("> " + line for line in notice.get_content().splitlines())
    if html:
        msg.set_content(f"<div>{text}</div><blockquote>{notice.get_content()}</blockquote>", subtype="html")
    else:
        msg.set_content(f"{text}\n\nOn Mon, the blog wrote:\n{quoted}\n")
    return msg.as_bytes()


def deliver(config: Config, *messages: bytes) -> None:
    box = config.local.maildir
    for data in messages:
        (box / "new" / f"r{next(_counter)}.M1P1.test").write_bytes(data)
    poll(config)


def status(config: Config, draft_id: str) -> Status:
    return DraftStore(config.paths.drafts).read(draft_id).status


def test_a_reviewer_approves_by_replying(config: Config, smtpd: SmtpServer) -> None:
    ((draft_id, notice),) = drafted(config, smtpd, 1).items()
    assert "[mb:" in notice["Subject"]
    assert "Reply to this mail with one word on the first line" in notice.get_content()
    deliver(config, reply(notice, "approva"))
    assert status(config, draft_id) is Status.APPROVED
    with audit.Audit(config.ledger_path) as trail:
        (last,) = [e for e in trail.history(draft_id) if e.action == "approve"]
    assert last.who == LEAD
    flush(config)
    (confirm,) = smtpd.to(LEAD)
    assert confirm["Subject"] == "Approved: Lettera 1"
    assert "approved as you asked" in confirm.get_content()
    assert len(DraftStore(config.paths.drafts).all()) == 1  # the reply never became a draft


def test_reject_with_a_reason_and_an_html_only_reply(config: Config, smtpd: SmtpServer) -> None:
    notices = drafted(config, smtpd, 2, 3)
    (a, na), (b, nb) = sorted(notices.items())
    deliver(config, reply(na, "rifiuta contiene dati personali"), reply(nb, "approve", html=True))
    draft = DraftStore(config.paths.drafts).read(a)
    assert draft.status is Status.REJECTED and draft.reason == "contiene dati personali"
    assert status(config, b) is Status.APPROVED


def _forged(config: Config, smtpd: SmtpServer, make: str) -> None:
    notices = drafted(config, smtpd, 4, 5)
    (a, na), (b, _nb) = sorted(notices.items())
    token = tokens.find([("Subject", str(na["Subject"]))])[0]
    secret = tokens.key(config.paths.state)
    subject = str(na["Subject"])
    if make == "wrong sender":
        data = reply(na, "approve", sender="anna.bianchi@napoli.example.org")
    elif make == "missing token":
        data = reply(na, "approve", subject="Re: New draft: Lettera 4")
    elif make == "altered token":
        data = reply(
            na, "approve", subject=subject.replace(token, token[:-1] + ("0" if token[-1] != "0" else "1"))
        )
    elif make == "another draft's id in the token":
        data = reply(na, "approve", subject=subject.replace(token, token.replace(a, b)))
    elif make == "expired token":
        old = tokens.make(secret, a, 1, now=datetime.now(UTC) - timedelta(days=3))
        data = reply(na, "approve", subject=f"Re: New draft: Lettera 4 [mb:{old}]")
    elif make == "quoted command only":
        data = reply(na, "")
        data = data.replace(b"> Title: Lettera 4", b"> approve")
    else:
        raise AssertionError(make)
    deliver(config, data)
    assert status(config, a) is Status.DRAFT and status(config, b) is Status.DRAFT
    assert len(DraftStore(config.paths.drafts).all()) == 2  # and no draft was made of it
    with Ledger(config.ledger_path) as ledger:
        assert ledger.counts().get("failed") == 1
    flush(config)
    assert smtpd.received == []  # no confirmation, no quarantine mail


@pytest.mark.parametrize(
    "make",
    [
        "wrong sender",
        "missing token",
        "altered token",
        "another draft's id in the token",
        "expired token",
        "quoted command only",
    ],
)
def test_a_forged_reply_does_nothing(config: Config, smtpd: SmtpServer, make: str) -> None:
    _forged(config, smtpd, make)


def test_a_token_works_once(config: Config, smtpd: SmtpServer) -> None:
    ((draft_id, notice),) = drafted(config, smtpd, 6).items()
    deliver(config, reply(notice, "reject not now"))
    assert status(config, draft_id) is Status.REJECTED
    deliver(config, reply(notice, "approve"))  # a second reply with the same token
    assert status(config, draft_id) is Status.REJECTED
    with Ledger(config.ledger_path) as ledger:
        assert ledger.counts().get("failed") == 1


def test_require_authentication_applies_to_replies(tmp_path: Path, smtpd: SmtpServer) -> None:
    config = write_config(
        tmp_path, smtpd, senders='require_authentication = true\ntrusted_authserv_ids = ["mx.example.org"]\n'
    )
    good = {"Authentication-Results": "mx.example.org; dkim=pass header.d=example.org; spf=pass"}
    maildir(config.local.maildir, [letter(7, subject="Lettera 7")])
    ids = drafted_authenticated(config, smtpd)
    ((draft_id, notice),) = ids.items()
    deliver(config, reply(notice, "approve"))  # no Authentication-Results: refused
    assert status(config, draft_id) is Status.DRAFT
    deliver(config, reply(notice, "approve", headers=good))
    assert status(config, draft_id) is Status.APPROVED


def drafted_authenticated(config: Config, smtpd: SmtpServer) -> dict[str, EmailMessage]:
    box = config.local.maildir / "new"
    for path in box.iterdir():
        path.write_bytes(
            b"Authentication-Results: mx.example.org; dkim=pass header.d=napoli.example.org; spf=pass\r\n"
            + path.read_bytes()
        )
    poll(config)
    flush(config)
    out = {}
    for d in DraftStore(config.paths.drafts).all():
        (notice,) = [m for m in smtpd.to(LEAD) if "New draft" in m["Subject"]]
        out[d.id] = notice
    smtpd.clear()
    return out


def test_approval_by_mail_publishes_through_the_service(tmp_path: Path, smtpd: SmtpServer) -> None:
    write_config(tmp_path, smtpd)
    text = (tmp_path / "mailbot.toml").read_text() + '[service]\npublish = "on-approve"\n'
    (tmp_path / "mailbot.toml").write_text(text)
    config = load_config(tmp_path / "mailbot.toml")
    ((draft_id, notice),) = drafted(config, smtpd, 8).items()
    (config.local.maildir / "new" / "reply.test").write_bytes(reply(notice, "pubblica"))
    with Ledger(config.ledger_path) as ledger:
        service = Service(Pipeline(config, ledger), lambda: MaildirInbox(config.local.maildir), interval=60,
                          publish="on-approve")  # fmt: skip
        service.poll()
        service.flush_outbox()
    draft = DraftStore(config.paths.drafts).read(draft_id)
    assert draft.status is Status.PUBLISHED
    (published,) = smtpd.to(FORWARDER)
    assert published["Subject"] == "Published: Lettera 8"
    assert f"https://blog.example.org/{draft.published:%Y/%m}/{draft.slug}/" in published.get_content()
    (confirm,) = smtpd.to(LEAD)
    assert "The service publishes it shortly" in confirm.get_content()


def test_the_desk_reviewers_table_counts_as_reviewers(tmp_path: Path, smtpd: SmtpServer) -> None:
    config = write_config(tmp_path, smtpd)
    with Ledger(config.ledger_path):
        pass
    db = sqlite3.connect(config.ledger_path)  # the ledger has the desk's table (mailbot.database)
    db.execute("INSERT INTO reviewers VALUES ('Desk@Example.org', 'Desk', 'x', '2026-01-01')")
    db.commit()
    db.close()
    maildir(config.local.maildir, [letter(9, subject="Lettera 9")])
    poll(config)
    flush(config)
    (notice,) = smtpd.to("desk@example.org")
    (draft,) = DraftStore(config.paths.drafts).all()
    deliver(config, reply(notice, "approve", sender="desk@example.org"))
    assert status(config, draft.id) is Status.APPROVED


def test_a_long_token_travels_in_an_encoded_folded_subject(config: Config, smtpd: SmtpServer) -> None:
    long = "Una lettera dal titolo molto lungo che non entra in una riga"
    maildir(config.local.maildir, [letter(10, subject=long)])
    poll(config)
    flush(config)
    (notice,) = smtpd.to(LEAD)
    assert notice["Reply-To"] is None  # the token is too long for a plus-address
    (draft,) = DraftStore(config.paths.drafts).all()
    data = reply(notice, "approve")
    assert b"=?utf-8?" in data  # the subject is encoded and folded on the wire
    deliver(config, data)
    assert status(config, draft.id) is Status.APPROVED
