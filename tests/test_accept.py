"""Pipeline._accept's wiring of the parser: the time budget and the site's time zone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mailfactory import letter, maildir

from mailbot.config import load_config
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.sources.local import MaildirInbox

OUTLOOK_IT_FORWARD = (
    "From: Giulia Esposito <giulia.esposito@napoli.example.org>\r\n"
    "To: lettere@example.org\r\n"
    "Subject: I: Grazie\r\n"
    # The forwarder's client wrote the outer Date in UTC; the letter's date has no zone.
    "Date: Sat, 11 Jan 2025 08:30:00 +0000\r\n"
    "Message-ID: <tz-1@napoli.example.org>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "Da pubblicare.\r\n\r\n"
    "________________________________\r\n"
    "Da: Tommaso Russo <tommaso.russo@example.it>\r\n"
    "Inviato: venerdì 10 gennaio 2025 19:44\r\n"
    "A: servizio.clienti@example.org\r\n"
    "Oggetto: Grazie\r\n\r\n"
    "Buonasera, grazie di tutto.\r\n\r\nTommaso\r\n"
).encode()


def _run(tmp_path: Path, extra: str, messages: list[bytes]) -> tuple[object, Path]:
    (tmp_path / "mailbot.toml").write_text('[senders]\nallow = ["*@*.example.org"]\n' + extra)
    config = load_config(tmp_path / "mailbot.toml")
    maildir(config.local.maildir, messages)
    with Ledger(config.ledger_path) as ledger:
        report = Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
    return report, config.paths.drafts


def test_a_message_over_the_budget_is_quarantined_with_the_reason(tmp_path: Path) -> None:
    report, _ = _run(tmp_path, "[service]\nmessage_seconds = 0.000001\n", [letter(1)])
    assert not report.drafted  # type: ignore[attr-defined]
    [(_, reason)] = report.failed  # type: ignore[attr-defined]
    assert "took longer than 1e-06 s" in reason


def test_a_zoneless_letter_date_is_read_in_the_site_time_zone(tmp_path: Path) -> None:
    report, drafts = _run(tmp_path, '[site]\ntimezone = "Europe/Rome"\n', [OUTLOOK_IT_FORWARD])
    assert len(report.drafted) == 1  # type: ignore[attr-defined]
    [draft] = DraftStore(drafts).all()
    assert draft.letter_date == datetime(2025, 1, 10, 19, 44, tzinfo=ZoneInfo("Europe/Rome"))
    assert draft.letter_date is not None and draft.letter_date.utcoffset() is not None
    assert draft.letter_date.isoformat() == "2025-01-10T19:44:00+01:00"
