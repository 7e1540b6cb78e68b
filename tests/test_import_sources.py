"""`mailbot import` of files named one by one: one source per folder run, as for a folder (issue 11)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from mailfactory import letter

from mailbot.cli import cli
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.sources.local import import_sources


def test_files_of_one_folder_given_one_by_one_are_one_source(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    paths = [
        tmp_path / "a" / "1.eml",
        tmp_path / "a" / "2.eml",
        tmp_path / "b" / "3.eml",
        tmp_path / "a" / "4.eml",
    ]
    for n, path in enumerate(paths):
        path.write_bytes(letter(n))
    sources = import_sources(paths)
    assert [(s.name, len(s)) for s in sources] == [
        (f"file:{tmp_path / 'a'}", 2),
        (f"file:{tmp_path / 'b'}", 1),
        (f"file:{tmp_path / 'a'}", 1),
    ]
    keys = [m.key.split("#")[0] for s in sources for m in s.messages()]
    assert keys == ["1.eml", "2.eml", "3.eml", "4.eml"]


def test_import_of_many_files_drafts_each_once_in_one_run(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    files = []
    for n in range(40):
        files.append(mail / f"{n:02d}.eml")
        files[-1].write_bytes(letter(n))
    (tmp_path / "mailbot.toml").write_text('[senders]\nallow = ["*@*.example.org"]\n')
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(tmp_path / "mailbot.toml"), "import", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert "40 message(s) from file:" in result.output and "40 drafted" in result.output
    assert len(DraftStore(tmp_path / "drafts").all()) == 40
    with Ledger(tmp_path / "state" / "ledger.sqlite3") as ledger:
        assert ledger.counts() == {"drafted": 40}
    again = runner.invoke(cli, ["--config", str(tmp_path / "mailbot.toml"), "import", *map(str, files)])
    assert again.exit_code == 0 and "40 already known" in again.output
