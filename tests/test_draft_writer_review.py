"""Second review of the child-process drafts writer (commit 3365d88): what its tests left out.

Each test shows a defect that review found and that is now fixed, or pins down what was
checked and found right.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import types
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import test_draft_writer as base
from test_draft_writer import files, home, publish
from test_publish import SITE_IT, _many

from mailbot import fsbatch
from mailbot.config import Config
from mailbot.drafts import writer
from mailbot.drafts.store import DraftStore
from mailbot.errors import StoreError
from mailbot.models import Status
from mailbot.site import plan, publishing
from mailbot.site import render as site_render
from mailbot.site.publishing import Publisher
from mailbot.site.render import render_site

ROME = ZoneInfo("Europe/Rome")
children = base.children  # the fixture: every publish writes its drafts through a child


def test_the_child_imports_the_callers_mailbot_whatever_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    config = home(tmp_path / "h")
    other = tmp_path / "checkout"
    (other / "mailbot" / "drafts").mkdir(parents=True)
    (other / "mailbot" / "__init__.py").write_text("")
    (other / "mailbot" / "drafts" / "__init__.py").write_text("")
    marker = tmp_path / "the-other-mailbot-ran"
    (other / "mailbot" / "drafts" / "writer.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('yes')\nraise SystemExit(1)\n"
    )
    monkeypatch.chdir(other)
    try:
        assert len(publish(config)) == 3
    finally:
        assert isinstance(children[0], writer.Child)
    assert not marker.exists()


def test_without_a_python_to_start_the_drafts_are_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    config = home(tmp_path / "h")
    monkeypatch.setattr(sys, "executable", None)
    assert len(publish(config)) == 3
    assert children == [None]


def test_a_build_that_waits_does_not_read_the_pictures_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared = tmp_path / "prepared"
    prepared.mkdir()
    posts = []
    for i, post in enumerate(_many(4)):
        source = prepared / f"{i}.jpg"
        source.write_bytes(b"\xff\xd8 jpeg " + bytes([i]) * 1000)
        posts.append(dataclasses.replace(post, assets=((f"foto-{i}.jpg", source),)))
    read: list[Path] = []
    real = plan._read_file  # type: ignore[attr-defined]

    def counting(path: Path) -> bytes:
        read.append(Path(path))
        return real(path)

    monkeypatch.setattr(plan, "_read_file", counting)
    held: list[list[Path]] = []
    out = tmp_path / "site"
    render_site(
        posts, SITE_IT, out, before_write=lambda: held.append([p for p in read if p.parent == prepared])
    )
    assert len(held) == 1
    assert (out / "2007/01/lettera-numero-1/foto-0.jpg").is_file()  # (the pictures are published)
    assert held == [[]]  # none was read (and kept) before the first file was written


def test_the_publish_waits_for_the_child_before_the_first_file_of_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    """No test of the commit fails if render_site stops waiting: here the child takes its time
    (a second before it starts) and, when the first file of the site is written, every draft
    must already say published."""
    config = home(tmp_path / "h")
    monkeypatch.setattr(
        writer,
        "command",
        lambda: [
            sys.executable,
            "-c",
            "import sys, time; time.sleep(1); from mailbot.drafts.writer import main; sys.exit(main())",
        ],
    )
    statuses: list[list[str]] = []
    real = site_render._write_if_changed

    def first_write(path: Path, data: bytes, **kw: object) -> bool:
        if not statuses:
            statuses.append(
                sorted(
                    "published" if 'status = "published"' in p.read_text(encoding="utf-8") else "other"
                    for p in config.paths.drafts.glob("*.md")
                )
            )
        return real(path, data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(site_render, "_write_if_changed", first_write)
    assert len(publish(config)) == 3
    assert isinstance(children[0], writer.Child)
    assert statuses == [["published"] * 3]


def _odd_home(root: Path) -> Config:
    """:func:`home`, with one draft the index keeps no JSON of (a string starting with "$")."""
    config = home(root)
    store = DraftStore(config.paths.drafts)
    draft = store.all()[2]
    draft.unknown["price"] = "$50, a string the index cannot keep as JSON"
    draft.unknown["when"] = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=ROME)
    store.write(draft)
    return config


def test_the_child_writes_what_this_process_writes_for_odd_drafts_and_a_local_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    """A draft without JSON in the index (its whole text is sent), unknown keys with dates, and
    a clock in local time with microseconds (its offset must reach the file as this process
    writes it)."""
    clock = datetime(2026, 11, 30, 10, 0, 0, 123456, tzinfo=ROME)

    def run(config: Config) -> list[str]:
        return Publisher.of(config, clock=lambda: clock).publish()[0]

    here, there = _odd_home(tmp_path / "here"), _odd_home(tmp_path / "there")
    index = DraftStore(there.paths.drafts).index
    index.sync()
    assert [r.source is None for r in index.rows("ORDER BY name")] == [False, False, True]
    assert len(run(there)) == 3
    assert isinstance(children[0], writer.Child)
    monkeypatch.setattr(publishing, "CHILD_AT", 10**9)
    assert len(run(here)) == 3
    assert len(children) == 1
    assert files(there.paths.drafts) == files(here.paths.drafts)
    assert files(there.paths.site) == files(here.paths.site)
    texts = [p.read_text(encoding="utf-8") for p in sorted(there.paths.drafts.glob("*.md"))]
    # By hand: 10:00:00.123456 in Rome, winter time (+01:00).
    assert all("published = 2026-11-30 10:00:00.123456+01:00" in t for t in texts), texts[0]
    assert 'price = "$50, a string the index cannot keep as JSON"' in texts[2]
    assert all(d.status is Status.PUBLISHED for d in DraftStore(there.paths.drafts).all())
    assert os.path.exists(there.paths.site / "index.html")


def test_a_publisher_started_with_stdin_and_stdout_closed_still_leaves_the_folder_locked_to_its_child(
    tmp_path: Path,
) -> None:
    config = home(tmp_path / "h")
    pid_file = tmp_path / "child.pid"
    closed = "os.close(0); os.close(1)  # started with <&- >&-\nconfig = load_config"
    script = base.KILLED.replace("config = load_config", closed)
    done = subprocess.run([sys.executable, "-c", script, str(config.path), str(pid_file)], check=False)
    assert done.returncode == 9
    child = int(pid_file.read_text())
    try:
        base.wait_until_stopped(child)
        assert base.locked(config.paths.drafts)  # the stopped child holds the lock
    finally:
        os.kill(child, signal.SIGKILL)  # (a stopped child that never wrote: the drafts stay approved)


def test_with_a_child_this_process_writes_no_draft_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    """Each draft is written once: by the child only (test_deploy counts the writes of this
    process, which never starts a child for its few drafts)."""
    config = home(tmp_path / "h")
    calls: list[str] = []
    monkeypatch.setattr(DraftStore, "write", lambda *a, **k: calls.append("write"))
    monkeypatch.setattr(DraftStore, "write_many", lambda *a, **k: calls.append("write_many"))
    assert len(publish(config)) == 3
    assert isinstance(children[0], writer.Child)
    assert calls == []
    assert all(d.status is Status.PUBLISHED for d in DraftStore(config.paths.drafts).all())


class _Interrupted(threading.Thread):
    """A Thread whose join() in the caller is interrupted at once, as by a Ctrl-C."""

    interrupted = False  # once, for the first thread the caller waits for

    def join(self, timeout: float | None = None) -> None:
        if not _Interrupted.interrupted:
            _Interrupted.interrupted = True
            raise KeyboardInterrupt
        super().join(timeout)


def test_write_all_interrupted_writes_nothing_once_it_has_let_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _Interrupted.interrupted = False
    folder = tmp_path / "drafts"
    folder.mkdir()
    other = tmp_path / "site"
    other.mkdir()
    real_close = os.close
    opened: list[int] = []

    class Os:
        """fsbatch's os, where the folder opened next takes the number write_all lets go of."""

        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        def close(self, fd: int) -> None:
            real_close(fd)
            if not opened and threading.current_thread() is threading.main_thread():
                opened.append(os.open(other, os.O_RDONLY | os.O_DIRECTORY))

    monkeypatch.setattr(fsbatch, "os", Os())
    fake = types.SimpleNamespace(Thread=_Interrupted, Event=threading.Event)
    monkeypatch.setattr(fsbatch, "threading", fake)
    with pytest.raises(KeyboardInterrupt):
        files = [(f"{i:04d}.md", b"x" * 1000) for i in range(400)]
        fsbatch.write_all(folder, files, threads=4, one_sync=False)  # (the threads' path)
    monkeypatch.undo()
    for thread in threading.enumerate():
        if isinstance(thread, _Interrupted):
            thread.join(60)
    for fd in opened:
        os.close(fd)
    assert sorted(p.name for p in other.iterdir()) == []
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


def test_a_child_that_prints_something_else_is_a_writer_that_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    config = home(tmp_path / "h")
    monkeypatch.setattr(
        writer, "command", lambda: [sys.executable, "-c", "print('mailbot 9.9, usage: mailbot [OPTIONS]')"]
    )
    try:
        with pytest.raises(StoreError, match="drafts writer stopped before the drafts were written"):
            publish(config)
        assert not (config.paths.site / "index.html").exists()
    finally:
        for child in children:  # finish() waited for it and closed its pipe
            assert child is not None
            assert child._process.returncode is not None
            assert child._process.stdout is not None and child._process.stdout.closed
