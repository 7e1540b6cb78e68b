"""Pure policy helpers: who may send, how people are named, slugs."""

from __future__ import annotations

import pytest

from mailbot.config import AttributionConfig
from mailbot.drafts.attribution import apply_author_style, author_display, forwarded_by, forwarder_label
from mailbot.models import Forwarder, Person
from mailbot.safety.senders import is_allowed
from mailbot.textutil import slugify


@pytest.mark.parametrize(
    ("address", "patterns", "expected"),
    [
        ("anna@example.org", (), True),
        ("anna@example.org", ("*@example.org",), True),
        ("Anna@EXAMPLE.org", ("*@example.org",), True),
        ("anna@napoli.example.org", ("*@example.org",), False),
        ("anna@napoli.example.org", ("*@*.example.org",), True),
        ("anna@napoli.example.org", ("example.org",), True),
        ("anna@badexample.org", ("example.org",), False),
        ("anna@example.org.evil.com", ("*@example.org",), False),
        ("boss@example.org", ("anna@example.org",), False),
        (None, ("*@example.org",), False),
        ("not-an-address", ("*",), False),
    ],
)
def test_sender_allow(address: str | None, patterns: tuple[str, ...], expected: bool) -> None:
    assert is_allowed(address, patterns) is expected


@pytest.mark.parametrize(
    ("name", "style", "expected"),
    [
        ("Tommaso Rossi", "full_name", "Tommaso Rossi"),
        ("Tommaso Rossi", "first_name", "Tommaso"),
        ("Rossi, Tommaso", "first_name", "Tommaso"),
        ("Tommaso Rossi", "initials", "T. R."),
        ("Tommaso Rossi", "anonymous", ""),
        (None, "full_name", ""),
    ],
)
def test_author_display(name: str | None, style: str, expected: str) -> None:
    assert author_display(Person(name, "t@example.it"), style) == expected


def test_forwarder_labels_by_address_then_domain() -> None:
    config = AttributionConfig(
        labels=(("napoli.example.org", "i colleghi di Napoli"), ("boss@example.org", "il capo"))
    )
    anna = Forwarder("Anna Bianchi", "anna@napoli.example.org", None, None)
    marco = Forwarder("Marco Verdi", "marco@roma.example.org", None, None)
    boss = Forwarder("B", "BOSS@example.org", None, None)
    assert forwarder_label(anna, config) == "i colleghi di Napoli"
    assert forwarder_label(marco, config) == "Marco"
    assert forwarder_label(boss, config) == "il capo"
    assert forwarded_by((anna, anna, marco), config) == ("i colleghi di Napoli", "Marco")


@pytest.mark.parametrize(
    ("title", "taken", "expected"),
    [
        ("Perché il call center?", (), "perche-il-call-center"),
        ("Grazie!", ("grazie",), "grazie-2"),
        ("Grazie!", ("grazie", "grazie-2"), "grazie-3"),
        ("日本語", (), "post"),
        ("a" * 100, (), "a" * 60),
    ],
)
def test_slugify(title: str, taken: tuple[str, ...], expected: str) -> None:
    assert slugify(title, taken) == expected


TOMMASO = Person("Tommaso Russo", "tommaso.russo@example.it")
LETTER = "Egregio signor Russo, vi scrive Tommaso: grazie.\n\nCordiali saluti,\nTommaso Russo"


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("first_name", "Egregio signor R., vi scrive Tommaso: grazie.\n\nCordiali saluti,\nTommaso"),
        ("initials", "Egregio signor R., vi scrive T.: grazie.\n\nCordiali saluti,\nT. R."),
        ("anonymous", "Egregio signor N., vi scrive N.: grazie.\n\nCordiali saluti,\nN.N."),
        ("full_name", LETTER),
    ],
)
def test_the_authors_name_in_the_text_follows_author_style(style: str, expected: str) -> None:
    new, done = apply_author_style(LETTER, TOMMASO, style)
    assert new == expected
    # Each replacement says where it stands among the places its text stands in the new text.
    for original, replacement, occurrence in done:
        assert new.count(replacement) > occurrence
        assert original in LETTER


def test_name_forms_are_whole_words_and_case_as_written() -> None:
    text = "Russo: Rossi, Tommaso scrive. Vini rossi, Russotti, RUSSO TOMMASO, Rossi Tommaso."
    new, _ = apply_author_style(text, Person("Rossi, Tommaso", None), "first_name")
    assert new == "Russo: Tommaso scrive. Vini rossi, Russotti, RUSSO TOMMASO, Tommaso."
    assert apply_author_style("Anna scrive", Person("anna", None), "anonymous") == ("Anna scrive", [])
    assert apply_author_style("Tommaso", Person("Tommaso", None), "first_name") == ("Tommaso", [])
    assert apply_author_style("Tommaso", Person("Tommaso", None), "initials")[0] == "T."
