"""The command line as a user meets it: exit statuses, one-sentence errors, help, docs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from mailfactory import letter, maildir

from mailbot.cli import cli
from mailbot.ingest.outcomes import WORDS, describe
from mailbot.ingest.pipeline import RunReport

ROOT = Path(__file__).resolve().parent.parent


def mailbot(
    *args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command line in this process (click's CliRunner), in the folder ``cwd``."""
    environment: dict[str, str | None] = {"MAILBOT_CONFIG": None, **(env or {})}
    with contextlib.chdir(cwd):
        result = CliRunner(env=environment).invoke(cli, list(args), input=stdin or b"")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a crash, not an exit status: show its traceback
    return subprocess.CompletedProcess(["mailbot", *args], result.exit_code, result.stdout, result.stderr)


def real_mailbot(
    *args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real program in a child process, as a user would (``python -m mailbot``)."""
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
    result = real_mailbot("drafts", "list", cwd=tmp_path)
    assert_one_sentence_error(result, 2, "site.languag")


def test_missing_config_given_explicitly_exits_2(tmp_path: Path) -> None:
    result = mailbot("--config", "nope.toml", "drafts", "list", cwd=tmp_path)
    assert_one_sentence_error(result, 2, "nope.toml does not exist")


def test_config_from_environment_variable(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text("[bogus]\n")
    result = real_mailbot("drafts", "list", cwd=tmp_path, env={"MAILBOT_CONFIG": "x.toml"})
    assert_one_sentence_error(result, 2, "unknown section [bogus]")


def test_extract_missing_file_exits_2(tmp_path: Path) -> None:
    assert_one_sentence_error(mailbot("extract", "absent.eml", cwd=tmp_path), 2, "absent.eml does not exist")


def test_extract_non_email_exits_1(tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert_one_sentence_error(mailbot("extract", "photo.png", cwd=tmp_path), 1)


def test_extract_json_from_stdin(tmp_path: Path) -> None:
    result = real_mailbot("extract", "-", "--json", cwd=tmp_path, stdin=letter(3))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"forwarded", "letter", "forwarders", "rule", "flags"}
    assert data["forwarded"] is True
    assert data["letter"]["author"] == {"name": "Cliente 3", "address": "cliente3@example.it"}
    assert data["forwarders"][0]["address"] == "anna.bianchi@napoli.example.org"


def test_end_to_end_poll_review_publish(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1), letter(2), letter(3, sender="x@elsewhere.example.com")])
    (tmp_path / "mailbot.toml").write_text('[senders]\nallow = ["example.org"]\n[site]\nlanguage = "it"\n')
    polled = real_mailbot("poll", "--once", cwd=tmp_path)
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
    published = real_mailbot("publish", cwd=tmp_path)
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


def _with_reader_gone(*args: str, cwd: Path) -> tuple[int, str]:
    """Run mailbot with its stdout a real pipe whose reader has already gone (like `| head -1`)."""
    env = {k: v for k, v in os.environ.items() if k != "MAILBOT_CONFIG"}
    proc = subprocess.Popen([sys.executable, "-m", "mailbot", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return proc.wait(timeout=60), err


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1), letter(2)])
    (tmp_path / "mailbot.toml").write_text("[service]\ninterval = 60\n")
    assert mailbot("poll", cwd=tmp_path).returncode == 0
    for args in (["drafts", "list"], ["drafts", "list", "--json"], ["status"], ["status", "--json"]):
        code, err = _with_reader_gone(*args, cwd=tmp_path)
        assert err == "", f"{args}: {err}"  # no BrokenPipeError, no traceback, no error sentence
        assert code == 1
    # And through a shell pipe, as a user types it.
    shell = subprocess.run(
        f"{sys.executable} -m mailbot status | head -1; {sys.executable} -m mailbot drafts list | head -1",
        shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shell.stderr == ""
    assert shell.stdout.splitlines()[0] == "service:    not running"


def test_status_and_poll_speak_the_same_words(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1), letter(2), letter(3, sender="x@elsewhere.example.com")])
    (tmp_path / "mailbot.toml").write_text('[senders]\nallow = ["example.org"]\n')
    polled = mailbot("poll", "--once", cwd=tmp_path)
    assert polled.stdout.startswith("3 message(s) from maildir:")
    assert polled.stdout.rstrip().endswith(
        ": 2 drafted, 0 credited on an existing draft, 0 already known, 0 resumed, 1 quarantined"
    )
    status = mailbot("status", cwd=tmp_path).stdout.splitlines()
    assert "messages:   2 drafted, 1 quarantined" in status
    assert any(line.startswith("last error: ") and "not in [senders] allow" in line for line in status)


def test_publish_with_nothing_approved_says_so(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1)])
    assert mailbot("poll", cwd=tmp_path).returncode == 0
    result = mailbot("publish", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("nothing new to publish: no draft is approved")


@pytest.mark.parametrize("args", [["drafts", "list"], ["poll", "--once"], ["status"], ["publish"]])
def test_without_a_config_file_every_command_says_it_uses_the_defaults_once(
    tmp_path: Path, args: list[str]
) -> None:
    maildir(tmp_path / "inbox", [])
    result = mailbot(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "no config file found" in line]
    assert len(notes) == 1, result.stderr
    assert f"(looked for {tmp_path / 'mailbot.toml'})" in notes[0]
    assert f"using built-in defaults: the local Maildir {tmp_path / 'inbox'}" in notes[0]
    assert "no config file" not in result.stdout  # stdout stays clean for scripts
    (tmp_path / "mailbot.toml").write_text("")
    assert "no config file" not in mailbot(*args, cwd=tmp_path).stderr


# -- the README and the help speak to users ------------------------------------------------------


def _all_help() -> list[tuple[str, str]]:
    found = []
    for name, command in _commands(cli):
        with click.Context(command, info_name=f"mailbot {name}") as ctx:
            found.append((name, command.get_help(ctx)))
    with click.Context(cli, info_name="mailbot") as ctx:
        found.append(("", cli.get_help(ctx)))
    return found


def test_no_help_text_points_at_a_file_users_do_not_have() -> None:
    for name, text in _all_help():
        assert "CONTRACT" not in text and "contract" not in text.lower(), name
        assert not re.search(r"\bissue\s+\d", text), name
    extract = dict(_all_help())["extract"]
    assert "forwarders, outermost first" in " ".join(extract.split())


def test_the_readme_has_no_internal_references() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "CONTRACT" not in readme
    assert not re.search(r"\bthe contract\b", readme, re.IGNORECASE)
    assert not re.search(r"\bissue\s*#?\d", readme, re.IGNORECASE)


def test_the_quick_start_is_exactly_make_demo_and_make_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_the_readme_installs_the_binary_where_the_systemd_unit_expects_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    unit = (ROOT / "contrib" / "mailbot.service").read_text(encoding="utf-8")
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")
    )
    binary = settings["ExecStart"].split()[0]
    assert binary == "/usr/local/bin/mailbot"
    install = readme.split("## Installing for real use", 1)[1].split("\n## ", 1)[0]
    assert "pipx install ." in install
    assert f"ln -s /opt/mailbot/bin/mailbot {binary}" in install
    assert f"PIPX_BIN_DIR={binary.rsplit('/', 1)[0]}" in install
    # The paths the unit reads are the ones the README tells to create.
    assert settings["EnvironmentFile"] in readme and settings["Environment"].split("=", 1)[1] in readme
    assert "MAILBOT_CONFIG=/etc/mailbot/mailbot.toml" in settings["Environment"]
    assert settings["WorkingDirectory"] in readme
    assert "RestartPreventExitStatus=1 2" in unit


def test_poll_names_each_quarantine_once(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1), letter(2, sender="x@elsewhere.example.com")])
    (tmp_path / "mailbot.toml").write_text('[senders]\nallow = ["example.org"]\n')
    result = mailbot("poll", "--once", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("x@elsewhere.example.com is not in [senders] allow") == 1, result.stderr
    assert result.stderr.splitlines()[-1].startswith("mailbot: error: 1 message(s) were quarantined")
    maildir(tmp_path / "inbox", [letter(3, sender="y@elsewhere.example.com")])
    quiet = mailbot("-q", "poll", "--once", cwd=tmp_path)  # no warnings logged: the command says it
    assert quiet.stderr.count("y@elsewhere.example.com is not in [senders] allow") == 1, quiet.stderr


def test_import_takes_a_folder_of_eml_files_sorted_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    for n, name in ((2, "b.eml"), (1, "a.eml"), (3, "c.eml")):
        (folder / name).write_bytes(letter(n))
    (folder / "notes.txt").write_text("not a message\n")
    (tmp_path / "mailbot.toml").write_text("")
    result = mailbot("import", str(folder), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"3 message(s) from file:{folder}: 3 drafted")
    drafts = json.loads(mailbot("drafts", "list", "--json", cwd=tmp_path).stdout)
    assert sorted(d["title"] for d in drafts) == ["Lettera numero 1", "Lettera numero 2", "Lettera numero 3"]
    again = mailbot("import", str(folder / "a.eml"), cwd=tmp_path)  # the same file alone: already known
    assert again.returncode == 0 and "0 drafted" in again.stdout and "1 already known" in again.stdout
    (tmp_path / "empty").mkdir()
    assert_one_sentence_error(mailbot("import", str(tmp_path / "empty"), cwd=tmp_path), 2, "no .eml files")


def test_the_run_summary_speaks_the_one_vocabulary() -> None:
    report = RunReport("maildir:/x", drafted=["a", "b"], duplicates=3, resumed=4, failed=[("k", "r")] * 5)
    report.credited = 6
    expected = ", ".join(f"{n} {word}" for n, (_, word) in zip([2, 6, 3, 4, 5], WORDS, strict=True))
    assert report.summary() == f"20 message(s) from maildir:/x: {expected}"
    assert expected == "2 drafted, 6 credited on an existing draft, 3 already known, 4 resumed, 5 quarantined"
    assert (
        describe({"failed": 1, "drafted": 2, "duplicate": 3}) == "2 drafted, 3 already known, 1 quarantined"
    )


# -- every command through the command line at least once ----------------------------------------


def _listed(tmp_path: Path) -> dict[str, str]:
    result = mailbot("drafts", "list", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return {item["id"]: item["status"] for item in json.loads(result.stdout)}


def test_approve_all_approves_every_draft_and_only_drafts(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1), letter(2), letter(3)])
    (tmp_path / "mailbot.toml").write_text("")
    assert mailbot("poll", "--once", cwd=tmp_path).returncode == 0
    first, second, third = sorted(_listed(tmp_path))
    assert mailbot("drafts", "reject", third, cwd=tmp_path).returncode == 0
    both = mailbot("drafts", "approve", "--all", first, cwd=tmp_path)
    assert_one_sentence_error(both, 2, "give draft ids or --all, not both")
    assert set(_listed(tmp_path).values()) == {"draft", "rejected"}
    result = mailbot("drafts", "approve", "--all", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == [f"approved {first}", f"approved {second}"]
    assert _listed(tmp_path) == {first: "approved", second: "approved", third: "rejected"}
    assert mailbot("drafts", "approve", "--all", cwd=tmp_path).stdout == "no drafts to approve\n"


def test_retract_takes_a_post_off_the_site_through_the_cli(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1), letter(2)])
    (tmp_path / "mailbot.toml").write_text("")
    assert mailbot("poll", "--once", cwd=tmp_path).returncode == 0
    first, second = sorted(_listed(tmp_path))
    assert mailbot("drafts", "approve", first, second, cwd=tmp_path).returncode == 0
    assert mailbot("publish", cwd=tmp_path).returncode == 0
    index = tmp_path / "site" / "index.html"
    assert "Lettera numero 1" in index.read_text() and "Lettera numero 2" in index.read_text()
    result = mailbot("retract", first, "--reason", "consent withdrawn", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"retracted {first}" in result.stdout
    assert "Lettera numero 1" not in index.read_text() and "Lettera numero 2" in index.read_text()
    assert _listed(tmp_path) == {first: "retracted", second: "published"}
    again = mailbot("retract", first, cwd=tmp_path)
    assert_one_sentence_error(again, 2, "only published posts can be retracted")


def test_preview_renders_drafts_apart_from_the_site(tmp_path: Path) -> None:
    maildir(tmp_path / "inbox", [letter(1)])
    (tmp_path / "mailbot.toml").write_text("")
    assert mailbot("poll", "--once", cwd=tmp_path).returncode == 0
    result = mailbot("preview", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"preview: {tmp_path / 'preview' / 'index.html'}"
    assert "Lettera numero 1" in (tmp_path / "preview" / "index.html").read_text()
    assert not (tmp_path / "site").exists()  # the public site is never touched
    assert set(_listed(tmp_path).values()) == {"draft"}


def test_import_of_one_eml_file_through_the_cli(tmp_path: Path) -> None:
    data = letter(4)
    (tmp_path / "a.eml").write_bytes(data)
    (tmp_path / "mailbot.toml").write_text("")
    result = mailbot("import", "a.eml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 drafted" in result.stdout
    assert (tmp_path / "a.eml").read_bytes() == data  # an imported file is left as it was
    assert len(_listed(tmp_path)) == 1
