"""Many durable files written at once into one folder: :func:`write_all` (a big publish's drafts).

The same guarantees as :func:`mailbot.fsutil.atomic_write` (no link followed, fixed modes,
whole files), with the folder opened once. A few files: threads whose fsyncs overlap. Many
(:data:`ONE_SYNC_AT`), where Linux has ``syncfs``: every temporary file written, one sync of
the file system, then the renames.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from mailbot.errors import MailbotError, StoreError
from mailbot.fsutil import PRIVATE, TEMP_NAME, Modes, _no_link, _open_root, replace_in, write_temp

# From this many files on, one syncfs instead of an fsync each. At 10,000 drafts the fsyncs
# (journal commits) took the CPU from the publish rendering its pages meanwhile: see bench/README.md.
ONE_SYNC_AT = 64

Syncfs = Callable[[int], None]
# The file systems whose syncfs is trusted as an fsync of every file (Linux 5.8 on, which
# reports write-back errors through it). Not FUSE, 9p, NFS or overlay: an fsync each there.
_LOCAL = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "tmpfs"})

# The age from which a temporary file (mailbot.fsutil.TEMP_NAME) is a crash's leftover.
_LEFT_OVER_AFTER = 3600.0


def write_all(
    root: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    modes: Modes = PRIVATE,
    error: type[MailbotError] = StoreError,
    threads: int = 8,
    one_sync: bool | None = None,
) -> list[tuple[int, int, int]]:
    """:func:`atomic_write` (durable) of many files, each ``(name, data)`` directly in ``root``.

    The folder is opened once; ``threads`` threads write a share of the files each, their
    fsyncs overlapping (the file system commits them together); one fsync of the folder ends
    it. A symbolic link at a name is refused (``error``), as :func:`atomic_write` does. Returns
    each file's stamp, in order. On the first failure the threads stop at their next file and
    an ``OSError`` (its ``filename`` the file's path) is raised: the files written are whole,
    the others untouched. The folder is let go of only once every thread has ended.

    ``one_sync`` (default: from :data:`ONE_SYNC_AT` files on) writes them as
    :func:`_write_then_sync` does instead, where the platform can.
    """
    for name, _data in files:
        if not name or "/" in name or name in (".", ".."):
            raise error(f"refusing to write {name!r} in {root}: it is not a file name.")
    sync = syncfs(root) if (len(files) >= ONE_SYNC_AT if one_sync is None else one_sync) else None
    if sync is not None:
        return _write_then_sync(root, files, sync, modes=modes, error=error)
    stamps: list[tuple[int, int, int]] = [(0, 0, 0)] * len(files)
    failures: list[BaseException] = []
    stop = threading.Event()
    folder = _open_root(root, True, modes)

    def share(start: int) -> None:
        try:
            for i in range(start, len(files), threads):
                if stop.is_set():
                    return
                name, data = files[i]
                with _named(root / name):
                    stamps[i] = replace_in(
                        folder, name, data, path=root / name, modes=modes, durable=True, error=error
                    )
        except BaseException as exc:  # the first is raised by the caller's thread
            failures.append(exc)
            stop.set()

    started: list[threading.Thread] = []
    try:
        try:
            for n in range(min(threads, len(files))):
                started.append(threading.Thread(target=share, args=(n,), name=f"write-all-{n}"))
                started[-1].start()
            for worker in started:
                worker.join()
        finally:
            stop.set()  # (after an interruption: the threads stop at their next file)
            for worker in started:
                worker.join()
        if failures:
            raise failures[0]
        _sync_folder(folder, root, error)
    finally:
        if not any(worker.is_alive() for worker in started):  # never while a thread writes through it
            os.close(folder)
    return stamps


def _write_then_sync(
    root: Path, files: Sequence[tuple[str, bytes]], sync: Syncfs, *, modes: Modes, error: type[MailbotError]
) -> list[tuple[int, int, int]]:
    """:func:`write_all` of many files with one sync: no file is replaced before every one is durable.

    Every new text goes to a temporary file beside its name; one ``syncfs`` of the file
    system makes them all durable (Linux: the guarantee of an fsync of each file); then each
    is renamed over its name and one fsync of the folder makes the names durable. A crash
    before the renames leaves every old file as it was (and hidden ``.tmp`` files); a crash
    during them, each file old or new, whole. On an error the temporary files are removed;
    those a crash left (an hour old) are removed the next time. The sync covers every file of
    that file system, others' too: on a disk busy with other writes, it waits for those as well.
    """
    folder = _open_root(root, True, modes)
    temps: list[str] = []
    stamps: list[tuple[int, int, int]] = []
    try:
        with contextlib.suppress(OSError):  # (a leftover that cannot be removed stops nothing)
            _sweep(folder)
        for name, data in files:
            with _named(root / name):
                _no_link(folder, name, root / name, error)
                tmp, stamp = write_temp(folder, name, data, modes=modes, durable=False)
            temps.append(tmp)
            stamps.append(stamp)
        try:
            sync(folder)
        except OSError as exc:
            if exc.errno not in (errno.ENOSYS, errno.EPERM):
                raise error(f"the files written in {root} cannot be synced ({exc.strerror}).") from exc
            for tmp, (name, _data) in zip(temps, files, strict=True):  # (a sandbox forbids it)
                with _named(root / name):
                    _fsync_at(folder, tmp)
        for done, (name, _data) in enumerate(files):
            with _named(root / name):
                os.replace(temps[done], name, src_dir_fd=folder, dst_dir_fd=folder)
            temps[done] = ""
        _sync_folder(folder, root, error)
    finally:
        try:
            for tmp in temps:
                if tmp:
                    with contextlib.suppress(OSError):  # (the error raised is the first one)
                        os.unlink(tmp, dir_fd=folder)
        finally:
            os.close(folder)
    return stamps


def _sweep(folder: int) -> None:
    """Remove the temporary files a crash left in ``folder`` (none that a writer may still use)."""
    before = time.time() - _LEFT_OVER_AFTER
    with os.scandir(folder) as entries:
        for entry in entries:
            if TEMP_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    if entry.stat(follow_symlinks=False).st_mtime < before:
                        os.unlink(entry.name, dir_fd=folder)


@contextmanager
def _named(path: Path) -> Iterator[None]:
    """An ``OSError`` raised in the block names ``path`` (the file meant, not a temporary one)."""
    try:
        yield
    except OSError as exc:
        exc.filename = str(path)
        raise


def _sync_folder(folder: int, root: Path, error: type[MailbotError]) -> None:
    """The folder's fsync, which makes its new names durable."""
    try:
        os.fsync(folder)
    except OSError as exc:
        raise error(f"the folder {root} cannot be synced ({exc.strerror}).") from exc


def _fsync_at(folder: int, name: str) -> None:
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def syncfs(root: Path) -> Syncfs | None:
    """Linux's ``syncfs(fd)`` (raising ``OSError``) for a folder on a trusted local file system.

    None elsewhere: another system, a kernel before 5.8, a file system not in :data:`_LOCAL`
    (or not found in ``/proc/self/mountinfo``).
    """
    call = _syncfs_call()
    if call is None:
        return None
    try:
        kind = _fs_type(os.stat(root).st_dev)
    except OSError:
        return None
    return call if kind in _LOCAL else None


@cache
def _syncfs_call() -> Syncfs | None:
    """``syncfs`` through ``ctypes`` (Python has no binding; imported only for a big batch)."""
    release = re.match(r"(\d+)\.(\d+)", os.uname().release) if sys.platform == "linux" else None
    if release is None or (int(release[1]), int(release[2])) < (5, 8):
        return None
    try:
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (ImportError, OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int

    def sync(fd: int) -> None:
        if function(fd) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))

    return sync


@cache
def _fs_type(device: int) -> str | None:
    """The type of the file system mounted from ``device`` (``st_dev``), from /proc/self/mountinfo."""
    wanted = f"{os.major(device)}:{os.minor(device)}"
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as mounts:
            for line in mounts:
                fields, _, rest = line.partition(" - ")
                parts = fields.split()
                if len(parts) > 2 and parts[2] == wanted and rest:
                    return rest.split()[0]
    except OSError:
        return None
    return None
