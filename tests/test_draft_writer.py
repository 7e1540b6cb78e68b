"""The first publish of many drafts: a child process writes them while the pages render.

`mailbot.drafts.writer` (issue 11, point 4). The child must write exactly what this process
would have written, keep the drafts folder locked until it is done even when the publisher
dies, and stop the publish before any page when it fails.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailbot import fsbatch
from mailbot.cli import cli
from mailbot.config import Config, load_config
from mailbot.drafts import writer
from mailbot.drafts.fileformat import dumps
from mailbot.drafts.index import INDEX_NAME
from mailbot.drafts.store import LOCK_NAME, DraftStore
from mailbot.errors import StoreError
from mailbot.models import Draft, Forwarder, Person, Status
from mailbot.site import publishing
from mailbot.site.publishing import Publisher

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TITLES = ["Grazie per la pazienza", "Un servizio da ricordare", "$50 rimborsati in un giorno"]
# By hand, from the titles: lower case, accents and punctuation gone, words joined by "-".
SLUGS = ["grazie-per-la-pazienza", "un-servizio-da-ricordare", "50-rimborsati-in-un-giorno"]


def home(root: Path) -> Config:
    root.mkdir()
    (root / "mailbot.toml").write_text(
        f'[paths]\ndrafts = "{root}/drafts"\nstate = "{root}/state"\nsite = "{root}/site"\n'
        '[site]\ntitle = "Lettere"\nbase_url = "https://blog.example.org/"\nlanguage = "it"\n'
        'timezone = "Europe/Rome"\n'
    )
    config = load_config(root / "mailbot.toml")
    store = DraftStore(config.paths.drafts)
    for i, title in enumerate(TITLES):
        when = START + timedelta(days=i)
        store.write(
            Draft(
                id=f"{when:%Y%m%d}-lettera-{i}",
                status=Status.APPROVED,
                title=title,
                author=Person(f"Cliente {i}", f"cliente{i}@example.com"),
                forwarders=(Forwarder("Anna Bianchi", "anna@napoli.example.org", when, "Da Napoli."),),
                body=f"Buongiorno,\n\nlettera numero {i}.\n\nCliente {i}",
                created=when,
                author_display=f"Cliente {i}",
                forwarded_by=("i colleghi di Napoli",),
                unknown={"tags": ["grazie", f"n{i}"]},
            )
        )
    return config


def publish(config: Config) -> list[str]:
    return Publisher.of(config, clock=lambda: NOW).publish()[0]


def files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` but the drafts index's, by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(INDEX_NAME)
    }


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[writer.Child | None]:
    """Every publish writes its drafts through a child; the children started, in order."""
    monkeypatch.setattr(publishing, "CHILD_AT", 1)
    started: list[writer.Child | None] = []
    real = writer.spawn

    def spawn(folder: Path, lock: int) -> writer.Child | None:
        started.append(real(folder, lock))
        return started[-1]

    monkeypatch.setattr(writer, "spawn", spawn)
    return started


def test_the_child_writes_the_same_drafts_and_site_as_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    here, there = home(tmp_path / "here"), home(tmp_path / "there")
    assert sorted(publish(there)) == sorted(d.id for d in DraftStore(there.paths.drafts).all())
    assert len(children) == 1 and isinstance(children[0], writer.Child)
    monkeypatch.setattr(publishing, "CHILD_AT", 10**9)
    publish(here)
    assert len(children) == 1  # written in this process
    assert files(there.paths.drafts) == files(here.paths.drafts)
    assert files(there.paths.site) == files(here.paths.site)
    for i, path in enumerate(sorted(there.paths.drafts.glob("*.md"))):
        text = path.read_text(encoding="utf-8")
        assert 'status = "published"' in text
        assert f'slug = "{SLUGS[i]}"' in text
        assert "published = 2026-11-30 09:00:00+00:00" in text
        assert f'tags = [\n    "grazie",\n    "n{i}",\n]' in text or f'tags = ["grazie", "n{i}"]' in text
        assert (there.paths.site / f"2026/11/{SLUGS[i]}/index.html").is_file()
    # The child recorded the index rows: each with the stamp its file has (nothing to parse again).
    with sqlite3.connect(there.paths.drafts / INDEX_NAME) as db:
        rows = db.execute("SELECT name, ino, mtime_ns, size, status FROM drafts").fetchall()
    assert len(rows) == 3
    for name, ino, mtime, size, status in rows:
        st = os.stat(there.paths.drafts / name)
        assert (ino, mtime, size, status) == (st.st_ino, st.st_mtime_ns, st.st_size, "published")


def test_a_batch_big_enough_for_one_sync_is_written_whole_by_the_child(
    tmp_path: Path, children: list[writer.Child | None]
) -> None:
    config = home(tmp_path / "h")
    store = DraftStore(config.paths.drafts)
    more = fsbatch.ONE_SYNC_AT  # with the three of home(): the child takes the one-sync path
    for i in range(more):
        when = START + timedelta(days=10 + i)
        store.write(
            Draft(
                id=f"{when:%Y%m%d}-altra-{i}",
                status=Status.APPROVED,
                title=f"Altra lettera {i}",
                author=Person(f"Cliente {i}", None),
                forwarders=(),
                body=f"Lettera {i}.",
                created=when,
                author_display=f"Cliente {i}",
            )
        )
    published = publish(config)
    assert len(published) == more + 3 and len(children) == 1 and isinstance(children[0], writer.Child)
    folder = config.paths.drafts
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    with sqlite3.connect(folder / INDEX_NAME) as db:
        rows = dict(db.execute("SELECT name, status FROM drafts").fetchall())
    for i in range(more):
        when = START + timedelta(days=10 + i)
        text = (folder / f"{when:%Y%m%d}-altra-{i}.md").read_text(encoding="utf-8")
        assert 'status = "published"' in text and f'slug = "altra-lettera-{i}"' in text
        assert f"Lettera {i}." in text
        assert (config.paths.site / f"2026/11/altra-lettera-{i}/index.html").is_file()  # (published NOW)
    assert set(rows.values()) == {"published"} and len(rows) == more + 3


def test_the_next_publish_finds_nothing_to_write(tmp_path: Path, children: list[writer.Child | None]) -> None:
    config = home(tmp_path / "h")
    publish(config)
    before = files(config.paths.drafts)
    assert publish(config) == []
    assert len(children) == 1  # no second child: nothing to write
    assert files(config.paths.drafts) == before


# The publisher dies once its pages are being rendered; its child had stopped itself at start.
KILLED = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from mailbot.config import load_config
from mailbot.drafts import writer
from mailbot.site import publishing, render
from mailbot.site.publishing import Publisher

publishing.CHILD_AT = 1
writer.command = lambda: [sys.executable, "-c", (
    "import os, signal, sys; os.kill(os.getpid(), signal.SIGSTOP); "
    "from mailbot.drafts.writer import main; sys.exit(main())"
)]
started = []
real = writer.spawn
def spawn(*args):
    started.append(real(*args))
    return started[-1]
writer.spawn = spawn
def die(*args, **kwargs):
    started[0]._feeder.join()  # everything it is to write is in its pipe
    Path(sys.argv[2]).write_text(str(started[0]._process.pid))
    os._exit(9)
render._prerender_posts = die
config = load_config(Path(sys.argv[1]))
Publisher.of(config, clock=lambda: datetime(2026, 11, 30, 9, 0, tzinfo=UTC)).publish()
"""


def locked(drafts: Path) -> bool:
    """Whether some process holds the drafts folder's lock (tried without waiting, let go at once)."""
    fd = os.open(drafts / LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def wait_until_stopped(pid: int) -> None:
    """Until the process ``pid`` has stopped itself (state T in /proc), for at most 60 s."""
    for _ in range(6000):
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        if state == "T":
            return
        time.sleep(0.01)
    raise AssertionError(f"the writer process {pid} never stopped (state {state})")


def test_a_killed_publisher_leaves_the_folder_locked_until_its_child_has_written_every_draft(
    tmp_path: Path,
) -> None:
    config = home(tmp_path / "h")
    pid_file = tmp_path / "child.pid"
    done = subprocess.run([sys.executable, "-c", KILLED, str(config.path), str(pid_file)], check=False)
    assert done.returncode == 9
    child = int(pid_file.read_text())
    try:
        wait_until_stopped(child)
        assert locked(config.paths.drafts)  # the publisher is gone; its stopped child holds the lock
        assert not (config.paths.site / "index.html").exists()  # no page before the drafts
    except BaseException:
        os.kill(child, signal.SIGKILL)  # never leave a stopped child holding the lock
        raise
    os.kill(child, signal.SIGCONT)
    # The next publish waits for the child, which writes every draft published, then renders.
    result = CliRunner().invoke(cli, ["--config", str(config.path), "publish"])
    assert result.exit_code == 0, result.output
    store = DraftStore(config.paths.drafts)
    published = sorted(store.all(Status.PUBLISHED), key=lambda d: d.id)
    assert [d.slug for d in published] == SLUGS
    assert {d.published for d in published} == {NOW}  # the dead publisher's date: the child wrote it
    for slug in SLUGS:
        assert (config.paths.site / f"2026/11/{slug}/index.html").is_file()


def test_a_failing_writer_stops_the_publish_before_any_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    config = home(tmp_path / "h")
    monkeypatch.setattr(writer, "command", lambda: [sys.executable, "-c", "import sys; sys.exit(1)"])
    with pytest.raises(StoreError, match="drafts writer stopped before the drafts were written"):
        publish(config)
    assert not (config.paths.site / "index.html").exists()
    store = DraftStore(config.paths.drafts)
    assert [d.status for d in store.all()] == [Status.APPROVED] * 3  # tried again by the next publish
    monkeypatch.undo()
    assert len(publish(config)) == 3


def test_a_writer_that_cannot_write_reports_why(tmp_path: Path) -> None:
    config = home(tmp_path / "h")
    store = DraftStore(config.paths.drafts)
    draft = store.all()[0]
    draft.id = "x"
    (store.folder / "x.md").mkdir()  # a folder where the draft should go: it cannot be replaced
    with store.lock() as lock:
        before = files(config.paths.drafts)
        change = ("x.md", None, None, dumps(draft), None, None, "published")
        child = writer.spawn(store.folder, lock)
        assert child is not None
        child.send([change])
        why = rf"^the drafts could not be written: draft {store.folder}/x\.md cannot be written"
        with pytest.raises(StoreError, match=why):
            child.durable()
        child.finish()
    assert files(config.paths.drafts) == before


def test_without_a_child_the_drafts_are_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    config = home(tmp_path / "h")
    monkeypatch.setattr(writer, "command", lambda: [str(tmp_path / "no-such-python")])
    assert len(publish(config)) == 3
    assert children == [None]
    assert all(d.status is Status.PUBLISHED for d in DraftStore(config.paths.drafts).all())
    assert (config.paths.site / f"2026/11/{SLUGS[0]}/index.html").is_file()


def test_a_site_that_cannot_be_written_puts_the_childs_drafts_back_to_approved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    from mailbot.errors import PublishError
    from mailbot.site import render

    config = home(tmp_path / "h")

    def refuse(*args: object, **kwargs: object) -> bool:
        raise PublishError("the site folder is full")

    monkeypatch.setattr(render, "_write_if_changed", refuse)
    with pytest.raises(PublishError, match="the site folder is full"):
        publish(config)
    assert isinstance(children[0], writer.Child)
    # The child had written them published; once it was done, they went back to approved,
    # keeping the slug and date they were given (the next publish keeps the permalinks).
    drafts = sorted(DraftStore(config.paths.drafts).all(), key=lambda d: d.id)
    assert [(d.status, d.slug, d.published) for d in drafts] == [(Status.APPROVED, s, NOW) for s in SLUGS]
    monkeypatch.undo()
    assert len(publish(config)) == 3


# The child starts before the publisher has planned the slugs, and builds the approved drafts
# of the index meanwhile; what it writes is still exactly what it is sent.


def test_a_draft_built_ahead_is_used_only_when_it_was_built_from_the_source_sent(tmp_path: Path) -> None:
    store = DraftStore(home(tmp_path / "h").paths.drafts)
    store.index.sync()
    ahead = writer._ahead(store.index)
    # Not the third: its title starts with "$", the index keeps no JSON of it (its file is read).
    assert sorted(ahead) == ["20260302-lettera-0.md", "20260303-lettera-1.md"]
    name, ((meta, body), built) = sorted(ahead.items())[0]
    change = (name, meta, body, None, "scelto", NOW.isoformat(), "published")
    same = writer._draft(store.folder, change, ahead)
    assert same is built and name not in ahead  # used once
    assert (same.slug, same.published, same.status) == ("scelto", NOW, Status.PUBLISHED)
    ahead = writer._ahead(store.index)
    built = ahead[name][1]
    edited = (name, meta, f"{body}\n\nP.S. Aggiunto dopo.", None, None, None, "published")
    other = writer._draft(store.folder, edited, ahead)
    assert other is not built and built.status is Status.APPROVED  # built ahead, left unused
    assert other.body.endswith("P.S. Aggiunto dopo.") and other.status is Status.PUBLISHED


def test_a_child_writes_what_it_is_sent_even_when_the_index_says_otherwise(tmp_path: Path) -> None:
    store = DraftStore(home(tmp_path / "h").paths.drafts)
    store.index.sync()
    (row,) = store.index.rows("WHERE name LIKE '%-lettera-0.md'")
    assert row.source is not None
    meta = json.loads(row.source[0])
    meta["title"] = "Un titolo scelto dopo"
    change = (row.name, json.dumps(meta), row.source[1], None, "scelto-dopo", NOW.isoformat(), "published")
    with store.lock() as lock:
        child = writer.spawn(store.folder, lock)
        assert child is not None
        child.send([change])
        assert set(child.durable()) == {row.name}
        child.finish()
    text = (store.folder / row.name).read_text(encoding="utf-8")
    assert 'title = "Un titolo scelto dopo"' in text and 'slug = "scelto-dopo"' in text


def finish_within(child: writer.Child, seconds: float = 60) -> None:
    """``child.finish()``, failing (not hanging) when it does not return in time."""
    waiting = threading.Thread(target=child.finish, daemon=True)
    waiting.start()
    waiting.join(seconds)
    if waiting.is_alive():
        child._process.kill()
        raise AssertionError(f"finish() did not return within {seconds} s")


def test_a_child_sent_nothing_is_stopped_having_written_nothing(tmp_path: Path) -> None:
    store = DraftStore(home(tmp_path / "h").paths.drafts)
    with store.lock() as lock:
        before = files(store.folder)
        child = writer.spawn(store.folder, lock)
        assert child is not None
        finish_within(child)
        assert child._process.returncode == -signal.SIGKILL
    assert files(store.folder) == before


def test_a_feeder_that_cannot_start_leaves_a_child_that_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = DraftStore(home(tmp_path / "h").paths.drafts)
    real = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        if thread.name == "drafts-feed":
            raise RuntimeError("can't start new thread")
        real(thread)

    with store.lock() as lock:
        before = files(store.folder)
        child = writer.spawn(store.folder, lock)
        assert child is not None
        monkeypatch.setattr(threading.Thread, "start", start)
        with pytest.raises(RuntimeError, match="can't start new thread"):
            child.send([])
        monkeypatch.undo()
        finish_within(child)
    assert files(store.folder) == before


def test_a_publish_failing_before_its_drafts_are_planned_stops_its_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[writer.Child | None]
) -> None:
    config = home(tmp_path / "h")

    def fail(*args: object, **kwargs: object) -> None:
        raise StoreError("the drafts index cannot be read")

    monkeypatch.setattr(Publisher, "_live", fail)
    with pytest.raises(StoreError, match="cannot be read"):
        publish(config)
    (child,) = children
    assert isinstance(child, writer.Child) and child._process.returncode == -signal.SIGKILL
    assert [d.status for d in DraftStore(config.paths.drafts).all()] == [Status.APPROVED] * 3
    assert not locked(config.paths.drafts)  # nobody holds the lock any more


@pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="SCHED_BATCH is Linux's")
def test_the_child_gives_way_to_the_renderer(tmp_path: Path) -> None:
    """Its threads run under SCHED_BATCH: woken after an fsync, they do not preempt the pages' rendering."""
    store = DraftStore(home(tmp_path / "h").paths.drafts)
    with store.lock() as lock:
        child = writer.spawn(store.folder, lock)
        assert child is not None
        try:
            policy = os.sched_getscheduler(child._process.pid)
            deadline = time.monotonic() + 20
            while policy != os.SCHED_BATCH and child._process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
                policy = os.sched_getscheduler(child._process.pid)
            assert policy == os.SCHED_BATCH
        finally:
            finish_within(child)
