"""Corpus benchmark of the forward engine: how many cases come out fully right, and how fast.

Run ``.venv/bin/python bench/forwards.py`` (or ``--json``). Every ``tests/data/*.eml`` is
parsed and unwrapped and its ``Extraction.to_json()`` compared with the ``.json`` of the same
stem; a case is right only when every field agrees (author name and address, dates, subject,
body, every forwarder's name/address/date/note, chain length). Exit status 1 if any is wrong.

File names follow ``<client>_<lang>_<shape...>.eml``: the first word is the client when it is one
of :data:`CLIENTS` (``outlook_web``, ``new_outlook``, ``apple_ios``... count as one word), the
first two-letter word in :data:`LANGS` is the language, and the rest is the shape (``forward``
when nothing else is said). Cases named after a shape alone (``nested_...``, ``reply_...``) are
client ``other``.

Speed: the mean parse+extract time per message, against a stdlib floor measured in the same
run (``email.message_from_bytes(raw, policy=default)`` + ``get_body(('plain', 'html'))``).
The comparison function :func:`mismatches` is the one ``tests/test_forwards.py`` uses.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))

from mailbot.forwards import extract  # noqa: E402
from mailbot.parse import parse_message  # noqa: E402

CLIENTS = (
    "gmail_android", "gmail_ios", "gmail", "outlook_web", "new_outlook", "outlook", "apple_ios", "apple",
    "thunderbird_android", "thunderbird", "yahoo", "proton", "zimbra", "roundcube", "samsung", "k9",
)  # fmt: skip
# The languages of the tables in mailbot.forwards.
LANGS = frozenset(
    (
        "en",
        "it",
        "fr",
        "de",
        "es",
        "pt",
        "nl",
        "sv",
        "da",
        "no",
        "fi",
        "pl",
        "cs",
        "ru",
        "tr",
        "hu",
        "ro",
        "ja",
    )
)


def classify(stem: str) -> tuple[str, str, str]:
    """(client, language, shape) of a case from its file name; see the module docstring."""
    client = next((c for c in CLIENTS if stem == c or stem.startswith(c + "_")), "other")
    words = stem[len(client) + 1 :].split("_") if client != "other" else stem.split("_")
    lang = next((w for w in words if w in LANGS), "-")
    shape = "_".join(w for w in words if w != lang) or "forward"
    return client, lang, shape


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        yield f"{path}.length", len(value)
        for index, item in enumerate(value):
            yield from _flatten(item, f"{path}[{index}]")
    else:
        yield path, value


def mismatches(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Every field where ``actual`` differs from ``expected``; empty exactly when they are equal."""
    want, got = dict(_flatten(expected)), dict(_flatten(actual))
    missing = object()
    return [
        f"{key}: expected {want.get(key, missing)!r}, got {got.get(key, missing)!r}"
        for key in sorted(want.keys() | got.keys())
        if want.get(key, missing) != got.get(key, missing)
    ]


def cases() -> list[tuple[Path, dict[str, Any]]]:
    """Every corpus case with its expected JSON."""
    return [
        (eml, json.loads(eml.with_suffix(".json").read_text(encoding="utf-8")))
        for eml in sorted(DATA.glob("*.eml"))
    ]


def run_case(raw: bytes) -> dict[str, Any]:
    found = extract(parse_message(raw)).to_json()
    return {key: found[key] for key in ("forwarded", "letter", "forwarders")}  # the contract's keys


def _stdlib_floor(raw: bytes) -> None:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(("plain", "html"))  # type: ignore[attr-defined]
    if body is not None:
        body.get_content()


def _mean_us(function: Any, raws: list[bytes], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):  # the best of several rounds: the least disturbed by the machine
        start = time.perf_counter()
        for raw in raws:
            function(raw)
        best = min(best, time.perf_counter() - start)
    return best / len(raws) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (the best one counts)")
    args = parser.parse_args(argv)

    results = []
    for eml, expected in cases():
        raw = eml.read_bytes()
        wrong = mismatches(expected, run_case(raw))
        client, lang, shape = classify(eml.stem)
        results.append({"case": eml.stem, "client": client, "lang": lang, "shape": shape, "wrong": wrong})
    raws = [eml.read_bytes() for eml, _ in cases()]
    engine_us = _mean_us(run_case, raws, args.rounds)
    floor_us = _mean_us(_stdlib_floor, raws, args.rounds)

    tables: dict[str, dict[str, list[int]]] = {}
    for axis in ("client", "lang", "shape"):
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for result in results:
            row = table[result[axis]]
            row[0] += not result["wrong"]
            row[1] += 1
        tables[axis] = dict(sorted(table.items()))
    right = sum(not r["wrong"] for r in results)
    summary = {
        "cases": len(results),
        "right": right,
        "percent": round(100 * right / len(results), 1) if results else 0.0,
        "mean_us": round(engine_us, 1),
        "stdlib_floor_us": round(floor_us, 1),
        "ratio_to_floor": round(engine_us / floor_us, 2) if floor_us else None,
        "by": {axis: {k: {"right": v[0], "cases": v[1]} for k, v in t.items()} for axis, t in tables.items()},
        "wrong": {r["case"]: r["wrong"] for r in results if r["wrong"]},
    }
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        for axis, table in tables.items():
            print(f"\n{'by ' + axis:<38} right/cases")
            for key, (ok, total) in table.items():
                print(f"  {key:<36} {ok:>4}/{total:<4} {100 * ok / total:5.1f}%")
        print(f"\nfully right: {right}/{len(results)} ({summary['percent']}%)")
        print(
            f"parse+extract: {engine_us:.0f} µs/message; stdlib floor: {floor_us:.0f} µs/message; "
            f"ratio {summary['ratio_to_floor']}x"
        )
        for case, wrong in summary["wrong"].items():
            print(f"\nWRONG {case}:")
            for line in wrong:
                print(f"  {line}")
    return 0 if right == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
