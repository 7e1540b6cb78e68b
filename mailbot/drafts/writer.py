"""Many drafts written by a child process while the caller goes on: the first publish of a big site.

The caller (:class:`mailbot.site.publishing.Publisher`) holds the drafts folder's lock and
passes its descriptor to the child: the lock stays held until both have let go, so a caller
that dies leaves a child that finishes its writes before any other mailbot may touch the folder.
The child is started (:func:`spawn`) as soon as the caller knows there are many drafts to
write, and builds the approved drafts from the index while the caller plans their slugs;
:meth:`Child.send` then gives it what to write. :class:`InProcess` is the same interface for a
few drafts, written before it returns.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import marshal
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Protocol

from mailbot.drafts.fileformat import dumps, loads
from mailbot.drafts.index import DraftIndex, Source, Stamp, from_source
from mailbot.drafts.store import DraftStore, Written
from mailbot.errors import StoreError
from mailbot.models import Draft, Status

log = logging.getLogger(__name__)

# One draft to write: its file name, then either the index's JSON front matter and body it was
# read from (the child builds the same Draft and sets slug, published and status, None: keep)
# or the whole text to write (for a draft the index holds no JSON of).
Change = tuple[str, str | None, str | None, str | None, str | None, str | None, str]

PROTOCOL = 1  # of the payload: a child of another mailbot version refuses it
_MAGIC = b"mailbot-writer\0"  # before the child's one report, then its length (8 bytes)
_LARGEST = 1 << 30  # bytes of a report: anything longer is not one
# The child imports the caller's mailbot: its folder first on sys.path only for that import
# (not for the standard library's modules), never the working folder (-P).
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); import mailbot; del sys.path[0]; "
    "from mailbot.drafts.writer import main; sys.exit(main(sys.argv[2:]))"
)


class Pending(Protocol):
    """Drafts being written: :meth:`durable` before any page is written, :meth:`finish` at the end.

    ``waits``: the drafts are still being written (the caller renders meanwhile).
    """

    waits: bool

    def durable(self) -> dict[str, Stamp]:
        """Wait until every draft is durable; the stamp of each file written, by file name."""
        ...

    def finish(self) -> None:
        """Wait until the index rows are recorded (never raises: the index is only a cache)."""
        ...


class InProcess:
    """Write the drafts now, in this process (:meth:`DraftStore.write_many`); the index rows in a thread."""

    waits = False

    def __init__(self, store: DraftStore, drafts: Sequence[Draft]) -> None:
        rows: list[Written] = []
        store.write_many(drafts, batch=rows)  # an error here: nothing was written after it
        self._stamps = {path.name: stamp for _d, _m, _t, path, stamp in rows}
        self._thread: threading.Thread | None = None
        if rows:
            self._thread = threading.Thread(target=_record, args=(store, rows), name="drafts-index")
            self._thread.start()

    def durable(self) -> dict[str, Stamp]:
        return self._stamps

    def finish(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _record(store: DraftStore, rows: list[Written]) -> None:
    try:
        store.index.put_many(rows)
    except Exception as exc:  # the index is a cache: the next sync parses those files again
        log.warning("the drafts index was not updated (%s); the next command reads those drafts again", exc)


def command() -> list[str] | None:
    """How the child is started (replaced in tests); None when there is no Python to start."""
    if not sys.executable or getattr(sys, "frozen", False):
        return None
    return [sys.executable, "-P", "-c", _BOOT, str(Path(__file__).resolve().parent.parent.parent)]


class Child:
    """The drafts written by a child process (:func:`main`) that shares the caller's lock.

    Started by :func:`spawn` with nothing to write yet: :meth:`send` gives it the changes.
    """

    waits = True

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._stamps: dict[str, Stamp] | None = None
        self._feeder: threading.Thread | None = None
        self._finished = False

    def send(self, changes: list[Change]) -> None:
        """Give the child what to write (once), without waiting for it to read it."""
        assert self._feeder is None, "the changes are sent once"
        payload = marshal.dumps((PROTOCOL, changes))
        feeder = threading.Thread(target=_feed, args=(self._process.stdin, payload), name="drafts-feed")
        feeder.start()  # (kept only once started: finish() would wait for one that never ran)
        self._feeder = feeder

    def durable(self) -> dict[str, Stamp]:
        assert self._feeder is not None, "send() the changes first"
        if self._stamps is not None:
            return self._stamps
        assert self._process.stdout is not None
        report = _read_report(self._process.stdout)
        if report is None:
            code = self._process.wait()
            raise StoreError(
                f"the drafts writer stopped before the drafts were written (exit status {code}); "
                "see the message above and run `mailbot publish` again."
            )
        kind, value = report
        if kind != "ok" or not isinstance(value, dict):
            raise StoreError(str(value))
        self._stamps = {str(n): (int(s[0]), int(s[1]), int(s[2])) for n, s in value.items()}
        return self._stamps

    def finish(self) -> None:
        """Also for a child sent nothing (the caller failed first): it is stopped, having written nothing."""
        if self._finished:
            return
        self._finished = True
        stdout = self._process.stdout
        try:
            if self._feeder is None:
                # It writes only once it has read every change, and it was sent none: stopped
                # at once rather than after building its drafts ahead (SIGTERM it ignores).
                self._process.kill()
                _feed(self._process.stdin, b"")
            else:
                self._feeder.join()
            if self._stamps is None and stdout is not None and not stdout.closed:
                _read_report(stdout)  # unread, a big report would keep the child waiting
        finally:
            code = self._process.wait()
            if stdout is not None:
                stdout.close()
        if code != 0 and self._stamps is not None:
            log.warning("the drafts index was not updated (writer exit status %s); it is read again", code)


def _feed(pipe: IO[bytes] | None, payload: bytes) -> None:
    assert pipe is not None
    try:
        pipe.write(payload)
    except OSError:
        pass  # the child died: durable() says so
    finally:
        with contextlib.suppress(OSError):
            pipe.close()


def _read_report(pipe: IO[bytes]) -> tuple[str, object] | None:
    """The child's report, or None when what it wrote is none (it died, or is not the writer)."""
    head = pipe.read(len(_MAGIC) + 8)
    if len(head) < len(_MAGIC) + 8 or not head.startswith(_MAGIC):
        return None
    size = int.from_bytes(head[len(_MAGIC) :], "big")
    if size > _LARGEST:
        return None
    data = pipe.read(size)
    try:
        kind, value = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    return str(kind), value


def spawn(folder: Path, lock_fd: int) -> Child | None:
    """A child to write drafts into ``folder`` under the lock ``lock_fd``; None if none can start.

    The child gets a copy of the lock's descriptor numbered above 2 (the same open file, so
    the same lock; a low number would be replaced by the child's pipes), in a session of its
    own: a Ctrl-C at the terminal stops the caller, and the child finishes what it started.
    Until :meth:`Child.send`, it builds the approved drafts of the index, ahead.
    """
    start_it = command()
    if start_it is None:
        return None
    lock = fcntl.fcntl(lock_fd, fcntl.F_DUPFD_CLOEXEC, 3)
    try:
        process = subprocess.Popen(
            [*start_it, str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            pass_fds=(lock,),
            start_new_session=True,
        )
    except (OSError, ValueError, TypeError) as exc:
        log.info("drafts written in this process (no writer process: %s)", exc)
        return None
    finally:
        os.close(lock)
    return Child(process)


def change_of(draft: Draft, source: Source | None, fields: tuple[str | None, datetime | None]) -> Change:
    """The :data:`Change` that writes ``draft``.

    From the index's ``source`` (the JSON front matter and body ``draft`` was built from) and
    the new ``fields`` (slug, published; None: unchanged); without a source, its whole text.
    """
    name = f"{draft.id}.md"
    slug, published = fields
    if source is None:
        return (name, None, None, dumps(draft), None, None, draft.status.value)
    meta, body = source
    when = published.isoformat() if published is not None else None
    return (name, meta, body, None, slug, when, draft.status.value)


def _ahead(index: DraftIndex) -> dict[str, tuple[Source, Draft]]:
    """The approved drafts of the index with their sources, by file name (empty if unreadable).

    Built while the caller plans their slugs: the changes it sends then usually come from the
    same sources, and those drafts are not built again.
    """
    try:
        rows = index.rows("WHERE status = 'approved' AND error IS NULL")
    except Exception:  # only a head start: the changes sent say what to write
        return {}
    return {r.name: (r.source, r.draft) for r in rows if r.source is not None and r.draft is not None}


def _draft(folder: Path, change: Change, ahead: dict[str, tuple[Source, Draft]]) -> Draft:
    name, meta, body, text, slug, published, status = change
    where = str(folder / name)
    if text is not None:
        return loads(text, where)
    assert meta is not None and body is not None
    built = ahead.pop(name, None)
    draft = built[1] if built is not None and built[0] == (meta, body) else from_source((meta, body), where)
    if slug is not None:
        draft.slug = slug
    if published is not None:
        draft.published = datetime.fromisoformat(published)
    draft.status = Status(status)
    return draft


def _report(kind: str, value: str | dict[str, list[int]]) -> None:
    data = marshal.dumps((kind, value))
    try:
        sys.stdout.buffer.write(_MAGIC + len(data).to_bytes(8, "big") + data)
        sys.stdout.buffer.flush()
    except (BrokenPipeError, OSError):
        pass  # the caller is gone; the lock it passed us is still held: finish the work


def _give_way() -> None:
    """This process stops preempting the caller, which renders the pages meanwhile.

    A process (or writer thread) woken normally, as each fsync or write ends, takes the CPU
    from the running renderer. Under ``SCHED_BATCH`` (Linux; threads started after this inherit
    it) it waits for a free CPU or the next tick, with the same share of the CPU as before (no
    starvation). At 10,000 drafts, written then by eight threads with an fsync each, the
    renderer's pages lost 0.5-0.6 s off the CPU; 0.1-0.2 s with it.
    """
    batch = getattr(os, "SCHED_BATCH", None)
    if batch is not None and hasattr(os, "sched_setscheduler"):
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, batch, os.sched_param(0))


def main(argv: list[str] | None = None) -> int:
    """The child: read the changes on stdin, write them durably, report, record the index rows."""
    for stop in (signal.SIGINT, signal.SIGTERM):  # finish what was started (SIGKILL still ends it)
        signal.signal(stop, signal.SIG_IGN)
    _give_way()
    folder = Path((argv if argv is not None else sys.argv[1:])[0])
    store = DraftStore(folder)
    rows: list[Written] = []
    try:
        ahead = _ahead(store.index)
        payload = sys.stdin.buffer.read()
        if not payload:
            return 0  # sent nothing: the caller stopped before its drafts were planned
        protocol, changes = marshal.loads(payload)
        if protocol != PROTOCOL:
            raise StoreError(f"a writer of another mailbot version was started (protocol {protocol})")
        store.write_many([_draft(folder, c, ahead) for c in changes], batch=rows)
    except Exception as exc:  # reported to the caller, which fails the publish before any page
        _report("error", f"the drafts could not be written: {exc}")
        return 1
    _report("ok", {path.name: list(stamp) for _d, _m, _t, path, stamp in rows})
    try:
        store.index.put_many(rows)
    except Exception as exc:
        print(f"mailbot: the drafts index was not updated ({exc}); it is read again", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
