"""Corpus benchmark of the forward engine: how many cases come out fully right, and how fast.

Run ``.venv/bin/python bench/forwards.py`` (or ``--json``, ``--wrong`` to list each wrong field).
Two corpora are measured:

* **clients** (``tests/data/clients/``): forwards in the formats real clients write, with facts
  written by hand (see ``tests/data/clients/SOURCES.md``). Reported by client, language and
  shape, with the cases the engine does not handle yet (``KNOWN_FAILURES.txt``) counted as
  wrong. Names are ``<client>_<lang>_<shape>``.
* **legacy** (``tests/data/*.eml``): the older self-consistent corpus (its expected JSON was
  taken from the engine's output, so it shows consistency, not correctness).

A case is right only when every field agrees (author name and address, dates, subject, body,
every forwarder's name/address/date/note, chain length). Exit status 1 if a legacy case is wrong,
or a clients case is wrong without being listed as a known failure, or listed but now right.

File names follow ``<client>_<lang>_<shape...>.eml`` (chains count as ``chain2``/``chain3``).

Speed (on the clients corpus): the mean parse+extract time per message, against a stdlib
floor measured in the same run (``email.message_from_bytes(raw, policy=default)`` +
``get_body(('plain', 'html'))``). The judging itself is ``tests/forwardcases.py``, shared with
the tests; nothing in the tests needs this file.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

# How a case is judged lives with the tests (tests/forwardcases.py); the bench only reports.
from forwardcases import classify, client_cases, judge, known_failures, legacy_cases, mismatches, run_case  # noqa: E402


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


def _table(results: list[dict[str, Any]], axis: str) -> dict[str, list[int]]:
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        row = table[result[axis]]
        row[0] += not result["wrong"]
        row[1] += 1
    return dict(sorted(table.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--wrong", action="store_true", help="list every wrong field of every wrong case")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (the best one counts)")
    args = parser.parse_args(argv)

    reasons = known_failures()
    known = set(reasons)
    # The kind of each known failure: the first word of its reason ("date-zone: ...").
    kinds: dict[str, int] = defaultdict(int)
    for reason in reasons.values():
        for kind in {part.split(":")[0].strip() for part in reason.split("; ")}:
            kinds[kind] += 1
    results = []
    raws = []
    for eml, expected in client_cases():
        raw = eml.read_bytes()
        raws.append(raw)
        client, lang, shape = classify(eml.stem)
        wrong = judge(expected, raw)
        results.append({"case": eml.stem, "client": client, "lang": lang, "shape": shape, "wrong": wrong})
    legacy_wrong = {
        eml.stem: w for eml, exp in legacy_cases() if (w := mismatches(exp, run_case(eml.read_bytes())))
    }
    # Rounds alternate between the engine and the floor, so that both see the same machine load.
    engine_us = floor_us = float("inf")
    for _ in range(args.rounds):
        engine_us = min(engine_us, _mean_us(run_case, raws, 1))
        floor_us = min(floor_us, _mean_us(_stdlib_floor, raws, 1))

    tables = {axis: _table(results, axis) for axis in ("client", "lang", "shape")}
    right = sum(not r["wrong"] for r in results)
    wrong_cases = {r["case"] for r in results if r["wrong"]}
    summary = {
        "cases": len(results),
        "right": right,
        "percent": round(100 * right / len(results), 1) if results else 0.0,
        "mean_us": round(engine_us, 1),
        "stdlib_floor_us": round(floor_us, 1),
        "ratio_to_floor": round(engine_us / floor_us, 2) if floor_us else None,
        "by": {axis: {k: {"right": v[0], "cases": v[1]} for k, v in t.items()} for axis, t in tables.items()},
        "known_failures_by_kind": dict(sorted(kinds.items())),
        "unexpected_wrong": sorted(wrong_cases - known),
        "known_but_right": sorted(known - wrong_cases),
        "legacy": {"cases": len(legacy_cases()), "wrong": sorted(legacy_wrong)},
        "wrong": {r["case"]: r["wrong"] for r in results if r["wrong"]},
    }
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        for axis, table in tables.items():
            print(f"\n{'by ' + axis:<38} right/cases")
            for key, (ok, total) in table.items():
                print(f"  {key:<36} {ok:>4}/{total:<4} {100 * ok / total:5.1f}%")
        print(f"\nclients corpus, fully right: {right}/{len(results)} ({summary['percent']}%)")
        print("known failures by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
        print(f"legacy corpus: {len(legacy_cases()) - len(legacy_wrong)}/{len(legacy_cases())} right")
        print(
            f"parse+extract: {engine_us:.0f} µs/message; stdlib floor: {floor_us:.0f} µs/message; "
            f"ratio {summary['ratio_to_floor']}x"
        )
        for label in ("unexpected_wrong", "known_but_right"):
            if summary[label]:
                print(f"{label.replace('_', ' ')}: {', '.join(summary[label])}")
        if args.wrong:
            for case, wrong in summary["wrong"].items():
                print(f"\nWRONG {case}:")
                for line in wrong:
                    print(f"  {line}")
    return 1 if legacy_wrong or summary["unexpected_wrong"] or summary["known_but_right"] else 0


if __name__ == "__main__":
    sys.exit(main())
