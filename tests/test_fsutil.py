"""No write through a symbolic link, and fixed file modes (mailbot/fsutil.py and its callers)."""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.config import SiteConfig
from mailbot.drafts.store import DraftStore
from mailbot.errors import PublishError, StoreError
from mailbot.fsutil import PUBLIC, atomic_write, exclusive_lock, make_dirs, remove
from mailbot.ingest.ledger import Ledger
from mailbot.keys import secret_key
from mailbot.models import Draft, Person, Post, Status
from mailbot.site.render import render_site

ROME = ZoneInfo("Europe/Rome")
SITE = SiteConfig(language="it", timezone="Europe/Rome", posts_per_page=1)


def _posts(count: int = 3) -> list[Post]:
    return [
        Post(
            id=f"20070101-{n}",
            slug=f"lettera-{n}",
            title=f"Lettera {n}",
            author="Tommaso",
            forwarded_by=("i colleghi di Napoli",),
            intro=None,
            body="Cari signori,\ngrazie.\n\nTommaso",
            letter_date=None,
            date=datetime(2007, 1, n, 9, 0, tzinfo=ROME),
        )
        for n in range(1, count + 1)
    ]


def _everything(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# -- the site ---------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["page", "archives", "static", "2007", "2007/01"])
def test_publish_refuses_a_site_folder_that_is_a_link(tmp_path: Path, folder: str) -> None:
    out = tmp_path / "site"
    render_site(_posts(), SITE, out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mine.txt").write_text("keep me")
    # The folder as it was, moved aside, and a link in its place: the next publish would
    # rewrite (or remove) files in it.
    real = out / folder
    real.rename(elsewhere / "moved")
    real.symlink_to(elsewhere)
    before = _everything(elsewhere)
    with pytest.raises(PublishError, match=f"refusing to write {out / folder}.*symbolic link") as info:
        render_site(_posts(4), SITE, out, force=True)
    assert "replace it with a real folder" in str(info.value)
    assert _everything(elsewhere) == before
    assert (elsewhere / "mine.txt").read_text() == "keep me"


def test_publish_refuses_a_page_that_is_a_link(tmp_path: Path) -> None:
    out = tmp_path / "site"
    render_site(_posts(), SITE, out)
    victim = tmp_path / "victim.html"
    victim.write_text("keep me")
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(victim)
    with pytest.raises(PublishError, match=r"index\.html: it is a symbolic link"):
        render_site(_posts(4), SITE, out)
    assert victim.read_text() == "keep me"
    assert (out / "index.html").is_symlink()


def test_publish_removes_nothing_through_a_link(tmp_path: Path) -> None:
    out = tmp_path / "site"
    render_site(_posts(), SITE, out)
    elsewhere = tmp_path / "elsewhere"
    (out / "2007/01/lettera-1").rename(elsewhere)
    (out / "2007/01/lettera-1").symlink_to(elsewhere)
    with pytest.raises(PublishError, match="symbolic link"):
        render_site(_posts()[1:], SITE, out)  # lettera-1 retracted: its page would be removed
    assert (elsewhere / "index.html").is_file()


def test_preview_refuses_a_link_too(tmp_path: Path) -> None:
    out = tmp_path / "preview"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "static").symlink_to(elsewhere)
    with pytest.raises(PublishError, match="static: it is a symbolic link"):
        render_site(_posts(), SITE, out, preview=True)
    assert list(elsewhere.iterdir()) == []


def test_the_site_folder_itself_may_be_a_link(tmp_path: Path) -> None:
    """The root is the operator's choice (/var/www/blog → /srv/blog): only what is below it is checked."""
    real = tmp_path / "srv"
    real.mkdir()
    (tmp_path / "site").symlink_to(real)
    render_site(_posts(), SITE, tmp_path / "site")
    assert (real / "index.html").is_file()


# -- the drafts folder ------------------------------------------------------------------------


def test_a_linked_assets_folder_receives_no_image(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    store.folder.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    store.assets_dir("20070101-x").symlink_to(elsewhere)
    name = "20070101-x-1.jpg"
    with pytest.raises(StoreError, match=r"20070101-x\.assets: it is a symbolic link"):
        store.asset_path("20070101-x", name)
    # Even given the path directly, the writer opens each folder without following links.
    with pytest.raises(StoreError, match=r"20070101-x\.assets: it is a symbolic link"):
        atomic_write(store.assets_dir("20070101-x") / name, b"\xff\xd8", root=store.folder)
    assert list(elsewhere.iterdir()) == []


def test_a_linked_draft_file_is_not_written_through(tmp_path: Path) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    victim = tmp_path / "victim.md"
    victim.write_text("keep me")
    (folder / "20070101-x.md").symlink_to(victim)
    with pytest.raises(StoreError, match=r"20070101-x\.md: it is a symbolic link"):
        atomic_write(folder / "20070101-x.md", "+++\n+++\n", root=folder)
    assert victim.read_text() == "keep me"


def test_a_linked_lock_file_is_refused_and_its_target_not_created(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    store.folder.mkdir()
    target = tmp_path / "created-by-mailbot"
    (store.folder / ".lock").symlink_to(target)
    with pytest.raises(StoreError, match=r"\.lock: it is a symbolic link"), store.lock():
        pass
    assert not target.exists()


def test_writes_outside_the_root_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="outside"):
        atomic_write(tmp_path / "drafts" / ".." / "x.md", "x", root=tmp_path / "drafts")
    with pytest.raises(StoreError, match="outside"):
        make_dirs(tmp_path / "other", root=tmp_path / "drafts")
    assert not (tmp_path / "x.md").exists()


def test_remove_deletes_a_link_never_its_target(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (root / "stale.html").symlink_to(victim)
    assert remove(root / "stale.html", root=root)
    assert victim.read_text() == "keep me"
    assert not remove(root / "stale.html", root=root)


def test_a_linked_ledger_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    target = tmp_path / "elsewhere.sqlite3"
    (state / "ledger.sqlite3").symlink_to(target)
    with pytest.raises(StoreError, match=r"ledger\.sqlite3: it is a symbolic link"):
        Ledger(state / "ledger.sqlite3")
    assert not target.exists()


def test_lock_still_excludes(tmp_path: Path) -> None:
    with exclusive_lock(tmp_path / "d" / ".lock"):
        assert (tmp_path / "d" / ".lock").is_file()
    assert oct((tmp_path / "d" / ".lock").stat().st_mode & 0o777) == oct(0o600)


def test_make_dirs_refuses_a_link_on_the_way(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (root / "a").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(StoreError, match="a: it is a symbolic link"):
        make_dirs(root / "a" / "b", root=root, modes=PUBLIC)
    assert list((tmp_path / "elsewhere").iterdir()) == []


# -- modes ------------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o000])
def test_private_files_are_0600_in_0700_folders_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        store = DraftStore(tmp_path / "drafts")
        draft = Draft("20070101-x", Status.DRAFT, "Lettera", Person("Tommaso", None), (), "Grazie.")
        store.write(draft)
        atomic_write(store.asset_path(draft.id, "20070101-x-1.jpg"), b"\xff\xd8", root=store.folder)
        store.all()  # writes the index
        with Ledger(tmp_path / "state" / "ledger.sqlite3") as ledger:
            ledger.record("maildir", "k", "0" * 64, None, "drafted", draft_id=draft.id)
            wal = tmp_path / "state" / "ledger.sqlite3-wal"
            assert not wal.exists() or _mode(wal) == 0o600
        with store.lock():
            pass
    finally:
        os.umask(old)
    assert _mode(store.folder) == 0o700
    assert _mode(store.path(draft.id)) == 0o600
    assert _mode(store.assets_dir(draft.id)) == 0o700
    assert _mode(store.assets_dir(draft.id) / "20070101-x-1.jpg") == 0o600
    assert _mode(store.folder / ".index.sqlite3") == 0o600
    for suffix in ("-wal", "-shm"):
        wal = store.folder / f".index.sqlite3{suffix}"
        assert not wal.exists() or _mode(wal) == 0o600
    assert _mode(store.folder / ".lock") == 0o600
    assert _mode(tmp_path / "state") == 0o700
    assert _mode(tmp_path / "state" / "ledger.sqlite3") == 0o600


def test_an_old_world_readable_ledger_becomes_private(tmp_path: Path) -> None:
    (tmp_path / "ledger.sqlite3").touch(mode=0o644)
    (tmp_path / "ledger.sqlite3").chmod(0o644)
    Ledger(tmp_path / "ledger.sqlite3").close()
    assert _mode(tmp_path / "ledger.sqlite3") == 0o600


def test_a_rewritten_draft_loses_its_old_mode(tmp_path: Path) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "a.md").write_text("old")
    (folder / "a.md").chmod(0o644)
    atomic_write(folder / "a.md", "new", root=folder)
    assert _mode(folder / "a.md") == 0o600


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_the_public_site_is_world_readable_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "site"
    old = os.umask(umask)
    try:
        render_site(_posts(), SITE, out)
        render_site(_posts(), SITE, tmp_path / "preview", preview=True)
    finally:
        os.umask(old)
    assert _mode(out) == 0o755
    for path in out.rglob("*"):
        assert _mode(path) == (0o755 if path.is_dir() else 0o644), path
    assert _mode(out / "2007/01/lettera-1/index.html") == 0o644
    assert _mode(out / "static") == 0o755
    # A preview shows drafts nobody approved yet: private like them.
    assert _mode(tmp_path / "preview") == 0o700
    for path in (tmp_path / "preview").rglob("*"):
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_a_secret_key_is_made_once_private_and_never_through_a_link(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = secret_key(state, "k.key", "the test key")
    assert len(first) == 32 and secret_key(state, "k.key", "the test key") == first
    assert stat.S_IMODE((state / "k.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    elsewhere = tmp_path / "elsewhere.key"
    elsewhere.write_bytes(b"x" * 40)
    (state / "linked.key").symlink_to(elsewhere)
    with pytest.raises(StoreError, match="symbolic link"):
        secret_key(state, "linked.key", "the test key")
    (state / "short.key").write_bytes(b"short")
    with pytest.raises(StoreError, match="damaged"):
        secret_key(state, "short.key", "the test key")
