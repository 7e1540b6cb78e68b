"""`mailbot run` as a real process on a local Maildir, and the backoff schedule."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from imapserver import DovecotServer
from mailfactory import letter, maildir

from mailbot.config import load_config
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import Status
from mailbot.service.scheduler import BACKOFF_CAP, Service, backoff_delay, publish_period
from mailbot.sources.local import MaildirInbox


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


# -- one service per state folder, and what it logs -------------------------------------------------


def start_run(root: Path, *args: str, log_name: str = "log.txt") -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CONFIG"}
    log = open(root / log_name, "ab")  # noqa: SIM115 - the child holds it; closed here at once
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "mailbot", *args, "run"],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def stop_run(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def mailbot_cmd(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "mailbot", *args], cwd=root, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def test_a_second_run_on_the_same_state_refuses_to_start(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1)])
    (tmp_path / "mailbot.toml").write_text("[service]\ninterval = 1\n")
    first = start_run(tmp_path)
    try:
        assert wait_for(lambda: len(list((tmp_path / "drafts").glob("*.md"))) == 1, 20)
        second = mailbot_cmd(tmp_path, "run")
        assert second.returncode == 1
        assert second.stderr.startswith("mailbot: error: another mailbot run (pid ")
        assert f"(pid {first.pid})" in second.stderr and str(tmp_path / "state") in second.stderr
        assert "Traceback" not in second.stderr
        status = mailbot_cmd(tmp_path, "status")
        assert f"service:    running (pid {first.pid})" in status.stdout
        assert json.loads(mailbot_cmd(tmp_path, "status", "--json").stdout)["service"] == {
            "running": True, "pid": first.pid,
        }  # fmt: skip
        assert first.poll() is None  # the first one is untouched
    finally:
        assert stop_run(first) == 0
    assert "service:    not running" in mailbot_cmd(tmp_path, "status").stdout
    # Released on exit: the next one starts.
    again = start_run(tmp_path, log_name="again.txt")
    try:
        assert wait_for(lambda: "service started" in (tmp_path / "again.txt").read_text(), 20)
    finally:
        assert stop_run(again) == 0


def test_a_lock_left_by_a_killed_service_is_taken_over(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [])
    (tmp_path / "mailbot.toml").write_text("[service]\ninterval = 1\n")
    killed = start_run(tmp_path)
    assert wait_for(lambda: "service started" in (tmp_path / "log.txt").read_text(), 20)
    killed.kill()
    killed.wait()
    assert (tmp_path / "state" / "mailbot-run.pid").read_text().strip() == str(killed.pid)
    assert "not running" in mailbot_cmd(tmp_path, "status").stdout
    after = start_run(tmp_path, log_name="after.txt")
    try:
        assert wait_for(lambda: "service started" in (tmp_path / "after.txt").read_text(), 20)
    finally:
        assert stop_run(after) == 0
    log = (tmp_path / "after.txt").read_text()
    assert (
        f"stale lock {tmp_path / 'state' / 'mailbot-run.pid'}: the mailbot run with pid {killed.pid}" in log
    )
    assert "is no longer running" in log


def test_a_symlink_in_place_of_the_lock_is_refused(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [])
    (tmp_path / "state").mkdir()
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious\n")
    (tmp_path / "state" / "mailbot-run.pid").symlink_to(target)
    result = mailbot_cmd(tmp_path, "run")
    assert result.returncode == 1
    assert "is a symbolic link" in result.stderr and "Traceback" not in result.stderr
    assert target.read_text() == "precious\n"


def test_the_default_log_says_started_drafted_quarantined_once_and_stopped(tmp_path: Path) -> None:
    box = maildir(tmp_path / "inbox", [letter(1), letter(2), letter(3, sender="mallory@evil.example.com")])
    (tmp_path / "mailbot.toml").write_text('[senders]\nallow = ["example.org"]\n[service]\ninterval = 1\n')
    proc = start_run(tmp_path)  # no -v: the default level
    try:
        assert wait_for(lambda: len(list((box / "cur").iterdir())) == 2, 20), (
            tmp_path / "log.txt"
        ).read_text()
        assert wait_for(lambda: "quarantined" in (tmp_path / "log.txt").read_text(), 5)
    finally:
        assert stop_run(proc) == 0
    log = (tmp_path / "log.txt").read_text()
    started = next(line for line in log.splitlines() if "service started" in line)
    assert "mailbot 0.1.0" in started and f"Maildir {box}" in started
    assert "cur/" in started and ".Failed" in started and "publishing: manual" in started
    for draft in sorted((tmp_path / "drafts").glob("*.md")):
        assert log.count(f"drafted {draft.stem}") == 1
    assert log.count("mallory@evil.example.com") == 1  # the quarantine and its reason, once
    assert log.count(f"quarantined maildir:{box} ") == 1
    assert "service stopped" in log.splitlines()[-1]
    assert "Buongiorno" not in log and "Lettera numero" not in log  # no letter text


# -- against a real Dovecot that starts late, or refuses the login -----------------------------------


def imap_config(root: Path, server: DovecotServer, password_env: str = "MAILBOT_IMAP_PASSWORD") -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "mailbot.toml").write_text(
        f'[imap]\nhost = "{server.host}"\nport = {server.imaps_port}\nusername = "{server.username}"\n'
        f'password_env = "{password_env}"\nca_file = "{server.ca_file}"\n'
        '[senders]\nallow = ["example.org"]\n[service]\ninterval = 30\n'
    )


@pytest.mark.dovecot
def test_run_waits_for_a_mail_server_that_starts_later(dovecot: DovecotServer, tmp_path: Path) -> None:
    imap_config(tmp_path, dovecot)
    dovecot.append("INBOX", letter(1))
    dovecot.stop()
    os.environ["MAILBOT_IMAP_PASSWORD"] = dovecot.password
    try:
        proc = start_run(tmp_path)
        log = tmp_path / "log.txt"
        try:
            # Refused connections are retried with the backoff (2 s, 4 s, ... with jitter), not fatal.
            assert wait_for(lambda: log.read_text().count("refused the connection") >= 2, 20), log.read_text()
            assert proc.poll() is None
            started = time.monotonic()
            dovecot.start()
            assert wait_for(lambda: len(list((tmp_path / "drafts").glob("*.md"))) == 1, 30), log.read_text()
            print(f"first draft {time.monotonic() - started:.1f} s after the server started")
            assert wait_for(lambda: dovecot.count("Processed") == 1, 10)
        finally:
            assert stop_run(proc) == 0
    finally:
        del os.environ["MAILBOT_IMAP_PASSWORD"]
        dovecot.start()
    text = log.read_text()
    print(text)
    start_line = next(line for line in text.splitlines() if "service started" in line)
    assert f"mailbox {dovecot.username} at 127.0.0.1:{dovecot.imaps_port} (ssl), folder INBOX" in start_line
    assert "handled mail to Processed, quarantined mail to Failed" in start_line
    assert "mailbot 0.1.0" in start_line
    assert dovecot.password not in text
    retries = [line for line in text.splitlines() if "poll failed" in line]
    assert all("retrying in" in line for line in retries)
    assert "recovered: the mailbox answers again after" in text
    assert "Traceback" not in text and "service stopped" in text


@pytest.mark.dovecot
def test_run_stops_on_a_refused_login_at_start(dovecot: DovecotServer, tmp_path: Path) -> None:
    imap_config(tmp_path, dovecot, password_env="MAILBOT_TEST_WRONG_PASSWORD")
    env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CONFIG"}
    env["MAILBOT_TEST_WRONG_PASSWORD"] = "not-the-password"
    result = subprocess.run(
        [sys.executable, "-m", "mailbot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "refused the login" in result.stderr and "The service stops." in result.stderr
    assert result.stderr.splitlines()[-1].startswith("mailbot: error: the service stopped")
    assert "not-the-password" not in result.stderr and "Traceback" not in result.stderr
    assert "refused the login" in mailbot_cmd(tmp_path, "status").stdout


# -- auto-publish ----------------------------------------------------------------------------------


def drafts_json(root: Path) -> list[dict[str, object]]:
    result = mailbot_cmd(root, "drafts", "list", "--json")
    assert result.returncode == 0, result.stderr
    items: list[dict[str, object]] = json.loads(result.stdout)
    return items


def test_publish_periods() -> None:
    assert publish_period("manual", 300) is None
    assert publish_period("on-approve", 300) == 60  # looks at least every minute
    assert publish_period("on-approve", 5) == 5
    assert publish_period("every 1 minute", 300) == 60
    assert publish_period("every 15 minutes", 300) == 900


@pytest.mark.parametrize("mode", ["on-approve", "manual"])
def test_run_publishes_approved_drafts_by_itself_on_approve(tmp_path: Path, mode: str) -> None:
    maildir(tmp_path / "inbox", [letter(1), letter(2)])
    (tmp_path / "mailbot.toml").write_text(f'[service]\ninterval = 1\npublish = "{mode}"\n')
    proc = start_run(tmp_path)
    log = tmp_path / "log.txt"
    try:
        assert wait_for(lambda: len(list((tmp_path / "drafts").glob("*.md"))) == 2, 20), log.read_text()
        first, second = (str(d["id"]) for d in drafts_json(tmp_path))
        approved = mailbot_cmd(tmp_path, "drafts", "approve", first)  # as the review desk or a mail would
        assert approved.returncode == 0, approved.stderr
        if mode == "on-approve":
            assert wait_for(lambda: (tmp_path / "site" / "index.html").is_file(), 20), log.read_text()
            assert wait_for(lambda: f"published {first}" in log.read_text(), 5)
        else:
            time.sleep(3.5)  # three polls and more: nothing may be published by itself
    finally:
        assert stop_run(proc) == 0
    statuses = {d["id"]: d["status"] for d in drafts_json(tmp_path)}
    if mode == "on-approve":
        assert statuses == {first: "published", second: "draft"}
        index = (tmp_path / "site" / "index.html").read_text()
        assert "Lettera numero 1" in index and "Lettera numero 2" not in index
        assert "publishing: on-approve" in log.read_text()
    else:
        assert statuses == {first: "approved", second: "draft"}
        assert not (tmp_path / "site").exists()
        assert "published" not in log.read_text()


def in_process_service(root: Path, publish: str) -> tuple[Service, threading.Thread, Ledger]:
    config = load_config(root / "mailbot.toml")
    ledger = Ledger(config.ledger_path)
    service = Service(
        Pipeline(config, ledger),
        lambda: MaildirInbox(config.local.maildir),
        interval=1,
        publish=publish,
        publish_every=0.3,  # "every N minutes", sped up
    )
    thread = threading.Thread(target=service.run, kwargs={"install_signals": False})
    thread.start()
    return service, thread, ledger


def test_every_n_minutes_publishes_on_its_schedule_and_a_failure_is_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    maildir(tmp_path / "inbox", [letter(1)])
    (tmp_path / "site").write_text("a file where the site folder should be\n")  # publishing must fail
    (tmp_path / "mailbot.toml").write_text('[service]\ninterval = 1\npublish = "every 5 minutes"\n')
    service, thread, ledger = in_process_service(tmp_path, "every 5 minutes")
    store = DraftStore(tmp_path / "drafts")
    try:
        assert wait_for(lambda: len(store.all()) == 1, 20)
        (draft,) = store.transition([store.all()[0].id], "approve")
        assert wait_for(lambda: "publishing failed" in caplog.text, 10)
        assert thread.is_alive() and not service.stop.is_set()  # the service goes on
        (tmp_path / "site").unlink()
        # The draft is marked published (with its slug) just before its pages are written.
        assert wait_for(lambda: (tmp_path / "site" / "index.html").is_file(), 10), caplog.text
        assert store.read(draft.id).status is Status.PUBLISHED
    finally:
        service.stop.set()
        thread.join(timeout=30)
        ledger.close()
    assert not thread.is_alive() and service.exit_code == 0
    assert "recovered: publishing works again after" in caplog.text
    assert f"published {draft.id}" in caplog.text
