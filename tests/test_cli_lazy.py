"""The command line imports a command's modules only when that command runs (issue 11: `drafts list`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mailbot.cli import cli
from mailbot.cli.lazy import LazyCommands
from mailbot.drafts.store import DraftStore
from mailbot.langdetect import is_locale, parse_locale
from mailbot.models import Draft, Person, Status

EVERY_COMMAND = {
    "comments", "drafts", "extract", "import", "notify", "poll", "preview", "publish", "retract",
    "reviewers", "run", "serve", "status",
}  # fmt: skip

# What listing drafts never needs: the pipeline and the parsers, the site, the desk, the outbox.
NOT_FOR_A_LISTING = (
    "jinja2",
    "babel",
    "flask",
    "waitress",
    "mailparser",
    "nh3",
    "imapclient",
    "mailbot.forwards",
    "mailbot.ingest",
    "mailbot.mail",
    "mailbot.site",
    "mailbot.desk",
    "mailbot.outbox",
    "mailbot.comments",
    "mailbot.drafts.audit",
    "mailbot.safety.redact",
)

LIST_AND_REPORT = """
import json, sys
from mailbot.cli import cli
try:
    cli(["--config", sys.argv[1], "drafts", "list"], prog_name="mailbot")
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def test_drafts_list_imports_nothing_a_listing_does_not_need(tmp_path: Path) -> None:
    (tmp_path / "mailbot.toml").write_text(
        f'[paths]\ndrafts = "{tmp_path}/drafts"\nstate = "{tmp_path}/state"\nsite = "{tmp_path}/site"\n'
        '[site]\nlanguage = "it-CH"\n'
    )
    DraftStore(tmp_path / "drafts").write(
        Draft(
            id="d1",
            status=Status.DRAFT,
            title="Grazie Tommaso",
            author=Person("Anna", None),
            forwarders=(),
            body="Ciao.",
        )
    )
    done = subprocess.run(
        [sys.executable, "-c", LIST_AND_REPORT, str(tmp_path / "mailbot.toml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Grazie Tommaso" in done.stdout
    loaded = json.loads(done.stderr.splitlines()[-1])
    assert "mailbot.drafts.index" in loaded  # the listing itself did run
    unwanted = [m for m in loaded if m.startswith(NOT_FOR_A_LISTING)]
    assert unwanted == []
    # Of the command modules, only the one of `drafts` was imported.
    assert [m for m in loaded if m.startswith("mailbot.cli.")] == [
        "mailbot.cli.common",
        "mailbot.cli.lazy",
        "mailbot.cli.review",
    ]


def test_every_command_is_registered_under_its_own_name() -> None:
    assert set(cli.commands) == EVERY_COMMAND
    for name in EVERY_COMMAND:
        command = cli.commands[name]
        assert isinstance(command, click.Command) and command.name == name
    help_text = CliRunner().invoke(cli, ["--help"]).output
    listed = [line.split()[0] for line in help_text.split("Commands:\n", 1)[1].splitlines() if line.strip()]
    assert listed == sorted(EVERY_COMMAND)


def test_an_unknown_command_still_suggests_a_known_one() -> None:
    result = CliRunner().invoke(cli, ["draft", "list"])
    assert result.exit_code == 2
    assert "No such command 'draft'" in result.output
    assert "drafts" in result.output


def test_lazy_commands_load_on_use_and_can_be_added_and_removed() -> None:
    commands = LazyCommands(
        {"drafts": "mailbot.cli.review:drafts_group", "wrong": "mailbot.cli.review:BROKEN"}
    )
    assert sorted(commands) == ["drafts", "wrong"] and len(commands) == 2
    assert commands.loaded() == set()
    assert commands["drafts"].name == "drafts"
    assert commands.loaded() == {"drafts"}
    with pytest.raises(TypeError, match="is not the command 'wrong'"):
        commands["wrong"]
    assert commands.get("missing") is None
    extra = click.Command("extra", help="An added command.")
    commands["extra"] = extra
    assert commands["extra"] is extra and len(commands) == 3
    del commands["wrong"]
    assert sorted(commands) == ["drafts", "extra"]
    with pytest.raises(KeyError):
        del commands["wrong"]


def test_is_locale_agrees_with_babel_on_every_locale_it_ships_and_some_it_does_not() -> None:
    import babel

    folder = Path(babel.__file__).parent / "locale-data"
    names = sorted(p.stem for p in folder.glob("*.dat"))
    assert len(names) > 500
    for name in [
        *names,
        "it-CH",
        "pt-BR",
        "zh-Hant",
        " it ",
        "EN",
        "xx",
        "it_XX",
        "",
        "../it",
        "it/../en",
        "root",
    ]:
        assert is_locale(name) == (parse_locale(name) is not None), name
    assert is_locale("it") and is_locale("it-CH") and not is_locale("xx") and not is_locale("../it")
