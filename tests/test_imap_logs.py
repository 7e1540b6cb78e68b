"""No letter text and no message bytes in the logs, at any verbosity, against a real Dovecot.

imaplib's protocol trace (through imapclient) once logged a whole FETCH at -vv, an IBAN included.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapserver import DovecotServer

from mailbot.logguard import carries_no_message_data

# Written by hand; none of them can come from mailbot's own words.
BODY_MARKER = "Quokka-7731-Zanzibar"
NOTE_MARKER = "Ornitorinco-4412"
SUBJECT_MARKER = "Pellicano Gigante"  # the draft id is a slug of it ("pellicano-gigante"): not this
IBAN = "IT60X0542811101000000123456"
SECRETS = (BODY_MARKER, NOTE_MARKER, SUBJECT_MARKER, IBAN, "cliente.segreto@example.it")


def secret_letter() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Anna Bianchi <anna.bianchi@napoli.example.org>"
    msg["To"] = "blog@example.org"
    msg["Subject"] = f"I: {SUBJECT_MARKER}"
    msg["Date"] = "Tue, 23 Jan 2007 09:12:00 +0100"
    msg["Message-ID"] = "<secret-letter@napoli.example.org>"
    msg.set_content(
        f"Vi giro questa lettera. {NOTE_MARKER}\n\n"
        "---------- Messaggio inoltrato ---------\n"
        "Da: Cliente Segreto <cliente.segreto@example.it>\n"
        "Date: lun 22 gen 2007 alle ore 18:03\n"
        f"Subject: {SUBJECT_MARKER}\n"
        "To: <servizio@example.org>\n\n"
        f"Buongiorno, {BODY_MARKER}: il mio IBAN è {IBAN}, rimborsatemi.\n\nSaluti.\n\nCliente\n"
    )
    return msg.as_bytes()


def run(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mailbot", "--config", str(root / "mailbot.toml"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def configure(root: Path, server: DovecotServer) -> dict[str, str]:
    root.mkdir(parents=True, exist_ok=True)
    imap = {
        "host": server.host, "port": server.imaps_port, "security": "ssl", "username": server.username,
        "password_env": "MAILBOT_IMAP_PASSWORD", "ca_file": str(server.ca_file),
    }  # fmt: skip
    lines = ["[imap]", *(f"{k} = {json.dumps(v)}" for k, v in imap.items())]
    lines += ["[senders]", 'allow = ["example.org"]']
    (root / "mailbot.toml").write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CONFIG"}
    env["MAILBOT_IMAP_PASSWORD"] = server.password
    return env


def assert_clean(output: str, *extra: str) -> None:
    for secret in SECRETS + extra:
        assert secret not in output, f"{secret!r} reached the log:\n{output}"


@pytest.mark.dovecot
@pytest.mark.parametrize("verbosity", [["-vv"], ["--debug"], ["-vv", "--debug"]])
def test_poll_logs_no_letter_text_at_any_verbosity(
    dovecot: DovecotServer, tmp_path: Path, verbosity: list[str]
) -> None:
    dovecot.append("INBOX", secret_letter())
    env = configure(tmp_path, dovecot)
    result = run(tmp_path, env, *verbosity, "poll", "--once")
    assert result.returncode == 0, result.stderr
    assert "1 drafted" in result.stdout
    # The log did run at debug level, IMAP included: otherwise this test would prove nothing.
    assert " DEBUG " in result.stderr and "mailbot.sources.imap" in result.stderr
    assert "pellicano-gigante" in result.stderr  # the draft id is what the log names
    assert_clean(result.stdout + result.stderr, dovecot.password)
    # The draft itself has the letter (the IBAN hidden by redaction, kept privately in the file).
    (draft,) = (tmp_path / "drafts").glob("*.md")
    assert BODY_MARKER in draft.read_text()


@pytest.mark.parametrize("verbosity", [["-vv"], ["--debug"]])
def test_import_logs_no_letter_text(tmp_path: Path, verbosity: list[str]) -> None:
    (tmp_path / "mailbot.toml").write_text('[senders]\nallow = ["example.org"]\n')
    (tmp_path / "letter.eml").write_bytes(secret_letter())
    env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CONFIG"}
    result = run(tmp_path, env, *verbosity, "import", str(tmp_path / "letter.eml"))
    assert result.returncode == 0, result.stderr
    assert "drafted 20070122-pellicano-gigante" in result.stderr  # the log ran at -v level at least
    assert_clean(result.stdout + result.stderr)


def _record(name: str, msg: str, *args: object, level: int = logging.DEBUG) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_the_filter_keeps_connection_records_and_drops_data() -> None:
    keep = [
        _record("imapclient.imapclient", "Logged in as %s", "blog@example.org"),
        _record("imapclient.imapclient", "> %s", b"A004 UID FETCH 1:3 (BODY.PEEK[])"),
        _record("mailbot.ingest.pipeline", "drafted %s", "20070122-x"),
    ]
    drop = [
        _record("imapclient.imaplib", "  50:05.12 < b'* 1 FETCH (UID 1 BODY[] {1234}'"),
        _record("imapclient.imapclient", "> %s", b"A005 APPEND INBOX {12+}\r\nHello world!"),
        _record("imapclient.imapclient", "   (literal) > %s", b"Subject: hi"),
        _record("imapclient.util", "An error occurred while decoding %s", b"caf\xe9", level=logging.WARNING),
        _record("mailparser.utils", "Failed decoding header part: Oggetto segreto", level=logging.ERROR),
        _record("mailparser.core", "Getting header 'subject': ['Oggetto segreto']"),
    ]
    assert all(carries_no_message_data(r) for r in keep)
    assert not any(carries_no_message_data(r) for r in drop)
