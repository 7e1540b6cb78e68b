"""One ``mailbot run`` per state folder: a pid lock file.

The service holds an exclusive ``flock`` on ``<state>/mailbot-run.pid`` for as
long as it runs, and writes its pid into it. The kernel releases the lock
when the process ends, however it ends, so a lock left by a killed service
never blocks the next one: the file then only holds a dead pid, which is
reported as stale. The file is opened without following symbolic links (a
link planted in the state folder cannot make mailbot write elsewhere) and is
never deleted: deleting it would let a process that opened the old file and
one that creates a new one both think they hold the lock.

:func:`holder` tells ``mailbot status`` whether a service is running.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from mailbot.errors import MailbotError, StoreError

log = logging.getLogger(__name__)

LOCK_NAME = "mailbot-run.pid"


class AlreadyRunning(MailbotError):
    """Another ``mailbot run`` holds the state folder."""


def lock_path(state: Path) -> Path:
    return state / LOCK_NAME


def _open(path: Path, flags: int) -> int:
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreError(
                f"the lock file {path} is a symbolic link; remove it (mailbot creates its own)."
            ) from exc
        raise StoreError(
            f"the lock file {path} cannot be opened ({exc.strerror}); check [paths] state."
        ) from exc


def _read_pid(fd: int) -> int | None:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 64).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


@contextlib.contextmanager
def service_lock(state: Path) -> Iterator[None]:
    """Hold the service lock of ``state`` for the block, or raise :class:`AlreadyRunning`."""
    path = lock_path(state)
    try:
        state.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"the state folder {state} cannot be created ({exc.strerror}); check [paths] state."
        ) from exc
    fd = _open(path, os.O_RDWR | os.O_CREAT)
    try:
        for attempt in range(5):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pid = _read_pid(fd)
                if pid is None and attempt < 4:  # `mailbot status` looking for a moment, or a service ending
                    time.sleep(0.1)
                    continue
                who = f" (pid {pid})" if pid else ""
                raise AlreadyRunning(
                    f"another mailbot run{who} is already using the state folder {state}; "
                    "stop it first, or give this one another [paths] state."
                ) from None
        old = _read_pid(fd)
        if old is not None and old != os.getpid():
            how = "is no longer running" if not _alive(old) else "no longer holds it"
            log.warning("taking over the stale lock %s: the mailbot run with pid %d %s", path, old, how)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
        try:
            yield
        finally:
            # An orderly end leaves no pid behind; the file stays (see the module docstring).
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def holder(state: Path) -> int | None:
    """The pid of the ``mailbot run`` holding ``state``, or None when none runs.

    A running service whose pid cannot be read counts as pid 0.
    """
    path = lock_path(state)
    if not path.is_file() or path.is_symlink():
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(fd) or 0
        return None  # nobody holds it; our shared lock goes with the close
    finally:
        os.close(fd)
