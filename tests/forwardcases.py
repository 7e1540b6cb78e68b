"""The forward corpora and how a case is judged: shared by the tests and by ``bench/forwards.py``.

Two corpora: ``tests/data/clients/`` (forwards in real clients' formats, facts written by hand,
known failures listed in ``KNOWN_FAILURES.txt``) and the legacy ``tests/data/*.eml``. A case is
right only when every field of the contract's object agrees (and, for the clients corpus, the
chain length).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mailbot.forwards import extract
from mailbot.mail.mime import parse_message

DATA = Path(__file__).resolve().parent / "data"
CLIENT_DATA = DATA / "clients"
CONTRACT_KEYS = ("forwarded", "letter", "forwarders")


def flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON value with its dotted path; a list also gives its ``.length``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        yield f"{path}.length", len(value)
        for index, item in enumerate(value):
            yield from flatten(item, f"{path}[{index}]")
    else:
        yield path, value


def mismatches(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Every field where ``actual`` differs from ``expected``; empty exactly when they are equal."""
    want, got = dict(flatten(expected)), dict(flatten(actual))
    missing = object()
    return [
        f"{key}: expected {want.get(key, missing)!r}, got {got.get(key, missing)!r}"
        for key in sorted(want.keys() | got.keys())
        if want.get(key, missing) != got.get(key, missing)
    ]


def run_case(raw: bytes) -> dict[str, Any]:
    """The contract's part of the engine's answer for one message."""
    found = extract(parse_message(raw)).to_json()
    return {key: found[key] for key in CONTRACT_KEYS}


def _cases(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    return [
        (eml, json.loads(eml.with_suffix(".json").read_text(encoding="utf-8")))
        for eml in sorted(folder.glob("*.eml"))
    ]


def legacy_cases() -> list[tuple[Path, dict[str, Any]]]:
    """Every case of the legacy corpus with its expected JSON."""
    return _cases(DATA)


def client_cases() -> list[tuple[Path, dict[str, Any]]]:
    """Every case of the clients corpus, with its expected facts (``source`` and ``chain`` kept)."""
    return _cases(CLIENT_DATA)


def known_failures() -> dict[str, str]:
    """Case name -> reason, from KNOWN_FAILURES.txt (``name reason``; ``#`` starts a comment)."""
    known: dict[str, str] = {}
    for line in (CLIENT_DATA / "KNOWN_FAILURES.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, reason = line.partition(" ")
            known[name] = reason.strip()
    return known


TWO_WORD_CLIENTS = ("outlook_web", "outlook_mac")


def classify(stem: str) -> tuple[str, str, str]:
    """(client, language, shape) of a clients-corpus case named ``<client>_<lang>_<shape>``.

    Chains (``roundcube_it_chain_zimbra-it_thunderbird-it``) count as ``chain2``/``chain3``.
    """
    for client in TWO_WORD_CLIENTS:
        if stem.startswith(client + "_"):
            lang, *rest = stem[len(client) + 1 :].split("_")
            break
    else:
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
