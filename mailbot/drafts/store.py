"""The drafts stage: one human-editable Markdown file per draft, with TOML front matter.

A draft file looks like this (``+++`` fences, as Hugo writes TOML front matter)::

    +++
    id = "20070122-esternalizzazione-del-call-center"
    status = "draft"
    title = "Esternalizzazione del call center"
    author_display = "Tommaso"
    forwarded_by = ["i colleghi di Napoli"]
    kind = "forward"
    ...
    [author]
    name = "Tommaso Rossi"

    [[forwarders]]
    name = "Anna Bianchi"
    note = "Vi giro questa lettera di un cliente di Roma."
    +++

    Ho letto dell'esternalizzazione ...

Everything above the closing fence is data (the format: :mod:`mailbot.drafts.fileformat`); everything
below is the letter as it will be published. Writes are atomic and durable. The review
transitions with their audit trail are in :mod:`mailbot.drafts.review`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailbot.drafts.fileformat import FENCE, dumps, loads, text_of, to_meta
from mailbot.drafts.index import BROKEN, INDEX_NAME, DraftIndex, Summary, statuses
from mailbot.errors import StoreError, UsageError
from mailbot.fsbatch import write_all
from mailbot.fsutil import atomic_write, check_inside, exclusive_lock
from mailbot.models import ASSET_NAME, ASSET_NAME_RULE, Draft, Status

__all__ = ["ASSET_NAME", "FENCE", "INDEX_NAME", "DraftStore", "dumps", "loads"]

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
# A draft just written, as the index records it: the draft, its front matter, its text, its file.
Written = tuple[Draft, dict[str, Any], str, Path, tuple[int, int, int]]
WRITERS = 8  # threads of write_many: enough to overlap fsyncs, few enough for small machines


@dataclass(frozen=True)
class Broken:
    """A draft file that cannot be read: listed as ``broken``, skipped by everything else."""

    id: str
    path: Path
    line: int | None
    error: str


class DraftStore:
    """The drafts folder: ``<id>.md`` files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.index = DraftIndex(folder)

    def path(self, draft_id: str) -> Path:
        if not draft_id or "/" in draft_id or draft_id.startswith("."):
            raise UsageError(f"{draft_id!r} is not a draft id; see `mailbot drafts list`.")
        return self.folder / f"{draft_id}.md"

    def resolve(self, draft_id: str) -> str:
        """The id of the draft that ``draft_id`` names: the id itself, or an unambiguous prefix of one."""
        if self.path(draft_id).is_file():
            return draft_id
        found = sorted(i for i in self.ids() if i.startswith(draft_id))
        if len(found) == 1:
            return found[0]
        if not found:
            raise UsageError(f"there is no draft {draft_id!r}; see `mailbot drafts list`.")
        shown = ", ".join(found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
        raise UsageError(f"{draft_id!r} could be any of {shown}; give more of the id.")

    def assets_dir(self, draft_id: str) -> Path:
        """The private folder of a draft's prepared images: ``<drafts>/<id>.assets/``."""
        return self.path(draft_id).with_name(f"{draft_id}.assets")

    def asset_path(self, draft_id: str, name: str) -> Path:
        """Where the prepared image ``name`` of a draft lives; never outside its folder."""
        if not ASSET_NAME.fullmatch(name):
            raise StoreError(f"draft {draft_id}: the asset name {name!r} is not allowed ({ASSET_NAME_RULE}).")
        return check_inside(self.assets_dir(draft_id) / name, root=self.folder)

    def exists(self, draft_id: str) -> bool:
        return self.path(draft_id).is_file()

    def ids(self) -> set[str]:
        if not self.folder.is_dir():
            return set()
        return {p.stem for p in self.folder.glob("*.md") if not p.name.startswith(".")}

    def write(
        self,
        draft: Draft,
        *,
        text: str | None = None,
        sync_dir: bool = True,
        batch: list[Written] | None = None,
    ) -> Path:
        """Write a draft atomically and durably (``text``: its :func:`dumps`, if already made).

        ``sync_dir=False`` leaves the fsync of the drafts folder to the caller
        (the pipeline makes a whole group of new drafts durable at once). With ``batch``
        the index row is not written but added to it (:meth:`write_many` records them together).
        """
        path = self.path(draft.id)
        meta = to_meta(draft)
        text = text_of(meta, draft.body) if text is None else text
        try:
            stamp = atomic_write(path, text, sync_dir=sync_dir)
        except OSError as exc:
            raise StoreError(
                f"draft {path} cannot be written ({exc.strerror}); check [paths] drafts and free space."
            ) from exc
        # After the file, with the stamp it had when written: a crash in between, or a hand edit
        # before the row is recorded, leaves a row whose stamp is not the file's (parsed again).
        if batch is None:
            self.index.put(draft, meta, text, path, stamp)
        else:
            batch.append((draft, meta, text, path, stamp))
        return path

    def write_many(self, drafts: Sequence[Draft], *, batch: list[Written] | None = None) -> None:
        """Write many drafts durably, as :meth:`write` does; one folder fsync.

        The texts are made first, then written by :func:`mailbot.fsbatch.write_all` (a few: by
        threads whose fsyncs overlap; many: with one ``syncfs`` before the renames); the index
        records them all in one transaction (with ``batch``: the caller does, later, with
        ``index.put_many(batch)``; until then the index finds those files changed). Every file
        is durable when this returns; on an error, none has its index row recorded.
        """
        if not drafts:
            return
        made = []
        for draft in drafts:
            path = self.path(draft.id)
            meta = to_meta(draft)
            made.append((draft, meta, text_of(meta, draft.body), path))
        try:
            stamps = write_all(
                self.folder, [(p.name, t.encode("utf-8")) for _d, _m, t, p in made], threads=WRITERS
            )
        except OSError as exc:
            raise StoreError(
                f"draft {exc.filename} cannot be written ({exc.strerror});"
                " check [paths] drafts and free space."
            ) from exc
        rows: list[Written] = [(d, m, t, p, stamp) for (d, m, t, p), stamp in zip(made, stamps, strict=True)]
        if batch is None:
            self.index.put_many(rows)
        else:
            batch.extend(rows)

    def find(self, draft_id: str) -> Draft:
        """The draft a person names: by its id or an unambiguous prefix of one."""
        return self.read(self.resolve(draft_id))

    def read(self, draft_id: str) -> Draft:
        """The draft with exactly this id (what mailbot itself uses; people's ids go to :meth:`find`)."""
        path = self.path(draft_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise UsageError(f"there is no draft {draft_id!r}; see `mailbot drafts list`.") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"draft {path} cannot be read ({exc}).") from exc
        return loads(text, str(path))

    def delete(self, draft_id: str) -> None:
        """Remove a draft's file and its images (the ledger keeps the message's row)."""
        folder = self.assets_dir(draft_id)
        try:
            if folder.is_dir() and not folder.is_symlink():
                for item in folder.iterdir():
                    item.unlink()
                folder.rmdir()
            elif folder.is_symlink():
                folder.unlink()
            self.path(draft_id).unlink()
        except OSError as exc:
            raise StoreError(f"draft {draft_id} cannot be deleted ({exc.strerror}).") from exc
        self.index.forget(f"{draft_id}.md")

    def all(self, status: Status | None = None) -> list[Draft]:
        """Every readable draft, oldest first (by creation time, then id).

        A file that cannot be read as a draft is skipped with a warning naming it and the line
        (see :meth:`scan`): one reviewer's typo never stops a listing or a publish.
        """
        drafts, broken = self.scan()
        for b in broken:
            log.warning("skipping the broken draft %s: %s", b.path, b.error)
        if status is not None:
            drafts = [d for d in drafts if d.status is status]
        return drafts

    def scan(self) -> tuple[list[Draft], list[Broken]]:
        """Every draft, oldest first, and every ``.md`` file with front matter that is not valid.

        A ``.md`` file with no ``+++`` line at all (a README, notes) is not a draft: ignored with
        a warning; one with fences but damaged front matter is listed as broken.

        Parsed front matter is kept in the drafts index (:mod:`mailbot.drafts.index`), keyed by
        each file's inode, modification time and size, so only new or edited files are parsed
        again. The index is a cache: deleting it is always safe.
        """
        if not self.folder.is_dir():
            return [], []
        self.index.sync()
        drafts: list[Draft] = []
        broken: list[Broken] = []
        for row in self.index.rows(tail="ORDER BY created, name"):
            if row.draft is not None:
                drafts.append(row.draft)
            else:
                broken.append(Broken(row.name[:-3], self.folder / row.name, row.line, row.error or ""))
        return drafts, sorted(broken, key=lambda b: b.id)

    def refresh(self) -> None:
        """Bring the drafts index in step with the files: a ``stat`` of each, a parse of the changed.

        :meth:`page` and :meth:`counts` do it first unless told ``sync=False``: a caller asking
        both (the desk's queue) refreshes once, then asks each with ``sync=False``.
        """
        if self.folder.is_dir():
            self.index.sync()

    def listing(self, status: Status | None = None) -> tuple[list[Summary], list[Broken]]:
        """What ``mailbot drafts list`` shows, oldest first, without building every draft.

        The same drafts as :meth:`scan` (``status``: only those), each as a :class:`Summary`.
        """
        if not self.folder.is_dir():
            return [], []
        self.index.sync()
        where, args = ("WHERE status = ?", (Status(status).value,)) if status else ("", ())
        lines = self.index.summaries(where, args, "ORDER BY created, name")
        broken = [
            Broken(r.name[:-3], self.folder / r.name, r.line, r.error or "") for r in self.index.broken()
        ]
        return lines, broken

    def page(
        self,
        status: Status | None = None,
        query: str | None = None,
        forwarder: str | None = None,
        offset: int = 0,
        limit: int = 50,
        *,
        sync: bool = True,
    ) -> tuple[list[Draft], int]:
        """One page of drafts, newest first, and how many match in all (broken files never do).

        ``query`` is looked for in the title, intro, author and letter; ``forwarder`` in the
        forwarders' names and addresses and the public labels (both ignoring case).
        ``sync=False``: the caller has just called :meth:`refresh`.
        """
        if not self.folder.is_dir():
            return [], 0
        if sync:
            self.index.sync()
        where = ["status != ?"]
        args: list[Any] = [BROKEN]
        if status is not None:
            where.append("status = ?")
            args.append(Status(status).value)
        if query:
            where.append("instr(search, ?) > 0")
            args.append(query.casefold())
        if forwarder:
            where.append("instr(people, ?) > 0")
            args.append(forwarder.casefold())
        condition = "WHERE " + " AND ".join(where)
        total = int(self.index.scalar(f"SELECT count(*) FROM drafts {condition}", tuple(args)))
        rows = self.index.rows(
            condition,
            (*args, max(0, limit), max(0, offset)),
            "ORDER BY created DESC, name DESC LIMIT ? OFFSET ?",
        )
        return [r.draft for r in rows if r.draft is not None], total

    def counts(self, *, sync: bool = True) -> dict[str, int]:
        """How many drafts there are in each status, ``broken`` included (every key, 0 too).

        ``sync=False``: the caller has just called :meth:`refresh`.
        """
        found = dict.fromkeys(statuses(), 0)
        if not self.folder.is_dir():
            return found
        if sync:
            self.index.sync()
        for status, count in self.index.grouped("SELECT status, count(*) FROM drafts GROUP BY status"):
            found[str(status)] = int(count)
        return found

    def lock(self) -> AbstractContextManager[int]:
        """Exclusive use of the drafts folder against other mailbot processes.

        Held by whatever changes drafts: an ingestion run, publish, retract,
        approve, reject and restore. A service and a reviewer then never
        overwrite each other's changes, nor pick the same new draft id. Gives the lock's
        descriptor (see :func:`mailbot.fsutil.exclusive_lock`).
        """
        return exclusive_lock(self.folder / LOCK_NAME)

    def transition(
        self, ids: Iterable[str], action: str, reason: str | None = None, *, force: bool = False
    ) -> list[Draft]:
        """Approve, reject or unapprove drafts; every id is checked before any file changes.

        See :func:`mailbot.drafts.review.transition`, which also records each change in the audit trail.
        """
        from mailbot.drafts.review import transition

        return transition(self, None, list(ids), action, reason=reason, force=force)
