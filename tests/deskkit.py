"""What the review desk's tests share: a mailbot folder with drafts and a reviewer."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from mailfactory import letter, maildir
from ports import free_port

from mailbot.config import Config, load_config
from mailbot.desk.auth import Reviewers
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.sources.local import MaildirInbox

EMAIL = "lead@example.org"
PASSWORD = "correct horse battery"
PAYLOAD = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'


def hostile(n: int) -> bytes:
    """A forwarded letter whose text tries to run script in whoever reads it."""
    subject = f"Lettera {n} <script>window.__pwned = 3</script>"
    return (
        letter(n, subject=subject)
        .replace(
            f"questa =C3=A8 la lettera {n}.".encode(), f"questa =C3=A8 la lettera {n}. {PAYLOAD}".encode()
        )
        .replace(f"questa è la lettera {n}.".encode(), f"questa è la lettera {n}. {PAYLOAD}".encode())
    )


def make_config(tmp_path: Path, extra: str = "", review: str = 'language = "en"\n') -> Config:
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org"]\n[review]\n' + review + extra + "[paths]\n"
        f'drafts = "{tmp_path}/drafts"\nstate = "{tmp_path}/state"\nsite = "{tmp_path}/site"\n'
        f'[local]\nmaildir = "{tmp_path}/inbox"\n[site]\nlanguage = "it"\ntimezone = "Europe/Rome"\n'
    )
    return load_config(tmp_path / "mailbot.toml")


def poll(config: Config, messages: list[bytes]) -> None:
    maildir(config.local.maildir, messages)
    with Ledger(config.ledger_path) as ledger:
        Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))


def add_reviewer(config: Config, email: str = EMAIL, password: str = PASSWORD) -> None:
    with Reviewers(config.ledger_path) as reviewers:
        reviewers.add("Lead", email, password)


@contextmanager
def serving(config: Config) -> Iterator[str]:
    """A real `mailbot serve` process on a free port, once it answers ``/healthz``: its base URL.

    Stopped with SIGTERM afterwards, which must end it cleanly (status 0).
    """
    port = free_port()
    command = [sys.executable, "-m", "mailbot", "--config", str(config.path), "serve"]
    server = subprocess.Popen(
        [*command, "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"mailbot serve did not answer: {server.stderr.read() if server.stderr else ''!r}")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        for stream in (server.stdout, server.stderr):
            if stream:
                stream.close()
    assert server.returncode == 0
