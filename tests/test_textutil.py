"""One rule for storable text (textutil.clean_text): controls, surrogates and bidi overrides."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from mailfactory import maildir

from mailbot.config import load_config
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.safety import redact
from mailbot.site.publishing import Publisher
from mailbot.sources.local import MaildirInbox
from mailbot.textutil import clean_text

# Each character the rule removes: C0 (NUL, SOH, ESC, VT, FF), DEL, C1 (CSI, others), the bidi
# embeddings and overrides, the isolates, and two noncharacters.
REMOVED = [
    "\x00", "\x01", "\x1b", "\x0b", "\x0c", "\x7f", "\x80", "\x9b", "\x9f", "\u202a", "\u202b",
    "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ufffe", "\uffff",
]  # fmt: skip


@pytest.mark.parametrize("char", REMOVED, ids=lambda c: f"U+{ord(c):04X}")
def test_each_control_is_removed(char: str) -> None:
    assert clean_text(f"Anna{char} Rossi") == "Anna Rossi"
    assert clean_text(f"Anna{char} Rossi", multiline=False) == "Anna Rossi"


@pytest.mark.parametrize("brk", ["\r\n", "\r", "\x85", "\u2028", "\u2029"], ids=repr)
def test_line_breaks_become_newlines_or_one_space(brk: str) -> None:
    assert clean_text(f"riga uno{brk}riga due") == "riga uno\nriga due"
    assert clean_text(f"Anna{brk}Rossi", multiline=False) == "Anna Rossi"


def test_newlines_and_tabs_stay_in_a_letter_not_in_a_name() -> None:
    assert clean_text("Cari signori,\n\tgrazie.\n\nTommaso") == "Cari signori,\n\tgrazie.\n\nTommaso"
    assert clean_text(" Anna\t\n Rossi \n", multiline=False) == "Anna Rossi"


def test_lone_surrogates_become_the_replacement_character() -> None:
    assert clean_text("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert clean_text("\U0001f600 ok") == "\U0001f600 ok"  # a real pair (an emoji) stays


def test_ordinary_text_is_untouched() -> None:
    text = "Perché «così»? — 50 € — naïve — עברית — العربية — 日本語 \u200e\u00a0fine"
    assert clean_text(text) == text


def test_redact_scrub_is_the_same_rule() -> None:
    text = "a\x9bb\u202ec\r\nd"
    assert redact.scrub(text) == clean_text(text) == "abc\nd"


# -- through the pipeline: a subject, a name, a note and a body ----------------------------------


def _message(c: str) -> bytes:
    head = (
        f"From: Anna{c} Bianchi <anna.bianchi@napoli.example.org>\r\n"
        "To: blog@example.org\r\n"
        f"Subject: I: Una lettera{c} gentile\r\n"
        "Date: Tue, 23 Jan 2007 09:12:00 +0100\r\n"
        "Message-ID: <ctl-1@napoli.example.org>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    )
    body = (
        f"Vi giro una lettera{c} molto bella.\n\n"
        "---------- Messaggio inoltrato ---------\n"
        f"Da: Tommaso{c} Rossi <tommaso.rossi@example.it>\n"
        "Date: lun 22 gen 2007 alle ore 18:03\n"
        f"Subject: Una lettera{c} gentile\n"
        "To: <servizio@example.org>\n\n"
        f"Buongiorno,\nvi scrivo{c} per ringraziarvi.\n\nSaluti.\n\nTommaso\n"
    )
    return head.encode("utf-8") + base64.encodebytes(body.encode("utf-8"))


STORED_AND_PUBLISHED = ["\x01", "\x1b", "\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\u2069"]


@pytest.mark.parametrize("char", STORED_AND_PUBLISHED, ids=lambda c: f"U+{ord(c):04X}")
def test_no_control_is_stored_or_published(tmp_path: Path, char: str) -> None:
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org"]\n[site]\nlanguage = "it"\n'
        '[attribution]\nauthor_style = "full_name"\n'
    )
    config = load_config(tmp_path / "mailbot.toml")
    maildir(config.local.maildir, [_message(char)])
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        report = pipeline.run(MaildirInbox(config.local.maildir))
        assert len(report.drafted) == 1, report.failed
        store = DraftStore(config.paths.drafts)
        draft = store.read(report.drafted[0])
        assert draft.title == "Una lettera gentile"
        assert draft.author.name == "Tommaso Rossi"
        assert [f.name for f in draft.forwarders] == ["Anna Bianchi"]
        # NEL (U+0085) is a line break: in a note or a letter it becomes "\n".
        assert " ".join((draft.forwarders[0].note or "").split()) == "Vi giro una lettera molto bella."
        assert "vi scrivo per ringraziarvi." in " ".join(draft.body.split())
        assert char not in store.path(draft.id).read_text(encoding="utf-8")
        store.transition([draft.id], "approve")
        Publisher.of(pipeline.config, clock=pipeline.clock).publish()
    pages = [p for p in config.paths.site.rglob("*") if p.is_file()]
    assert pages
    for page in pages:
        assert char not in page.read_bytes().decode("utf-8"), page
