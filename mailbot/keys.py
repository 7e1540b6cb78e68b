"""Secret keys kept in the state folder: made once, private, never read or written through a link.

The desk's sessions, the reply tokens and the comment forms each sign with one (:func:`secret_key`).
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from mailbot.errors import StoreError
from mailbot.fsutil import PRIVATE, _open_dir, fsync_dir, read_inside


def secret_key(folder: Path, name: str, what: str) -> bytes:
    """A random 32-byte key kept in ``folder/name`` (0600, never through a link), made once.

    Whichever process comes first makes it (``O_EXCL``); every other caller reads the same bytes,
    so nothing signed with it is ever signed with another. ``what`` names the key in errors
    ("the desk's session key"). Used for the desk's sessions, reply tokens and comment forms.
    """
    path = folder / name
    try:
        for _attempt in range(50):
            data = read_inside(path, root=folder)
            if data is not None and len(data) >= 32:
                return data
            if data is None and (made := _make_key(folder, name)) is not None:
                return made
            time.sleep(0.01)  # another process made the file a moment ago and is writing it
    except OSError as exc:
        raise StoreError(
            f"{what} {path} cannot be read or made ({exc.strerror}); check [paths] state."
        ) from exc
    raise StoreError(f"{what} {path} is damaged (shorter than 32 bytes); delete it and a new one is made.")


def _make_key(folder: Path, name: str) -> bytes | None:
    """Create ``folder/name`` with a new key, or None when another process created it first."""
    dir_fd = _open_dir(folder, [], create=True, modes=PRIVATE, error=StoreError)
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(name, flags, PRIVATE.file, dir_fd=dir_fd)
    except FileExistsError:
        return None
    finally:
        os.close(dir_fd)
    data = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    fsync_dir(folder)
    return data
