"""The drafts index in SQLite: page() and counts(), hand edits, crashes and damage (issue 11, point 4)."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from mailbot.drafts.index import INDEX_NAME, Summary
from mailbot.drafts.store import DraftStore, Written, loads
from mailbot.models import Draft, Forwarder, Person, Status


def letter(
    draft_id: str,
    day: int,
    status: Status = Status.DRAFT,
    *,
    title: str = "Lettera",
    body: str = "Grazie per il servizio.",
    forwarder: str = "Anna Bianchi",
    address: str = "anna@example.org",
) -> Draft:
    return Draft(
        id=draft_id,
        status=status,
        title=title,
        author=Person("Tommaso Rossi", None),
        forwarders=(Forwarder(forwarder, address, None, "Vi giro questa."),),
        body=body,
        created=datetime(2026, 11, day, 9, 0, tzinfo=UTC),
        forwarded_by=("i colleghi di Napoli",),
    )


def folder_of_five(tmp_path: Path) -> DraftStore:
    store = DraftStore(tmp_path / "drafts")
    store.write(letter("d1", 1))
    store.write(letter("d2", 2, Status.APPROVED, title="Il call center di Roma"))
    store.write(letter("d3", 3, Status.PUBLISHED, forwarder="Marco Verdi", address="marco@example.org"))
    store.write(letter("d4", 4, Status.DRAFT, body="Il pacco non è mai arrivato."))
    store.write(letter("d5", 5, Status.REJECTED))
    return store


def test_page_lists_newest_first_with_the_total(tmp_path: Path) -> None:
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / ".index.json").write_text("{}")  # left by an older mailbot: removed
    store = folder_of_five(tmp_path)
    assert not (tmp_path / "drafts" / ".index.json").exists()
    drafts, total = store.page()
    assert [d.id for d in drafts] == ["d5", "d4", "d3", "d2", "d1"]
    assert total == 5
    drafts, total = store.page(offset=1, limit=2)
    assert [d.id for d in drafts] == ["d4", "d3"]
    assert total == 5
    assert store.page(offset=10) == ([], 5)
    # The drafts are the files' drafts, whole.
    assert store.page(limit=1)[0][0] == store.read("d5")


def test_page_filters_by_status_text_and_forwarder(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    assert [d.id for d in store.page(status=Status.DRAFT)[0]] == ["d4", "d1"]
    assert store.page(status=Status.DRAFT)[1] == 2
    assert [d.id for d in store.page(query="CALL CENTER")[0]] == ["d2"]  # in a title, any case
    assert [d.id for d in store.page(query="pacco")[0]] == ["d4"]  # in a letter
    assert [d.id for d in store.page(forwarder="marco")[0]] == ["d3"]  # a forwarder's name
    assert [d.id for d in store.page(forwarder="anna@example.org", status=Status.APPROVED)[0]] == ["d2"]
    assert store.page(query="pacco", forwarder="marco") == ([], 0)
    assert store.page(query="%") == ([], 0)  # no wildcard: the text itself


def test_counts_by_status_with_broken_files(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    (store.folder / "bad.md").write_text('+++\nid = "bad"\nstatus = \n+++\n\nx\n', encoding="utf-8")
    assert store.counts() == {
        "draft": 2,
        "approved": 1,
        "rejected": 1,
        "published": 1,
        "retracted": 0,
        "broken": 1,
    }
    assert store.page()[1] == 5  # a broken file is in no page


def test_a_hand_edit_in_place_is_noticed(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    assert store.counts()["approved"] == 1
    path = store.path("d1")
    inode = path.stat().st_ino
    # Rewritten in place (same inode), as an editor without backup files does.
    text = path.read_text(encoding="utf-8").replace('status = "draft"', 'status = "approved"')
    with path.open("r+", encoding="utf-8") as fh:
        fh.write(text)
    assert path.stat().st_ino == inode
    assert store.counts()["approved"] == 2
    assert [d.id for d in store.page(status=Status.APPROVED)[0]] == ["d2", "d1"]
    # A file added and one removed by hand.
    (store.folder / "d9.md").write_text(store.path("d4").read_text().replace('"d4"', '"d9"'))
    store.path("d5").unlink()
    assert store.counts()["rejected"] == 0
    assert [d.id for d in store.all()] == ["d1", "d2", "d3", "d4", "d9"]


def test_what_mailbot_writes_is_indexed_as_the_file_reads(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    draft = dataclasses.replace(store.read("d1"), unknown={"tags": ["grazie"], "when": datetime(2026, 1, 1)})
    store.write(draft)
    store.delete("d3")
    from_index = {d.id: d for d in store.all()}
    assert set(from_index) == {"d1", "d2", "d4", "d5"}
    for draft_id, draft in from_index.items():
        assert draft == loads(store.path(draft_id).read_text(encoding="utf-8"))
    assert from_index["d1"].unknown["tags"] == ["grazie"]


CRASH_IN_TRANSACTION = """
import os, sqlite3, sys
from pathlib import Path
from mailbot.drafts.store import DraftStore
store = DraftStore(Path(sys.argv[1]))
store.counts()
db = sqlite3.connect(store.index.path, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
# A wrong row with the file's true stamp: had it been committed, nothing would notice.
db.execute("UPDATE drafts SET status = 'rejected', meta = NULL WHERE name = 'd1.md'")
db.execute("DELETE FROM drafts WHERE name = 'd2.md'")
os._exit(9)  # the process dies mid-update
"""

CRASH_BETWEEN_FILE_AND_INDEX = """
import os, sys, dataclasses
from pathlib import Path
from mailbot.drafts.store import DraftStore
from mailbot.models import Status
store = DraftStore(Path(sys.argv[1]))
store.counts()
store.index.put = lambda *a: os._exit(9)  # dies after the file is written, before its row
store.write(dataclasses.replace(store.read("d1"), status=Status.APPROVED, title="Cambiato"))
"""


def _crash(script: str, folder: Path) -> None:
    done = subprocess.run([sys.executable, "-c", script, str(folder)], check=False)
    assert done.returncode == 9


def test_a_crash_mid_update_leaves_the_index_right(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    before = store.all()
    _crash(CRASH_IN_TRANSACTION, store.folder)
    fresh = DraftStore(store.folder)
    assert fresh.all() == before
    assert fresh.counts()["draft"] == 2
    assert fresh.counts()["rejected"] == 1


def test_a_crash_between_the_file_and_its_row_is_noticed(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    _crash(CRASH_BETWEEN_FILE_AND_INDEX, store.folder)
    fresh = DraftStore(store.folder)
    assert fresh.read("d1").title == "Cambiato"
    assert [d.title for d in fresh.page(status=Status.APPROVED)[0]] == ["Il call center di Roma", "Cambiato"]
    assert fresh.counts()["approved"] == 2


def test_a_damaged_index_is_rebuilt(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    before = store.all()
    store.index.close()
    index = store.folder / INDEX_NAME
    index.write_bytes(b"SQLite format 3\x00" + os.urandom(2000))
    for suffix in ("-wal", "-shm"):
        (store.folder / f"{INDEX_NAME}{suffix}").unlink(missing_ok=True)
    fresh = DraftStore(store.folder)
    assert fresh.all() == before
    assert fresh.counts()["published"] == 1
    assert index.stat().st_mode & 0o777 == 0o600


def _edit_in_place(path: Path, old: str, new: str) -> None:
    """Rewrite a file in place (same inode), with a modification time one second later."""
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    with path.open("r+", encoding="utf-8") as fh:
        fh.write(text.replace(old, new))
        fh.truncate()
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert path.stat().st_ino == before.st_ino


def test_refresh_once_then_query_without_syncing(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    assert store.counts()["approved"] == 1
    _edit_in_place(store.path("d1"), 'status = "draft"', 'status = "approved"')
    # Without a refresh, sync=False answers from the index as it stands: the edit is not seen yet...
    assert store.counts(sync=False)["approved"] == 1
    assert [d.id for d in store.page(status=Status.APPROVED, sync=False)[0]] == ["d2"]
    # ...one refresh, and both queries see it without looking at the files again.
    store.refresh()
    assert store.counts(sync=False) == {
        "draft": 1,
        "approved": 2,
        "rejected": 1,
        "published": 1,
        "retracted": 0,
        "broken": 0,
    }
    drafts, total = store.page(status=Status.APPROVED, sync=False)
    assert ([d.id for d in drafts], total) == (["d2", "d1"], 2)
    assert drafts[1] == store.read("d1")


def test_an_edit_that_keeps_the_size_is_noticed_by_its_time(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    assert store.page(status=Status.PUBLISHED)[0][0].forwarders[0].name == "Marco Verdi"
    size = store.path("d3").stat().st_size
    _edit_in_place(store.path("d3"), "Marco Verdi", "Marco Rossi")
    assert store.path("d3").stat().st_size == size
    assert store.page(status=Status.PUBLISHED)[0][0].forwarders[0].name == "Marco Rossi"
    assert [d.id for d in store.page(forwarder="rossi")[0]] == ["d3"]


def test_a_draft_whose_front_matter_is_taken_out_by_hand_leaves_every_listing(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    assert store.counts()["draft"] == 2
    # Only the letter left: no +++ line at all, so not a draft any more (a note, say).
    store.path("d4").write_text("Il pacco non è mai arrivato.\n", encoding="utf-8")
    assert store.counts()["draft"] == 1
    assert [d.id for d in store.all()] == ["d1", "d2", "d3", "d5"]
    lines, broken = store.listing()
    assert [s.id for s in lines] == ["d1", "d2", "d3", "d5"]
    assert broken == []


def test_the_listing_reads_the_same_lines_with_and_without_a_status(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    (store.folder / "bad.md").write_text('+++\nid = "bad"\nstatus = \n+++\n\nx\n', encoding="utf-8")
    lines, broken = store.listing()
    assert [(s.id, s.status) for s in lines] == [
        ("d1", "draft"),
        ("d2", "approved"),
        ("d3", "published"),
        ("d4", "draft"),
        ("d5", "rejected"),
    ]
    assert [(b.id, b.line) for b in broken] == [("bad", 3)]
    assert lines[1] == Summary(
        "d2", "approved", None, "-", "Tommaso Rossi", ("i colleghi di Napoli",), "Il call center di Roma"
    )
    drafts_only, broken_too = store.listing(Status.DRAFT)
    assert [s.id for s in drafts_only] == ["d1", "d4"]
    assert [b.id for b in broken_too] == ["bad"]


def test_an_index_of_an_older_version_is_rebuilt(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    store.index.close()
    db = sqlite3.connect(store.folder / INDEX_NAME)
    db.execute("UPDATE drafts SET title = 'stale'")
    db.execute("PRAGMA user_version = 3")
    db.commit()
    db.close()
    fresh = DraftStore(store.folder)
    lines, _broken = fresh.listing()
    assert [s.title for s in lines] == ["Lettera", "Il call center di Roma", "Lettera", "Lettera", "Lettera"]
    indexes = {
        r[0]
        for r in sqlite3.connect(store.folder / INDEX_NAME).execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'"
        )
    }
    assert {"drafts_stamps", "drafts_order", "drafts_status"} <= indexes


def test_a_sync_reads_the_stamps_again_only_after_another_connection_wrote(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    store.refresh()
    statements: list[str] = []
    store.index._open().set_trace_callback(statements.append)
    store.refresh()
    store.refresh()
    assert not [s for s in statements if s.startswith("SELECT name, ino")]  # kept from the first
    # Another process (its own connection) writes a row whose stamp is not its file's...
    other = sqlite3.connect(store.folder / INDEX_NAME)
    other.execute("UPDATE drafts SET title = 'stale', mtime_ns = 1 WHERE name = 'd2.md'")
    other.commit()
    other.close()
    # ...so this store reads the stamps again, and puts that row right from its file.
    store.refresh()
    assert len([s for s in statements if s.startswith("SELECT name, ino")]) == 1
    lines, _broken = store.listing()
    assert [s.title for s in lines if s.id == "d2"] == ["Il call center di Roma"]


def test_what_this_store_writes_and_deletes_is_seen_by_its_next_sync(tmp_path: Path) -> None:
    store = folder_of_five(tmp_path)
    store.refresh()
    store.write(dataclasses.replace(store.read("d1"), status=Status.APPROVED))
    store.delete("d5")
    _edit_in_place(store.path("d4"), 'status = "draft"', 'status = "rejected"')
    assert store.counts() == {
        "draft": 0,
        "approved": 2,
        "rejected": 1,
        "published": 1,
        "retracted": 0,
        "broken": 0,
    }
    assert DraftStore(store.folder).counts() == store.counts()


def test_a_hand_edit_between_a_batched_write_and_its_row_is_noticed(tmp_path: Path) -> None:
    # write_many(batch=...) leaves the rows to the caller (publish records them once its pages
    # are rendered); a reviewer who saves the file meanwhile must not have the index keep
    # mailbot's text under the stamp of the reviewer's file.
    store = folder_of_five(tmp_path)
    rows: list[Written] = []
    store.write_many([dataclasses.replace(store.read("d3"), title="Scritto da mailbot")], batch=rows)
    path = store.path("d3")
    text = path.read_text(encoding="utf-8")
    assert 'title = "Scritto da mailbot"' in text
    (tmp_path / "edited.md").write_text(
        text.replace("Scritto da mailbot", "Corretto a mano, più lungo"), encoding="utf-8"
    )
    os.replace(tmp_path / "edited.md", path)  # as an editor saves it
    store.index.put_many(rows)
    assert store.read("d3").title == "Corretto a mano, più lungo"
    assert [s.title for s in store.listing()[0] if s.id == "d3"] == ["Corretto a mano, più lungo"]
