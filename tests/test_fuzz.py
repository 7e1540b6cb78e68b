"""Fuzzing: any bytes given to the pipeline end as a draft or a quarantine with a reason.

Messages are generated with structure (headers, MIME trees, forwards) and then broken: wrong or
missing boundaries, unknown charsets, bad transfer encodings, truncated base64, nested
``message/rfc822``, binary junk, NULs and lone surrogates in encoded words. The grammar is made of
Hypothesis strategies only, so a failure shrinks to a small message. Each example is a batch of
messages handed to :meth:`Pipeline.run`, the path production takes (the writer thread, the group
committed in one ledger transaction). The CI run uses ``MAILBOT_FUZZ_EXAMPLES`` messages (default
5000), derandomized when ``CI=true``; set ``MAILBOT_FUZZ_EXAMPLES=100000`` for a long run.
"""

from __future__ import annotations

import base64
import itertools
import os
import quopri
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.config import load_config
from mailbot.drafts import store as draftfile
from mailbot.ingest.ledger import DRAFTED, DUPLICATE, FAILED, Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import Draft, Forwarder, Person, RawMessage, Redaction, Status
from mailbot.safety.redact import scrub

EXAMPLES = int(os.environ.get("MAILBOT_FUZZ_EXAMPLES", "5000"))
CI = os.environ.get("CI", "").lower() == "true"
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=CI,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# -- the grammar -----------------------------------------------------------------------------------
# Drawn cheaply (every draw costs; st.text costs one per character): text comes from byte strings,
# one draw each, read as Latin-1 (control characters) or as code points of the whole Unicode range
# (lone surrogates included); headers, parts and lines are picked from short lists.

NAMES = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "Content-Type", "Content-Transfer-Encoding",
         "MIME-Version", "Content-Disposition", "Content-ID", "Authentication-Results", "Received",
         "Reply-To", "Sender", "X-Junk", "Resent-From", "Content-Type ", "from"]  # fmt: skip
CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "utf-16", "utf-7", "x-unknown", "", "utf-8\x00", "ascii",
            "iso-2022-jp", "gb2312", "koi8-r", '"utf-8', "latin-1'"]  # fmt: skip
ENCODINGS = ["base64", "quoted-printable", "7bit", "8bit", "binary", "x-uuencode", "bogus", "", "BASE64 "]
TYPES = ["text/plain", "text/html", "image/png", "image/jpeg", "image/gif", "application/pdf",
         "application/octet-stream", "message/rfc822", "multipart/mixed", "multipart/alternative",
         "multipart/related", "multipart/digest", "text/x-weird", "", "text",
         "message/delivery-status"]  # fmt: skip
FORWARD_LINES = [
    "---------- Messaggio inoltrato ---------", "---------- Forwarded message ---------",
    "-----Original Message-----", "Da: Cliente <cliente@example.it>", "From: X <x@y.example>",
    "Date: lun 22 gen 2007 alle ore 18:03", "Subject: Lettera", "Inviato: lunedì 22 gennaio 2007 18:03",
    "> quoted line", ">> deeper", "Il giorno 22/01/2007 Mario ha scritto:", "On Mon, Jan 22, 2007 X wrote:",
    "Saluti.", "tel +39 333 123 4567 mail a@b.example IBAN IT60X0542811101000000123456",
    "<script>alert(1)</script>", "\x00\x01\x7f", "\ud800 lone", "a" * 3000, "1 " * 500,
]  # fmt: skip
SENDERS = ["Anna Bianchi <anna.bianchi@napoli.example.org>", "x@evil.example"]
DATES = ["Tue, 23 Jan 2007 09:12:00 +0100", "garbage", ""]
BOUNDARIES = ["b1", "b2", "", "x" * 80, "b1 ", "=_weird==", "--"]
FILENAMES = ["../../x.png", "a\0b.jpg", "x" * 300]
HEADER_SAMPLES = [
    "Anna <anna@napoli.example.org>", "anna@napoli.example.org", "<>", "\"unterminated <a@b",
    "Tue, 23 Jan 2007 09:12:00 +0100", "Mon, 99 Foo 99999 99:99:99 +9999", "text/plain; charset=",
    'multipart/mixed; boundary="', "multipart/mixed; boundary=b; boundary=c", "base64", "",
    "mx.example.org; dkim=pass", "=?utf-8?b?!!!?=", "=?utf-8?q?=ZZ?=", "a\tb", " folded\n continued",
]  # fmt: skip


T = TypeVar("T")


def weighted(*choices: tuple[int, st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """Draws from each strategy ``weight`` times as often as from one of weight 1; shrinks to the first.

    (st.one_of does not keep to weights given by listing a branch more than once.)
    """
    flat = [strategy for weight, strategy in choices for _ in range(weight)]
    index = st.sampled_from(range(len(flat)))

    @st.composite
    def pick(draw: st.DrawFn) -> T:
        return draw(flat[draw(index)])

    return pick()


def _code_points(data: bytes) -> str:
    """Every three bytes one character, anywhere in U+0000..U+10FFFF (zero bytes shrink to NULs)."""
    return "".join(
        chr(int.from_bytes(data[i : i + 3], "little") % 0x110000) for i in range(0, len(data) - 2, 3)
    )


def _latin1(data: bytes) -> str:
    return data.decode("latin-1")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


text_st = weighted(
    (2, st.sampled_from(FORWARD_LINES)),
    (1, st.binary(max_size=60).map(_latin1)),
    (2, st.binary(max_size=150).map(_code_points)),
)
body_text_st = st.lists(text_st, max_size=10).map("\n".join)
junk_st = st.binary(max_size=400)


def encoded_word(text: str, charset: str, enc: str) -> str:
    data = _utf8(text)
    payload = base64.b64encode(data).decode() if enc == "b" else quopri.encodestring(data).decode()
    return f"=?{charset}?{enc}?{payload}?="


header_value_st = st.one_of(
    st.sampled_from(HEADER_SAMPLES),
    text_st,
    st.builds(encoded_word, text_st, st.sampled_from(CHARSETS), st.sampled_from(["b", "q", "x"])),
)
headers_st = st.lists(st.tuples(st.sampled_from(NAMES), header_value_st), max_size=4)


def encode_body(data: bytes, cte: str, truncate: bool) -> bytes:
    name = cte.strip().lower()
    if name == "base64":
        out = base64.encodebytes(data)
        return out[: len(out) // 2] if truncate else out
    if name == "quoted-printable":
        out = quopri.encodestring(data)
        return out + b"=" if truncate else out
    return data


def _head(headers: list[tuple[str, str]]) -> str:
    return "".join(f"{n}: {v}\n" for n, v in headers)


# Strategies are made once (building one per draw costs more than drawing from it).


SENDER_ST = weighted((6, st.sampled_from(SENDERS[:1])), (1, st.sampled_from(SENDERS)), (1, header_value_st))
MESSAGE_ID_ST = weighted(
    (3, st.binary(min_size=6, max_size=6).map(lambda b: f"<{b.hex()}@x.example>")),
    (1, st.builds("<m{}@x.example>".format, st.integers(0, 50))),  # the same one now and then
    (1, st.sampled_from(["", "<<>>"])),
)
MISSING_ST = st.sampled_from([None, "Subject", "Date", "Message-ID", "Content-Type"])
CUT_ST = weighted((6, st.none()), (1, st.integers(0, 4000)))
CLOSINGS_ST = st.sampled_from(["--{}--\n", "", "--{}\n", "--\n"])
LEAF_ST = st.one_of(body_text_st.map(_utf8), junk_st)
FILENAME_ST = st.one_of(st.none(), st.sampled_from(FILENAMES), text_st)
MAX_DEPTH = 3


@st.composite
def mime_part(draw: st.DrawFn, depth: int = 0) -> bytes:
    ctype = draw(st.sampled_from(TYPES))
    extra = _head(draw(headers_st)[:2])
    body: bytes
    if ctype.startswith("multipart/") and depth < MAX_DEPTH:
        boundary = draw(st.sampled_from(BOUNDARIES))
        used = boundary if draw(st.booleans()) else draw(st.sampled_from(["b1", "b2", "other"]))
        children = draw(CHILDREN[depth + 1])
        closing = draw(CLOSINGS_ST).format(used)
        body = b"".join(f"--{used}\n".encode() + c + b"\n" for c in children) + closing.encode()
        head = f'Content-Type: {ctype}; boundary="{boundary}"\n'
    elif ctype == "message/rfc822" and depth < MAX_DEPTH:
        body = draw(MESSAGES[depth + 1])
        head = f"Content-Type: {ctype}\n"
    else:
        cte = draw(st.sampled_from(ENCODINGS))
        body = encode_body(draw(LEAF_ST), cte, draw(st.booleans()))
        charset = draw(st.sampled_from(CHARSETS))
        head = f"Content-Type: {ctype}; charset={charset}\nContent-Transfer-Encoding: {cte}\n"
        filename = draw(FILENAME_ST)
        if filename is not None:
            head += f'Content-Disposition: attachment; filename="{filename}"\n'
    return _utf8(head + extra) + b"\n" + body


@st.composite
def message_bytes(draw: st.DrawFn, depth: int = 0) -> bytes:
    headers = [
        ("From", draw(SENDER_ST)),
        ("Subject", draw(header_value_st)),
        ("Date", draw(st.sampled_from(DATES))),
        ("Message-ID", draw(MESSAGE_ID_ST)),
        *draw(headers_st),
    ]
    if draw(st.booleans()):
        headers = draw(st.permutations(headers))
    missing = draw(MISSING_ST)
    head = _head([h for h in headers if h[0] != missing])
    body = draw(PARTS[depth]) if draw(st.booleans()) else b"\n" + _utf8(draw(body_text_st))
    data = _utf8(head) + body
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    cut = draw(CUT_ST)
    return data[:cut] if cut is not None else data


PARTS = [mime_part(depth) for depth in range(MAX_DEPTH + 1)]
CHILDREN = [st.lists(part, max_size=3) for part in PARTS]
MESSAGES = [message_bytes(depth) for depth in range(MAX_DEPTH + 1)]

# Mostly structured messages; some pure junk, some junk under one header line.
any_message = weighted(
    (8, MESSAGES[0]),
    (1, junk_st),
    (1, st.binary(max_size=2000).map(lambda b: b"From: a@b\n\n" + b)),
)
BATCH_ST = st.lists(any_message, min_size=1, max_size=8)


@st.composite
def batches(draw: st.DrawFn) -> list[bytes]:
    """What one poll finds: a few messages, sometimes the same bytes twice in one group."""
    batch = draw(BATCH_ST)
    if draw(st.booleans()):
        batch.append(batch[draw(st.integers(0, len(batch) - 1))])
    return batch


# -- harness ----------------------------------------------------------------------------------------


class BatchSource:
    """One poll's messages, handed to :meth:`Pipeline.run`; each must be done or quarantined once."""

    name = "fuzz"
    read_only = False
    skipped: tuple[tuple[str, str], ...] = ()

    def __init__(self, batch: list[RawMessage]) -> None:
        self.batch = batch
        self.outcomes: dict[str, str] = {}

    def messages(self) -> Iterator[RawMessage]:
        return iter(self.batch)

    def done(self, message: RawMessage) -> None:
        assert message.key not in self.outcomes
        self.outcomes[message.key] = "done"

    def quarantine(self, message: RawMessage, reason: str) -> None:
        assert message.key not in self.outcomes
        assert reason.strip()
        self.outcomes[message.key] = "quarantine"

    def wait_for_new(self, timeout: float) -> bool:
        return False

    def close(self) -> None:
        pass


Fresh = Callable[[], AbstractContextManager[Pipeline]]


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Fresh:
    """A pipeline on a new, empty state folder each time: an example must not meet the ones before it,
    or a failing example could pass when Hypothesis replays it (a twin already in the ledger)."""
    # Durability is tested elsewhere; here the disk should not be the bottleneck: no fsync, and
    # the examples' state folders in memory (tmpfs) where there is one, since SQLite syncs itself.
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    shm = Path("/dev/shm")
    states = Path(tempfile.mkdtemp(prefix="mailbot-fuzz-", dir=shm)) if shm.is_dir() else tmp_path
    request.addfinalizer(lambda: shutil.rmtree(states, ignore_errors=True))
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org"]\n'
        "[service]\nmax_attachments = 6\nmax_attachment_bytes = 4096\n"
        '[redaction.patterns]\ncontract = "CTR-\\\\d+"\n'
    )
    config = load_config(tmp_path / "mailbot.toml")
    numbered = itertools.count()

    @contextmanager
    def make() -> Iterator[Pipeline]:
        root = states / f"run-{next(numbered)}"
        paths = replace(config.paths, drafts=root / "drafts", state=root / "state", site=root / "site")
        own = replace(config, paths=paths)
        try:
            with Ledger(own.ledger_path) as ledger:
                yield Pipeline(own, ledger, clock=lambda: datetime(2007, 1, 23, tzinfo=UTC))
        finally:
            shutil.rmtree(root, ignore_errors=True)

    return make


# The examples are batches of 4.3 messages on average: this many is about EXAMPLES messages.
BATCHES = max(1, round(EXAMPLES / 4.3))


def test_any_message_ends_as_a_draft_or_a_quarantine_with_a_reason(fresh: Fresh) -> None:
    counts: Counter[str] = Counter()
    start = time.perf_counter()
    spent = [0.0]
    runs: list[int] = []

    @settings(FUZZ, max_examples=BATCHES)
    @given(batches())
    def one(datas: list[bytes]) -> None:
        batch = [RawMessage("fuzz", str(n), data) for n, data in enumerate(datas)]
        source = BatchSource(batch)
        with fresh() as pipeline:
            t0 = time.perf_counter()
            report = pipeline.run(source)
            spent[0] += time.perf_counter() - t0
            runs.append(len(batch))
            # Every message ends exactly once, in the source and in the ledger, as the report says.
            assert sorted(source.outcomes, key=int) == [m.key for m in batch]
            assert report.seen == len(batch)
            assert {key for key, reason in report.failed if reason.strip()} == {
                key for key, outcome in source.outcomes.items() if outcome == "quarantine"
            }
            for message in batch:
                row = pipeline.ledger.by_key("fuzz", message.key)
                assert row is not None and row.outcome in (DRAFTED, DUPLICATE, FAILED)
                assert (row.outcome == FAILED) == (source.outcomes[message.key] == "quarantine")
                if row.outcome == DRAFTED:
                    assert row.draft_id in report.drafted
                    assert pipeline.store.read(row.draft_id).id == row.draft_id  # written and readable
                counts[row.outcome] += 1

    one()
    elapsed = time.perf_counter() - start
    print(
        f"\nfuzz: {sum(counts.values())} messages in {len(runs)} batches in {elapsed:.1f}s "
        f"({spent[0]:.1f}s in the pipeline): {dict(counts)}"
    )
    assert len(runs) >= min(BATCHES, 300)  # Hypothesis ran the batches asked for, not a handful
    assert sum(counts.values()) > len(runs)  # and batches of more than one message among them
    assert counts[DRAFTED] > 0 and counts[FAILED] > 0 and counts[DUPLICATE] > 0


# -- the draft file round-trips any text --------------------------------------------------------------

any_text = st.text(max_size=200) | st.text(st.characters(min_codepoint=0, max_codepoint=0x3000), max_size=200)


@settings(max_examples=min(EXAMPLES // 5, 2000), deadline=None, derandomize=CI, database=None)
@given(title=any_text, body=any_text, intro=any_text, name=any_text, note=any_text, raw=any_text)
def test_any_text_survives_the_draft_file(
    title: str, body: str, intro: str, name: str, note: str, raw: str
) -> None:
    title, body, intro, name, note, raw = map(scrub, (title, body, intro, name, note, raw))
    draft = Draft(
        id="20070122-x",
        status=Status.DRAFT,
        title=title,
        author=Person(name, "a@b.example"),
        forwarders=(Forwarder(name, None, None, note),),
        body=body,
        intro=intro or None,
        letter_date_raw=raw or None,
        author_display=name, forwarded_by=(name,) if name else (),
        redactions=(Redaction("phone", "body", "[phone]", raw),),
    )  # fmt: skip
    text = draftfile.dumps(draft)
    text.encode("utf-8")
    back = draftfile.loads(text)
    assert back.title == title
    assert back.body == body.rstrip().strip("\n")
    assert back.intro == (intro or None)
    assert (back.author.name or None) == (name or None)
    assert (back.forwarders[0].note or None) == (note or None)
    assert back.redactions[0].original == raw
