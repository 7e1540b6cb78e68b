"""Find and hide a customer's private data before a draft is written.

Pure: text in, text and findings out; no I/O, no logging (findings hold private values and must
never reach a log).

The detectors (e-mail addresses, plain and obfuscated; IBANs; Italian tax codes; card numbers;
phone numbers) live in :mod:`mailbot.safety.detectors`, with what each finds and what it leaves alone
(dates, times, prices, years, order numbers); any configured pattern (``[redaction] patterns``)
is named by its key. Configured patterns are the operator's own and are used as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mailbot.safety.detectors import (
    CARD,
    EMAIL,
    IBAN,
    PHONE,
    TAX_CODE,
    Finding,
    find_builtin,
    iban_ok,
    luhn_ok,
    tax_code_ok,
)
from mailbot.textutil import clean_text

__all__ = [
    "CARD", "EMAIL", "IBAN", "PHONE", "TAX_CODE", "Finding", "find", "iban_ok", "luhn_ok",
    "mask", "placeholder", "redact", "restore", "scrub", "tax_code_ok",
]  # fmt: skip

# Placeholder words by site language; anything else falls back to English.
_LABELS: dict[str, dict[str, str]] = {
    "en": {EMAIL: "email", PHONE: "phone", IBAN: "IBAN", TAX_CODE: "tax code", CARD: "card number"},
    "it": {EMAIL: "email", PHONE: "telefono", IBAN: "IBAN", TAX_CODE: "codice fiscale", CARD: "carta"},
    "fr": {EMAIL: "e-mail", PHONE: "téléphone", IBAN: "IBAN", TAX_CODE: "code fiscal", CARD: "carte"},
    "de": {EMAIL: "E-Mail", PHONE: "Telefon", IBAN: "IBAN", TAX_CODE: "Steuernummer", CARD: "Karte"},
    "es": {EMAIL: "email", PHONE: "teléfono", IBAN: "IBAN", TAX_CODE: "código fiscal", CARD: "tarjeta"},
}


def placeholder(kind: str, language: str = "en") -> str:
    """The text that stands in for a hidden value, e.g. ``[telefono]`` on an Italian site."""
    labels = _LABELS.get(language.split("-")[0].split("_")[0].lower(), _LABELS["en"])
    return f"[{labels.get(kind, kind)}]"


def find(text: str, patterns: Iterable[tuple[str, re.Pattern[str]]] = ()) -> list[Finding]:
    """Every private value in ``text``, in text order, without overlaps (the longest wins)."""
    found: list[Finding] = list(find_builtin(text))
    for name, pattern in patterns:
        for m in pattern.finditer(text):
            if m.end() > m.start():
                found.append(Finding(name, m.start(), m.end(), m.group()))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    chosen: list[Finding] = []
    for f in found:
        if chosen and f.start < chosen[-1].end:
            continue
        chosen.append(f)
    return chosen


def redact(
    text: str, patterns: Iterable[tuple[str, re.Pattern[str]]] = (), language: str = "en"
) -> tuple[str, list[tuple[Finding, str]]]:
    """``text`` with each private value replaced by its placeholder, and (finding, placeholder) pairs."""
    findings = find(text, patterns)
    if not findings:
        return text, []
    out: list[str] = []
    pos = 0
    pairs: list[tuple[Finding, str]] = []
    for f in findings:
        mark = placeholder(f.kind, language)
        out.append(text[pos : f.start])
        out.append(mark)
        pos = f.end
        pairs.append((f, mark))
    out.append(text[pos:])
    return "".join(out), pairs


def restore(text: str, mark: str, occurrence: int, original: str) -> str | None:
    """Put ``original`` back in place of the ``occurrence``-th (from 0) ``mark``; None if it is gone."""
    pos = -1
    for _ in range(occurrence + 1):
        pos = text.find(mark, pos + 1)
        if pos < 0:
            return None
    return text[:pos] + original + text[pos + len(mark) :]


def mask(kind: str, original: str) -> str:
    """A reminder of a hidden value that does not give it away: ``+39 ••• ••• 4567``, ``t•••@•••.it``."""
    if kind == EMAIL and "@" in original:
        local, _, domain = original.rpartition("@")
        tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
        return f"{local[:1]}•••@•••.{tld}" if tld else f"{local[:1]}•••@•••"
    keep_head = 0
    if kind == PHONE:
        m = re.match(r"(\+|00)\d{2}", original)
        keep_head = m.end() if m else 0
    alnum = [i for i, ch in enumerate(original) if ch.isalnum()]
    tail = set(alnum[-4:]) if len(alnum) > 6 else set(alnum[-2:])
    out = []
    previous_masked = False
    for i, ch in enumerate(original):
        if i < keep_head or i in tail or not ch.isalnum():
            out.append(ch)
            previous_masked = False
        elif not previous_masked:
            out.append("•••")
            previous_masked = True
    return "".join(out)


def scrub(text: str, *, multiline: bool = True) -> str:
    """Text safe to store and show: :func:`mailbot.textutil.clean_text`, the one rule for it."""
    return clean_text(text, multiline=multiline)
