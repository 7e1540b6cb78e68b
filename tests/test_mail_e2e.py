"""End to end with the real Dovecot and the real SMTP server: letter → thanks; reply → published."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapserver import DovecotServer
from mailfactory import letter
from smtpserver import SmtpServer
from test_mail_commands import reply

from mailbot.config import Config, load_config
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import Status
from mailbot.service import Service
from mailbot.sources.imap import ImapSource

pytestmark = pytest.mark.dovecot

FORWARDER = "anna.bianchi@napoli.example.org"


def servers_config(
    tmp_path: Path, dovecot: DovecotServer, smtpd: SmtpServer, monkeypatch: pytest.MonkeyPatch, *more: str
) -> Config:
    """A mailbot.toml reading the test Dovecot and sending through the test SMTP server; then ``more``."""
    monkeypatch.setenv("MAILBOT_IMAP_PASSWORD", dovecot.password)
    monkeypatch.setenv("MAILBOT_SMTP_PASSWORD", smtpd.password)
    imap = {"host": dovecot.host, "port": dovecot.imaps_port, "security": "ssl", "username": dovecot.username,
            "password_env": "MAILBOT_IMAP_PASSWORD", "ca_file": str(dovecot.ca_file)}  # fmt: skip
    smtp = {"host": "127.0.0.1", "port": smtpd.port, "security": "starttls", "username": smtpd.username,
            "password_env": "MAILBOT_SMTP_PASSWORD", "ca_file": str(smtpd.ca_file),
            "from": "Lettere dai clienti <blog@example.org>"}  # fmt: skip
    lines = ["[imap]"] + [f"{k} = {json.dumps(v)}" for k, v in imap.items()]
    lines += ["[smtp]"] + [f"{k} = {json.dumps(v)}" for k, v in smtp.items()]
    lines += ["[senders]", 'allow = ["example.org"]', "[notify]", 'reviewers = ["lead@example.org"]', *more]
    (tmp_path / "mailbot.toml").write_text("\n".join(lines) + "\n")
    return load_config(tmp_path / "mailbot.toml")


def test_letter_thanks_reply_approva_published_link(
    tmp_path: Path, dovecot: DovecotServer, smtpd: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = servers_config(tmp_path, dovecot, smtpd, monkeypatch, "[service]", 'publish = "on-approve"')
    assert config.smtp is not None and config.smtp.password == smtpd.password

    def cycle() -> None:
        with Ledger(config.ledger_path) as ledger:
            assert config.imap is not None
            service = Service(Pipeline(config, ledger), lambda: ImapSource(config.imap),  # type: ignore[arg-type]
                              interval=60, publish="on-approve")  # fmt: skip
            service.poll()
            service.flush_outbox()

    dovecot.append("INBOX", letter(1, subject="Grazie al negozio di Napoli"))
    cycle()
    (thanks,) = smtpd.to(FORWARDER)
    assert thanks["Subject"] == "Received: Grazie al negozio di Napoli"
    (notice,) = smtpd.to("lead@example.org")
    assert dovecot.count("INBOX") == 0
    smtpd.clear()

    dovecot.append("INBOX", reply(notice, "approva"))
    cycle()
    (draft,) = DraftStore(config.paths.drafts).all()
    assert draft.status is Status.PUBLISHED
    published: list[EmailMessage] = smtpd.to(FORWARDER)
    assert [m["Subject"] for m in published] == ["Published: Grazie al negozio di Napoli"]
    link = f"https://blog.example.org/{draft.published:%Y/%m}/{draft.slug}/"
    assert link in published[0].get_content()
    assert (config.paths.site / f"{draft.published:%Y/%m}" / str(draft.slug) / "index.html").is_file()
    (confirm,) = smtpd.to("lead@example.org")
    assert confirm["Subject"] == "Approved: Grazie al negozio di Napoli"
