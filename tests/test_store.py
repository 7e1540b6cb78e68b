"""Draft files round-trip, the ledger finds what it recorded, and review transitions are checked."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.drafts.store import DraftStore, dumps, loads
from mailbot.errors import StoreError, UsageError
from mailbot.ingest.ledger import DRAFTED, FAILED, Ledger
from mailbot.models import Draft, Forwarder, Person, Status

ROME = timezone(timedelta(hours=1))


def sample(draft_id: str = "20070122-esternalizzazione") -> Draft:
    return Draft(
        id=draft_id,
        status=Status.DRAFT,
        title="Esternalizzazione del call center",
        author=Person("Tommaso Rossi", "tommaso.rossi@example.it"),
        forwarders=(
            Forwarder(
                "Anna Bianchi",
                "anna.bianchi@napoli.example.org",
                datetime(2007, 1, 23, 9, 12, tzinfo=ROME),
                "Vi giro questa lettera.",
            ),
            Forwarder(None, "desk@example.org", None, None),
        ),
        body='Ho letto dell\'esternalizzazione.\n\n"Citazione" con \\ e +++\n\nSaluti.\n\nTommaso',
        intro="Vi giro questa lettera.",
        letter_date=datetime(2007, 1, 22, 18, 3, tzinfo=ROME),
        letter_date_raw="lun 22 gen 2007 alle ore 18:03",
        received=datetime(2007, 1, 23, 9, 12, tzinfo=ROME),
        message_id="<abc@napoli.example.org>",
        source="maildir:/x",
        sha256="0" * 64,
        created=datetime(2007, 1, 23, 10, 0, tzinfo=UTC),
        author_display="Tommaso",
        forwarded_by=("i colleghi di Napoli",),
    )


def test_draft_file_round_trip() -> None:
    draft = sample()
    text = dumps(draft)
    assert text.startswith("+++\n")
    assert "\n+++\n\nHo letto" in text
    assert loads(text) == draft


def test_draft_with_missing_values_round_trips() -> None:
    draft = Draft(id="x", status=Status.DRAFT, title="t", author=Person(None, None), forwarders=(), body="b")
    assert loads(dumps(draft)) == draft


def test_store_write_read_list(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    store.write(sample("b"))
    store.write(sample("a"))
    assert store.read("a") == sample("a")
    assert [d.id for d in store.all()] == ["a", "b"]
    assert not list((tmp_path / "drafts").glob("*.tmp"))  # no temp files left behind


def test_hand_edited_draft_errors_name_the_file(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    path = store.write(sample("a"))
    path.write_text(path.read_text().replace('status = "draft"', 'status = "maybe"'))
    with pytest.raises(StoreError, match=r"a\.md, line 3: status must be one of"):
        store.read("a")
    path.write_text("no front matter")
    with pytest.raises(StoreError, match="no front matter"):
        store.read("a")


def test_unknown_and_unsafe_ids(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    with pytest.raises(UsageError, match="no draft 'nope'"):
        store.read("nope")
    with pytest.raises(UsageError):
        store.path("../etc/passwd")


def test_transitions(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    store.write(sample("a"))
    store.write(sample("b"))
    store.transition(["a"], "approve")
    store.transition(["b"], "reject", "not a letter")
    assert store.read("a").status is Status.APPROVED
    rejected = store.read("b")
    assert (rejected.status, rejected.reason) == (Status.REJECTED, "not a letter")
    published = store.read("a")
    published.status = Status.PUBLISHED
    store.write(published)
    with pytest.raises(UsageError, match="draft a is published"):
        store.transition(["b", "a"], "approve", force=True)
    assert store.read("b").status is Status.REJECTED  # nothing changed: all checked first


def test_ledger_finds_by_key_hash_and_message_id(tmp_path: Path) -> None:
    with Ledger(tmp_path / "state" / "ledger.sqlite3") as ledger:
        ledger.record("src", "k1", "h1", "<m1>", DRAFTED, draft_id="d1")
        ledger.record("src", "k2", "h2", None, FAILED, error="sender x not allowed")
        assert ledger.by_key("src", "k1").outcome == DRAFTED  # type: ignore[union-attr]
        assert ledger.find("other", "zz", "h1", None).draft_id == "d1"  # type: ignore[union-attr]
        assert ledger.find("other", "zz", "hx", "<m1>").draft_id == "d1"  # type: ignore[union-attr]
        assert ledger.find("other", "zz", "h2", None) is None  # a failure is not a draft to reuse
        assert ledger.counts() == {DRAFTED: 1, FAILED: 1}
        assert ledger.draft_ids() == {"d1"}
        assert ledger.last_error().error == "sender x not allowed"  # type: ignore[union-attr]


def test_ledger_unwritable_folder_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="ledger"):
        Ledger(blocker / "ledger.sqlite3")


def test_the_drafts_index_is_a_cache_that_follows_the_files(tmp_path: Path) -> None:
    from mailbot.drafts.store import INDEX_NAME

    store = DraftStore(tmp_path)
    for name in ("a", "b", "c"):
        store.write(sample(name))
    first = store.all()
    assert (tmp_path / INDEX_NAME).is_file()
    assert store.all() == first  # from the index, the same drafts
    # An edit by hand (same size, new content) is seen: the key includes the inode and mtime.
    path = store.path("b")
    path.write_text(path.read_text().replace("Esternalizzazione", "Esterna1izzazione"))
    assert store.read("b").title.startswith("Esterna1izzazione")
    assert [d.title for d in store.all() if d.id == "b"] == [store.read("b").title]
    # A deleted draft leaves the listing; a damaged index is rebuilt.
    store.path("c").unlink()
    assert [d.id for d in store.all()] == ["a", "b"]
    (tmp_path / INDEX_NAME).write_text("{not json")
    assert [d.id for d in store.all()] == ["a", "b"]
    # Dates keep their offsets through the index.
    assert store.all()[0].letter_date == sample("a").letter_date
    assert store.all()[0].letter_date.utcoffset() == timedelta(hours=1)  # type: ignore[union-attr]


# -- every key of a draft file survives a load and a dump (issue 11, point 2) --------------------

KNOWN_TOP = {
    "id", "status", "title", "author_display", "intro", "letter_date_raw", "slug", "reason",
    "message_id", "source", "sha256", "kind", "kind_reason", "letter_date", "received", "created",
    "published", "forwarded_by", "warnings", "remote_images", "author", "forwarders",
    "pending_forwarders", "assets", "skipped_attachments", "redactions",
}  # fmt: skip
words = st.text(max_size=12)
offsets = st.integers(-23 * 60, 23 * 60).map(lambda m: timezone(timedelta(minutes=m)))
aware = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets)
scalars = (
    words
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.booleans()
    | aware
    | st.datetimes()
    | st.dates()
    | st.times()
)
toml_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=8,
)


def unknown(known: set[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(words.filter(lambda k: k not in known), toml_values, max_size=3)


def table(required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]) -> Any:
    known = set(required) | set(optional)
    return st.fixed_dictionaries(required, optional=optional).flatmap(
        lambda d: unknown(known).map(lambda extra: extra | d)
    )


forwarder = table({}, {"name": words, "address": words, "date": aware, "note": words})
front_matter = st.fixed_dictionaries(
    {"id": words.filter(bool), "status": st.sampled_from([s.value for s in Status]), "title": words},
    optional={
        "author_display": words,
        "intro": words,
        "letter_date_raw": words,
        "slug": words,
        "reason": words,
        "message_id": words,
        "kind": st.sampled_from(["forward", "not-forward"]),
        "kind_reason": words,
        "letter_date": aware,
        "created": aware,
        "published": st.datetimes(),
        "forwarded_by": st.lists(words, min_size=1, max_size=3),
        "warnings": st.lists(words, min_size=1, max_size=3),
        "remote_images": st.lists(words, min_size=1, max_size=2),
        "author": table({}, {"name": words, "address": words}).filter(bool),
        "forwarders": st.lists(forwarder, min_size=1, max_size=3),
        "pending_forwarders": st.lists(forwarder, min_size=1, max_size=2),
        "assets": st.lists(
            table(
                {
                    "name": st.from_regex(r"\A[a-z0-9](?:[a-z0-9_-]{0,20}[a-z0-9])?\.(jpg|png|gif|webp)\Z"),
                    "content_type": words,
                    "sha256": words,
                },
                {},
            ),
            min_size=1,
            max_size=2,
        ),
        "skipped_attachments": st.lists(
            table({"reason": words}, {"filename": words, "content_type": words, "size": words}),
            min_size=1,
            max_size=2,
        ),
        "redactions": st.lists(
            table(
                {"kind": words, "field": words, "placeholder": words, "original": words},
                {"restored": st.just(True), "occurrence": st.integers(0, 99)},
            ),
            min_size=1,
            max_size=2,
        ),
    },
).flatmap(lambda d: unknown(KNOWN_TOP).map(lambda extra: extra | d))


@settings(max_examples=150, deadline=None)
@given(meta=front_matter, body=st.text(max_size=40).map(str.strip))
def test_any_valid_draft_file_keeps_every_key_and_value(meta: dict[str, Any], body: str) -> None:
    text = f"+++\n{tomli_w.dumps(meta)}+++\n\n{body}\n"
    draft = loads(text)
    written = dumps(draft)
    assert tomllib.loads(written.split("\n+++\n")[0][4:]) == meta
    assert loads(written) == draft
    assert loads(written).body == body


def test_a_reviewers_own_keys_survive_approve_and_the_index(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    path = store.write(sample("a"))
    text = path.read_text()
    text = text.replace('title = "', 'tags = ["grazie", "roma"]\ntitle = "', 1)
    text = text.replace("[author]\n", '[author]\ncity = "Roma"\n', 1)
    path.write_text(text)
    assert [d.unknown for d in store.all()] == [{"tags": ["grazie", "roma"], "author": {"city": "Roma"}}]
    store.transition(["a"], "approve")
    again = tomllib.loads(path.read_text().split("\n+++\n")[0][4:])
    assert again["tags"] == ["grazie", "roma"] and again["author"]["city"] == "Roma"
    assert again["status"] == "approved"


# -- one bad file never stops the rest (issue 9, point 6; issue 10, point 9) ---------------------


def test_a_broken_draft_is_skipped_with_its_file_and_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = DraftStore(tmp_path)
    store.write(sample("a"))
    path = store.write(sample("b"))
    lines = path.read_text().split("\n")
    assert lines[2] == 'status = "draft"'  # line 3 of the file
    lines[2] = "status = draft"  # a reviewer forgot the quotes
    path.write_text("\n".join(lines))
    with caplog.at_level("WARNING", logger="mailbot.drafts.store"):
        assert [d.id for d in store.all()] == ["a"]
    assert str(path) in caplog.text and "at line 3" in caplog.text
    drafts, broken = store.scan()
    assert [d.id for d in drafts] == ["a"] and [(b.id, b.path, b.line) for b in broken] == [("b", path, 3)]
    # A wrong value (not a TOML error) is located too, at every listing.
    path.write_text(dumps(sample("b")).replace('status = "draft"', 'status = "mabye"'))
    for _ in range(2):
        (b,) = store.scan()[1]
        assert b.line == 3 and "status must be one of" in b.error
    with pytest.raises(StoreError, match=r"b\.md, line 3: status"):
        store.read("b")


def test_a_foreign_markdown_file_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = DraftStore(tmp_path)
    store.write(sample("a"))
    (tmp_path / "README.md").write_text("# Drafts\n\nThis folder holds the drafts.\n")
    with caplog.at_level("WARNING", logger="mailbot.drafts.store"):
        drafts, broken = store.scan()
    assert [d.id for d in drafts] == ["a"] and broken == []
    assert "README.md" in caplog.text and "not a mailbot draft" in caplog.text


def test_ids_may_be_given_by_an_unambiguous_prefix(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    for name in ("20070122-grazie", "20070122-grazie-2", "20070123-reclamo"):
        store.write(sample(name))
    assert store.resolve("20070123") == "20070123-reclamo"
    assert store.find("20070123").id == "20070123-reclamo"
    with pytest.raises(UsageError, match="no draft '20070123'"):
        store.read("20070123")  # mailbot's own reads take exact ids only
    assert store.resolve("20070122-grazie") == "20070122-grazie"  # an exact id is never ambiguous
    with pytest.raises(UsageError, match="could be any of 20070122-grazie, 20070122-grazie-2"):
        store.resolve("20070122")
    with pytest.raises(UsageError, match="no draft '2008'"):
        store.resolve("2008")


def test_an_error_at_the_end_of_the_front_matter_names_its_last_line() -> None:
    text = '+++\nid = "a"\ntags = ["grazie",\n+++\n\nCiao.\n'
    with pytest.raises(StoreError, match="at line 3") as info:
        loads(text, "a.md")
    assert getattr(info.value, "line", None) == 3
