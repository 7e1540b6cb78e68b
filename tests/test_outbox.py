"""The outbox against a real SMTP server (tests/smtpserver.py): what is sent, to whom, once."""

from __future__ import annotations

import email.utils
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from mailfactory import letter, maildir
from smtpserver import SmtpServer

from mailbot.cli import cli
from mailbot.config import Config, load_config
from mailbot.drafts import review
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.outbox import notices
from mailbot.outbox.compose import Composer
from mailbot.outbox.outbox import Outbox
from mailbot.outbox.smtp import Sender, SmtpError
from mailbot.service import Service
from mailbot.site.publishing import Publisher
from mailbot.sources.local import MaildirInbox, import_sources

FORWARDER = "anna.bianchi@napoli.example.org"


def write_config(tmp_path: Path, smtpd: SmtpServer, extra: str = "", senders: str = "") -> Config:
    (tmp_path / "smtp-secret.txt").write_text(smtpd.password + "\n")
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org", "*@example.org"]\n'
        + senders
        + f'[smtp]\nhost = "127.0.0.1"\nport = {smtpd.port}\nsecurity = "starttls"\n'
        f'username = "{smtpd.username}"\npassword_file = "smtp-secret.txt"\n'
        f'ca_file = "{smtpd.ca_file}"\nfrom = "Lettere dai clienti <blog@example.org>"\n'
        '[notify]\nreviewers = ["lead@example.org"]\n' + extra
    )
    return load_config(tmp_path / "mailbot.toml")


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpServer) -> Config:
    return write_config(tmp_path, smtpd)


def poll(config: Config) -> None:
    with Ledger(config.ledger_path) as ledger:
        Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))


def flush(config: Config, clock: datetime | None = None) -> tuple[int, int]:
    with Outbox(config.ledger_path, hourly_cap=config.notify.hourly_cap,
                clock=(lambda: clock) if clock else datetime.now) as box:  # fmt: skip
        report = box.flush(config.smtp)
        return report.sent, report.failed


def test_a_new_draft_thanks_the_forwarder_and_tells_the_reviewer(config: Config, smtpd: SmtpServer) -> None:
    forward = letter(1, message_id="<fw1@napoli.example.org>")
    maildir(config.local.maildir, [forward])
    poll(config)
    assert smtpd.received == []  # recorded, not yet sent
    assert flush(config) == (2, 0)
    (thanks,) = smtpd.to(FORWARDER)
    assert thanks["Subject"] == "Received: Lettera numero 1"
    assert thanks["In-Reply-To"] == "<fw1@napoli.example.org>"
    assert thanks["References"] == "<fw1@napoli.example.org>"
    assert thanks["Auto-Submitted"] == "auto-replied"
    assert thanks["From"] == "Lettere dai clienti <blog@example.org>"
    assert email.utils.parsedate_to_datetime(thanks["Date"]) is not None
    assert thanks["Message-ID"].endswith("@example.org>")
    body = thanks.get_content()
    assert "Title: Lettera numero 1" in body and "Credited to: Cliente" in body
    (review,) = smtpd.to("lead@example.org")
    assert review["Auto-Submitted"] == "auto-generated"
    assert review["Subject"].startswith("New draft: Lettera numero 1 [mb:20070122-lettera-numero-1.review.")
    text = review.get_content()
    assert "Author: Cliente 1" in text and "Forwarded by: Anna Bianchi" in text
    assert "> Buongiorno, questa è la lettera 1." in text
    # the envelope goes to the one recipient
    assert sorted(rcpt[0] for _, rcpt in smtpd.envelopes) == [
        "anna.bianchi@napoli.example.org",
        "lead@example.org",
    ]
    assert flush(config) == (0, 0)  # nothing twice
    poll(config)
    assert flush(config) == (0, 0)


def test_italian_site_sends_italian_mail_with_a_utf8_subject(tmp_path: Path, smtpd: SmtpServer) -> None:
    config = write_config(tmp_path, smtpd, '[site]\nlanguage = "it"\n')
    maildir(config.local.maildir, [letter(2, subject="Perché è così")])
    poll(config)
    flush(config)
    (thanks,) = smtpd.to(FORWARDER)
    assert thanks["Subject"] == "Ricevuta: Perché è così"
    raw = thanks.as_bytes()
    assert b"=?utf-8?" in raw.lower()  # RFC 2047 encoded on the wire
    assert "Grazie per averci girato questa lettera." in thanks.get_content()


def test_quarantine_tells_a_known_forwarder_and_nobody_else(tmp_path: Path, smtpd: SmtpServer) -> None:
    config = write_config(tmp_path, smtpd, "new_drafts = false\n", "require_forward = true\n")
    stranger = letter(3, sender="mallory@evil.example.com")
    own = (
        b"From: Anna Bianchi <anna.bianchi@napoli.example.org>\r\nTo: blog@example.org\r\n"
        b"Subject: Una mia lettera\r\nMessage-ID: <own@napoli.example.org>\r\n\r\nScrivo io.\r\n"
    )
    maildir(config.local.maildir, [stranger, own])
    poll(config)
    assert flush(config) == (1, 0)
    assert smtpd.to("evil.example.com") == []  # no backscatter to an unknown sender
    (mail,) = smtpd.to(FORWARDER)
    assert mail["Subject"] == "Not published: Una mia lettera"
    assert mail["In-Reply-To"] == "<own@napoli.example.org>"
    assert "The reason: not a forward" in mail.get_content()
    assert "require_forward" in mail.get_content()


@pytest.mark.parametrize(
    "header",
    [
        b"Auto-Submitted: auto-replied\r\n",
        b"Precedence: bulk\r\n",
        b"List-Id: <colleghi.napoli.example.org>\r\n",
        b"Return-Path: <>\r\n",
    ],
    ids=["auto-reply", "precedence-bulk", "list", "bounce"],
)
def test_no_mail_answers_an_automatic_or_list_message(
    config: Config, smtpd: SmtpServer, header: bytes
) -> None:
    maildir(config.local.maildir, [header + letter(4)])
    poll(config)
    flush(config)
    assert smtpd.to(FORWARDER) == []
    assert len(smtpd.to("lead@example.org")) == 1  # the reviewers still hear of the draft


def test_mailer_daemon_is_never_answered() -> None:
    assert notices.loop_reason([("From", "MAILER-DAEMON@napoli.example.org")]) is not None
    assert notices.loop_reason([("From", "anna@napoli.example.org"), ("Auto-Submitted", "no")]) is None


def test_an_outage_loses_nothing(config: Config, smtpd: SmtpServer) -> None:
    maildir(config.local.maildir, [letter(i) for i in range(3)])
    smtpd.stop()
    poll(config)  # ingestion goes on while the server is down
    now = datetime.now(UTC)
    assert flush(config, now) == (0, 6)
    with Outbox(config.ledger_path) as box:
        counts = box.counts()
    assert counts.queued == 6 and counts.failing == 6 and counts.last_error is not None
    assert "cannot reach the SMTP server" in counts.last_error
    smtpd.start()
    assert flush(config, now) == (0, 0)  # backing off: not yet due
    assert flush(config, now + timedelta(seconds=6)) == (6, 0)
    assert len(smtpd.to(FORWARDER)) == 3 and len(smtpd.to("lead@example.org")) == 3
    with Outbox(config.ledger_path) as box:
        assert box.counts().sent == 6


def test_the_hourly_cap_holds_mail_back_without_losing_it(tmp_path: Path, smtpd: SmtpServer) -> None:
    config = write_config(tmp_path, smtpd, "hourly_cap = 2\nnew_drafts = false\n")
    maildir(config.local.maildir, [letter(i) for i in range(3)])
    poll(config)
    now = datetime.now(UTC)
    assert flush(config, now) == (2, 0)
    assert flush(config, now + timedelta(minutes=30)) == (0, 0)
    assert flush(config, now + timedelta(minutes=61)) == (1, 0)
    assert len(smtpd.to(FORWARDER)) == 3


def test_wrong_password_and_wrong_ca_are_errors(smtpd: SmtpServer, tmp_path: Path) -> None:
    with pytest.raises(SmtpError, match="refused the login"), Sender(smtpd.config(password="nope")):
        pass
    with pytest.raises(SmtpError, match="cannot reach"), Sender(smtpd.config(ca_file=None)):
        pass  # the test certificate is self-signed: not trusted without ca_file


def test_a_message_id_is_the_same_for_the_same_event() -> None:
    comp = Composer("Blog <blog@example.org>")
    a = comp.compose("thanks:x", "test", "a@example.org", {})
    b = comp.compose("thanks:x", "test", "a@example.org", {})
    c = comp.compose("thanks:y", "test", "a@example.org", {})
    assert a.message["Message-ID"] == b.message["Message-ID"] != c.message["Message-ID"]
    assert isinstance(a.message, EmailMessage)


def test_publishing_sends_the_post_link_to_the_forwarder_once(config: Config, smtpd: SmtpServer) -> None:
    maildir(config.local.maildir, [letter(5, subject="Una bella storia")])
    poll(config)
    flush(config)
    smtpd.clear()
    store = DraftStore(config.paths.drafts)
    (draft,) = store.all()
    review.transition(store, config.ledger_path, [draft.id], "approve", who="lead@example.org")
    Publisher.of(config).publish()
    assert flush(config) == (1, 0)
    (mail,) = smtpd.to(FORWARDER)
    assert mail["Subject"] == "Published: Una bella storia"
    published = store.read(draft.id)
    assert published.published is not None and published.slug
    link = f"https://blog.example.org/{published.published:%Y/%m}/{published.slug}/"
    assert link in mail.get_content()
    Publisher.of(config).publish()  # publishing again is no new event
    assert flush(config) == (0, 0)


def test_notify_test_sends_one_message_and_status_shows_the_outbox(tmp_path: Path, smtpd: SmtpServer) -> None:
    config = write_config(tmp_path, smtpd)
    runner = CliRunner()
    args = ["--config", str(tmp_path / "mailbot.toml")]
    result = runner.invoke(cli, [*args, "notify", "test", "lead@example.org"])
    assert result.exit_code == 0, result.output
    (mail,) = smtpd.to("lead@example.org")
    assert mail["Subject"] == "mailbot test message"
    maildir(config.local.maildir, [letter(6)])
    poll(config)
    result = runner.invoke(cli, [*args, "status"])
    assert "outbox:     2 queued, 0 sent" in result.output
    smtpd.stop()
    result = runner.invoke(cli, [*args, "notify", "flush"])
    assert result.exit_code == 1 and "failed 2" in result.output
    result = runner.invoke(cli, [*args, "status"])
    assert "2 queued, 0 sent, 2 failing (last error: cannot reach the SMTP server" in result.output
    result = runner.invoke(cli, [*args, "status", "--json"])
    assert json.loads(result.output)["outbox"]["failing"] == 2


def test_notify_test_without_smtp_says_what_to_add(tmp_path: Path) -> None:
    (tmp_path / "mailbot.toml").write_text("")
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "mailbot.toml"), "notify", "test", "a@b.org"]
    )
    assert result.exit_code == 2
    assert "there is no [smtp] section" in result.output


def test_the_service_sends_what_a_poll_caused(config: Config, smtpd: SmtpServer) -> None:
    maildir(config.local.maildir, [letter(7)])
    with Ledger(config.ledger_path) as ledger:
        service = Service(Pipeline(config, ledger), lambda: MaildirInbox(config.local.maildir), interval=60)
        service.poll()
        assert smtpd.received == []
        service.flush_outbox()
    assert len(smtpd.to(FORWARDER)) == 1 and len(smtpd.to("lead@example.org")) == 1


def test_with_no_allow_list_no_forwarder_is_mailed(tmp_path: Path, smtpd: SmtpServer) -> None:
    (tmp_path / "smtp-secret.txt").write_text(smtpd.password + "\n")
    (tmp_path / "mailbot.toml").write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtpd.port}\nusername = "{smtpd.username}"\n'
        f'password_file = "smtp-secret.txt"\nca_file = "{smtpd.ca_file}"\nfrom = "blog@example.org"\n'
    )
    config = load_config(tmp_path / "mailbot.toml")
    maildir(config.local.maildir, [letter(8)])
    poll(config)
    assert flush(config) == (0, 0)  # anyone may submit, so nobody is answered


def test_a_template_in_the_site_templates_folder_replaces_the_builtin(
    tmp_path: Path, smtpd: SmtpServer
) -> None:
    (tmp_path / "theme" / "mail").mkdir(parents=True)
    (tmp_path / "theme" / "mail" / "thanks.txt").write_text(
        "Subject: Grazie! {{ title }}\n\nCiao, {{ credit }}.\n"
    )
    config = write_config(tmp_path, smtpd, 'new_drafts = false\n[site]\ntemplates = "theme"\n')
    maildir(config.local.maildir, [letter(9)])
    poll(config)
    flush(config)
    (mail,) = smtpd.to(FORWARDER)
    assert mail["Subject"] == "Grazie! Lettera numero 9"
    assert mail.get_content().replace("\r\n", "\n") == "Ciao, Cliente.\n"


def test_an_imported_archive_causes_no_mail(config: Config, smtpd: SmtpServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    for n in range(3):
        (archive / f"{n}.eml").write_bytes(letter(n))
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        (source,) = import_sources([archive])
        assert len(pipeline.run(source).drafted) == 3
    assert flush(config) == (0, 0)


def test_the_quarantine_mail_shows_an_encoded_subject_decoded(tmp_path: Path, smtpd: SmtpServer) -> None:
    config = write_config(tmp_path, smtpd, "new_drafts = false\n", "require_forward = true\n")
    own = (
        b"From: Anna Bianchi <anna.bianchi@napoli.example.org>\r\nTo: blog@example.org\r\n"
        b"Subject: =?utf-8?q?Perch=C3=A9_no?=\r\nMessage-ID: <own2@napoli.example.org>\r\n\r\nScrivo io.\r\n"
    )
    maildir(config.local.maildir, [own])
    poll(config)
    flush(config)
    (mail,) = smtpd.to(FORWARDER)
    assert mail["Subject"] == "Not published: Perché no"
