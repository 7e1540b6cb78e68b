"""Redaction: each detector, its false-positive guards, speed on hostile input, and the pipeline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from mailfactory import maildir

from mailbot.cli import cli
from mailbot.config import Config, load_config
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.safety import redact
from mailbot.site.publishing import Publisher
from mailbot.sources.local import MaildirInbox


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.original) for f in redact.find(text)]


@pytest.mark.parametrize(
    "value",
    ["mario.rossi@example.it", "a+b@sub.domain.example.com", "X_Y-z%1@EXAMPLE.ORG", "t@ex-ample.co"],
)
def test_email(value: str) -> None:
    assert kinds(f"scrivete a {value}, grazie") == [("email", value)]


@pytest.mark.parametrize(
    "value",
    [
        "+39 333 123 4567", "+39 06 1234 5678", "+39 (0)6", "0039 333 1234567", "0039.06.12345678",
        "333 1234567", "333.123.4567", "333-123-4567", "3331234567", "06 1234567", "06-12345678",
        "06.1234.5678", "02 12345678", "0571 123456", "+44 20 7946 0958", "+1 202-555-0143",
        "+33 1 23 45 67 89", "0044 20 7946 0958",
    ],
)  # fmt: skip
def test_phone(value: str) -> None:
    found = kinds(f"chiamate il {value} dopo le 18")
    if value == "+39 (0)6":
        assert found == []  # too short to be a number
        return
    assert found == [("phone", value)]


def test_phone_followed_by_other_numbers() -> None:
    assert kinds("al 333 1234567 2 volte") == [("phone", "333 1234567")]


@pytest.mark.parametrize(
    "value",
    ["IT60 X054 2811 1010 0000 0123 456", "IT60X0542811101000000123456", "DE89 3704 0044 0532 0130 00",
     "GB82-WEST-1234-5698-7654-32", "it60x0542811101000000123456"],
)  # fmt: skip
def test_iban(value: str) -> None:
    assert kinds(f"IBAN {value} grazie") == [("iban", value)]


def test_iban_with_a_wrong_check_is_left() -> None:
    assert kinds("IBAN IT61 X054 2811 1010 0000 0123 456") == []


@pytest.mark.parametrize("value", ["RSSMRA85T10A562S", "rssmra85t10a562s", "RSSMRA85T10A56NH"])
def test_tax_code(value: str) -> None:
    assert kinds(f"CF: {value}.") == [("tax_code", value)]


def test_tax_code_with_a_wrong_check_character_is_hidden_too() -> None:
    # A typo in the check letter still identifies a person: anything shaped like one goes.
    assert kinds("CF: RSSMRA85T10A562T.") == [("tax_code", "RSSMRA85T10A562T")]


@pytest.mark.parametrize(
    "value",
    ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004",
     "3782 822463 10005", "4222222222222"],
)  # fmt: skip
def test_card(value: str) -> None:
    assert kinds(f"carta {value} scad. 12/29") == [("card", value)]


def test_card_failing_luhn_is_left() -> None:
    assert kinds("carta 4111 1111 1111 1112") == []


@pytest.mark.parametrize(
    "text",
    [
        "il totale è € 1.234,56", "€ 333.333.333,00", "1.234.567,89 EUR", "EUR 3331234567",
        "il 22/01/2007 alle 18:03", "22.01.2007", "01-02-2007", "2007-01-22", "03.01.2007 ore 18.03",
        "nel 1990, nel 2007 e nel 2024", "1990 2007 2008 2009", "ordine n. 12345678", "pratica 1234567",
        "CAP 00184 Roma", "alle 18:03:22", "12/29", "v1.2.3.4", "ISBN 978-88-04-12345-6",
        "Lettera numero 12", "dal 2007 al 2010: 3 anni", "10.000 clienti", "pagina 333",
        "[email] e [telefono]", "il prezzo era 39,90 euro",
    ],
)  # fmt: skip
def test_no_false_positive_on_dates_times_prices_years_and_totals(text: str) -> None:
    assert kinds(text) == []


def test_configured_patterns_and_placeholders_by_language() -> None:
    patterns = (("contract", re.compile(r"\bCTR-\d{6}\b", re.IGNORECASE)),)
    text, pairs = redact.redact("contratto ctr-123456, tel 333 1234567", patterns, "it")
    assert text == "contratto [contract], tel [telefono]"
    assert [(f.kind, m) for f, m in pairs] == [("contract", "[contract]"), ("phone", "[telefono]")]
    assert redact.redact("tel 333 1234567", (), "en")[0] == "tel [phone]"
    assert redact.redact("tel 333 1234567", (), "xx")[0] == "tel [phone]"


def test_mask_keeps_only_a_reminder() -> None:
    assert redact.mask("phone", "+39 333 123 4567") == "+39 ••• ••• 4567"
    assert redact.mask("email", "tommaso.rossi@example.it") == "t•••@•••.it"
    assert redact.mask("card", "4111 1111 1111 1111") == "••• ••• ••• 1111"
    assert "562" not in redact.mask("tax_code", "RSSMRA85T10A562S")[:-4]


def test_restore_puts_back_the_right_occurrence() -> None:
    assert redact.restore("a [x] b [x] c", "[x]", 1, "TWO") == "a [x] b TWO c"
    assert redact.restore("a [x]", "[x]", 1, "nope") is None


def test_scrub_makes_any_text_storable() -> None:
    assert redact.scrub("a\0b\x1bc\ud800d\r\ne\tf\x7f") == "abc\ufffdd\ne\tf"


# -- through the pipeline --------------------------------------------------------------------------

PLANTED = {
    "email": "tommaso.rossi.privato@libero.example.it",
    "phone": "+39 347 765 4321",
    "phone2": "06 9876 5432",
    "iban": "IT60 X054 2811 1010 0000 0123 456",
    "tax_code": "RSSMRA85T10A562S",
    "card": "4111 1111 1111 1111",
    "contract": "CTR-778899",
    "label_phone": "06 5555 1234",
}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org"]\n[site]\nlanguage = "it"\n'
        '[attribution]\nauthor_style = "full_name"\n'
        '[attribution.labels]\n"anna.bianchi@napoli.example.org" = "Anna (tel. 06 5555 1234)"\n'
        '[redaction.patterns]\ncontract = "CTR-\\\\d{6}"\n'
    )
    return load_config(tmp_path / "mailbot.toml")


def pii_message() -> bytes:
    p = PLANTED
    return (
        f"From: Anna {p['phone2']} <anna.bianchi@napoli.example.org>\nTo: blog@example.org\n"
        f"Subject: I: Rimborso per {p['email']}\nDate: Tue, 23 Jan 2007 09:12:00 +0100\n"
        "Message-ID: <pii-1@napoli.example.org>\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
        f"Vi giro la lettera; il cliente chiede di richiamarlo al {p['phone']} o al {p['phone2']}.\n\n"
        "---------- Messaggio inoltrato ---------\n"
        f"Da: Tommaso {p['tax_code']} <tommaso.rossi@example.it>\n"
        "Date: lun 22 gen 2007 alle ore 18:03\n"
        f"Subject: Rimborso per {p['email']}\n"
        "To: <servizio@example.org>\n\n"
        f"Buongiorno, il 22/01/2007 alle 18:03 ho pagato € 1.234,56 (ordine 12345678).\n"
        f"Il mio IBAN è {p['iban']}, codice fiscale {p['tax_code']}, carta {p['card']}.\n"
        f"Contratto {p['contract']}. Scrivetemi a {p['email']} o chiamate il {p['phone']}.\n\n"
        "Saluti.\n\nTommaso\n"
    ).encode()


def digits(value: str) -> str:
    return re.sub(r"\W", "", value).lower()


def test_planted_private_data_never_reaches_the_public_fields_or_the_site(config: Config) -> None:
    maildir(config.local.maildir, [pii_message()])
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        report = pipeline.run(MaildirInbox(config.local.maildir))
        assert len(report.drafted) == 1, report.failed
        store = DraftStore(config.paths.drafts)
        draft = store.read(report.drafted[0])
        public = [draft.title, draft.body, draft.intro or "", draft.author_display or "", draft.id]
        public += draft.forwarded_by
        public_text = "\n".join(public)
        for value in PLANTED.values():
            assert value not in public_text and digits(value) not in digits(public_text), value
        # dates, prices and order numbers stay
        assert "22/01/2007" in draft.body and "18:03" in draft.body and "€ 1.234,56" in draft.body
        assert "12345678" in draft.body
        assert "[telefono]" in draft.body and "[codice fiscale]" in draft.body
        records = draft.redactions
        listed = {r.original for r in records}
        assert set(PLANTED.values()) <= listed
        assert {r.kind for r in records} >= {"email", "phone", "iban", "tax_code", "card", "contract"}
        assert {r.field for r in records} >= {
            "title",
            "body",
            "forwarders[0].note",
            "author_display",
            "forwarded_by[0]",
        }
        store.transition([draft.id], "approve")
        Publisher.of(pipeline.config, clock=pipeline.clock).publish()
    for path in config.paths.site.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            for value in PLANTED.values():
                assert value not in text, (path, value)
            assert "tommaso.rossi@example.it" not in text


def test_show_lists_masked_values_and_restore_puts_one_back(config: Config) -> None:
    maildir(config.local.maildir, [pii_message()])
    with Ledger(config.ledger_path) as ledger:
        report = Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
    draft_id = report.drafted[0]
    runner = CliRunner()
    args = ["--config", str(config.path)]
    shown = runner.invoke(cli, [*args, "drafts", "show", draft_id])
    assert shown.exit_code == 0, shown.output
    assert "+39 ••• ••• 4321" in shown.output
    for value in PLANTED.values():
        assert value not in shown.output.split("hidden private data")[1].split("\nintro:")[0]
    store = DraftStore(config.paths.drafts)
    records = store.read(draft_id).redactions
    number = next(i for i, r in enumerate(records, 1) if r.field == "body" and r.original == PLANTED["phone"])
    before = store.read(draft_id).body
    done = runner.invoke(cli, [*args, "drafts", "restore", draft_id, str(number)])
    assert done.exit_code == 0, done.output
    after = store.read(draft_id)
    assert PLANTED["phone"] in after.body and before.count("[telefono]") == after.body.count("[telefono]") + 1
    assert after.redactions[number - 1].restored is True
    again = runner.invoke(cli, [*args, "drafts", "restore", draft_id, str(number)])
    assert again.exit_code == 2 and "already restored" in again.output
    missing = runner.invoke(cli, [*args, "drafts", "restore", draft_id, "999"])
    assert missing.exit_code == 2
