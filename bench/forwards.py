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

File names follow ``<client>_<lang>_<shape...>.eml``: the first word is the client when it is one
of :data:`CLIENTS` (``outlook_web``, ``new_outlook``, ``apple_ios``... count as one word), the
first two-letter word in :data:`LANGS` is the language, and the rest is the shape (``forward``
when nothing else is said). Cases named after a shape alone (``nested_...``, ``reply_...``) are
client ``other``.

Speed (on the clients corpus): the mean parse+extract time per message, against a stdlib
floor measured in the same run (``email.message_from_bytes(raw, policy=default)`` +
``get_body(('plain', 'html'))``). :func:`mismatches`, :func:`classify` and :func:`cases` stay
for ``tests/test_forwards.py`` (which loads this file by path, a known smell); the clients
corpus test, ``tests/test_corpus.py``, needs nothing from here.
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
CLIENT_DATA = DATA / "clients"
sys.path.insert(0, str(ROOT))

from mailbot.forwards import extract  # noqa: E402
from mailbot.mail.mime import parse_message  # noqa: E402

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


def client_cases() -> list[tuple[Path, dict[str, Any]]]:
    """Every case of the clients corpus, with its expected facts (``source`` and ``chain`` kept)."""
    return [
        (eml, json.loads(eml.with_suffix(".json").read_text(encoding="utf-8")))
        for eml in sorted(CLIENT_DATA.glob("*.eml"))
    ]


def known_failures() -> set[str]:
    lines = (CLIENT_DATA / "KNOWN_FAILURES.txt").read_text(encoding="utf-8").splitlines()
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


def classify_client_case(stem: str) -> tuple[str, str, str]:
    """(client, language, shape) of a clients-corpus case: ``<client>_<lang>_<shape>``.

    Chains (``roundcube_it_chain_zimbra-it_thunderbird-it``) count as ``chain2``/``chain3``.
    """
    client, lang, *rest = stem.split("_")
    if rest[:1] == ["chain"]:
        return client, lang, f"chain{len(rest)}"
    return client, lang, "_".join(rest) or "forward"


def judge(expected: dict[str, Any], raw: bytes) -> list[str]:
    """Every field where the engine's answer differs from the facts (chain length included)."""
    facts = {k: v for k, v in expected.items() if k not in ("source", "chain")}
    actual = run_case(raw)
    wrong = mismatches(facts, actual)
    if len(actual["forwarders"]) != expected["chain"]:
        wrong.append(f"chain: expected {expected['chain']}, got {len(actual['forwarders'])}")
    return wrong


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

    known = known_failures()
    results = []
    raws = []
    for eml, expected in client_cases():
        raw = eml.read_bytes()
        raws.append(raw)
        client, lang, shape = classify_client_case(eml.stem)
        wrong = judge(expected, raw)
        results.append({"case": eml.stem, "client": client, "lang": lang, "shape": shape, "wrong": wrong})
    legacy_wrong = {eml.stem: w for eml, exp in cases() if (w := mismatches(exp, run_case(eml.read_bytes())))}
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
        "unexpected_wrong": sorted(wrong_cases - known),
        "known_but_right": sorted(known - wrong_cases),
        "legacy": {"cases": len(cases()), "wrong": sorted(legacy_wrong)},
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
        print(f"legacy corpus: {len(cases()) - len(legacy_wrong)}/{len(cases())} right")
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
