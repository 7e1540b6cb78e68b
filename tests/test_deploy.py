"""`mailbot publish`: one write per new post, --rebuild, and [publish] after (issue 11, point 5)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from mailfactory import letter, maildir

from mailbot.cli import cli
from mailbot.config import Config, load_config
from mailbot.drafts.store import DraftStore
from mailbot.errors import ConfigError
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import Status
from mailbot.service import Service
from mailbot.sources.local import MaildirInbox

# A deploy command that records its arguments and what it found in the folder it was given.
RECORDER = """#!{python}
import json, os, sys
folder = sys.argv[-1]
with open({log!r}, "a") as fh:
    found = os.path.isfile(os.path.join(folder, "index.html"))
    fh.write(json.dumps({{"argv": sys.argv[1:], "index": found}}) + "\\n")
print("uploaded", len(os.listdir(folder)), "entries")
"""

FAILING = """#!/bin/sh
echo "bucket s3://blog not found" >&2
exit 3
"""


def setup(tmp_path: Path, after: str = "", approve: int = 2) -> Config:
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org"]\n'
        f'[paths]\ndrafts = "{tmp_path}/drafts"\nstate = "{tmp_path}/state"\nsite = "{tmp_path}/site"\n'
        f'[local]\nmaildir = "{tmp_path}/inbox"\n' + after
    )
    config = load_config(tmp_path / "mailbot.toml")
    maildir(config.local.maildir, [letter(i) for i in range(3)])
    with Ledger(config.ledger_path) as ledger:
        Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
    store = DraftStore(config.paths.drafts)
    store.transition([d.id for d in store.all()[:approve]], "approve")
    return config


def script(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o755)
    return path


def mailbot(config: Config, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config.path), *args])


def test_the_first_publish_writes_each_new_post_once_with_slug_date_and_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = setup(tmp_path)
    writes: list[tuple[str, Status, str | None, bool]] = []
    real, real_many = DraftStore.write, DraftStore.write_many

    def counting(self: DraftStore, draft, **kw):  # type: ignore[no-untyped-def]
        writes.append((draft.id, draft.status, draft.slug, draft.published is not None))
        return real(self, draft, **kw)

    def counting_many(self: DraftStore, drafts, **kw):  # type: ignore[no-untyped-def]
        writes.extend((d.id, d.status, d.slug, d.published is not None) for d in drafts)
        return real_many(self, drafts, **kw)

    monkeypatch.setattr(DraftStore, "write", counting)
    monkeypatch.setattr(DraftStore, "write_many", counting_many)
    result = mailbot(config, "publish")
    assert result.exit_code == 0, result.output
    assert sorted((s, slug, has_date) for _, s, slug, has_date in writes) == [
        (Status.PUBLISHED, "lettera-numero-0", True),
        (Status.PUBLISHED, "lettera-numero-1", True),
    ]
    writes.clear()
    assert mailbot(config, "publish").exit_code == 0
    assert writes == []  # nothing new: no draft written


# Dies inside render_site, after the drafts were written and before the site is complete.
CRASH_IN_RENDER = """
import os, sys
from datetime import UTC, datetime
from mailbot.config import load_config
from mailbot.site import render
from mailbot.site.publishing import Publisher
from mailbot.drafts.store import DraftStore
from pathlib import Path
config = load_config(Path(sys.argv[1]))
# The crash comes when the first file of the site is written (or, with _prerender_posts, while the
# pages render in memory): the drafts are written before the pages render, all durable by then.
setattr(render, sys.argv[2], lambda *a, **k: os._exit(9))
clock = lambda: datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
Publisher(config, DraftStore(config.paths.drafts), None, clock).publish()
"""


def test_a_crash_during_the_render_loses_no_post_and_changes_no_permalink(tmp_path: Path) -> None:
    config = setup(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", CRASH_IN_RENDER, str(config.path), "_write_if_changed"], check=False
    )
    assert done.returncode == 9
    store = DraftStore(config.paths.drafts)
    crashed = {d.id: d for d in store.all(Status.PUBLISHED)}
    assert sorted(d.slug or "" for d in crashed.values()) == ["lettera-numero-0", "lettera-numero-1"]
    assert not (config.paths.site / "index.html").exists()
    # The next publish renders them at the stored slugs, with the stored dates.
    assert mailbot(config, "publish").exit_code == 0
    for draft in crashed.values():
        after = store.read(draft.id)
        assert (after.slug, after.published) == (draft.slug, draft.published)
        assert after.published is not None
        page = config.paths.site / f"{after.published:%Y/%m}/{draft.slug}/index.html"
        assert draft.title in page.read_text(encoding="utf-8")


def test_a_crash_before_the_site_is_written_loses_no_post(tmp_path: Path) -> None:
    config = setup(tmp_path)
    # While the pages render in memory (the drafts already durable): nothing is public yet.
    done = subprocess.run(
        [sys.executable, "-c", CRASH_IN_RENDER, str(config.path), "_prerender_posts"], check=False
    )
    assert done.returncode == 9
    assert not (config.paths.site / "index.html").exists()
    assert mailbot(config, "publish").exit_code == 0
    store = DraftStore(config.paths.drafts)
    published = store.all(Status.PUBLISHED)
    assert sorted(d.slug or "" for d in published) == ["lettera-numero-0", "lettera-numero-1"]
    for draft in published:
        assert draft.published is not None
        page = config.paths.site / f"{draft.published:%Y/%m}/{draft.slug}/index.html"
        assert draft.title in page.read_text(encoding="utf-8")


def test_rebuild_renders_every_page_again(tmp_path: Path) -> None:
    config = setup(tmp_path)
    assert mailbot(config, "publish").exit_code == 0
    index = config.paths.site / "index.html"
    # As if an upgrade changed how pages come out: same inputs, other bytes (same size).
    index.write_text(index.read_text(encoding="utf-8").replace("Lettera numero 0", "Lettura numero 0"))
    assert mailbot(config, "publish").exit_code == 0
    assert "Lettura numero 0" in index.read_text(encoding="utf-8")  # inputs unchanged: left alone
    result = mailbot(config, "publish", "--rebuild")
    assert result.exit_code == 0, result.output
    assert "Lettura numero 0" not in index.read_text(encoding="utf-8")
    assert "Lettera numero 0" in index.read_text(encoding="utf-8")


def test_after_runs_each_command_with_the_site_folder_last_never_through_a_shell(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    calls = tmp_path / "calls.jsonl"
    first = script(tmp_path, "deploy-one", RECORDER.format(python=sys.executable, log=str(calls)))
    second = script(tmp_path, "deploy-two", RECORDER.format(python=sys.executable, log=str(calls)))
    config = setup(tmp_path, f'[publish]\nafter = [["{first}", "--delete", "; touch pwned"], ["{second}"]]\n')
    result = mailbot(config, "-v", "publish")  # -v: the deploy's output is logged at INFO
    assert result.exit_code == 0, result.output
    assert "deployed: 2 command(s)" in result.output
    runs = [json.loads(line) for line in calls.read_text().splitlines()]
    site = str(config.paths.site)
    assert runs == [
        {"argv": ["--delete", "; touch pwned", site], "index": True},
        {"argv": [site], "index": True},
    ]
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    assert "deploy-one: uploaded" in caplog.text  # its output is logged


def test_a_failing_deploy_is_exit_status_1_and_the_publish_stays(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    failing = script(tmp_path, "deploy", FAILING)
    config = setup(tmp_path, f'[publish]\nafter = ["{failing}"]\n')
    result = mailbot(config, "publish")
    assert result.exit_code == 1
    assert "the deploy command" in result.output and "failed (exit status 3)" in result.output
    assert "bucket s3://blog not found" in caplog.text
    store = DraftStore(config.paths.drafts)
    assert len(store.all(Status.PUBLISHED)) == 2  # not undone
    assert "Lettera numero 0" in (config.paths.site / "index.html").read_text(encoding="utf-8")


def test_a_missing_deploy_program_is_named(tmp_path: Path) -> None:
    config = setup(tmp_path, f'[publish]\nafter = ["{tmp_path}/no-such-program", "-a"]\n')
    result = mailbot(config, "publish")
    assert result.exit_code == 1
    assert "no-such-program" in result.output and "was not found" in result.output


@pytest.mark.parametrize("value", ['"rsync"', "[]", '[["rsync"], "x"]', '[""]', "[[]]", "[1]"], ids=str)
def test_after_must_be_a_command_or_a_list_of_commands(tmp_path: Path, value: str) -> None:
    (tmp_path / "mailbot.toml").write_text(f"[publish]\nafter = {value}\n")
    if value == "[]":
        assert load_config(tmp_path / "mailbot.toml").publish.after == ()
        return
    with pytest.raises(ConfigError, match=r"publish\.after"):
        load_config(tmp_path / "mailbot.toml")


def test_the_services_auto_publish_deploys_too(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    calls = tmp_path / "calls.jsonl"
    deployer = script(tmp_path, "deploy", RECORDER.format(python=sys.executable, log=str(calls)))
    config = setup(tmp_path, f'[publish]\nafter = ["{deployer}"]\n')
    with Ledger(config.ledger_path) as ledger:
        service = Service(Pipeline(config, ledger), lambda: MaildirInbox(config.local.maildir), interval=60)
        service.publish_approved()
    assert [json.loads(line)["argv"] for line in calls.read_text().splitlines()] == [[str(config.paths.site)]]
    # A failing deploy is logged; the service goes on and the posts stay published.
    failing = script(tmp_path, "deploy", FAILING)
    assert failing == deployer
    DraftStore(config.paths.drafts).transition([DraftStore(config.paths.drafts).all()[2].id], "approve")
    with Ledger(config.ledger_path) as ledger:
        service = Service(Pipeline(config, ledger), lambda: MaildirInbox(config.local.maildir), interval=60)
        service.publish_approved()
    assert "failed (exit status 3)" in caplog.text
    assert len(DraftStore(config.paths.drafts).all(Status.PUBLISHED)) == 3
