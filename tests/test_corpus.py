"""The client corpus: forwards in the formats real mail clients write, judged by facts.

Every ``tests/data/clients/*.eml`` has a ``.json`` of expected facts written from what was put
into the message (see ``tests/data/clients/SOURCES.md`` and ``tools/``), never from mailbot's
output. A case the engine does not handle yet is listed in ``KNOWN_FAILURES.txt`` with the
reason; it is an ``xfail(strict=True)``, so fixing it fails the suite until the line goes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from forwardcases import known_failures, mismatches

from mailbot.forwards.shapes import split_label_runs
from mailbot.ingest.pipeline import extract

CLIENTS = Path(__file__).parent / "data" / "clients"
CASES = sorted(CLIENTS.glob("*.eml"))


KNOWN = known_failures()


def load(eml: Path) -> tuple[dict[str, Any], str, int]:
    """The expected ``mailbot extract --json`` object, the case's source and its chain length."""
    facts = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
    return facts, facts.pop("source"), facts.pop("chain")


def _param(eml: Path) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN[eml.stem])] if eml.stem in KNOWN else []
    return pytest.param(eml, id=eml.stem, marks=marks)


@pytest.mark.parametrize("eml", [_param(eml) for eml in CASES])
def test_case(eml: Path) -> None:
    expected, _source, chain = load(eml)
    found = extract(eml.read_bytes()).to_json()
    # The facts of the letter and its forwarders; "rule" and "flags" are diagnostics, not facts.
    actual = {key: found[key] for key in ("forwarded", "letter", "forwarders")}
    assert mismatches(expected, actual) == []
    assert len(actual["forwarders"]) == chain


def test_every_case_has_facts_and_a_source() -> None:
    assert len(CASES) >= 300
    assert {p.stem for p in CASES} == {p.stem for p in CLIENTS.glob("*.json")}
    for eml in CASES:
        _expected, source, chain = load(eml)
        assert source.strip(), eml.stem
        assert chain >= 0


def test_known_failures_name_real_cases_with_a_reason() -> None:
    stems = {p.stem for p in CASES}
    assert set(KNOWN) <= stems, sorted(set(KNOWN) - stems)
    assert all(KNOWN.values()), [name for name, reason in KNOWN.items() if not reason]


def test_mismatches_reports_each_wrong_field() -> None:
    expected = {"letter": {"body": "a", "date": None}, "forwarders": [{"note": None}]}
    assert mismatches(expected, expected) == []
    found = mismatches(expected, {"letter": {"body": "b"}, "forwarders": []})
    assert [line.split(":")[0] for line in found] == [
        "forwarders.length",
        "forwarders[0].note",
        "letter.body",
        "letter.date",
    ]


# --- the Yahoo pre-pass (mailbot.forwards.shapes) ------------------------------------------------

FIELDS = {"from": "from", "to": "to", "sent": "date", "date": "date", "subject": "subject", "da": "from"}


def test_a_yahoo_label_run_is_split_one_label_per_line() -> None:
    text = (
        "See below.\n\n----- Forwarded Message ----- From: Ann Lee <ann@example.org> "
        "To: Blog <blog@example.org> Sent: Monday, May 25, 2026, 6:35:46 PM GMT+1 Subject: Hello\n\n"
        "Dear team,"
    )
    assert split_label_runs(text, FIELDS) == (
        "See below.\n\n----- Forwarded Message -----\nFrom: Ann Lee <ann@example.org>\n"
        "To: Blog <blog@example.org>\nSent: Monday, May 25, 2026, 6:35:46 PM GMT+1\nSubject: Hello\n\n"
        "Dear team,"
    )


def test_labels_glued_to_the_values_after_a_separator_are_split() -> None:
    text = (
        "   ----- Forwarded Message -----From: Ann Lee <ann@example.org>To: Blog <blog@example.org>"
        "Sent: Monday, May 25, 2026, 06:35:46 PM GMT+1Subject: Hello\n \nDear team,"
    )
    assert split_label_runs(text, FIELDS) == (
        "----- Forwarded Message -----\nFrom: Ann Lee <ann@example.org>\nTo: Blog <blog@example.org>\n"
        "Sent: Monday, May 25, 2026, 06:35:46 PM GMT+1\nSubject: Hello\n \nDear team,"
    )
    # Without a separator opening the line, glued labels are prose and stay.
    prose = "I said:From: Rome To:Paris, Sent:late Subject:none"
    assert split_label_runs(prose, FIELDS) == prose


@pytest.mark.parametrize(
    "line",
    [
        "Flights From: Rome To: Paris Date: Monday, no subject here",  # no Subject label
        "From: a@example.org To: b@example.org From: c@example.org Subject: twice from",  # a field twice
        "I wrote: From: a@example.org To: b@example.org Subject: x",  # prose before the first label
        "From: a@example.org Subject: only two labels",
    ],
)
def test_prose_and_partial_runs_are_left_alone(line: str) -> None:
    assert split_label_runs(line, FIELDS) == line


def test_a_label_that_does_not_lower_case_back_to_the_table_is_no_crash() -> None:
    turkish = {"kimden": "from", "kime": "to", "tarih": "date", "konu": "subject"}
    line = "KİMDEN: a@example.org KİME: b@example.org TARİH: 1 Ocak 2026 KONU: Merhaba"
    assert split_label_runs(line, turkish) == line
