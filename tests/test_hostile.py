"""Hostile input: every text path linear, HTML bounded before nh3, a time budget per message.

Timing is asserted only as a ratio against a benign message of the same size measured in the
same run, with a generous factor (absolute times are in bench/hostile.py and bench/README.md).
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.budget import Deadline
from mailbot.errors import MessageError
from mailbot.forwards import LANGUAGES, extract
from mailbot.mail.html import html_to_text
from mailbot.mail.htmlguard import MAX_HTML_CHARS, limit_html
from mailbot.mail.mime import parse_message
from mailbot.models import ParsedMessage, Person


def _load_bench() -> ModuleType:
    path = Path(__file__).parent.parent / "bench" / "hostile.py"
    spec = importlib.util.spec_from_file_location("mailbot_bench_hostile", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


BENCH = _load_bench()
CASES = {case.name: case for case in BENCH.CASES}
# Sizes at which the quadratic versions took seconds to minutes (measured before the fix):
# big enough that a quadratic path shows as a ratio far above the factor, small enough to be quick.
TEST_SIZES = {
    "from-lines": 80_000,
    "from-spaces": 20_000,
    "from-angle-at": 20_000,
    "separator-spaces": 20_000,
    "quote-run": 300_000,
    "nested-div": 300_000,
}
FACTOR = 20


def _ratio(name: str, size: int) -> float:
    hostile, calm, _ = BENCH.ratio(CASES[name], size, rounds=3)
    # A floor for the benign time: below a few milliseconds the clock's noise is the ratio.
    return float(hostile / max(calm, 0.005))


@pytest.mark.parametrize("name", sorted(TEST_SIZES))
def test_issue_10_slow_examples_are_linear(name: str) -> None:
    assert _ratio(name, TEST_SIZES[name]) < FACTOR


@pytest.mark.parametrize("name", sorted(set(CASES) - set(TEST_SIZES)))
def test_other_hostile_classes_are_linear(name: str) -> None:
    assert _ratio(name, 100_000) < FACTOR


def test_the_examples_still_mean_what_they_say() -> None:
    """The hostile inputs are read as before, only fast: the fix changed no result."""
    spaces = extract(parse_message(BENCH.message(CASES["from-spaces"].build(2000))))
    assert spaces.forwarded
    assert spaces.letter.author == Person("a b", None)
    angle = extract(parse_message(BENCH.message(CASES["from-angle-at"].build(2000))))
    assert angle.forwarded and angle.letter.author.address is None
    lines = extract(parse_message(BENCH.message(CASES["from-lines"].build(800))))
    assert not lines.forwarded and lines.letter.body.startswith("From: x\nFrom: x")


# --- HTML is bounded before nh3 --------------------------------------------------------------


def _depth_of_divs(html: str) -> int:
    return html.count("<div")


def test_deep_nesting_is_flattened_and_the_text_kept() -> None:
    html = "<div>" * 1000 + "Ciao" + "</div>" * 1000
    limited = limit_html(html, max_depth=256)
    assert _depth_of_divs(limited) == 256
    assert limited.count("</div>") == 256
    assert "Ciao" in limited
    assert html_to_text(html) == "Ciao"


def test_shallow_html_is_left_as_it_is() -> None:
    html = '<table><tr><td><b>Grazie</b> <font size="2">davvero</font></td></tr></table><p>A presto</p>'
    assert limit_html(html) == html


def test_tags_in_comments_quotes_and_scripts_do_not_hide_real_nesting() -> None:
    # A quoted ">" or "</div>" is no tag end; a comment and a script hold no tags.
    quoted = '<div title="</div>">' * 300
    assert _depth_of_divs(limit_html(quoted, max_depth=10)) == 10
    commented = '<!-- <a title=" -->' + "<div>" * 300 + '"-->'
    assert _depth_of_divs(limit_html(commented, max_depth=10)) == 10
    scripted = '<script>var a = "</div>";</script>' + "<div>" * 300
    assert _depth_of_divs(limit_html(scripted, max_depth=10)) == 10


def test_a_script_beyond_the_depth_limit_stays_a_script() -> None:
    html = "<div>" * 20 + "<script>alert(1)</script><style>p {}</style>Ciao"
    limited = limit_html(html, max_depth=10)
    assert _depth_of_divs(limited) == 10
    assert "<script>alert(1)</script><style>p {}</style>Ciao" in limited
    assert html_to_text(html.replace("<div>" * 20, "<div>" * 1000)) == "Ciao"


def test_formatting_left_open_counts_as_nesting() -> None:
    html = "".join(f'<font size="{i}">x' for i in range(300))
    assert limit_html(html, max_depth=10).count("<font") == 10
    misnested = "<b><div>x</b>" * 300  # html5ever keeps the <div>s open: so does the count
    assert limit_html(misnested, max_depth=10).count("<div>") <= 10


def test_too_long_html_is_refused_with_the_reason() -> None:
    with pytest.raises(MessageError, match=r"HTML body is .* characters long"):
        limit_html("<p>" + "x" * MAX_HTML_CHARS)


# --- the time budget -----------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _plain(text: str) -> ParsedMessage:
    return ParsedMessage(
        sender=Person("Anna", "anna@example.org"),
        subject="I: Lettera",
        date=None,
        date_raw=None,
        message_id=None,
        text=text,
        html=None,
    )


def test_extract_stops_when_its_deadline_has_passed() -> None:
    clock = _Clock()
    deadline = Deadline(10, clock=clock)
    message = _plain("Ciao.\n" * 1000)
    extract(message, deadline=deadline)  # within the budget: fine
    clock.now = 11
    with pytest.raises(MessageError, match=r"took longer than 10 s"):
        extract(message, deadline=deadline)


def test_html_rendering_stops_when_its_deadline_has_passed() -> None:
    clock = _Clock()
    deadline = Deadline(2.5, clock=clock)
    clock.now = 3
    with pytest.raises(MessageError, match=r"took longer than 2.5 s"):
        html_to_text("<p>Ciao</p>" * 100_000, deadline=deadline)


# --- the property: random text from the engine's own vocabulary is linear ------------------------


def _vocabulary() -> list[str]:
    words: set[str] = {" ", "  ", "\n", "\n\n", ">", "> ", "<", "@", "x", "a@b.it", "*", "-----", ":"}
    for labels in LANGUAGES.values():
        words.update(labels.separators)
        words.update(f"{name}: " for names in labels.fields.values() for name in names)
        words.update(f"{name}:" for name in labels.forward_prefixes)
        for start, end in labels.reply:
            words.update((start, end, f"{end}:"))
        words.update(w for m in labels.months for w in m.split()[:1])  # a month may be unknown ("")
    return sorted(w for w in words if w)


VOCABULARY = _vocabulary()


def _time_extract(text: str) -> float:
    start = time.perf_counter()
    extract(_plain(text))
    return time.perf_counter() - start


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=400))
def test_random_vocabulary_text_is_linear(tokens: list[str]) -> None:
    unit = "".join(tokens)
    small = (unit * (100_000 // len(unit) + 1))[:100_000]
    big = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    small_time = min(_time_extract(small) for _ in range(3))
    big_time = min(_time_extract(big) for _ in range(2))
    # The floor keeps the clock's noise on a few milliseconds from being the ratio; a quadratic
    # path would still stand out (100 times the small time).
    assert big_time / max(small_time, 0.01) < 30  # linear is 10
