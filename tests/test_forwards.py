# ruff: noqa: RUF001 - dates and names in many scripts on purpose.
"""Tests of mailbot.forwards: unwrapping forwards into the letter and its forwarders."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import forwardcases
import pytest

from mailbot import forwards
from mailbot.errors import MailbotError
from mailbot.forwards import LANGUAGES, extract, parse_client_date, parse_person, strip_forward_prefixes
from mailbot.forwards.cleanup import is_signature_block
from mailbot.mail.mime import parse_message
from mailbot.models import ParsedMessage, Person

DATA = Path(__file__).parent / "data"
MAILDIR_NEW = Path(__file__).parent.parent / "examples" / "maildir" / "new"
CET = timezone(timedelta(hours=1))


CONTRACT_KEYS = ("forwarded", "letter", "forwarders")


def extraction_of(path: Path) -> dict[str, object]:
    """The contract's part of ``to_json()`` (its extra keys, rule and flags, are tested apart)."""
    found = extract(parse_message(path.read_bytes())).to_json()
    return {key: found[key] for key in CONTRACT_KEYS}


@pytest.mark.parametrize("eml", sorted(DATA.glob("*.eml")), ids=lambda p: p.stem)
def test_corpus(eml: Path) -> None:
    expected = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
    actual = extraction_of(eml)
    assert forwardcases.mismatches(expected, actual) == []
    assert actual == expected


def test_corpus_is_complete() -> None:
    emls = {p.stem for p in DATA.glob("*.eml")}
    assert len(emls) >= 80
    assert emls == {p.stem for p in DATA.glob("*.json")}


def test_the_whole_legacy_corpus_is_right() -> None:
    cases = forwardcases.legacy_cases()
    wrong = {
        eml.stem: forwardcases.mismatches(exp, forwardcases.run_case(eml.read_bytes())) for eml, exp in cases
    }
    assert {stem: found for stem, found in wrong.items() if found} == {}
    assert len(cases) >= 80


def test_mismatches_reports_each_wrong_field() -> None:
    expected = {"letter": {"body": "a"}, "forwarders": [{"note": None}]}
    assert forwardcases.mismatches(expected, expected) == []
    found = forwardcases.mismatches(expected, {"letter": {"body": "b"}, "forwarders": []})
    assert [line.split(":")[0] for line in found] == [
        "forwarders.length",
        "forwarders[0].note",
        "letter.body",
    ]


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("roundcube_pt-BR_forward_html", ("roundcube", "pt-BR", "forward_html")),
        ("k9_sv_forward", ("k9", "sv", "forward")),
        ("thunderbird_en_forward_html_note_below", ("thunderbird", "en", "forward_html_note_below")),
        ("roundcube_it_chain_zimbra-it_thunderbird-it", ("roundcube", "it", "chain3")),
        ("k9_en_chain_roundcube-pl", ("k9", "en", "chain2")),
        ("outlook_web_pt-BR_forward_html", ("outlook_web", "pt-BR", "forward_html")),
        ("outlook_mac_de_forward_wrote_first", ("outlook_mac", "de", "forward_wrote_first")),
    ],
)
def test_cases_are_classified_by_client_language_and_shape(stem: str, expected: tuple[str, str, str]) -> None:
    assert forwardcases.classify(stem) == expected


@pytest.mark.parametrize("sample", sorted(MAILDIR_NEW.iterdir()), ids=lambda p: p.name.split(".")[1])
def test_maildir_examples(sample: Path) -> None:
    expected = json.loads((DATA / "examples" / f"{sample.name}.json").read_text(encoding="utf-8"))
    assert extraction_of(sample) == expected


# Who wrote and who forwarded each sample, stated by hand so that the expected JSON above cannot
# silently drift: (letter author, forwarder addresses outermost first, first note line, subject).
EXAMPLE_FACTS = {
    "M1P101Q1": (
        "Tommaso Rossi",
        ["anna.bianchi@napoli.example.org"],
        "Vi giro questa lettera di un cliente di Roma.",
        "Esternalizzazione del call center",
    ),
    "M2P101Q1": (
        "Margaret Hill",
        ["marco.verdi@milano.example.org"],
        "A lovely one from a customer in Manchester, for the blog.",
        "Thank you, Sofia",
    ),
    "M3P101Q1": (
        "Lucia Ferrari",
        ["giulia.esposito@napoli.example.org"],
        "Questa è arrivata stamattina, mi sembra giusta e ben scritta.",
        "Quaranta minuti di attesa",
    ),
    "M4P101Q1": (
        "James O'Brien",
        ["paolo.conti@torino.example.org"],
        "Sent to our Turin line, in English. I think it deserves a place.",
        "A phone call I won't forget",
    ),
    "M5P101Q1": (
        "Niccolò Bernardi",
        ["francesca.romano@firenze.example.org"],
        "Ciao a tutti,",
        "Bolletta sbagliata, per la terza volta",
    ),
    "M6P101Q1": (
        "Nicolò De Santis",
        ["roberto.galli@bologna.example.org"],
        "Ve la inoltro come allegato, così resta intatta.",
        "Un grazie da Modena e una domanda sul perché",
    ),
    "M7P101Q1": ("Sara Lombardi", [], None, "Il mio ultimo giorno al telefono"),
    "M8P101Q1": (
        "Alberto Gallo",
        ["laura.ricci@example.org", "marco.verdi@milano.example.org"],
        "Another one for the blog, came through Milan.",
        "Il tecnico che ha aspettato sotto la pioggia",
    ),
}


@pytest.mark.parametrize("sample", sorted(MAILDIR_NEW.iterdir()), ids=lambda p: p.name.split(".")[1])
def test_maildir_example_facts(sample: Path) -> None:
    author, forwarders, note_start, subject = EXAMPLE_FACTS[sample.name.split(".")[1]]
    extraction = extract(parse_message(sample.read_bytes()))
    assert extraction.letter.author.name == author
    assert [f.address for f in extraction.forwarders] == forwarders
    assert extraction.forwarded is bool(forwarders)
    assert extraction.letter.subject == subject
    if note_start is None:
        assert extraction.forwarders == ()
    else:
        assert (extraction.forwarders[0].note or "").split("\n")[0] == note_start
    body = extraction.letter.body
    assert body == body.strip() and "\r" not in body and "\n\n\n" not in body
    assert not any(line.startswith(">") for line in body.split("\n"))
    assert "-- " not in body.split("\n")
    assert extraction.letter.date is not None and extraction.letter.date.utcoffset() is not None


def test_founding_example_matches_contract() -> None:
    sample = next(MAILDIR_NEW.glob("1169540000.*"))
    result = extraction_of(sample)
    letter = result["letter"]
    assert isinstance(letter, dict)
    assert letter["author"] == {"name": "Tommaso Rossi", "address": "tommaso.rossi@example.it"}
    assert letter["date"] == "2007-01-22T18:03:00+01:00"
    assert letter["date_raw"] == "lun 22 gen 2007 alle ore 18:03"
    assert letter["body"].startswith("Buonasera,\n\nho letto") and letter["body"].endswith(
        "Saluti.\n\nTommaso"
    )
    assert result["forwarders"] == [
        {
            "name": "Anna Bianchi",
            "address": "anna.bianchi@napoli.example.org",
            "date": "2007-01-23T09:12:00+01:00",
            "note": "Vi giro questa lettera di un cliente di Roma.",
        }
    ]


def test_extraction_metadata_is_the_outer_message() -> None:
    extraction = extract(parse_message((DATA / "nested_gmail_outlook.eml").read_bytes()))
    assert extraction.message_id == "<nest-14@example.org>"
    assert extraction.received == datetime(2007, 1, 29, 10, 5, tzinfo=CET)
    assert extraction.sender == Person("Laura Ricci", "laura.ricci@example.org")
    assert extraction.forwarders[0].person == extraction.sender


def test_html_only_letter_without_text() -> None:
    message = ParsedMessage(
        sender=Person("A", "a@example.org"),
        subject="Fwd: x",
        date=None,
        date_raw=None,
        message_id=None,
        text=None,
        html=None,
    )
    extraction = extract(message)
    assert not extraction.forwarded
    assert extraction.letter.body == ""
    assert extraction.letter.subject == "x"


def test_note_that_sounds_like_a_reply_does_not_hide_the_forward() -> None:
    message = ParsedMessage(
        sender=Person("Anna", "anna@napoli.example.org"),
        subject="I: Lettera",
        date=datetime(2007, 1, 23, 9, 0, tzinfo=CET),
        date_raw=None,
        message_id=None,
        text=(
            "Il signor Neri ci ha scritto:\n\n---------- Messaggio inoltrato ---------\n"
            "Da: Giorgio Neri <giorgio.neri@example.it>\nData: 22/01/2007 18:03\nOggetto: Lettera\n\nCiao.\n"
        ),
        html=None,
    )
    extraction = extract(message)
    assert extraction.forwarded
    assert extraction.forwarders[0].note == "Il signor Neri ci ha scritto:"
    assert extraction.letter.body == "Ciao."
    assert extraction.letter.date == datetime(2007, 1, 22, 18, 3, tzinfo=CET)


def test_outlook_reply_header_block_is_not_a_forward() -> None:
    message = ParsedMessage(
        sender=Person("Peter", "peter@example.com"),
        subject="RE: Your automated menu",
        date=None,
        date_raw=None,
        message_id=None,
        text=(
            "Thanks!\n\nFrom: Customer Service\nSent: Monday, January 22, 2007 6:03 PM\n"
            "Subject: Menu\n\nHello\n"
        ),
        html=None,
    )
    assert not extract(message).forwarded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lun 22 gen 2007 alle ore 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("mar 23 gen 2007 alle ore 09:12", datetime(2007, 1, 23, 9, 12, tzinfo=CET)),
        ("Mon, Jan 22, 2007 at 6:03 PM", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("Mon, Jan 22, 2007 at 12:10 AM", datetime(2007, 1, 22, 0, 10, tzinfo=CET)),
        ("Monday, January 22, 2007 6:03 PM", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("lunedì 22 gennaio 2007 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("22 January 2007 at 18:03:00 CET", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("22 gennaio 2007 18:03:00 CEST", datetime(2007, 1, 22, 18, 3, tzinfo=timezone(timedelta(hours=2)))),
        ("Mon, 22 Jan 2007 18:03:00 +0100", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        (
            "Mon, 22 Jan 2007 12:03:00 -0500",
            datetime(2007, 1, 22, 12, 3, tzinfo=timezone(timedelta(hours=-5))),
        ),
        ("22/01/2007 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("01/22/2007 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("2007-01-22 18:03 +0100", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("jeu. 25 janv. 2007 à 18:03", datetime(2007, 1, 25, 18, 3, tzinfo=CET)),
        ("Donnerstag, 25. Januar 2007 18:03", datetime(2007, 1, 25, 18, 3, tzinfo=CET)),
        ("(GMT+01:00) 22 Jan 2007 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("ma 22. tammik. 2007 klo 18.03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("man. 22. jan. 2007 kl. 18.03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("2007年1月22日(月) 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("pon., 22 sty 2007 o 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("пн, 22 янв. 2007 г. в 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("2007. január 22., hétfő 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("22 Oca 2007 Pzt, 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("po 22. 1. 2007 v 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("seg., 22 de jan. de 2007 às 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("2007/01/22 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        # Nordic dotted times after the year (CLDR long formats), not read as a date.
        ("16. februar 2007 16.02.07 CET", datetime(2007, 2, 16, 16, 2, 7, tzinfo=CET)),
        ("29. maj 2007 10.47", datetime(2007, 5, 29, 10, 47, tzinfo=CET)),
        ("22.01.2007 18.03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        # Korean, Chinese (Zimbra zh-TW), Japanese, Greek, Arabic and Hebrew AM/PM marks.
        ("2007년 1월 22일 오후 6:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("2007년 1월 22일 오전 7시 2분 13초 +0100", datetime(2007, 1, 22, 7, 2, 13, tzinfo=CET)),
        ("2007년 1월 22일, 월요일 오전 12:10:00", datetime(2007, 1, 22, 0, 10, tzinfo=CET)),
        ("2007 1 月 22 星期一 下午 6:03:00", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("2007年1月22日, 月曜日 午後 6:03:00", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("22 Ιανουαρίου 2007 - 6:03:00\u202fμ.μ.", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("22 يناير 2007، 6:03 م", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("22 يناير 2007، 6:03 ص", datetime(2007, 1, 22, 6, 3, tzinfo=CET)),
        ('שני, 22 ינואר 2007\u200f 6:03:00 אחה"צ\u200f', datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        # Zones written in the language: Czech summer time, Turkish time.
        ("22. ledna 2007 18:03:00 SELČ", datetime(2007, 1, 22, 18, 3, tzinfo=timezone(timedelta(hours=2)))),
        ("22 Ocak 2007 18:03:00 TSİ", datetime(2007, 1, 22, 18, 3, tzinfo=timezone(timedelta(hours=3)))),
        # Indonesian (a dotted time) and Vietnamese (numbered months): languages added as files.
        ("Jum, 22 Jan 2007 pukul 18.03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("Vào Th 2, 22 thg 1, 2007 lúc 18:03", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("sometime last week", None),
        ("31 febbraio 2007 10:00", None),
        ("22 Jan 2007 18:03 +9999", datetime(2007, 1, 22, 18, 3, tzinfo=CET)),
        ("", None),
    ],
)
def test_parse_client_date(text: str, expected: datetime | None) -> None:
    parsed = parse_client_date(text, CET)
    assert parsed == expected
    if parsed is not None and expected is not None:
        assert parsed.utcoffset() == expected.utcoffset()


def test_parse_client_date_without_any_zone_is_unknown() -> None:
    assert parse_client_date("lun 22 gen 2007 alle ore 18:03") is None
    assert parse_client_date("Mon, 22 Jan 2007 18:03:00 +0100") == datetime(2007, 1, 22, 18, 3, tzinfo=CET)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tommaso Rossi <tommaso.rossi@example.it>", Person("Tommaso Rossi", "tommaso.rossi@example.it")),
        ('"Rossi, Tommaso" <tommaso.rossi@example.it>', Person("Rossi, Tommaso", "tommaso.rossi@example.it")),
        (
            "Tommaso Rossi [mailto:tommaso.rossi@example.it]",
            Person("Tommaso Rossi", "tommaso.rossi@example.it"),
        ),
        ("*Tommaso Rossi* <tommaso.rossi@example.it>", Person("Tommaso Rossi", "tommaso.rossi@example.it")),
        ("tommaso.rossi@example.it", Person(None, "tommaso.rossi@example.it")),
        ("<tommaso.rossi@example.it>", Person(None, "tommaso.rossi@example.it")),
        ("Tommaso Rossi", Person("Tommaso Rossi", None)),
        (
            "Anna Bianchi on behalf of Servizio Clienti <servizio@example.it>",
            Person("Anna Bianchi", "servizio@example.it"),
        ),
        (
            "Anna Bianchi <anna@example.it> per conto di Servizio Clienti <servizio@example.it>",
            Person("Anna Bianchi", "anna@example.it"),
        ),
        ('"Peter \\"Pete\\" Walsh" <p@example.com>', Person('Peter "Pete" Walsh', "p@example.com")),
        ("", Person(None, None)),
        (None, Person(None, None)),
    ],
)
def test_parse_person(text: str | None, expected: Person) -> None:
    assert parse_person(text) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Fwd: Ciao", "Ciao"),
        ("I: Esternalizzazione del call center", "Esternalizzazione del call center"),
        ("FW: fwd: TR: WG: Rv: Enc: Doorst: VS: Ciao", "Ciao"),
        ("Fwd: Re: Ciao", "Re: Ciao"),
        ("R: Ciao", "R: Ciao"),
        ("Re: Fwd: Ciao", "Re: Fwd: Ciao"),
        ("[Fwd: Ciao]", "Ciao"),
        ("Fw[2]: Ciao", "Ciao"),
        ("Inoltro: Ciao", "Ciao"),
        ("Fwd: I: R: Ciao", "R: Ciao"),
        ("VB: SV: Hej", "SV: Hej"),
        ("İLT: Teşekkürler", "Teşekkürler"),
        ("Továbbítás: Köszönet", "Köszönet"),
        ("PŘ: Poděkování", "Poděkování"),
        ("PD: ENC: Doorst: Olá", "Olá"),
        ("転送: お礼", "お礼"),
        ("AW: WG: Lob", "AW: WG: Lob"),
        ("Ideas: keep this", "Ideas: keep this"),
        ("Fwd:", None),
        (None, None),
    ],
)
def test_strip_forward_prefixes(subject: str | None, expected: str | None) -> None:
    assert strip_forward_prefixes(subject) == expected


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_language_table_is_recognised(language: str) -> None:
    labels = LANGUAGES[language]
    fields = {name: names[0] for name, names in labels.fields.items()}
    for separator in labels.separators:
        text = (
            f"Nota.\n\n---------- {separator} ----------\n{fields['from']}: Eva <eva@example.com>\n"
            f"{fields['date']}: 22/01/2007 18:03\n{fields['subject']}: Prova\n\nTesto.\n"
        )
        message = ParsedMessage(
            sender=Person("F", "f@example.org"),
            subject="x",
            date=datetime(2007, 1, 23, tzinfo=UTC),
            date_raw=None,
            message_id=None,
            text=text,
            html=None,
        )
        extraction = extract(message)
        assert extraction.forwarded, separator
        assert extraction.letter.author == Person("Eva", "eva@example.com")
        assert extraction.letter.subject == "Prova"
        assert extraction.letter.body == "Testo."
        assert extraction.forwarders[0].note == "Nota."


def _message(text: str, subject: str = "Fwd: Menu") -> ParsedMessage:
    return ParsedMessage(
        sender=Person("Owen Price", "owen@example.org"),
        subject=subject,
        date=datetime(2007, 1, 23, 9, 0, tzinfo=CET),
        date_raw=None,
        message_id=None,
        text=text,
        html=None,
    )


FORWARD_WITH_FOOTERS = (
    "See below.\n\nACME Ltd - registered in Leeds no. 123\n\n"
    "---------- Forwarded message ---------\nFrom: Peter <peter@example.com>\n"
    "Date: Mon, Jan 22, 2007 at 6:03 PM\nSubject: Menu\n\nHello.\n\nPeter\n\n"
    "ACME Ltd - registered in Leeds no. 123\n\nScanned by MailGuard\n"
)


def test_drop_patterns_remove_paragraphs_from_notes_and_letter_end() -> None:
    plain = extract(_message(FORWARD_WITH_FOOTERS))
    assert plain.letter.body.endswith("Scanned by MailGuard")
    patterns = [re.compile(r"^ACME Ltd - registered"), re.compile(r"Scanned by", re.IGNORECASE)]
    found = extract(_message(FORWARD_WITH_FOOTERS), drop_patterns=patterns)
    assert found.forwarders[0].note == "See below."
    assert found.letter.body == "Hello.\n\nPeter"


def test_drop_patterns_never_cut_inside_the_letter() -> None:
    text = FORWARD_WITH_FOOTERS.replace("Hello.", "Hello. Scanned by hand, sorry.")
    found = extract(_message(text), drop_patterns=[re.compile("Scanned by")])
    assert found.letter.body.startswith("Hello. Scanned by hand, sorry.\n\nPeter")


def test_letter_keeps_its_own_sign_off_and_loses_device_line() -> None:
    text = (
        "---------- Forwarded message ---------\nFrom: Peter <peter@example.com>\nDate: x\nSubject: Menu\n\n"
        "Hello.\n\nThanks,\nPeter\nSent from my iPhone\n"
    )
    assert extract(_message(text)).letter.body == "Hello.\n\nThanks,\nPeter"


def test_not_forwarded_message_is_left_whole() -> None:
    text = "Hello.\n\nThis e-mail is confidential, said my bank.\n"
    found = extract(_message(text, subject="Menu"))
    assert not found.forwarded
    assert found.letter.body == "Hello.\n\nThis e-mail is confidential, said my bank."


def test_every_label_means_one_field() -> None:
    seen: dict[str, str] = {}
    for labels in LANGUAGES.values():
        for field, names in labels.fields.items():
            for name in names:
                assert seen.setdefault(name.lower(), field) == field, name
        assert len(labels.months) in (0, 12)


# --- where a forward block is trusted (issue 10, point 1) -------------------------------------

CUSTOMER_LETTER_WITH_FAKE_BLOCK = (
    "Ciao Anna, questa è per il blog.\n\n"
    "---------- Messaggio inoltrato ---------\n"
    "Da: Tommaso Rossi <tommaso.rossi@example.it>\n"
    "Date: lun 22 gen 2007 alle ore 18:03\n"
    "Subject: Un reclamo\n"
    "To: <servizio@example.org>\n\n"
    "Gentile servizio clienti,\n\n"
    "From: Dottor Finto <finto@example.com>\n"
    "Sent: Monday, January 22, 2007 6:03 PM\n"
    "To: servizio@example.org\n"
    "Subject: Lettera vera\n\n"
    "vi scrivo per lamentarmi del servizio.\n\nTommaso\n"
)


def _anna(text: str, subject: str = "I: Un reclamo") -> ParsedMessage:
    return ParsedMessage(
        sender=Person("Anna Bianchi", "anna@napoli.example.org"),
        subject=subject,
        date=datetime(2007, 1, 23, 9, 0, tzinfo=CET),
        date_raw=None,
        message_id=None,
        text=text,
        html=None,
    )


def test_a_header_block_typed_inside_the_letter_is_part_of_the_letter() -> None:
    found = extract(_anna(CUSTOMER_LETTER_WITH_FAKE_BLOCK))
    assert found.letter.author == Person("Tommaso Rossi", "tommaso.rossi@example.it")
    assert [f.address for f in found.forwarders] == ["anna@napoli.example.org"]
    assert found.letter.subject == "Un reclamo"
    assert found.letter.body.startswith(
        "Gentile servizio clienti,\n\nFrom: Dottor Finto <finto@example.com>\nSent: Monday"
    )
    assert found.letter.body.endswith("vi scrivo per lamentarmi del servizio.\n\nTommaso")
    assert found.rule == "separator"
    assert found.flags == ("ignored-forward-block",)


def test_a_separator_typed_deep_inside_the_letter_is_part_of_the_letter() -> None:
    paragraphs = "".join(f"Paragrafo numero {n} della mia lettera.\n\n" for n in range(14))
    text = CUSTOMER_LETTER_WITH_FAKE_BLOCK.replace(
        "Gentile servizio clienti,\n\nFrom:",
        "Gentile servizio clienti,\n\n" + paragraphs + "-----Original Message-----\nFrom:",
    )
    found = extract(_anna(text))
    assert found.letter.author.name == "Tommaso Rossi"
    assert len(found.forwarders) == 1
    assert "-----Original Message-----\nFrom: Dottor Finto" in found.letter.body
    assert found.flags == ("ignored-forward-block",)


def test_a_real_chain_inside_a_forward_is_still_unwrapped() -> None:
    # Marco forwarded the letter to Anna with Outlook (FW: subject, block right under his note).
    text = CUSTOMER_LETTER_WITH_FAKE_BLOCK.split("Gentile servizio")[0].replace(
        "Da: Tommaso Rossi <tommaso.rossi@example.it>", "Da: Marco Verdi <marco@milano.example.org>"
    ).replace("Subject: Un reclamo", "Subject: FW: Un reclamo") + (
        "Guarda questa.\n\n"
        "From: Tommaso Rossi <tommaso.rossi@example.it>\n"
        "Sent: Monday, January 22, 2007 6:03 PM\n"
        "To: marco@milano.example.org\n"
        "Subject: Un reclamo\n\n"
        "Gentile servizio clienti,\n\nvi scrivo.\n"
    )
    found = extract(_anna(text))
    assert found.letter.author == Person("Tommaso Rossi", "tommaso.rossi@example.it")
    assert [f.address for f in found.forwarders] == ["anna@napoli.example.org", "marco@milano.example.org"]
    assert found.forwarders[1].note == "Guarda questa."
    assert found.letter.body == "Gentile servizio clienti,\n\nvi scrivo."
    assert (found.rule, found.flags) == ("header-block", ())


def test_a_block_deep_in_the_forwarders_own_text_is_taken_and_flagged() -> None:
    note = "".join(f"Riga {n} della mia lunga nota.\n" for n in range(15))
    text = note + "\n" + CUSTOMER_LETTER_WITH_FAKE_BLOCK.split("\n\n", 1)[1].split("Gentile")[0] + "Ciao.\n"
    found = extract(_anna(text))
    assert found.letter.author.name == "Tommaso Rossi"
    assert found.letter.body == "Ciao."
    assert found.forwarders[0].note is not None and found.forwarders[0].note.startswith("Riga 0")
    assert (found.rule, found.flags) == ("separator", ("deep-forward-block",))


def test_extraction_json_keeps_the_contract_and_adds_rule_and_flags() -> None:
    found = extract(_anna(CUSTOMER_LETTER_WITH_FAKE_BLOCK)).to_json()
    assert list(found) == ["forwarded", "letter", "forwarders", "rule", "flags"]
    assert found["rule"] == "separator"
    assert found["flags"] == ["ignored-forward-block"]
    not_forward = extract(_anna("Ciao.\n", subject="Ciao")).to_json()
    assert (not_forward["forwarded"], not_forward["rule"], not_forward["flags"]) == (False, "none", [])


@pytest.mark.parametrize(
    ("stem", "rule"),
    [
        ("apple_en_forward", "separator"),
        ("apple_it_forward_quoted", "quoted-header-block"),
        ("bold_labels_outlook", "header-block"),
        ("attached_rfc822", "rfc822-attachment"),
        ("reply_not_forward", "none"),
    ],
)
def test_rule_names_how_the_letter_was_found(stem: str, rule: str) -> None:
    assert extract(parse_message((DATA / f"{stem}.eml").read_bytes())).rule == rule


# --- dates clamped (issue 10, point 3) ---------------------------------------------------------


def test_outer_date_out_of_range_is_flagged() -> None:
    raw = (
        b"From: Anna <anna@napoli.example.org>\r\nSubject: Lettera\r\n"
        b"Date: Fri, 31 Dec 9999 23:59:59 -1200\r\n"
        b"Message-ID: <d@example.org>\r\n\r\nCiao.\r\n"
    )
    found = extract(parse_message(raw))
    assert found.received is None and found.letter.date is None
    assert found.letter.date_raw == "Fri, 31 Dec 9999 23:59:59 -1200"
    assert found.flags == ("date-out-of-range",)


def test_forwarded_date_out_of_range_is_dropped_kept_as_text_and_flagged() -> None:
    text = (
        "Ecco.\n\n---------- Forwarded message ---------\nFrom: Peter <peter@example.com>\n"
        "Date: 0001-01-01 00:00 +1400\nSubject: Menu\n\nHello.\n"
    )
    found = extract(_message(text))
    assert found.letter.date is None
    assert found.letter.date_raw == "0001-01-01 00:00 +1400"
    assert found.forwarders[0].date == datetime(2007, 1, 23, 9, 0, tzinfo=CET)
    assert found.flags == ("date-out-of-range",)


@pytest.mark.parametrize("text", ["0001-01-01 00:00 +1400", "31/12/9999 23:59 -1200", "1 gennaio 1969 10:00"])
def test_parse_client_date_drops_dates_out_of_range(text: str) -> None:
    assert parse_client_date(text, CET) is None


def test_a_broken_encoded_subject_is_flagged_in_the_extraction() -> None:
    raw = (
        b"From: Anna <anna@napoli.example.org>\nSubject: I: =?utf-8?Q?Perch=E9?=\n"
        b"Date: Tue, 23 Jan 2007 09:12:00 +0100\n\nCiao.\n"
    )
    found = extract(parse_message(raw))
    assert found.letter.subject == "=?utf-8?Q?Perch=E9?="
    assert found.flags == ("subject-undecodable",)


# --- dates without a zone (issue 9, point 11) --------------------------------------------------


def _outlook_it(sent: str) -> ParsedMessage:
    return ParsedMessage(
        sender=Person("Giulia", "giulia@napoli.example.org"),
        subject="I: Grazie",
        date=datetime(2025, 1, 11, 8, 30, tzinfo=UTC),  # the forwarder's client wrote UTC
        date_raw="Sat, 11 Jan 2025 08:30:00 +0000",
        message_id=None,
        text=(
            "Da pubblicare.\n\n________________________________\nDa: Tommaso <t@example.it>\n"
            f"Inviato: {sent}\nA: servizio@example.org\nOggetto: Grazie\n\nBuonasera.\n"
        ),
        html=None,
    )


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("venerdì 10 gennaio 2025 19:44", "2025-01-10T19:44:00+01:00"),
        ("venerdì 11 luglio 2025 19:44", "2025-07-11T19:44:00+02:00"),
        ("venerdì 10 gennaio 2025 19:44 -0500", "2025-01-10T19:44:00-05:00"),
        ("Fri, 10 Jan 2025 19:44:00 GMT", "2025-01-10T19:44:00+00:00"),
    ],
)
def test_a_zoneless_letter_date_is_read_in_the_callers_zone(sent: str, expected: str) -> None:
    found = extract(_outlook_it(sent), local_tz=ZoneInfo("Europe/Rome"))
    assert found.letter.date is not None
    assert found.letter.date.isoformat() == expected


def test_without_a_zone_from_the_caller_the_forwarders_offset_is_used() -> None:
    found = extract(_outlook_it("venerdì 10 gennaio 2025 19:44"))
    assert found.letter.date == datetime(2025, 1, 10, 19, 44, tzinfo=UTC)
    assert found.letter.date is not None and found.letter.date.utcoffset() == timedelta(0)


# --- Outlook 2019's "wrote line" forward ----------------------------------------------------------

BST = timezone(timedelta(hours=1))
OUTLOOK_2019_EN = (
    "Worth a post, I think.\n\nMark\n\n"
    'On 28/10/2021 12:46, "John Doe" <john.doe@example.com> wrote:\n\n'
    "    Dear team,\n\n"
    "    your operator Sara solved my problem in five minutes.\n\n"
    "    Regards,\n"
    "    John\n"
)
OUTLOOK_2019_IT = (
    "Ve la giro.\n\n"
    "Il 28/10/2021 12:46, Mario Rossi <mario.rossi@example.it> ha scritto:\n\n"
    "    Buongiorno,\n\n    grazie per la pazienza.\n\n    Mario\n"
)


def _mark(text: str, subject: str) -> ParsedMessage:
    return ParsedMessage(
        sender=Person("Mark Evans", "mark@example.org"),
        subject=subject,
        date=datetime(2021, 10, 28, 14, 0, tzinfo=BST),
        date_raw=None,
        message_id=None,
        text=text,
        html=None,
    )


@pytest.mark.parametrize("prefix", ["FW", "Fwd", "TR", "WG", "RV", "VS", "PD", "I"])
def test_outlook_2019_wrote_line_forward(prefix: str) -> None:
    found = extract(_mark(OUTLOOK_2019_EN, f"{prefix}: Menu"))
    assert found.forwarded
    assert found.letter.author == Person("John Doe", "john.doe@example.com")
    assert found.letter.date == datetime(2021, 10, 28, 12, 46, tzinfo=BST)
    assert found.letter.subject == "Menu"
    assert found.letter.body == (
        "Dear team,\n\nyour operator Sara solved my problem in five minutes.\n\nRegards,\nJohn"
    )
    assert found.forwarders[0].note == "Worth a post, I think."
    assert found.rule == "wrote-line"


def test_outlook_2019_wrote_line_forward_in_italian() -> None:
    found = extract(_mark(OUTLOOK_2019_IT, "I: Bolletta"))
    assert found.letter.author == Person("Mario Rossi", "mario.rossi@example.it")
    assert found.letter.date == datetime(2021, 10, 28, 12, 46, tzinfo=BST)
    assert found.letter.body == "Buongiorno,\n\ngrazie per la pazienza.\n\nMario"
    assert found.letter.subject == "Bolletta"
    assert found.forwarders[0].note == "Ve la giro."


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        (OUTLOOK_2019_EN, "RE: Menu"),  # a reply quoting with Outlook's indent
        (OUTLOOK_2019_EN, "Menu"),  # no forward prefix
        (OUTLOOK_2019_EN.replace("\n    ", "\n> "), "FW: Menu"),  # a quoted reply, not indented
    ],
    ids=["reply-subject", "plain-subject", "not-indented"],
)
def test_a_wrote_line_that_is_no_outlook_2019_forward_stays_a_reply(text: str, subject: str) -> None:
    found = extract(_mark(text, subject))
    assert not found.forwarded
    assert found.rule == "none"


# --- the vocabulary: one data file per language ------------------------------------------------

ESPERANTO = """
name = "Esperanto"
separators = ["Plusendita mesaĝo"]
forward_prefixes = ["Plus"]
months = [
    "januaro", "februaro", "marto", "aprilo", "majo", "junio",
    "julio", "aŭgusto", "septembro", "oktobro", "novembro", "decembro",
]

[fields]
from = ["Sendinto"]
date = ["Dato"]
subject = ["Temo"]
to = ["Ricevonto"]
"""
ESPERANTO_FORWARD = (
    "Legu ĉi tion.\n\n"
    "-------- Plusendita mesaĝo --------\n"
    "Sendinto: Zamenhof Ludoviko <ludoviko@example.org>\n"
    "Dato: 15 aŭgusto 2025 10:30\n"
    "Temo: Dankon\n"
    "Ricevonto: Blogo <blog@example.org>\n\n"
    "Saluton, kaj dankon pro la bona servo.\n"
)


@pytest.fixture
def vocabulary_restored() -> Iterator[None]:
    yield
    forwards.reset_languages()


def test_every_language_is_a_data_file_shipped_in_the_package() -> None:
    files = {p.stem for p in (Path(forwards.__file__).parent / "vocabulary").glob("*.toml")}
    assert files == set(LANGUAGES)
    assert {"en", "it", "fr", "de", "ja", "ko", "zh", "ar", "he", "pt-BR"} - files == {"pt-BR"}


def test_a_language_added_from_a_file_is_recognised(tmp_path: Path, vocabulary_restored: None) -> None:
    message = _mark(ESPERANTO_FORWARD, "Plus: Dankon")
    assert not extract(message).forwarded  # no built-in language knows these words
    path = tmp_path / "eo.toml"
    path.write_text(ESPERANTO, encoding="utf-8")
    assert forwards.add_language(path) == "eo"
    found = extract(message)
    assert found.forwarded
    assert found.letter.author == Person("Zamenhof Ludoviko", "ludoviko@example.org")
    assert found.letter.subject == "Dankon"
    assert found.letter.date == datetime(2025, 8, 15, 10, 30, tzinfo=BST)
    assert found.letter.body == "Saluton, kaj dankon pro la bona servo."
    assert found.forwarders[0].note == "Legu ĉi tion."
    forwards.reset_languages()
    assert not extract(message).forwarded


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('separators = ["x"]\n', "[fields] table"),
        ('separators = "Plusendita"\n[fields]\nfrom = ["De"]\n', "'separators' must be a list"),
        ('separators = ["x"]\ncolours = ["red"]\n[fields]\nfrom = ["De"]\n', "unknown key 'colours'"),
        ('months = ["januaro"]\n[fields]\nfrom = ["De"]\n', "'months' has 1 entries"),
        ('device_lines = ["Sendita el (mia"]\n[fields]\nfrom = ["De"]\n', "not a valid regex"),
        ('[fields]\nfrom = ["De"]\nsender = ["X"]\n', "[fields] has 'sender'"),
        ('[fields]\nfrom = ["Subject"]\n', "names two fields"),
        ("[fields\nfrom = 1\n", "not valid TOML"),
    ],
    ids=["no-fields", "string-not-list", "unknown-key", "eleven-months", "bad-regex", "bad-field",
         "label-clash", "syntax"],
)  # fmt: skip
def test_a_broken_language_file_is_refused_clearly(
    tmp_path: Path, vocabulary_restored: None, text: str, words: str
) -> None:
    path = tmp_path / "eo.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(forwards.VocabularyError) as caught:
        forwards.add_language(path)
    assert words in str(caught.value)
    assert "eo.toml" in str(caught.value) or "names two fields" in str(caught.value)
    assert isinstance(caught.value, MailbotError)
    assert "eo" not in LANGUAGES  # nothing changed


def test_a_language_file_must_be_named_for_its_code(tmp_path: Path) -> None:
    path = tmp_path / "Esperanto.toml"
    path.write_text(ESPERANTO, encoding="utf-8")
    with pytest.raises(forwards.VocabularyError, match="language code"):
        forwards.add_language(path)


# --- the forwarder's signature block ------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Sofia Marchetti | Customer Care Lead | Example Ltd | +44 20 7946 0000", True),
        ("Anna Bianchi · Ufficio clienti · www.example.it", True),
        ("Anna Bianchi\nCustomer Care Lead\nExample Ltd\n+44 20 7946 0000", True),
        ("James Carter\nHead of Support | Example Ltd\nj.carter@example.org", True),
        ("Please call the customer back on +44 20 7946 0000.", False),
        ("Anna Bianchi\nCustomer of the month", False),  # no contact line
        ("Anna Bianchi\nShe called us on +44 20 7946 0000 to say thanks.", False),  # a sentence
        ("Rome | Paris | London", False),  # no contact detail
        ("Worth a post | I think | really", False),
    ],
)
def test_signature_blocks_are_told_from_notes(paragraph: str, expected: bool) -> None:
    assert is_signature_block(paragraph) is expected


def test_a_signature_block_under_the_note_is_not_kept() -> None:
    text = (
        "A nice one for the blog.\n\nSofia Marchetti\nCustomer Care Lead | Example Ltd\n+44 20 7946 0000\n\n"
        "From: Owen Price <owen.price@example.com>\nSent: Wednesday, April 8, 2026 9:58 AM\n"
        "To: Blog <blog@example.org>\nSubject: Late delivery\n\n"
        "Hello,\n\nthe driver was kind.\n\nOwen Price\nFlat 2 | 10 High Street | 020 7946 0001\n"
    )
    found = extract(_mark(text, "FW: Late delivery"))
    assert found.forwarders[0].note == "A nice one for the blog."
    # The letter's own sign-off is the letter's: nothing is cut from it.
    assert (
        found.letter.body
        == "Hello,\n\nthe driver was kind.\n\nOwen Price\nFlat 2 | 10 High Street | 020 7946 0001"
    )


def test_a_letter_quoted_under_a_plain_header_block_is_unquoted() -> None:
    text = (
        "------- Forwarded Message -------\nFrom: Ann Lee <ann@example.org>\n"
        "Date: On Thursday, October 27th, 2022 at 12:31 PM\nSubject: Thanks\nTo: Blog <blog@example.org>\n\n"
        "> Dear team,\n>\n> thank you.\n>> a line she quoted herself\n"
    )
    found = extract(_mark(text, "Fwd: Thanks"))
    assert found.letter.body == "Dear team,\n\nthank you.\n> a line she quoted herself"
    # A letter only partly quoted keeps its quotes: they are the author's.
    partly = text.replace("> Dear team,", "Dear team,")
    assert extract(_mark(partly, "Fwd: Thanks")).letter.body.endswith(">> a line she quoted herself")


NOTE_BELOW_HTML = (
    '<html><body><p><br></p><div class="moz-forward-container">-------- Forwarded Message --------'
    '<table class="moz-email-headers-table"><tr><th>From: </th><td>Ann Lee</td></tr></table>'
    "<div><p>Dear team,</p><p>thank you.</p></div></div>"
    "<p>Sent on from the Leeds office,<br>see\n below.</p></body></html>"
)
NOTE_BELOW_TEXT = (
    "-------- Forwarded Message --------\nSubject: Thanks\nDate: Mon, 02 Jun 2025 15:15:52 +0100\n"
    "From: Ann Lee <ann@example.org>\nTo: Blog <blog@example.org>\n\n"
    "Dear team,\n\nthank you.\n\nSent on from the Leeds office,\nsee below.\n"
)


def test_text_written_below_an_html_forward_is_not_the_letters() -> None:
    message = replace(_mark(NOTE_BELOW_TEXT, "Fwd: Thanks"), html=NOTE_BELOW_HTML)
    assert extract(message).letter.body == "Dear team,\n\nthank you."
    # Without the HTML part nothing tells the two apart: the text stays.
    assert extract(_mark(NOTE_BELOW_TEXT, "Fwd: Thanks")).letter.body.endswith("see below.")
    # Text below the container that the letter does not end with is left alone.
    other = NOTE_BELOW_HTML.replace("Leeds", "York")
    assert extract(replace(message, html=other)).letter.body.endswith("see below.")


def test_outlook_for_mac_wrote_line_puts_the_verb_before_the_person() -> None:
    text = (
        'Worth a post.\n\nAm 10.01.25, 19:44 schrieb "Anna Rossi" <anna@example.it>:\n\n'
        "    Guten Tag,\n\n    danke.\n\n    Anna\n"
    )
    found = extract(_mark(text, "WG: Danke"))
    assert found.rule == "wrote-line"
    assert found.letter.author == Person("Anna Rossi", "anna@example.it")
    assert found.letter.date == datetime(2025, 1, 10, 19, 44, tzinfo=BST)
    assert found.letter.body == "Guten Tag,\n\ndanke.\n\nAnna"


def test_names_in_guillemets_lose_them() -> None:
    assert parse_person("« Anna Rossi » <anna@example.it>") == Person("Anna Rossi", "anna@example.it")
    assert parse_person("“Anna Rossi” <anna@example.it>") == Person("Anna Rossi", "anna@example.it")


def test_a_closing_above_the_signature_block_goes_with_it() -> None:
    text = (
        "Please publish.\n\nKind regards,\n\nJ. Carter\nHead of Customer Care\nExample Ltd\n"
        "T: +44 20 7946 0000\n\nFrom: Owen Price <owen.price@example.com>\n"
        "Sent: Wednesday, April 8, 2026 9:58 AM\nTo: Care <care@example.org>\nSubject: Parcel\n\n"
        "Hello,\n\nthanks.\n"
    )
    assert extract(_mark(text, "FW: Parcel")).forwarders[0].note == "Please publish."
    # A closing with no signature block under it is the note's own.
    plain = text.replace(
        "J. Carter\nHead of Customer Care\nExample Ltd\nT: +44 20 7946 0000\n", "J. Carter\n"
    )
    assert (
        extract(_mark(plain, "FW: Parcel")).forwarders[0].note
        == "Please publish.\n\nKind regards,\n\nJ. Carter"
    )


@pytest.mark.parametrize(
    ("line", "prefix"),
    [
        ('Op 10-01-2025 19:44 heeft "Anna Rossi" <anna@example.it> geschreven:', "FW"),
        ('10.01.2025 19:44 tarihinde "Anna Rossi" <anna@example.it> şunu yazdı:', "İLT"),
        ('2025.01.10. 19:44 időpontban "Anna Rossi" <anna@example.it> ezt írta:', "TOV"),
        ('2025/01/10 19:44、"Anna Rossi" <anna@example.it> のメッセージ:', "FW"),
        ('Den 2025-01-10 19:44 skrev "Anna Rossi" <anna@example.it>:', "VB"),
    ],
    ids=["nl", "tr", "hu", "ja", "sv"],
)
def test_localized_wrote_line_forwards(line: str, prefix: str) -> None:
    text = f"Vedi sotto.\n\n{line}\n\n    Buongiorno,\n\n    grazie.\n\n    Anna\n"
    found = extract(_mark(text, f"{prefix}: Grazie"))
    assert found.rule == "wrote-line"
    assert found.letter.author == Person("Anna Rossi", "anna@example.it")
    assert found.letter.date == datetime(2025, 1, 10, 19, 44, tzinfo=BST)
    assert found.letter.body == "Buongiorno,\n\ngrazie.\n\nAnna"
    assert found.forwarders[0].note == "Vedi sotto."
    # The same line under a reply subject is a reply.
    assert not extract(_mark(text, "RE: Grazie")).forwarded


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("A nice one for the blog.\nSofia Marchetti | Customer Care Lead | Example Ltd | +44 20 7946 0000",
         "A nice one for the blog."),
        ("A nice one.\nKind regards,\nSofia Marchetti\nCustomer Care Lead\n+44 20 7946 0000", "A nice one."),
        # A line that is no sentence end above: the lines may be the note's own list.
        ("Her details\nAnna Bianchi | Via Roma 1 | +39 06 1234 5678", None),
    ],
    ids=["pipe-line", "closing-and-block", "not-after-a-sentence"],
)  # fmt: skip
def test_a_signature_block_inside_the_last_paragraph_goes(note: str, expected: str | None) -> None:
    text = (
        f"{note}\n\nFrom: Owen Price <owen.price@example.com>\nSent: Wednesday, April 8, 2026 9:58 AM\n"
        "To: Care <care@example.org>\nSubject: Parcel\n\nHello,\n\nthanks.\n"
    )
    assert extract(_mark(text, "FW: Parcel")).forwarders[0].note == (expected or note)


def test_a_framed_line_in_an_unknown_language_over_a_header_block_is_a_separator() -> None:
    text = (
        "Vedi sotto.\n\n---------- Edasisaadetud sõnum ----------\nFrom: Anna Rossi <anna@example.it>\n"
        "Date: Fri, Jan 10, 2025 at 7:44 PM\nSubject: Grazie\nTo: Blog <blog@example.org>\n\nBuongiorno.\n"
    )
    found = extract(_mark(text, "Fwd: Grazie"))
    assert found.forwarders[0].note == "Vedi sotto."
    assert found.letter.body == "Buongiorno."
    # A framed line with a blank line and prose between it and the block is the note's own.
    apart = text.replace("----------\nFrom:", "----------\n\nThe letter:\n\nFrom:")
    note = extract(_mark(apart, "Fwd: Grazie")).forwarders[0].note
    assert note is not None and note.endswith("The letter:")
