"""Local sources: a Maildir inbox that mailbot owns, and read-only imports.

:class:`MaildirInbox` is the embedded default source (no ``[imap]`` section):
new mail sits in ``new/``; a handled message moves to ``cur/`` (flag ``S``), a
quarantined one to the Maildir++ subfolder ``.Failed``. Nothing is deleted.

:func:`import_sources` turns paths given to ``mailbot import`` into read-only
sources over ``.eml`` files, Maildir folders and mbox files.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mailbox
import os
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path

from mailbot.errors import SourceError, UsageError
from mailbot.fsutil import fsync_dir
from mailbot.models import RawMessage

log = logging.getLogger(__name__)


def _is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "new").is_dir() and (path / "cur").is_dir()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(
            f"{path} cannot be read ({exc.strerror}); check that it exists and is readable."
        ) from exc


class MaildirInbox:
    """A Maildir that mailbot polls and files messages in."""

    read_only = False
    skipped: tuple[tuple[str, str], ...] = ()
    poll_interval: float = 1.0

    def __init__(self, path: Path, failed_folder: str = "Failed") -> None:
        self.path = path
        self.name = f"maildir:{path}"
        self.failed = path / f".{failed_folder}"

    def messages(self) -> Iterator[RawMessage]:
        if not _is_maildir(self.path):
            raise SourceError(
                f"the local inbox {self.path} is not a Maildir (it needs new/ and cur/ folders); "
                "set [local] maildir to a Maildir, or configure [imap]."
            )
        for entry in sorted(os.scandir(self.path / "new"), key=lambda e: e.name):
            if entry.is_file() and not entry.name.startswith("."):
                try:
                    data = _read(Path(entry.path))
                except SourceError:
                    if not Path(entry.path).exists():  # taken by another reader meanwhile
                        continue
                    raise
                yield RawMessage(self.name, entry.name, data)

    def _move(self, key: str, folder: Path, flags: str) -> None:
        src = self.path / "new" / key
        if not src.exists():
            return  # already moved by an earlier run
        try:
            for sub in ("tmp", "new", "cur"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SourceError(f"the Maildir folder {folder} cannot be created ({exc.strerror}).") from exc
        base = key.split(":2,", 1)[0]
        try:
            os.rename(src, folder / "cur" / f"{base}:2,{flags}")
            fsync_dir(folder / "cur")
            fsync_dir(self.path / "new")
        except OSError as exc:
            raise SourceError(
                f"message {key} cannot be moved to {folder / 'cur'} ({exc.strerror}); "
                "check the Maildir's permissions and free space."
            ) from exc

    def done(self, message: RawMessage) -> None:
        self._move(message.key, self.path, "S")

    def quarantine(self, message: RawMessage, reason: str) -> None:
        self._move(message.key, self.failed, "")

    def wait_for_new(self, timeout: float) -> bool:
        """Look in ``new/`` every :attr:`poll_interval` seconds, up to ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError), os.scandir(self.path / "new") as entries:
                if any(e.is_file() and not e.name.startswith(".") for e in entries):
                    return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(remaining, self.poll_interval))

    def close(self) -> None:
        pass


class ReadOnlySource:
    """Messages from files the user names; handling them moves nothing."""

    read_only = True
    skipped: tuple[tuple[str, str], ...] = ()

    def __init__(
        self,
        name: str,
        items: Sequence[tuple[str, Callable[[], bytes]]],
        on_close: Callable[[], None] | None = None,
    ):
        self.name = name
        self._items = items
        self._on_close = on_close

    def messages(self) -> Iterator[RawMessage]:
        for key, load in self._items:
            data = load()
            # A path or mbox position may hold another message next time: the key names the
            # content too, so a replaced file is a new message and the old one keeps its row.
            yield RawMessage(self.name, f"{key}#{hashlib.sha256(data).hexdigest()[:16]}", data)

    def __len__(self) -> int:
        return len(self._items)

    def done(self, message: RawMessage) -> None:
        pass

    def quarantine(self, message: RawMessage, reason: str) -> None:
        pass

    def wait_for_new(self, timeout: float) -> bool:
        """Files named once never gain new mail."""
        return False

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()


def _looks_like_mbox(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(5) == b"From "


def _emls_in(folder: Path) -> list[Path]:
    """The ``*.eml`` files of a folder, by name (the file type comes with the listing: no stat each)."""
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.name.endswith(".eml") and e.is_file()]
    except OSError as exc:
        raise SourceError(
            f"the folder {folder} cannot be listed ({exc.strerror}); check its permissions."
        ) from exc
    return [folder / name for name in sorted(names)]


def import_sources(paths: list[Path]) -> list[ReadOnlySource]:
    """Read-only sources for ``mailbot import``: files, folders of .eml files, Maildirs, mbox files."""
    sources: list[ReadOnlySource] = []
    loose: list[tuple[ReadOnlySource, list[tuple[str, Callable[[], bytes]]]]] = []
    for path in paths:
        path = path.absolute()
        if _is_maildir(path):
            files = sorted(
                (p for sub in ("new", "cur") for p in (path / sub).iterdir() if p.is_file()),
                key=lambda p: p.name,
            )
            sources.append(ReadOnlySource(f"maildir:{path}", [(p.name, partial(_read, p)) for p in files]))
        elif path.is_dir():
            # A folder of .eml files: every *.eml in it, sorted by name (named as when given one by one).
            emls = _emls_in(path)
            if not emls:
                raise UsageError(
                    f"{path} is a folder with no .eml files and not a Maildir (no new/ and cur/); "
                    "give .eml files, a folder of them, a Maildir or an mbox."
                )
            sources.append(ReadOnlySource(f"file:{path}", [(p.name, partial(_read, p)) for p in emls]))
        elif not path.exists():
            raise UsageError(f"{path} does not exist; check the path.")
        elif _looks_like_mbox(path):
            box = mailbox.mbox(path, create=False)
            items = [(str(k), partial(box.get_bytes, k)) for k in box.iterkeys()]
            sources.append(ReadOnlySource(f"mbox:{path}", items, box.close))
        else:
            # Files of one folder named one by one (`mailbot import mail/*.eml`) make one source,
            # so they are handled in one run, their drafts committed in groups as from a folder.
            name = f"file:{path.parent}"
            if not (loose and sources and sources[-1] is loose[-1][0] and sources[-1].name == name):
                batch: list[tuple[str, Callable[[], bytes]]] = []
                loose.append((ReadOnlySource(name, batch), batch))  # the source reads this list
                sources.append(loose[-1][0])
            loose[-1][1].append((path.name, partial(_read, path)))
    return sources
