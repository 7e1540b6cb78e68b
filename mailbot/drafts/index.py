"""The drafts index: each draft file's parsed front matter in SQLite, a cache of the folder.

One row per ``.md`` file of the drafts folder, keyed by its name and stamped with the file's
inode, modification time and size. :meth:`DraftIndex.sync` compares every file's stamp with
its row and parses again only the files that are new or changed (an edit by hand included);
:meth:`DraftIndex.put` updates one row when mailbot itself writes a draft, so nothing is ever
rewritten whole. The index is never the truth: a row whose stamp does not match its file is
parsed again, a crash mid-update leaves SQLite's last committed state (whose stamps are
checked the same way), and a damaged database file is deleted and rebuilt from the files.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NamedTuple

from mailbot.drafts.fileformat import FENCE, DraftFileError, from_meta, split
from mailbot.errors import StoreError
from mailbot.fsutil import private_file
from mailbot.models import Draft, Status

log = logging.getLogger(__name__)

INDEX_NAME = ".index.sqlite3"
OLD_INDEX_NAME = ".index.json"
VERSION = 4  # of the rows' contents and indexes: another number drops the table and rebuilds it
BROKEN = "broken"
SEP = "\x1f"
Stamp = tuple[int, int, int]  # inode, modification time (ns), size: a row holds while they match

SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    name TEXT PRIMARY KEY,      -- the file name, <id>.md
    ino INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    status TEXT NOT NULL,       -- a Status value, or 'broken'
    created TEXT NOT NULL,      -- ISO text ('' when unknown): the listing order
    meta TEXT,                  -- the front matter as JSON; NULL: read the file (see _indexable)
    body TEXT,
    search TEXT NOT NULL,       -- casefolded title, intro, author and body
    people TEXT NOT NULL,       -- casefolded forwarders' names and addresses, public labels
    kind TEXT,                  -- what a listing shows (see Summary); NULL for broken files
    marks TEXT,
    author TEXT,
    labels TEXT,                -- the public labels, joined by U+001F
    title TEXT,
    line INTEGER,               -- broken files: the faulty line and the error
    error TEXT
);
-- Covering indexes: a sync reads the stamps, a listing its columns, without the rows' texts.
CREATE INDEX IF NOT EXISTS drafts_stamps ON drafts(name, ino, mtime_ns, size);
CREATE INDEX IF NOT EXISTS drafts_order ON drafts(created, name, status, kind, marks, author, labels, title);
CREATE INDEX IF NOT EXISTS drafts_status ON drafts(status, created, name, kind, marks, author, labels, title);
"""


def _encode(value: Any) -> Any:
    """JSON for what json cannot write itself: TOML dates and times become {"$dt": ISO text}..."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, time):
        return {"$t": value.isoformat()}
    raise TypeError(f"cannot index a {type(value).__name__}")


_MARKS = {"$dt": datetime.fromisoformat, "$d": date.fromisoformat, "$t": time.fromisoformat}


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        key, value = next(iter(obj.items()))
        if key in _MARKS and isinstance(value, str):
            return _MARKS[key](value)
    return obj


# The JSON front matter and body a row keeps of a draft: what its Draft is built from.
Source = tuple[str, str]


def from_source(source: Source, where: str) -> Draft:
    """The draft of a row's ``source`` (``where``: the file, for errors)."""
    meta, body = source
    return from_meta(json.loads(meta, object_hook=_decode), body, where)


def indexable(text: str) -> bool:
    """False when a front-matter string starts with "$" (a table could be taken for a date)."""
    front = text.partition(f"\n{FENCE}\n")[0]
    return '"$' not in front and "'$" not in front


def hidden_values(draft: Draft) -> int:
    """How many private values are still hidden behind placeholders like [IBAN] in a draft."""
    return sum(1 for r in draft.redactions if not r.restored and r.kind != "surname")


def marks(draft: Draft) -> str:
    """H: hidden values, P: pending amendment, W: warnings for the reviewer ("-": none)."""
    return (
        ("H" if hidden_values(draft) else "")
        + ("P" if draft.pending_forwarders else "")
        + ("W" if any(w != "redacted" for w in draft.warnings) else "")
    ) or "-"


class Summary(NamedTuple):
    """One line of a listing, read without building the whole draft (a tuple: 10,000 are made fast)."""

    id: str
    status: str
    kind: str | None
    marks: str
    author: str | None
    forwarded_by: tuple[str, ...]
    title: str


def _columns(draft: Draft) -> tuple[str | None, ...]:
    created = draft.created.isoformat() if draft.created else ""
    search = "\n".join(
        t for t in (draft.title, draft.intro, draft.author.name, draft.author.address, draft.body) if t
    )
    people = "\n".join(
        [t for f in draft.forwarders for t in (f.name, f.address) if t] + list(draft.forwarded_by)
    )
    author = draft.author_display or draft.author.name
    listing = (draft.kind, marks(draft), author, SEP.join(draft.forwarded_by), draft.title)
    return draft.status.value, created, search.casefold(), people.casefold(), *listing


@dataclass(frozen=True)
class Row:
    """What the index knows of one file: a draft, or the error that makes it broken."""

    name: str
    draft: Draft | None
    line: int | None = None
    error: str | None = None
    source: Source | None = None  # what the draft was built from


class DraftIndex:
    """The index of one drafts folder (``<drafts>/.index.sqlite3``, 0600, with its WAL files)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / INDEX_NAME
        self._prefix = f"{folder}{os.sep}"  # of a file's path (a Path per row: 0.03 s at 10,000)
        self._lock = threading.Lock()  # the ingest writer thread writes drafts too
        self._db: sqlite3.Connection | None = None
        # The rows' stamps as the last sync left them, with the database's data_version then:
        # while no other connection has written since, the next sync need not read them again.
        self._seen: tuple[int, dict[str, Stamp]] | None = None

    # -- the connection ------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        self._seen = None
        try:
            self._db = self._connect()
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:  # not a database, or damaged: it is only a cache
            log.warning("the drafts index %s is damaged (%s); rebuilding it from the files", self.path, exc)
            self._drop_files()
            self._db = self._connect()
        return self._db

    def _connect(self) -> sqlite3.Connection:
        # The JSON index of older versions held every draft (hidden originals too): gone.
        with contextlib.suppress(FileNotFoundError):
            (self.folder / OLD_INDEX_NAME).unlink()
        private_file(self.path, root=self.folder)
        for suffix in ("-wal", "-shm"):
            private_file(self.path.with_name(self.path.name + suffix), root=self.folder, only_existing=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a commit is not fsynced, but a power cut can only lose the last commits,
            # never damage the file; a lost row's stamp no longer matches and it is parsed again.
            db.execute("PRAGMA synchronous=NORMAL")
            if db.execute("PRAGMA user_version").fetchone()[0] != VERSION:
                db.execute("DROP TABLE IF EXISTS drafts")
                db.executescript(SCHEMA)
                db.execute(f"PRAGMA user_version={VERSION}")
            db.execute("SELECT count(*) FROM drafts").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _drop_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                self.path.with_name(self.path.name + suffix).unlink()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _run(self, work: Any) -> Any:
        """Run ``work(db)``; a damaged database is dropped and ``work`` runs once more on a new one."""
        with self._lock:
            try:
                return work(self._open())
            except (sqlite3.OperationalError, OSError) as exc:  # busy, read-only, disk full: no damage
                raise StoreError(
                    f"the drafts index {self.path} cannot be used ({exc}); try again, or delete it "
                    "(it is rebuilt from the drafts)."
                ) from exc
            except sqlite3.DatabaseError as exc:
                log.warning("the drafts index %s failed (%s); rebuilding it from the files", self.path, exc)
                if self._db is not None:
                    self._db.close()
                    self._db = None
                self._drop_files()
                return work(self._open())

    # -- keeping it in step with the files -----------------------------------------------

    def put(self, draft: Draft, meta: dict[str, Any], text: str, path: Path, stamp: Stamp) -> None:
        """Record the draft mailbot wrote to ``path`` (its front matter and text) with the stamp
        the file had when written (:func:`mailbot.fsutil.atomic_write`)."""
        self.put_many([(draft, meta, text, path, stamp)])

    def put_many(self, written: Iterable[tuple[Draft, dict[str, Any], str, Path, Stamp]]) -> None:
        """:meth:`put` for many drafts, in one transaction (one commit instead of one per row).

        A row may be recorded some time after its file was written (a publish records them
        while its pages render): a file saved by hand meanwhile no longer has the stamp
        recorded here, so the next sync parses it again.
        """
        rows = []
        for draft, meta, text, path, stamp in written:
            body = text.partition(f"\n{FENCE}\n")[2]
            encoded = json.dumps(meta, ensure_ascii=False, default=_encode) if indexable(text) else None
            rows.append(_order((path.name, *stamp, *_columns(draft), encoded, body, None, None)))

        def work(db: sqlite3.Connection) -> None:
            self._seen = None
            if len(rows) == 1:
                db.execute(INSERT, rows[0])
            elif rows:
                with _transaction(db):
                    db.executemany(INSERT, rows)

        self._quiet(work)

    def forget(self, name: str) -> None:
        """Drop the row of a deleted draft file."""

        def work(db: sqlite3.Connection) -> None:
            self._seen = None
            db.execute("DELETE FROM drafts WHERE name = ?", (name,))

        self._quiet(work)

    def _quiet(self, work: Any) -> None:
        try:
            self._run(work)
        except (OSError, sqlite3.Error, StoreError) as exc:  # only a cache: the next sync puts it right
            log.warning("the drafts index %s cannot be updated (%s)", self.path, exc)

    def sync(self) -> None:
        """Parse again every draft file whose inode, modification time or size changed."""
        if not self.folder.is_dir():
            return
        self._run(self._sync)

    def _sync(self, db: sqlite3.Connection) -> None:
        version = int(db.execute("PRAGMA data_version").fetchone()[0])
        seen, self._seen = self._seen, None
        if seen is not None and seen[0] == version:
            known = seen[1]  # nobody else has written: the rows are as this connection left them
        else:
            stamps = db.execute("SELECT name, ino, mtime_ns, size FROM drafts")
            known = {name: (ino, mtime, size) for name, ino, mtime, size in stamps}
        now: dict[str, Stamp] = {}
        rows = []
        gone = []
        # One pass over the folder: a stat per draft file (os.scandir gives names and types
        # only), compared with its row; what is left in ``known`` afterwards is gone too.
        with os.scandir(self.folder) as entries:
            for entry in entries:
                name = entry.name
                if not name.endswith(".md") or name.startswith(".") or not entry.is_file():
                    continue
                st = entry.stat()
                stamp = now[name] = (st.st_ino, st.st_mtime_ns, st.st_size)
                had = known.pop(name, None)
                if had != stamp:
                    row = _parse(Path(entry.path), stamp)
                    if row is not None:
                        rows.append(row)
                    else:
                        del now[name]  # no draft, no row: parsed again next time, with its warning
                        if had is not None:  # no longer a draft (its fences taken out by hand)
                            gone.append((name,))
        gone += [(n,) for n in known]
        if rows or gone:
            with _transaction(db):
                db.executemany("DELETE FROM drafts WHERE name = ?", gone)
                db.executemany(INSERT, rows)
        self._seen = (version, now)  # our own commits leave data_version as it was

    # -- reading ---------------------------------------------------------------------------

    def slugs(self) -> set[str]:
        """Every slug a draft holds, whatever its status (after :meth:`sync`): taken for new posts."""
        found: list[tuple[str | None]] = self._run(
            lambda db: db.execute(
                "SELECT json_extract(meta, '$.slug') FROM drafts WHERE meta IS NOT NULL"
            ).fetchall()
        )
        taken = {slug for (slug,) in found if isinstance(slug, str) and slug}
        for row in self.rows("WHERE meta IS NULL AND error IS NULL"):  # front matter not kept as JSON
            if row.draft is not None and row.draft.slug:
                taken.add(row.draft.slug)
        return taken

    def broken(self) -> list[Row]:
        """The files that are not valid drafts (after :meth:`sync`)."""
        return self.rows("WHERE status = ?", (BROKEN,), "ORDER BY name")

    def rows(self, where: str = "", args: tuple[Any, ...] = (), tail: str = "") -> list[Row]:
        """The rows matching an SQL condition (after :meth:`sync`), as drafts or broken files."""
        sql = f"SELECT name, meta, body, line, error FROM drafts {where} {tail}"
        found: list[tuple[str, str | None, str | None, int | None, str | None]] = self._run(
            lambda db: db.execute(sql, args).fetchall()
        )
        return [self._row(*r) for r in found]

    def summaries(self, where: str = "", args: tuple[Any, ...] = (), tail: str = "") -> list[Summary]:
        """The listing lines of the drafts matching an SQL condition (never broken files)."""
        sql = f"SELECT name, status, kind, marks, author, labels, title FROM drafts {where} {tail}"
        found: list[tuple[Any, ...]] = self._run(lambda db: db.execute(sql, args).fetchall())
        return [
            Summary(name[:-3], status, kind, mark, author, tuple(labels.split(SEP)) if labels else (), title)
            for name, status, kind, mark, author, labels, title in found
            if mark is not None
        ]

    def scalar(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        return self._run(lambda db: db.execute(sql, args).fetchone()[0])

    def grouped(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        result: list[tuple[Any, ...]] = self._run(lambda db: db.execute(sql, args).fetchall())
        return result

    def _row(self, name: str, meta: str | None, body: str | None, line: int | None, error: str | None) -> Row:
        if error is not None:
            return Row(name, None, line, error)
        if meta is not None and body is not None:
            try:
                return Row(name, from_source((meta, body), self._prefix + name), source=(meta, body))
            except (DraftFileError, ValueError):
                pass  # read the file itself
        return _draft_row(self.folder / name, name)


def _draft_row(path: Path, name: str) -> Row:
    try:
        text = path.read_text(encoding="utf-8")
        meta, body = split(text, str(path))
        return Row(name, from_meta(meta, body, str(path), text))
    except DraftFileError as exc:
        return Row(name, None, exc.line, str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        return Row(name, None, None, f"cannot be read ({exc})")


INSERT = "INSERT OR REPLACE INTO drafts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"


# The columns in table order, from the tuple put() and _parse() build.
NO_LISTING = (None, None, None, None, None)


def _order(row: tuple[Any, ...]) -> tuple[Any, ...]:
    name, ino, mtime, size, status, created, search, people, *listing, meta, body, line, error = row
    return (name, ino, mtime, size, status, created, meta, body, search, people, *listing, line, error)


def _parse(path: Path, stamp: tuple[int, int, int] | None) -> tuple[Any, ...] | None:
    """The row of one file (in table order), or None when it is no mailbot draft at all."""
    ino, mtime, size = stamp or (0, 0, 0)
    try:
        text = path.read_text(encoding="utf-8")
        if FENCE not in text.split("\n"):
            log.warning("ignoring %s: not a mailbot draft (no +++ front matter)", path)
            return None
        meta, body = split(text, str(path))
        draft = from_meta(meta, body, str(path), text)
    except DraftFileError as exc:
        return (path.name, ino, mtime, size, BROKEN, "", None, None, "", "", *NO_LISTING, exc.line, str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        why = f"cannot be read ({exc})"
        return (path.name, ino, mtime, size, BROKEN, "", None, None, "", "", *NO_LISTING, None, why)
    encoded = json.dumps(meta, ensure_ascii=False, default=_encode) if indexable(text) else None
    return _order((path.name, ino, mtime, size, *_columns(draft), encoded, body, None, None))


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (the connection is in autocommit)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, tb: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def statuses() -> Iterator[str]:
    """Every status a row can have: the draft statuses and ``broken``."""
    yield from (s.value for s in Status)
    yield BROKEN
