"""Hostile inputs against the parser and the forward engine: each class's worst case, timed.

Run ``.venv/bin/python bench/hostile.py`` (``--size BYTES`` for another size, ``--json``).
For each class of slow path found in issue 10 (and a few more of the same families) it builds
the worst-case message in code, and a benign message of the same size and kind (plain text or
HTML), and times ``parse_message`` + ``forwards.extract`` on both in the same run (best of
``--rounds``). It prints the ratio hostile / benign: linear code keeps it a small constant
whatever the size; a quadratic path makes it grow with the size. The issue's own sizes are the
default for each class (the message under 1 MB each).

``tests/test_hostile.py`` builds its inputs with :data:`CASES` too, at smaller sizes, and asserts
the ratio with a generous factor.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailbot.forwards import extract  # noqa: E402
from mailbot.mail.mime import parse_message  # noqa: E402

FORWARD_HEAD = "Vi giro questa lettera.\n\n---------- Messaggio inoltrato ---------\n"
FORWARD_TAIL = "\nData: lun 22 gen 2007 alle ore 18:03\nOggetto: Lettera\nA: <servizio@example.org>\n\n"


@dataclass(frozen=True)
class Case:
    """One class of hostile input: how to build its body at about ``size`` bytes."""

    name: str
    what: str
    build: Callable[[int], str]
    size: int  # the size issue 10 measured (or a like one for the classes found since)
    html: bool = False
    in_subject: bool = False  # the text goes in the Subject header, the body is one line


def _fill(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


CASES: tuple[Case, ...] = (
    Case("from-lines", "`From: x` repeated", lambda n: _fill("From: x\n", n), 80_000),
    Case(
        "from-spaces",
        "forwarded `From: a` + spaces + `b`",
        lambda n: FORWARD_HEAD + "Da: a" + " " * n + "b" + FORWARD_TAIL + "Testo.\n",
        20_000,
    ),
    Case(
        "from-angle-at",
        "forwarded `From: <` + `@`s",
        lambda n: FORWARD_HEAD + "Da: <" + "@" * n + FORWARD_TAIL + "Testo.\n",
        20_000,
    ),
    Case(
        "separator-spaces",
        "`Original Message` + spaces + `x`",
        lambda n: "Original Message" + " " * n + "x\n",
        20_000,
    ),
    Case("quote-run", "one line of `>`", lambda n: ">" * n + "\n", 900_000),
    Case("nested-div", "nested `<div>`", lambda n: _fill("<div>", n) + "x", 500_000, html=True),
    # Found while fixing the above: the same families elsewhere.
    Case(
        "open-fonts",
        "`<font size=N>` left open",
        lambda n: "".join(f'<font size="{i}">x' for i in range(n // 18)),
        400_000,
        html=True,
    ),
    Case(
        "misnested-bold",
        "`<b><div>x</b>` repeated",
        lambda n: _fill("<b><div>x</b>", n),
        400_000,
        html=True,
    ),
    Case(
        "paragraph-marks",
        "text then `<p>` repeated",
        lambda n: "x" * (n // 2) + _fill("<p>", n // 2),
        400_000,
        html=True,
    ),
    Case(
        "wrapped-recipients",
        "a `To:` line continued on every line",
        lambda n: FORWARD_HEAD + "Da: a@example.it\nA: b@example.it,\n" + _fill(" c@example.it,\n", n),
        400_000,
    ),
    Case(
        "cid-brackets",
        "`[cid:` repeated without `]`",
        lambda n: _fill("[cid:", n) + "\n",
        200_000,
    ),
    Case(
        "reply-words",
        "`On ... wrote` words and colons on one long line",
        lambda n: "On 1 " + _fill("wrote ", n) + ":" + " " * 100 + "x\n",
        200_000,
    ),
    Case(
        "disclaimer-spaces",
        "`Disclaimer` + spaces + `x` after a forward",
        lambda n: FORWARD_HEAD + "Da: a@example.it" + FORWARD_TAIL + "Testo.\n\nDisclaimer" + " " * n + "x\n",
        200_000,
    ),
    Case(
        "subject-spaces",
        "Subject `Fwd` + spaces + `x` (a header, not the body)",
        lambda n: "Fwd" + " " * n + "x",
        80_000,
        in_subject=True,
    ),
)

_LETTER = (
    "Buongiorno, vi scrivo per ringraziare il vostro operatore, che mi ha aiutato con pazienza "
    "a risolvere un problema con la bolletta. Non capita spesso, e volevo dirlo.\n\n"
)


def benign(size: int, *, html: bool) -> str:
    """A plain forwarded letter of about ``size`` characters (as HTML paragraphs with ``html``)."""
    if html:
        return _fill("<p>" + _LETTER.strip() + "</p>\n", size)
    return FORWARD_HEAD + "Da: Tommaso Rossi <tommaso@example.it>" + FORWARD_TAIL + _fill(_LETTER, size)


def message(body: str, *, html: bool = False, subject: str = "I: Lettera") -> bytes:
    """An RFC 822 forward carrying ``body`` (base64, so that no line length limit applies)."""
    msg = EmailMessage()
    msg["From"] = "Anna Bianchi <anna.bianchi@napoli.example.org>"
    msg["To"] = "blog@example.org"
    msg["Date"] = "Tue, 23 Jan 2007 09:12:00 +0100"
    msg["Message-ID"] = "<hostile@napoli.example.org>"
    msg.set_content(body, subtype="html" if html else "plain", cte="base64")
    head = f"Subject: {subject}\n".encode()  # written as is: the policy would fold a long one
    return head + msg.as_bytes()


def build(case: Case, size: int) -> bytes:
    """The hostile message of ``case`` at ``size``."""
    if case.in_subject:
        return message("Ciao.\n", subject=case.build(size))
    return message(case.build(size), html=case.html)


def seconds(raw: bytes, rounds: int = 3) -> float:
    """The best of ``rounds`` runs of parse + extract over ``raw``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        extract(parse_message(raw))
        best = min(best, time.perf_counter() - start)
    return best


def ratio(case: Case, size: int, rounds: int = 3) -> tuple[float, float, int]:
    """(hostile seconds, benign seconds, bytes of the hostile message) for ``case`` at ``size``."""
    hostile = build(case, size)
    calm = message(benign(len(case.build(size)), html=case.html), html=case.html)
    return seconds(hostile, rounds), seconds(calm, rounds), len(hostile)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, help="body size in bytes for every class (default: each its own)")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds (the best one counts)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--only", action="append", metavar="CASE", help="run only this class (repeatable)")
    args = parser.parse_args(argv)
    rows = []
    for case in CASES:
        if args.only and case.name not in args.only:
            continue
        hostile, calm, length = ratio(case, args.size or case.size, args.rounds)
        rows.append(
            {
                "case": case.name,
                "what": case.what,
                "bytes": length,
                "hostile_s": round(hostile, 4),
                "benign_s": round(calm, 4),
                "ratio": round(hostile / calm, 2),
            }
        )
        if not args.json:
            print(
                f"{case.name:<20} {length:>9,} B  hostile {hostile:8.3f} s  benign {calm:8.3f} s  "
                f"ratio {hostile / calm:6.2f}x  ({case.what})",
                flush=True,
            )
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
