"""The command line as a user meets it: exit statuses, one-sentence errors, help, docs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from mailfactory import letter, maildir

from mailbot.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def mailbot(
    *args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real program in a child process, as a user would."""
    full_env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CONFIG"} | (env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "mailbot", *args],
        cwd=cwd,
        input=stdin or b"",
        capture_output=True,
        env=full_env,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def assert_one_sentence_error(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("mailbot: error: ")
    for needle in needles:
        assert needle in result.stderr


def test_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "mailbot.toml").write_text('[site]\nlanguag = "it"\n')
    result = mailbot("drafts", "list", cwd=tmp_path)
    assert_one_sentence_error(result, 2, "site.languag")


def test_missing_config_given_explicitly_exits_2(tmp_path: Path) -> None:
    result = mailbot("--config", "nope.toml", "drafts", "list", cwd=tmp_path)
    assert_one_sentence_error(result, 2, "nope.toml does not exist")


def test_config_from_environment_variable(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text("[bogus]\n")
    result = mailbot("drafts", "list", cwd=tmp_path, env={"MAILBOT_CONFIG": "x.toml"})
    assert_one_sentence_error(result, 2, "unknown section [bogus]")


def test_extract_missing_file_exits_2(tmp_path: Path) -> None:
    assert_one_sentence_error(mailbot("extract", "absent.eml", cwd=tmp_path), 2, "absent.eml does not exist")


def test_extract_non_email_exits_1(tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert_one_sentence_error(mailbot("extract", "photo.png", cwd=tmp_path), 1)


def test_extract_json_from_stdin(tmp_path: Path) -> None:
    result = mailbot("extract", "-", "--json", cwd=tmp_path, stdin=letter(3))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"forwarded", "letter", "forwarders", "rule", "flags"}
    assert data["forwarded"] is True
    assert data["letter"]["author"] == {"name": "Cliente 3", "address": "cliente3@example.it"}
    assert data["forwarders"][0]["address"] == "anna.bianchi@napoli.example.org"


def test_end_to_end_poll_review_publish(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1), letter(2), letter(3, sender="x@elsewhere.example.com")])
    (tmp_path / "mailbot.toml").write_text('[senders]\nallow = ["example.org"]\n[site]\nlanguage = "it"\n')
    polled = mailbot("poll", "--once", cwd=tmp_path)
    assert polled.returncode == 1  # one message was quarantined
    assert "2 drafted" in polled.stdout and "1 quarantined" in polled.stdout
    listed = json.loads(mailbot("drafts", "list", "--json", cwd=tmp_path).stdout)
    assert len(listed) == 2
    for item in listed:
        assert {"id", "status", "title", "author", "forwarded_by", "message_id", "path"} <= set(item)
        assert Path(item["path"]).is_file()
    first, second = (item["id"] for item in listed)
    shown = mailbot("drafts", "show", first, cwd=tmp_path)
    assert shown.returncode == 0 and "Buongiorno, questa è la lettera" in shown.stdout
    assert mailbot("drafts", "approve", first, cwd=tmp_path).returncode == 0
    rejected = mailbot("drafts", "reject", second, "--reason", "duplicate", cwd=tmp_path)
    assert rejected.returncode == 0
    assert_one_sentence_error(mailbot("drafts", "approve", "no-such-id", cwd=tmp_path), 2, "no-such-id")
    published = mailbot("publish", cwd=tmp_path)
    assert published.returncode == 0, published.stderr
    assert f"published {first}" in published.stdout
    statuses = {
        i["id"]: i["status"] for i in json.loads(mailbot("drafts", "list", "--json", cwd=tmp_path).stdout)
    }
    assert statuses == {first: "published", second: "rejected"}
    status = json.loads(mailbot("status", "--json", cwd=tmp_path).stdout)
    assert status["messages"] == {"drafted": 2, "failed": 1}
    assert "not in [senders] allow" in status["last_error"]["error"]


def test_drafts_edit_uses_editor(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1)])
    assert mailbot("poll", cwd=tmp_path).returncode == 0
    draft_id = json.loads(mailbot("drafts", "list", "--json", cwd=tmp_path).stdout)[0]["id"]
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s/^Saluti\\./Cordiali saluti./" "$1"\n')
    editor.chmod(0o755)
    result = mailbot("drafts", "edit", draft_id, cwd=tmp_path, env={"EDITOR": str(editor), "VISUAL": ""})
    assert result.returncode == 0, result.stderr
    assert "Cordiali saluti." in mailbot("drafts", "show", draft_id, cwd=tmp_path).stdout


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix}{name} "))
    return found


@pytest.mark.parametrize(("name", "command"), _commands(cli), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_has_help_and_is_in_the_readme(name: str, command: click.Command) -> None:
    assert command.help and len(command.help) > 20
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"mailbot {name}" in readme, f"README does not mention `mailbot {name}`"


def test_review_commands_do_not_need_the_imap_password(tmp_path: Path) -> None:
    (tmp_path / "mailbot.toml").write_text(
        '[imap]\nhost = "127.0.0.1"\nusername = "blog@example.org"\n'
        'password_env = "MAILBOT_TEST_NO_SUCH_VAR"\n'
    )
    listed = mailbot("drafts", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert mailbot("publish", cwd=tmp_path).returncode == 0
    # ...but the commands that connect say at once what is missing.
    assert_one_sentence_error(mailbot("poll", "--once", cwd=tmp_path), 2, "MAILBOT_TEST_NO_SUCH_VAR")
    assert_one_sentence_error(mailbot("run", cwd=tmp_path), 2, "MAILBOT_TEST_NO_SUCH_VAR")
