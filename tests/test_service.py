"""`mailbot run` as a real process on a local Maildir, and the backoff schedule."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from mailfactory import letter, maildir

from mailbot.service import BACKOFF_CAP, backoff_delay


def wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(n, 10_000, rng) for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        nominal = min(BACKOFF_CAP, 2.0 * 2 ** (n - 1))
        assert nominal / 2 <= delay <= nominal
    assert max(backoff_delay(n, 30, rng) for n in range(1, 20)) <= 30  # never longer than the interval


def test_run_drafts_new_mail_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    box = maildir(tmp_path / "inbox", [letter(1)])
    (tmp_path / "mailbot.toml").write_text("[service]\ninterval = 1\n")
    env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CONFIG"}
    log = open(tmp_path / "log.txt", "wb")  # noqa: SIM115 - closed below, after the process ends
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "-v", "run"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        drafts = tmp_path / "drafts"
        assert wait_for(lambda: len(list(drafts.glob("*.md"))) == 1, 20), (tmp_path / "log.txt").read_text()
        (box / "new" / "later.eml").write_bytes(letter(2))
        started = time.monotonic()
        assert wait_for(lambda: len(list(drafts.glob("*.md"))) == 2, 10)
        assert time.monotonic() - started < 5
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    output = (tmp_path / "log.txt").read_text()
    assert "service stopped" in output
    assert "Traceback" not in output
    assert not list((box / "new").iterdir())
