"""Many durable files written at once into one folder: :func:`write_all` (a big publish's drafts).

The same guarantees as :func:`mailbot.fsutil.atomic_write` (no link followed, fixed modes,
whole files), with the folder opened once and a few threads whose fsyncs overlap.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from mailbot.errors import MailbotError, StoreError
from mailbot.fsutil import PRIVATE, Modes, _open_root, replace_in


def write_all(
    root: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    modes: Modes = PRIVATE,
    error: type[MailbotError] = StoreError,
    threads: int = 8,
) -> list[tuple[int, int, int]]:
    """:func:`atomic_write` (durable) of many files, each ``(name, data)`` directly in ``root``.

    The folder is opened once; ``threads`` threads write a share of the files each, their
    fsyncs overlapping (the file system commits them together); one fsync of the folder ends
    it. A symbolic link at a name is refused (``error``), as :func:`atomic_write` does. Returns
    each file's stamp, in order. On the first failure the threads stop at their next file and
    an ``OSError`` (its ``filename`` the file's path) is raised: the files written are whole,
    the others untouched. The folder is let go of only once every thread has ended.
    """
    for name, _data in files:
        if not name or "/" in name or name in (".", ".."):
            raise error(f"refusing to write {name!r} in {root}: it is not a file name.")
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
                try:
                    stamps[i] = replace_in(
                        folder, name, data, path=root / name, modes=modes, durable=True, error=error
                    )
                except OSError as exc:
                    exc.filename = str(root / name)
                    raise
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
        try:
            os.fsync(folder)
        except OSError as exc:
            raise error(f"the folder {root} cannot be synced ({exc.strerror}).") from exc
    finally:
        if not any(worker.is_alive() for worker in started):  # never while a thread writes through it
            os.close(folder)
    return stamps
