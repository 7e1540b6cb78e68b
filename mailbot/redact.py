"""Find and hide a customer's private data before a draft is written.

Pure: text in, text and findings out; no I/O, no logging (findings hold private values and must
never reach a log).

Detectors, each checked beyond its shape so that dates, times, prices, years and order totals stay:

* ``email``: ``local@domain.tld``;
* ``iban``: an IBAN (spaces or dashes allowed) whose ISO 13616 mod-97 check holds;
* ``tax_code``: an Italian codice fiscale (16 characters, omocodia letters allowed) whose check
  character is right;
* ``card``: a payment card number, 13-19 digits (plain or in groups of 4, or Amex 4-6-5) that
  passes the Luhn check;
* ``phone``: Italian numbers (``+39``/``0039`` prefix, mobile ``3xx xxx xxxx``, landline ``0x...``
  of 8-11 digits,
  with spaces, dots or dashes) and international ``+<cc> ...``/``00<cc> ...`` numbers of 8-15
  digits; numbers that look like dates (``01-02-2007``) or amounts (``€ 333.333``, ``1.234,56``)
  are left alone;
* any configured pattern (``[redaction] patterns``), named by its key.

Every regular expression here is anchored on a token start (look-behind) and bounded in length,
so the scan is linear in the text: megabytes of digits or ``@`` signs take well under a second.
Configured patterns are the operator's own and are used as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .textutil import clean_text

EMAIL = "email"
PHONE = "phone"
IBAN = "iban"
TAX_CODE = "tax_code"
CARD = "card"
BUILTIN_KINDS = (EMAIL, PHONE, IBAN, TAX_CODE, CARD)

# Placeholder words by site language; anything else falls back to English.
_LABELS: dict[str, dict[str, str]] = {
    "en": {EMAIL: "email", PHONE: "phone", IBAN: "IBAN", TAX_CODE: "tax code", CARD: "card number"},
    "it": {EMAIL: "email", PHONE: "telefono", IBAN: "IBAN", TAX_CODE: "codice fiscale", CARD: "carta"},
    "fr": {EMAIL: "e-mail", PHONE: "téléphone", IBAN: "IBAN", TAX_CODE: "code fiscal", CARD: "carte"},
    "de": {EMAIL: "E-Mail", PHONE: "Telefon", IBAN: "IBAN", TAX_CODE: "Steuernummer", CARD: "Karte"},
    "es": {EMAIL: "email", PHONE: "teléfono", IBAN: "IBAN", TAX_CODE: "código fiscal", CARD: "tarjeta"},
}


@dataclass(frozen=True)
class Finding:
    """One private value found in a text: its kind and where it is (``text[start:end]``)."""

    kind: str
    start: int
    end: int
    original: str


def placeholder(kind: str, language: str = "en") -> str:
    """The text that stands in for a hidden value, e.g. ``[telefono]`` on an Italian site."""
    labels = _LABELS.get(language.split("-")[0].split("_")[0].lower(), _LABELS["en"])
    return f"[{labels.get(kind, kind)}]"


# -- checks ---------------------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    iban = iban.upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


_CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21,
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
], strict=True))  # fmt: skip


def tax_code_ok(code: str) -> bool:
    """The check character of an Italian codice fiscale (16 characters)."""
    code = code.upper()
    if len(code) != 16:
        return False
    total = 0
    for i, ch in enumerate(code[:15]):
        if i % 2 == 0:
            total += _CF_ODD[ch]
        else:
            total += int(ch) if ch.isdigit() else ord(ch) - 65
    return chr(65 + total % 26) == code[15]


# -- detectors ------------------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
_IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){11,32}")
_IBAN_LENGTHS = {
    "IT": 27, "SM": 27, "VA": 22, "DE": 22, "FR": 27, "ES": 24, "GB": 22, "CH": 21, "AT": 20, "BE": 16,
    "NL": 18, "PT": 25, "IE": 22, "LU": 20, "MT": 31, "GR": 27, "PL": 28, "SI": 19, "HR": 21, "MC": 27,
}  # fmt: skip
_D = "[0-9LMNPQRSTUV]"
_TAX_RE = re.compile(
    rf"(?<![A-Za-z0-9])[A-Za-z]{{6}}{_D}{{2}}[A-Za-z]{_D}{{2}}[A-Za-z]{_D}{{3}}[A-Za-z](?![A-Za-z0-9])"
)
# A run of digits with single separators, optionally after "+" and an area code in brackets.
_NUMBER_RE = re.compile(r"(?<![\w+/])(?:\+ ?)?(?:\(\d{1,4}\) ?)?\d(?:[ .\-]?\d){5,22}(?!\w)")
_DATE_RE = re.compile(r"\d{1,4}([.\-/ ])\d{1,2}\1\d{1,4}")
_GROUPS_RE = re.compile(r"[ .\-()]+")
_CURRENCY = ("€", "$", "£", "eur", "usd", "chf")


def _emails(text: str) -> Iterable[Finding]:
    for m in _EMAIL_RE.finditer(text):
        yield Finding(EMAIL, m.start(), m.end(), m.group())


def _ibans(text: str) -> Iterable[Finding]:
    for m in _IBAN_RE.finditer(text):
        raw = m.group()
        index = [i for i, ch in enumerate(raw) if ch.isalnum()]
        compact = "".join(raw[i] for i in index).upper()
        known = _IBAN_LENGTHS.get(compact[:2])
        lengths = [known] if known else range(min(34, len(compact)), 14, -1)
        for length in lengths:
            if length > len(compact):
                continue
            end = m.start() + index[length - 1] + 1
            if end < len(text) and text[end].isalnum():
                continue
            if iban_ok(compact[:length]):
                yield Finding(IBAN, m.start(), end, text[m.start() : end])
                break


def _tax_codes(text: str) -> Iterable[Finding]:
    for m in _TAX_RE.finditer(text):
        if tax_code_ok(m.group()):
            yield Finding(TAX_CODE, m.start(), m.end(), m.group())


def _is_card(raw: str, digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or digits[0] not in "23456" or not luhn_ok(digits):
        return False
    groups = [g for g in _GROUPS_RE.split(raw) if g]
    if len(groups) == 1:
        return True
    sizes = [len(g) for g in groups]
    return (
        (all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4) or sizes == [4, 6, 5] or sizes == [4, 6, 4]
    )


def _is_italian(national: str) -> bool:
    return bool(re.fullmatch(r"3\d{8,9}|0\d{7,10}", national))


def _is_phone(raw: str, digits: str) -> bool:
    international = raw.startswith("+") or digits.startswith("00")
    if international:
        number = digits[2:] if digits.startswith("00") else digits
        if number.startswith("39"):
            return _is_italian(number[2:])
        return 8 <= len(number) <= 15 and number[0] != "0"
    if _DATE_RE.fullmatch(raw):
        return False
    return _is_italian(digits)


def _classify(raw: str) -> str | None:
    digits = "".join(ch for ch in raw if ch.isdigit())
    if _is_card(raw, digits):
        return CARD
    if _is_phone(raw, digits):
        return PHONE
    return None


def _numbers(text: str) -> Iterable[Finding]:
    for m in _NUMBER_RE.finditer(text):
        start, end = m.start(), m.end()
        before = text[max(0, start - 4) : start].lower()
        after = text[end : end + 2]
        if any(c in before for c in _CURRENCY) or re.match(r"[.,:]\d", after):
            continue  # an amount, a decimal or a time, not a number to hide
        raw = m.group()
        kind = _classify(raw)
        if kind:
            yield Finding(kind, start, end, raw)
            continue
        # "333 1234567 2 volte": the longest leading groups that make a number.
        spans = [(g.start(), g.end()) for g in re.finditer(r"\d+", raw)]
        if len(spans) > 6 or _DATE_RE.fullmatch(raw):
            continue
        for j in range(len(spans) - 1, 0, -1):
            piece = raw[: spans[j - 1][1]]
            found = _classify(piece)
            if found:
                yield Finding(found, start, start + len(piece), piece)
                break


def find(text: str, patterns: Iterable[tuple[str, re.Pattern[str]]] = ()) -> list[Finding]:
    """Every private value in ``text``, in text order, without overlaps (the longest wins)."""
    found: list[Finding] = []
    for detector in (_emails, _ibans, _tax_codes, _numbers):
        found.extend(detector(text))
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
