"""mailbot against a real Dovecot, end to end through the command line.

Exactly once (including SIGKILL at random moments), quarantine with reasons,
clear login errors, reconnection after a server restart, IDLE latency, and a
large attachment with bounded memory.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapserver import DovecotServer
from mailfactory import letter

pytestmark = pytest.mark.dovecot


class Mailbot:
    """The real program with a config pointing at the test's Dovecot user."""

    def __init__(self, root: Path, server: DovecotServer, **imap: object) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        settings: dict[str, object] = {
            "host": server.host, "port": server.imaps_port, "security": "ssl", "username": server.username,
            "password_env": "MAILBOT_IMAP_PASSWORD", "ca_file": str(server.ca_file),
        } | imap  # fmt: skip
        lines = ["[imap]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
        lines += ["[senders]", 'allow = ["example.org"]', "[service]", "interval = 1",
                  "max_message_bytes = 41943040", "max_attachment_bytes = 31457280"]  # fmt: skip
        (root / "mailbot.toml").write_text("\n".join(lines) + "\n")
        self.env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CONFIG"}
        self.env["MAILBOT_IMAP_PASSWORD"] = server.password

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "mailbot", "--config", str(self.root / "mailbot.toml"), *args]

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), env=self.env, capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.root / "log.txt", "ab")  # noqa: SIM115 - the child holds it; closed at exit
        try:
            return subprocess.Popen(self.command(*args), env=self.env, stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()

    def drafts(self) -> list[Path]:
        return sorted((self.root / "drafts").glob("*.md"))


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGUSR1)  # the stacks go to the log, for the failure report
        time.sleep(0.5)
        proc.kill()
        proc.wait()
        raise


def test_poll_once_drafts_every_letter_and_moves_it(dovecot: DovecotServer, tmp_path: Path) -> None:
    for i in range(6):
        dovecot.append("INBOX", letter(i))
    bot = Mailbot(tmp_path, dovecot)
    result = bot("poll", "--once")
    assert result.returncode == 0, result.stderr
    assert "6 drafted" in result.stdout
    assert len(bot.drafts()) == 6
    assert (dovecot.count("INBOX"), dovecot.count("Processed")) == (0, 6)
    for flags, _ in dovecot.fetch("Processed").values():
        assert b"\\Seen" not in flags  # BODY.PEEK: people reading the mailbox still see them as new
    again = bot("poll", "--once")
    assert again.returncode == 0 and "0 message(s)" in again.stdout
    assert len(bot.drafts()) == 6 and dovecot.count("Processed") == 6


def test_malformed_and_unknown_sender_are_quarantined_with_reasons(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    dovecot.append("INBOX", letter(1, sender="mallory@evil.example.com"))
    dovecot.append("INBOX", b"\xff\xfe\x01 no headers, no body, not an email at all \x02\r\n")
    dovecot.append("INBOX", letter(2))
    bot = Mailbot(tmp_path, dovecot)
    result = bot("poll", "--once")
    assert result.returncode == 1
    assert "1 drafted" in result.stdout and "2 quarantined" in result.stdout
    assert "mallory@evil.example.com is not in [senders] allow" in result.stderr
    assert (dovecot.count("INBOX"), dovecot.count("Processed"), dovecot.count("Failed")) == (0, 1, 2)
    status = json.loads(bot("status", "--json").stdout)
    assert status["messages"] == {"drafted": 1, "failed": 2}


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"password_env": "WRONG_PASSWORD"}, "refused the login"),
        ({"port": 1}, "127.0.0.1"),
        ({"ca_file": None}, "imap.ca_file"),
    ],
    ids=["wrong-password", "wrong-port", "bad-certificate"],
)
def test_connection_problems_are_one_clear_sentence(
    dovecot: DovecotServer, tmp_path: Path, change: dict[str, object], needle: str
) -> None:
    imap = {k: v for k, v in change.items() if v is not None}
    bot = Mailbot(tmp_path, dovecot, **imap)
    if "ca_file" in change:
        text = (tmp_path / "mailbot.toml").read_text()
        (tmp_path / "mailbot.toml").write_text("\n".join(x for x in text.splitlines() if "ca_file" not in x))
    bot.env["WRONG_PASSWORD"] = "not-the-password"
    started = time.monotonic()
    result = bot("poll", "--once")
    assert result.returncode == 1
    assert result.stderr.startswith("mailbot: error: ") and "Traceback" not in result.stderr
    assert needle in result.stderr
    assert dovecot.password not in result.stderr and "not-the-password" not in result.stderr
    assert time.monotonic() - started < 30


def test_sigkill_at_random_moments_then_rerun_yields_each_letter_once(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    rng = random.Random(20070123)
    # At least 20 trials, and at least 10 kills that land in the middle of a batch: how many land
    # there depends on the machine's speed, so trials go on (up to 40) until enough have.
    trials, per_trial, wanted = 20, 24, 10
    mid_batch = 0
    trial = -1
    while trial + 1 < trials or (mid_batch < wanted and trial + 1 < 2 * trials):
        trial += 1
        if trial:
            dovecot.new_user()
        for i in range(per_trial):
            dovecot.append("INBOX", letter(i, subject=f"Prova {trial} lettera {i}"))
        # Small IMAP batches, so kills also land between the batched moves to Processed.
        bot = Mailbot(tmp_path / f"trial{trial}", dovecot, batch_size=5)
        proc = bot.start("poll", "--once")
        # Kill once a random number of drafts exist, plus a little: that lands anywhere
        # between writing a draft, recording it and moving the message (0: during start-up).
        target = rng.randrange(per_trial)

        def far_enough(
            bot: Mailbot = bot, target: int = target, proc: subprocess.Popen[bytes] = proc
        ) -> bool:
            return len(bot.drafts()) >= target or proc.poll() is not None

        wait_for(far_enough, 30)
        time.sleep(rng.uniform(0, 0.008))
        proc.kill()
        proc.wait()
        if 0 < len(bot.drafts()) < per_trial:
            mid_batch += 1
        rerun = bot("poll", "--once")
        assert rerun.returncode == 0, rerun.stderr
        titles = sorted(p.read_text().split('title = "', 1)[1].split('"', 1)[0] for p in bot.drafts())
        assert titles == sorted(f"Prova {trial} lettera {i}" for i in range(per_trial)), f"trial {trial}"
        assert (dovecot.count("INBOX"), dovecot.count("Processed")) == (0, per_trial), f"trial {trial}"
    print(f"{mid_batch} of {trial + 1} kills landed in the middle of a batch")
    assert mid_batch >= wanted, f"only {mid_batch} of {trial + 1} kills landed in the middle of a batch"


def test_service_reconnects_after_a_server_restart(dovecot: DovecotServer, tmp_path: Path) -> None:
    bot = Mailbot(tmp_path, dovecot, idle=True)
    dovecot.append("INBOX", letter(1))
    proc = bot.start("-v", "run")
    try:
        assert wait_for(lambda: len(bot.drafts()) == 1, 30), (tmp_path / "log.txt").read_text()
        dovecot.stop()
        time.sleep(2.5)  # the service notices and backs off
        dovecot.start()
        dovecot.append("INBOX", letter(2))
        assert wait_for(lambda: len(bot.drafts()) == 2, 30), (tmp_path / "log.txt").read_text()
        assert stop(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = (tmp_path / "log.txt").read_text()
    assert "Traceback" not in log and "service stopped" in log
    assert dovecot.count("Processed") == 2


def test_idle_drafts_a_new_letter_within_seconds(dovecot: DovecotServer, tmp_path: Path) -> None:
    bot = Mailbot(tmp_path, dovecot, idle=True)
    config = (tmp_path / "mailbot.toml").read_text().replace("interval = 1", "interval = 600")
    (tmp_path / "mailbot.toml").write_text(config)
    proc = bot.start("-v", "run")
    try:
        log = tmp_path / "log.txt"
        assert wait_for(lambda: "service started" in log.read_text(), 20)
        time.sleep(1.5)  # the first poll is done and the watcher is idling
        dovecot.append("INBOX", letter(9))
        started = time.monotonic()
        assert wait_for(lambda: len(bot.drafts()) == 1, 5), log.read_text()
        latency = time.monotonic() - started
        assert stop(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"IDLE latency: {latency:.2f} s")
    assert latency < 5


MEASURED = (
    "import resource, runpy, sys\n"
    "kind, target, *sys.argv = sys.argv[1:]\n"
    "sys.argv.insert(0, target)\n"
    "try:\n"
    "    runpy.run_module(target, run_name='__main__', alter_sys=True) if kind == 'module' else "
    "runpy.run_path(target, run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "print('PEAK_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)
STDLIB_PARSE = (
    "import email, sys\n"
    "message = email.message_from_bytes(open(sys.argv[1], 'rb').read())\n"
    "for part in message.walk():\n"
    "    part.get_payload(decode=True)\n"
)


def measured(kind: str, target: str, *args: str, env: dict[str, str] | None = None) -> tuple[str, float]:
    """Run a module or script in a child process; its stdout and its own peak RSS in MiB."""
    proc = subprocess.run([sys.executable, "-c", MEASURED, kind, target, *args], env=env,
                          capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
    assert "PEAK_KIB" in proc.stderr, proc.stderr
    return proc.stdout, int(proc.stderr.rsplit("PEAK_KIB", 1)[1].split()[0]) / 1024


def test_a_20_mb_attachment_is_handled_with_bounded_memory(dovecot: DovecotServer, tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"] = "Anna Bianchi <anna.bianchi@napoli.example.org>"
    msg["To"] = "blog@example.org"
    msg["Subject"] = "I: Il contratto firmato"
    msg["Message-ID"] = "<big@napoli.example.org>"
    msg.set_content("Vi giro la lettera con il contratto allegato.\n\nAnna\n")
    msg.add_attachment(os.urandom(20 * 1024 * 1024), maintype="application", subtype="pdf",
                       filename="contratto.pdf")  # fmt: skip
    raw = msg.as_bytes()
    dovecot.append("INBOX", raw)
    (tmp_path / "big.eml").write_bytes(raw)
    (tmp_path / "floor.py").write_text(STDLIB_PARSE)
    bot = Mailbot(tmp_path / "bot", dovecot)
    # The floor: what the stdlib email package alone needs to parse and decode this message.
    _, floor_mib = measured("path", str(tmp_path / "floor.py"), str(tmp_path / "big.eml"))
    out, mailbot_mib = measured("module", "mailbot", "--config", str(bot.root / "mailbot.toml"), "poll",
                                env=bot.env)  # fmt: skip
    assert "1 drafted" in out
    assert len(bot.drafts()) == 1 and dovecot.count("Processed") == 1
    print(f"message {len(raw) / 2**20:.1f} MiB: peak RSS mailbot {mailbot_mib:.0f} MiB, "
          f"stdlib parse alone {floor_mib:.0f} MiB")  # fmt: skip
    # Bounded: close to what merely parsing the message costs, not a multiple of it.
    assert mailbot_mib < 1.6 * floor_mib
