"""Many files written at once (mailbot/fsbatch.py): whole, private, never through a link; with one
sync, nothing replaced before everything is durable."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mailbot import fsbatch
from mailbot.errors import StoreError

NAMES = [f"{n:03d}.md" for n in range(fsbatch.ONE_SYNC_AT)]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "drafts"
    folder.mkdir()
    for name in NAMES[::2]:
        (folder / name).write_text(f"old {name}")
    (folder / "notes.txt").write_text("not ours")
    return folder


def _fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The descriptors os.fsync is called with from now on (it still syncs)."""
    calls: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return calls


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _assert_new(folder: Path, names: list[str], stamps: list[tuple[int, int, int]]) -> None:
    """Each file holds "new NAME", private, with the stamp write_all returned for it."""
    for name, (ino, mtime, size) in zip(names, stamps, strict=True):
        st = os.stat(folder / name)
        assert (st.st_ino, st.st_mtime_ns, st.st_size) == (ino, mtime, size)
        assert (folder / name).read_text() == f"new {name}\n"
        assert _mode(folder / name) == 0o600


def _raising(code: int) -> Callable[..., None]:
    """A stand-in for a system call that fails with ``code``."""

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    return fail


def _temps(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def _kernel() -> tuple[int, int]:
    release = os.uname().release.split(".")
    return int(release[0]), int(release[1].split("-")[0])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")
def test_linux_has_syncfs_and_it_syncs_a_folder(tmp_path: Path) -> None:
    sync = fsbatch._syncfs_call()
    if _kernel() < (5, 8):
        assert sync is None  # (its errors went unreported)
        return
    assert sync is not None
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        sync(fd)  # no error
        with pytest.raises(OSError) as bad:
            sync(fd + 1000)  # not an open descriptor
        assert bad.value.errno == errno.EBADF
    finally:
        os.close(fd)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/mountinfo is Linux's")
def test_syncfs_is_used_only_on_a_local_file_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert fsbatch._fs_type(os.stat("/proc").st_dev) == "proc"  # (every Linux mounts it so)
    assert fsbatch.syncfs(Path("/proc")) is None
    call = fsbatch._syncfs_call()
    for kind, trusted in [
        ("ext4", True),
        ("xfs", True),
        ("fuse.sshfs", False),
        ("nfs4", False),
        ("overlay", False),
    ]:
        monkeypatch.setattr(fsbatch, "_fs_type", lambda device, kind=kind: kind)
        assert fsbatch.syncfs(tmp_path) is (call if trusted else None), kind


def test_many_files_are_synced_once_before_any_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    seen: list[tuple[list[str], int]] = []

    def sync(fd: int) -> None:
        # Every new text is in a temporary file, and every old file still as it was.
        assert all((folder / n).read_text() == f"old {n}" for n in NAMES[::2])
        assert not any((folder / n).exists() for n in NAMES[1::2])
        seen.append((sorted(_temps(folder)), fd))

    monkeypatch.setattr(fsbatch, "syncfs", lambda root: sync)
    fsyncs = _fsyncs(monkeypatch)
    real_fsync = os.fsync

    def fsync(fd: int) -> None:  # the folder's, once every name reads new
        assert all((folder / n).read_text() == f"new {n}\n" for n in NAMES)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    old = os.umask(0)
    try:
        stamps = fsbatch.write_all(folder, [(n, f"new {n}\n".encode()) for n in NAMES])
    finally:
        os.umask(old)
    assert len(seen) == 1 and len(seen[0][0]) == len(NAMES)
    assert fsyncs == [seen[0][1]]  # the folder's, once: no file was fsynced on its own
    _assert_new(folder, NAMES, stamps)
    assert (folder / "notes.txt").read_text() == "not ours"
    assert _temps(folder) == []


def test_fewer_files_are_fsynced_each_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    monkeypatch.setattr(fsbatch, "syncfs", lambda root: pytest.fail("no syncfs below ONE_SYNC_AT"))
    fsyncs = _fsyncs(monkeypatch)
    few = NAMES[:5]
    fsbatch.write_all(folder, [(n, b"new") for n in few], threads=2)
    assert len(fsyncs) == len(few) + 1  # each file, then the folder
    assert all((folder / n).read_bytes() == b"new" for n in few)


@pytest.mark.parametrize("failure", [OSError(errno.EIO, "Input/output error"), KeyboardInterrupt()])
def test_a_failed_sync_replaces_nothing_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    folder = _folder(tmp_path)

    def sync(fd: int) -> None:
        raise failure

    monkeypatch.setattr(fsbatch, "syncfs", lambda root: sync)
    expected = StoreError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as raised:
        fsbatch.write_all(folder, [(n, b"new") for n in NAMES])
    if isinstance(failure, OSError):
        assert f"the files written in {folder} cannot be synced (Input/output error)" in str(raised.value)
    assert all((folder / n).read_text() == f"old {n}" for n in NAMES[::2])
    assert not any((folder / n).exists() for n in NAMES[1::2])
    assert _temps(folder) == []


def test_a_platform_that_forbids_syncfs_gets_an_fsync_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)

    monkeypatch.setattr(fsbatch, "syncfs", lambda root: _raising(errno.ENOSYS))
    fsyncs = _fsyncs(monkeypatch)
    fsbatch.write_all(folder, [(n, b"new") for n in NAMES])
    assert len(fsyncs) == len(NAMES) + 1
    assert all((folder / n).read_bytes() == b"new" for n in NAMES)
    assert _temps(folder) == []


def test_without_syncfs_many_files_take_the_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    monkeypatch.setattr(fsbatch, "syncfs", lambda root: None)  # (macOS, FUSE, NFS, an old kernel)
    fsyncs = _fsyncs(monkeypatch)
    fsbatch.write_all(folder, [(n, b"new") for n in NAMES])
    assert len(fsyncs) == len(NAMES) + 1
    assert all((folder / n).read_bytes() == b"new" for n in NAMES)


def test_a_link_or_a_folder_at_a_name_stops_the_batch_before_or_at_its_rename(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("keep me")
    (folder / NAMES[7]).symlink_to(secret)
    with pytest.raises(StoreError, match="symbolic link"):
        fsbatch.write_all(folder, [(n, b"new") for n in NAMES])
    assert secret.read_text() == "keep me"
    assert all((folder / n).read_text() == f"old {n}" for n in NAMES[::2])  # nothing replaced yet
    assert _temps(folder) == []
    (folder / NAMES[7]).unlink()
    (folder / NAMES[7]).mkdir()  # a folder where a file should go: its rename fails
    with pytest.raises(OSError) as failed:
        fsbatch.write_all(folder, [(n, b"new") for n in NAMES])
    assert failed.value.filename == str(folder / NAMES[7])
    assert all((folder / n).read_bytes() == b"new" for n in NAMES[:7])  # whole, new
    assert all((folder / n).read_text() == f"old {n}" for n in NAMES[8::2])  # whole, old
    assert _temps(folder) == []


def test_the_temporary_files_a_crash_left_are_removed_by_the_next_big_batch(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    old, fresh = folder / ".001.md.0123456789ab.tmp", folder / ".002.md.ba9876543210.tmp"
    for left in (old, fresh):
        left.write_text("half a draft")
    os.utime(old, (1_000_000, 1_000_000))  # a crash long ago; `fresh` may be another writer's
    keep = folder / ".003.md.not-ours.tmp"
    keep.write_text("someone else's")
    os.utime(keep, (1_000_000, 1_000_000))
    fsbatch.write_all(folder, [(n, b"new") for n in NAMES])
    assert sorted(_temps(folder)) == sorted([fresh.name, keep.name])


CRASH = """
import os, signal, sys
from pathlib import Path
from mailbot import fsbatch
def sync(fd):
    os.kill(os.getpid(), signal.SIGKILL)  # the power goes out between the writes and the renames
fsbatch.syncfs = lambda root: sync
names = [f"{n:03d}.md" for n in range(fsbatch.ONE_SYNC_AT)]
fsbatch.write_all(Path(sys.argv[1]), [(n, b"new") for n in names])
"""


def test_a_crash_before_the_renames_leaves_every_old_file_and_the_next_batch_sweeps(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    done = subprocess.run([sys.executable, "-c", CRASH, str(folder)], check=False)
    assert done.returncode == -signal.SIGKILL
    assert all((folder / n).read_text() == f"old {n}" for n in NAMES[::2])
    assert not any((folder / n).exists() for n in NAMES[1::2])
    left = _temps(folder)
    assert len(left) == len(NAMES)
    for name in left:
        os.utime(folder / name, (1_000_000, 1_000_000))  # an hour later, say
    fsbatch.write_all(folder, [(n, b"new") for n in NAMES])
    assert _temps(folder) == []
    assert all((folder / n).read_bytes() == b"new" for n in NAMES)


def test_a_leftover_that_cannot_be_swept_stops_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)

    monkeypatch.setattr(fsbatch, "_sweep", _raising(errno.EACCES))
    fsbatch.write_all(folder, [(n, b"new") for n in NAMES])
    assert all((folder / n).read_bytes() == b"new" for n in NAMES)


def test_a_failed_fsync_after_a_forbidden_syncfs_names_the_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)

    monkeypatch.setattr(fsbatch, "syncfs", lambda root: _raising(errno.EPERM))  # (a seccomp sandbox)
    monkeypatch.setattr(os, "fsync", _raising(errno.EIO))
    with pytest.raises(OSError) as failed:
        fsbatch.write_all(folder, [(n, b"new") for n in NAMES])
    assert failed.value.filename == str(folder / NAMES[0])
    monkeypatch.undo()
    assert all((folder / n).read_text() == f"old {n}" for n in NAMES[::2])
    assert _temps(folder) == []


def test_a_cleanup_that_fails_keeps_the_first_error_and_lets_go_of_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    closed: list[int] = []
    real_close, real_unlink = os.close, os.unlink

    def close(fd: int) -> None:
        closed.append(fd)
        real_close(fd)

    monkeypatch.setattr(fsbatch, "syncfs", lambda root: _raising(errno.EIO))
    monkeypatch.setattr(os, "unlink", _raising(errno.EROFS))  # (ext4 remounted read-only)
    monkeypatch.setattr(os, "close", close)
    with pytest.raises(StoreError, match="cannot be synced"):
        fsbatch.write_all(folder, [(n, b"new") for n in NAMES])
    monkeypatch.undo()
    assert len(closed) == len(NAMES) + 1  # each temporary file, then the folder
    for name in _temps(folder):
        real_unlink(folder / name)


def test_a_few_files_are_replaced_whole_with_their_stamps_and_private_modes(tmp_path: Path) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "b.md").write_text("old b")
    (folder / "b.md").chmod(0o644)
    (folder / "notes.txt").write_text("not ours")
    names = [f"{c}.md" for c in "abcdefghij"]
    old = os.umask(0)
    try:
        stamps = fsbatch.write_all(folder, [(n, f"new {n}\n".encode()) for n in names], threads=3)
    finally:
        os.umask(old)
    _assert_new(folder, names, stamps)
    assert (folder / "notes.txt").read_text() == "not ours"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*names, "notes.txt"])  # no temporary file left


def test_a_few_files_refuse_a_link_and_name_the_file_not_written(tmp_path: Path) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("keep me")
    (folder / "b.md").symlink_to(secret)
    with pytest.raises(StoreError, match="symbolic link"):
        fsbatch.write_all(folder, [("a.md", b"a"), ("b.md", b"b"), ("c.md", b"c")])
    assert secret.read_text() == "keep me"
    assert (folder / "b.md").is_symlink()
    (folder / "b.md").unlink()
    (folder / "b.md").mkdir()  # a folder where the file should go: the rename fails
    with pytest.raises(OSError) as failed:
        fsbatch.write_all(folder, [("a.md", b"a"), ("b.md", b"b")])
    assert failed.value.filename == str(folder / "b.md")
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(StoreError, match="not a file name"):
        fsbatch.write_all(folder, [("../x.md", b"x")])
