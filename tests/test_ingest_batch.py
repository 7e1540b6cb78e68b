"""The pipeline asks the ledger once per batch of messages, and twins inside one batch stay twins."""

from __future__ import annotations

import importlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mailfactory import letter, maildir

from mailbot.config import Config, load_config
from mailbot.drafts.store import DraftStore
from mailbot.errors import TransientSourceError
from mailbot.ingest import pipeline as pipeline_module
from mailbot.ingest.ledger import DRAFTED, Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import RawMessage
from mailbot.sources.local import MaildirInbox, import_sources

LOOKUPS = ("find", "find_many", "by_key", "by_message_id", "by_letter", "twins")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "mailbot.toml").write_text('[senders]\nallow = ["*@*.example.org", "*@example.org"]\n')
    return load_config(tmp_path / "mailbot.toml")


def counting(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the calls of each ledger look-up on this ledger."""
    calls: Counter[str] = Counter()
    for name in LOOKUPS:
        original = getattr(ledger, name)

        def wrapper(*args: Any, _name: str = name, _original: Callable[..., Any] = original) -> Any:
            calls[_name] += 1
            return _original(*args)

        monkeypatch.setattr(ledger, name, wrapper)
    return calls


def folder_of(tmp_path: Path, messages: list[bytes], name: str = "eml") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for i, data in enumerate(messages):
        (folder / f"{i:03d}.eml").write_bytes(data)
    return folder


def queries(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every read the ledger makes from now on."""
    sql: list[str] = []
    original = ledger._query

    def spy(statement: str, *args: object) -> Any:
        sql.append(statement)
        return original(statement, *args)

    monkeypatch.setattr(ledger, "_query", spy)
    return sql


def test_seventy_letters_take_three_batched_look_ups_and_few_twin_queries(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folder_of(tmp_path, [letter(i) for i in range(70)])
    with Ledger(config.ledger_path) as ledger:
        calls = counting(ledger, monkeypatch)
        sql = queries(ledger, monkeypatch)
        [source] = import_sources([folder])
        report = Pipeline(config, ledger).run(source)
        assert len(report.drafted) == 70 and not report.failed
        # 70 messages in batches of 32: 32 + 32 + 6, one "seen already?" query each; each
        # new letter is checked for a twin by Message-ID or by the letter's fingerprint.
        assert calls == {"find_many": 3, "twins": 70}
        # The first batch asks SQLite for each letter's twins; from the second on, the run
        # keeps the drafted rows' keys (one query) and asks only about a match: none here.
        assert sum("UNION ALL" in q for q in sql) == 32
        assert sum(q.startswith("SELECT message_id, letter_key") for q in sql) == 1
        assert len(sql) <= 3 + 32 + 1 + 1  # and one for the draft ids already handed out
        calls.clear()
        sql.clear()
        [source] = import_sources([folder])
        again = Pipeline(config, ledger).run(source)
        assert (len(again.drafted), again.duplicates) == (0, 70)
        assert calls == {"find_many": 3}  # every one known from its batch's answer alone
        assert ledger.counts() == {DRAFTED: 70}
    assert len(DraftStore(config.paths.drafts).all()) == 70


def test_a_long_run_still_finds_twins_of_drafts_it_made_and_of_older_ones(
    config: Config, tmp_path: Path
) -> None:
    # In the second batch (where the run keeps the drafted rows' keys in memory): letter 35,
    # then a message with its Message-ID, the letter of 36 forwarded by Marco after 36 itself,
    # and letter 99 (drafted by an earlier run) forwarded by Marco; all with other bytes.
    with Ledger(config.ledger_path) as ledger:
        [old] = import_sources([folder_of(tmp_path, [letter(99)], "old")])
        Pipeline(config, ledger).run(old)

    def marco(n: int) -> bytes:
        return letter(n, sender="marco.verdi@milano.example.org").replace(b"Anna Bianchi", b"Marco Verdi")

    messages = [letter(i) for i in range(35)] + [
        letter(35, message_id="<trentacinque@napoli.example.org>"),
        letter(36),
        letter(60, message_id="<trentacinque@napoli.example.org>"),
        marco(36),
        marco(99),
    ]
    with Ledger(config.ledger_path) as ledger:
        [source] = import_sources([folder_of(tmp_path, messages)])
        report = Pipeline(config, ledger).run(source)
    assert (len(report.drafted), report.duplicates, report.credited) == (37, 1, 2)
    assert len(DraftStore(config.paths.drafts).all()) == 38


def test_twins_inside_one_batch_are_recognised(config: Config, tmp_path: Path) -> None:
    original = letter(5, message_id="<cinque@napoli.example.org>")
    from_marco = (
        letter(5, sender="marco.verdi@milano.example.org")
        .replace(b"Anna Bianchi", b"Marco Verdi")
        .replace(b"Vi giro la lettera numero 5.", b"Anche a Milano e' arrivata questa.")
    )
    same_message_id = letter(6, message_id="<cinque@napoli.example.org>")
    messages = [original, original, from_marco, same_message_id, letter(7)]
    folder = folder_of(tmp_path, messages)
    with Ledger(config.ledger_path) as ledger:
        [source] = import_sources([folder])
        report = Pipeline(config, ledger).run(source)
    # 000 drafted; 001 the same bytes; 002 the same letter from Marco (credited); 003 the same
    # Message-ID; 004 a letter of its own.
    assert (len(report.drafted), report.duplicates, report.credited) == (2, 2, 1)
    drafts = DraftStore(config.paths.drafts).all()
    assert sorted(d.title for d in drafts) == ["Lettera numero 5", "Lettera numero 7"]
    [five] = [d for d in drafts if d.title == "Lettera numero 5"]
    assert [f.address for f in five.forwarders] == [
        "anna.bianchi@napoli.example.org",
        "marco.verdi@milano.example.org",
    ]


def test_a_file_named_twice_in_one_batch_is_drafted_once(config: Config, tmp_path: Path) -> None:
    eml = tmp_path / "a.eml"
    eml.write_bytes(letter(3))
    with Ledger(config.ledger_path) as ledger:
        [source] = import_sources([eml, eml])
        report = Pipeline(config, ledger).run(source)
        assert (len(report.drafted), report.duplicates) == (1, 1)
        assert ledger.counts() == {DRAFTED: 1}


class FailingSource:
    """Yields its messages, then loses the connection."""

    name = "failing"
    read_only = False
    skipped: tuple[tuple[str, str], ...] = ()

    def __init__(self, messages: list[bytes], fail: bool) -> None:
        self.data = messages
        self.fail = fail
        self.moved: list[str] = []

    def messages(self) -> Iterator[RawMessage]:
        for i, data in enumerate(self.data):
            yield RawMessage(self.name, str(i), data)
        if self.fail:
            raise TransientSourceError("the connection dropped")

    def done(self, message: RawMessage) -> None:
        self.moved.append(message.key)

    def quarantine(self, message: RawMessage, reason: str) -> None:
        raise AssertionError(reason)

    def wait_for_new(self, timeout: float) -> bool:
        return False

    def close(self) -> None:
        pass


def test_a_source_failing_mid_batch_then_a_rerun_gives_each_letter_once(config: Config) -> None:
    messages = [letter(i) for i in range(3)]
    with Ledger(config.ledger_path) as ledger:
        failing = FailingSource(messages, fail=True)
        with pytest.raises(TransientSourceError):
            Pipeline(config, ledger).run(failing)
        # The three were handled before the error came out; their group was never recorded,
        # so none was moved and the next run resumes them under the same ids.
        assert failing.moved == [] and ledger.counts() == {}
        assert len(DraftStore(config.paths.drafts).ids()) == 3
        again = FailingSource(messages, fail=False)
        report = Pipeline(config, ledger).run(again)
        assert len(report.drafted) == 3 and again.moved == ["0", "1", "2"]
        assert ledger.counts() == {DRAFTED: 3}
    assert len(DraftStore(config.paths.drafts).all()) == 3


def test_a_stop_ends_the_pass_after_the_message_in_hand_even_mid_batch(config: Config) -> None:
    box = maildir(config.local.maildir, [letter(i) for i in range(5)])
    stop = threading.Event()
    with Ledger(config.ledger_path) as ledger:
        report = Pipeline(config, ledger).run(MaildirInbox(box), lambda m, o: stop.set(), stop=stop)
    assert len(report.drafted) == 1
    assert len(list((box / "cur").iterdir())) == 1 and len(list((box / "new").iterdir())) == 4


def test_a_batch_is_cut_short_by_its_size_in_bytes(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    # Five messages of about 560 bytes with a limit of 1,000: a batch closes at its second
    # message (about 1,120 bytes), so the batches hold 2, 2 and 1: three look-ups.
    monkeypatch.setattr(pipeline_module, "LOOKUP_BYTES", 1000)
    assert all(500 < len(letter(i)) < 1000 for i in range(5))
    maildir(config.local.maildir, [letter(i) for i in range(5)])
    with Ledger(config.ledger_path) as ledger:
        calls = counting(ledger, monkeypatch)
        report = Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
    assert len(report.drafted) == 5
    assert calls["find_many"] == 3


def test_the_comment_hook_is_looked_for_once_not_per_message(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A module that is not installed is searched for again on every import attempt.
    from mailbot.ingest import route

    asked: list[str] = []
    real = importlib.import_module

    def spy(name: str, package: str | None = None) -> Any:
        asked.append(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", spy)
    route._comment_hook.cache_clear()
    try:
        kinds = {route.classify(None, letter(i), config).kind for i in range(3)}
    finally:
        route._comment_hook.cache_clear()
    assert kinds == {route.LETTER}
    assert asked == ["mailbot.comments.route"]
