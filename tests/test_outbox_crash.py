"""Exactly once across SIGKILL: a process that records and sends mail, killed at random moments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from mailfactory import letter, maildir
from smtpserver import SmtpServer
from test_outbox import write_config

from mailbot.outbox.outbox import Outbox

WORKER = """
import sys
from pathlib import Path
from mailbot.config import load_config
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.outbox.outbox import Outbox
from mailbot.sources.local import MaildirInbox

config = load_config(Path(sys.argv[1]))
print("ready", flush=True)  # imports done: the random moment starts now
with Ledger(config.ledger_path) as ledger:
    Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
with Outbox(config.ledger_path, hourly_cap=1000) as box:
    box.flush(config.smtp)
"""


def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path: Path, smtpd: SmtpServer) -> None:
    config = write_config(tmp_path, smtpd, "hourly_cap = 1000\n")
    rng = random.Random(14)
    box = config.local.maildir
    maildir(box, [])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-c", WORKER, str(tmp_path / "mailbot.toml")]
    kills = 0
    letters = 0
    # 20 trials; more (up to 40) while fewer than 5 kills landed mid-run: on a quiet machine a
    # run may end before its random moment comes.
    while letters < 20 or (kills < 5 and letters < 40):
        n = letters
        letters += 1
        (box / "new" / f"{n:04d}.M1P1.test").write_bytes(letter(n))
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.25))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        proc.stdout.close()
    # The last run, not killed, finishes whatever was left (backoff is not in play: no failure).
    finished = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
    assert finished.returncode == 0, finished.stderr.decode()
    assert kills >= 5  # the random moments did hit running processes
    ids = Counter(str(m["Message-ID"]) for m in smtpd.received)
    forwarder = {str(m["Message-ID"]) for m in smtpd.to("anna.bianchi@napoli.example.org")}
    reviewer = {str(m["Message-ID"]) for m in smtpd.to("lead@example.org")}
    assert len(forwarder) == letters and len(reviewer) == letters  # every notification arrived
    with Outbox(config.ledger_path) as outbox:
        counts = outbox.counts()
    assert counts.queued == 0 and counts.sent == 2 * letters
    # A kill between the server's 250 and the mark resends the same Message-ID: that is the
    # only way a second copy can arrive, and it is recognisable as the same mail.
    doubles = sum(n - 1 for n in ids.values())
    print(f"letters={letters} kills={kills} doubles={doubles}")
    assert doubles <= kills
    assert set(ids) == forwarder | reviewer
