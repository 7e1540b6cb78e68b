"""Safe file writes: temp file + fsync + rename, never through a symbolic link, with fixed modes.

Every file mailbot writes lives under one of its folders (drafts, state, site, preview): the
*root*. Below the root, each folder on the way is opened with ``O_NOFOLLOW`` relative to the one
above it (``openat``), created when missing, and the file itself is created next to its target
with ``O_EXCL|O_NOFOLLOW`` and renamed over it. A symbolic link anywhere below the root is
refused: nothing is ever written, created or removed through one, and there is no window between
a check and the write. The root itself is the operator's choice and may be a link.

Modes do not depend on the umask: private files (drafts, images, indexes, the ledger, the lock)
are 0600 in 0700 folders; the public site's files are 0644 in 0755 folders.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import re
import secrets
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import MailbotError, StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Modes:
    """The permission bits of the files and of the folders mailbot creates under a root."""

    file: int
    folder: int


PRIVATE = Modes(0o600, 0o700)
PUBLIC = Modes(0o644, 0o755)

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _refuse(error: type[MailbotError], path: Path, why: str) -> MailbotError:
    return error(f"refusing to write {path}: {why}; replace it with a real folder or file and try again.")


def _parts(root: Path, path: Path, error: type[MailbotError]) -> list[str]:
    """The components of ``path`` below ``root``, compared as written (no link is resolved)."""
    try:
        rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        raise error(f"refusing to write {path}: it is outside {root}.") from None
    parts = list(rel.parts)
    if any(p in ("", ".", "..") for p in parts):
        raise error(f"refusing to write {path}: it is outside {root}.")
    return parts


def make_root(root: Path, modes: Modes = PRIVATE) -> None:
    """Create the folder ``root`` (and its parents) when missing; a new ``root`` gets ``modes.folder``.

    An existing folder keeps its mode: it is the operator's.
    """
    if root.is_dir():
        return
    root.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(root, modes.folder)
    except FileExistsError:
        return
    os.chmod(root, modes.folder)


def _open_root(root: Path, create: bool, modes: Modes) -> int:
    if create:
        make_root(root, modes)
    return os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def _open_dir(
    root: Path, parts: Sequence[str], *, create: bool, modes: Modes, error: type[MailbotError]
) -> int:
    """A descriptor on ``root/parts...``, each component opened relative to the last, never a link.

    Missing folders are created (with ``create``) with ``modes.folder`` whatever the umask.
    """
    fd = _open_root(root, create, modes)
    try:
        for i, name in enumerate(parts):
            created = False
            try:
                try:
                    nfd = os.open(name, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(name, modes.folder, dir_fd=fd)
                        created = True
                    nfd = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _not_a_folder(root, parts[: i + 1], fd, error) from exc
                raise
            os.close(fd)
            fd = nfd
            if created:
                os.fchmod(fd, modes.folder)  # mkdir applied the umask
    except BaseException:
        os.close(fd)
        raise
    return fd


def _not_a_folder(
    root: Path, parts: Sequence[str], parent_fd: int, error: type[MailbotError]
) -> MailbotError:
    path = root.joinpath(*parts)
    try:
        st = os.stat(parts[-1], dir_fd=parent_fd, follow_symlinks=False)
    except OSError:
        return _refuse(error, path, "it is not a folder")
    if stat.S_ISLNK(st.st_mode):
        return _refuse(error, path, "it is a symbolic link")
    return _refuse(error, path, "it is not a folder")


def _no_link(fd: int, name: str, path: Path, error: type[MailbotError]) -> None:
    try:
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(error, path, "it is a symbolic link")


def make_dirs(
    path: Path, *, root: Path, modes: Modes = PRIVATE, error: type[MailbotError] = StoreError
) -> None:
    """Create the folder ``path`` under ``root`` and the folders on the way, refusing any link."""
    os.close(_open_dir(root, _parts(root, path, error), create=True, modes=modes, error=error))


def check_inside(path: Path, *, root: Path, error: type[MailbotError] = StoreError) -> Path:
    """``path`` itself when it is under ``root`` with no symbolic link below ``root``; else ``error``.

    For reads of files mailbot wrote (a draft's images): a link planted in the drafts
    folder must not make mailbot copy a file from elsewhere onto the public site.
    """
    parts = _parts(root, path, error)
    current = Path(root)
    for name in parts:
        current = current / name
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            break
        if stat.S_ISLNK(st.st_mode):
            raise _refuse(error, current, "it is a symbolic link")
    return path


def read_inside(
    path: Path, *, root: Path, error: type[MailbotError] = StoreError, limit: int | None = None
) -> bytes | None:
    """The bytes of the file ``path`` under ``root``, read without following any link below it.

    None when there is no such file, or (with ``limit``) when its size differs from ``limit``:
    a cheap "is it still exactly this?" for writers that skip unchanged files.
    """
    parts = _parts(root, path, error)
    try:
        folder = _open_dir(root, parts[:-1], create=False, modes=PRIVATE, error=error)
    except FileNotFoundError:
        return None
    try:
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(error, path, "it is a symbolic link") from exc
        raise
    finally:
        os.close(folder)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or (limit is not None and st.st_size != limit):
            return None
        return fh.read()


def atomic_write(
    path: Path,
    data: bytes | str,
    *,
    durable: bool = True,
    sync_dir: bool = True,
    root: Path | None = None,
    modes: Modes = PRIVATE,
    error: type[MailbotError] = StoreError,
) -> tuple[int, int, int]:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half.

    ``path`` must lie under ``root`` (default: its own folder); every component below
    ``root`` is opened without following links and missing folders are created, so
    nothing is written through a symbolic link (refused with ``error``). The file gets
    ``modes.file`` whatever the umask. With ``durable`` the file and its folder are
    fsynced: after return the content survives a crash. ``sync_dir=False`` leaves the
    folder's fsync to the caller, who can then make many new names durable with one
    :func:`fsync_dir`. Returns the written file's inode, modification time (ns) and size, as
    they were when it was written: a file changed since no longer has them.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if root is None:
        root = path.parent
    parts = _parts(root, path, error)
    if not parts:
        raise error(f"refusing to write {path}: it is a folder, not a file.")
    folder = _open_dir(root, parts[:-1], create=True, modes=modes, error=error)
    try:
        stamp = replace_in(folder, parts[-1], data, path=path, modes=modes, durable=durable, error=error)
        if durable and sync_dir:
            os.fsync(folder)
    finally:
        os.close(folder)
    return stamp


def replace_in(
    folder: int,
    name: str,
    data: bytes,
    *,
    path: Path,
    modes: Modes,
    durable: bool,
    error: type[MailbotError],
) -> tuple[int, int, int]:
    """Replace the file ``name`` of the open ``folder`` (``path``, for messages) by ``data``.

    A temporary file is written beside it (:func:`write_temp`, fsynced with ``durable``) and
    renamed over it; a link at ``name`` is refused. Returns the new file's stamp (inode,
    modification time in ns, size). The folder's own fsync is the caller's.
    """
    _no_link(folder, name, path, error)
    tmp, stamp = write_temp(folder, name, data, modes=modes, durable=durable)
    try:
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp, dir_fd=folder)
        raise
    return stamp


# The names write_temp gives: "." + the file's name (at most 100 characters) + 12 hex digits + ".tmp".
TEMP_NAME = re.compile(r"\..{1,100}\.[0-9a-f]{12}\.tmp")


def write_temp(
    folder: int, name: str, data: bytes, *, modes: Modes, durable: bool
) -> tuple[str, tuple[int, int, int]]:
    """A new temporary file holding ``data`` in the open ``folder``, to be renamed to ``name``.

    It gets ``modes.file`` whatever the umask and is fsynced with ``durable``. Returns its
    name and stamp; on an error it is gone again.
    """
    tmp = f".{name[:100]}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 modes.file, dir_fd=folder)  # fmt: skip
    try:
        try:
            os.fchmod(fd, modes.file)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp, dir_fd=folder)
        raise
    return tmp, (st.st_ino, st.st_mtime_ns, st.st_size)


def remove(path: Path, *, root: Path, error: type[MailbotError] = StoreError) -> bool:
    """Delete the file ``path`` under ``root`` (no link followed), then its emptied folders.

    False when there was no such file. Folders up to (not including) ``root`` that are
    left empty are removed too.
    """
    parts = _parts(root, path, error)
    if not parts:
        raise error(f"refusing to remove {path}: it is the folder itself.")
    try:
        folder = _open_dir(root, parts[:-1], create=False, modes=PRIVATE, error=error)
    except FileNotFoundError:
        return False
    try:
        os.unlink(parts[-1], dir_fd=folder)  # unlink never follows a link: it removes the link
    except FileNotFoundError:
        return False
    finally:
        os.close(folder)
    for depth in range(len(parts) - 1, 0, -1):
        try:
            above = _open_dir(root, parts[: depth - 1], create=False, modes=PRIVATE, error=error)
        except (OSError, MailbotError):
            break
        try:
            os.rmdir(parts[depth - 1], dir_fd=above)
        except OSError:
            break  # not empty (or not ours to judge): keep it
        finally:
            os.close(above)
    return True


def _open_private(path: Path, root: Path | None) -> int:
    """``path`` opened read-write without following a link, created 0600 when missing."""
    if root is None:
        root = path.parent
    parts = _parts(root, path, StoreError)
    folder = _open_dir(root, parts[:-1], create=True, modes=PRIVATE, error=StoreError)
    try:
        fd = os.open(parts[-1], os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE.file,
                     dir_fd=folder)  # fmt: skip
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(StoreError, path, "it is a symbolic link") from exc
        raise
    finally:
        os.close(folder)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _refuse(StoreError, path, "it is not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def exclusive_lock(path: Path, *, root: Path | None = None) -> Iterator[int]:
    """Hold an exclusive advisory lock on ``path`` (created 0600 if missing) for the block.

    The file is opened with ``O_NOFOLLOW`` in its folder (checked like :func:`atomic_write`):
    a planted link is refused (:class:`StoreError`), never created or followed. Waits for
    another process holding it. flock locks belong to an open file, so the same process
    must not take the lock twice. Gives the lock's descriptor: a child process given it
    (``pass_fds``) holds the lock with its parent, until both have closed it.
    """
    fd = _open_private(path, root)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another mailbot process to finish with %s", path.parent)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def private_file(path: Path, *, root: Path | None = None, only_existing: bool = False) -> None:
    """Make sure ``path`` is a regular file (created empty if missing) with mode 0600, not a link.

    With ``only_existing`` a missing file is left missing.

    For files another library opens by name (the SQLite ledger): SQLite gives its
    journal files the database file's mode, so they are private too. A file that is already
    a private regular file is left alone, unopened.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if only_existing:
            return
    else:
        if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == PRIVATE.file:
            # Already so: not opened at all. Closing a descriptor of a database file drops
            # every POSIX lock this process holds on it, those of an open SQLite connection too.
            return
    fd = _open_private(path, root)
    try:
        os.fchmod(fd, PRIVATE.file)
    finally:
        os.close(fd)
