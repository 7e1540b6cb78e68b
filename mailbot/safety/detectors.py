"""The built-in detectors of private data (see :mod:`mailbot.safety.redact`, which applies them).

Pure: text in, findings out. Each detector is checked beyond its shape so that dates, times,
prices, years and order numbers stay:

* ``email``: ``local@domain.tld``, with non-ASCII letters too (``josé@café.it``), and the
  obfuscated forms ``mario [at] example [dot] it``, ``mario(at)example.it`` (also ``chiocciola``,
  ``punto``); the fully spelled ``mario at example dot it`` only with a common top-level domain;
* ``iban``: an IBAN (spaces, dots or dashes allowed) whose ISO 13616 mod-97 check holds;
* ``tax_code``: an Italian codice fiscale, spaced or not, whose check character is right, or with
  a wrong check character when its digits are digits (a typo still identifies a person);
* ``card``: 13-19 digits, grouped in any way, starting with 2-6, that pass the Luhn check;
* ``phone``: Italian numbers (``+39``/``0039``, mobile ``3xx``, landline ``0x``, 8-11 digits) and
  international ``+<cc>``/``00<cc>`` numbers of 8-15 digits, with spaces (also no-break and thin
  ones), dots, dashes, slashes (``081/5551234``) or brackets (``+1 (555) 123-4567``) between
  the digits, in ASCII or full-width digits; several numbers in a row are each found; numbers
  after a currency (``€``, ``EUR``, but not ``Monsieur``) and dates are left alone.

Linear: every pattern starts on a token boundary (look-behind), its repetitions are bounded and
the pieces around each repetition cannot match the same characters, so no input makes the
regular expression engine backtrack more than a constant per position; the work per number
run is bounded by its length (at most 41 digits).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

EMAIL = "email"
PHONE = "phone"
IBAN = "iban"
TAX_CODE = "tax_code"
CARD = "card"


@dataclass(frozen=True)
class Finding:
    """One private value found in a text: its kind and where it is (``text[start:end]``)."""

    kind: str
    start: int
    end: int
    original: str


# -- checks ---------------------------------------------------------------------------------------


_DOUBLED = str.maketrans("0123456789", "0246813579")  # each digit doubled, digits of the result summed


def luhn_ok(digits: str) -> bool:
    kept = sum(map(int, digits[-1::-2]))
    doubled = sum(map(int, digits[-2::-2].translate(_DOUBLED)))
    return (kept + doubled) % 10 == 0


def iban_ok(iban: str) -> bool:
    iban = iban.upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", iban):
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
    if len(code) != 16 or not code.isascii() or not code.isalnum():
        return False
    total = 0
    for i, ch in enumerate(code[:15]):
        if i % 2 == 0:
            total += _CF_ODD[ch]
        else:
            total += int(ch) if ch.isdigit() else ord(ch) - 65
    return chr(65 + total % 26) == code[15]


# -- e-mail addresses -----------------------------------------------------------------------------

_LOCAL = r"[\w.%+\-]{1,64}"
_LABEL = r"[^\W_](?:[\w\-]{0,61}[^\W_])?"
_TLD = r"[^\W\d_]{2,24}"
_OPEN, _CLOSE = r"[\[(<{]", r"[\])>}]"
_AT = rf"(?:@|\s{{0,3}}{_OPEN}\s{{0,3}}(?i:at|chiocciola)\s{{0,3}}{_CLOSE}\s{{0,3}})"
_DOT = rf"(?:\.|\s{{0,3}}{_OPEN}\s{{0,3}}(?i:dot|punto)\s{{0,3}}{_CLOSE}\s{{0,3}})"
_EMAIL_RE = re.compile(rf"(?<![\w.%+\-]){_LOCAL}{_AT}(?:{_LABEL}{_DOT}){{1,8}}{_TLD}(?![\w\-])")
# "mario at example dot it": words only, so it must end in a common top-level domain.
_COMMON_TLDS = "it|com|org|net|eu|fr|de|es|ch|uk|info|biz|io|co|me|us|be|nl|pt|sm|va|gov|edu"
_SPELLED_RE = re.compile(
    rf"(?<![\w.%+\-])[\w.%+\-]{{1,64}} +(?i:at|chiocciola) +{_LABEL}"
    rf"(?: +(?i:dot|punto) +{_LABEL}){{0,3}} +(?i:dot|punto) +(?i:{_COMMON_TLDS})(?![\w\-])"
)


def emails(text: str) -> Iterator[Finding]:
    for pattern in (_EMAIL_RE, _SPELLED_RE):
        for m in pattern.finditer(text):
            yield Finding(EMAIL, m.start(), m.end(), m.group())


# -- IBANs and tax codes ----------------------------------------------------------------------------

_IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ .\-\u00a0\u202f]?[A-Za-z0-9]){11,32}")
_IBAN_LENGTHS = {
    "IT": 27, "SM": 27, "VA": 22, "DE": 22, "FR": 27, "ES": 24, "GB": 22, "CH": 21, "AT": 20, "BE": 16,
    "NL": 18, "PT": 25, "IE": 22, "LU": 20, "MT": 31, "GR": 27, "PL": 28, "SI": 19, "HR": 21, "MC": 27,
}  # fmt: skip


def ibans(text: str) -> Iterator[Finding]:
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


_S = r"[ .\-]?"  # one optional separator between the characters of a spaced code
_L, _D = "[A-Za-z]", "[0-9LMNPQRSTUVlmnpqrstuv]"
_TAX_RE = re.compile(
    rf"(?<![A-Za-z0-9]){_L}(?:{_S}{_L}){{5}}(?:{_S}{_D}){{2}}{_S}{_L}(?:{_S}{_D}){{2}}{_S}{_L}"
    rf"(?:{_S}{_D}){{3}}{_S}{_L}(?![A-Za-z0-9])"
)
_TAX_DIGITS = (6, 7, 9, 10, 12, 13, 14)  # where a codice fiscale has digits (omocodia: letters)


def tax_codes(text: str) -> Iterator[Finding]:
    for m in _TAX_RE.finditer(text):
        code = "".join(ch for ch in m.group() if ch.isalnum())
        digits = sum(code[i].isdigit() for i in _TAX_DIGITS)
        # A valid check character, or the shape of one with a wrong check character: then its
        # digits must mostly be digits, so that words in a row are not taken for one.
        if (tax_code_ok(code) and (code == m.group() or digits >= 3)) or digits >= 5:
            yield Finding(TAX_CODE, m.start(), m.end(), m.group())


# -- numbers: cards and phones ----------------------------------------------------------------------

# Between two digits: one separator (space, no-break or thin space, dot, dash, slash), maybe
# with an opening bracket after it or a closing one before it.
_SEP = "[ .\\-/\u00a0\u2007\u2009\u202f\u3000\uff0d]"
_NUMBER_RE = re.compile(rf"(?<![\w+/])(?:\+{_SEP}?)?\(?\d(?:(?:{_SEP}\(?|\){_SEP}?|\()?\d){{5,40}}(?!\w)")
_GROUP_RE = re.compile(r"\d+")
_SPACES = " \u00a0\u2007\u2009\u202f\u3000"
_DATE_RE = re.compile(r"\d{1,4}([.\-/ ])\d{1,2}\1\d{1,4}")
_SLASH_YEAR_RE = re.compile(r"/(?:19|20)\d\d(?!\d)")
_CURRENCY_RE = re.compile(r"(?:[€$£]|(?<![^\W\d_])(?:eur|euro|usd|chf|gbp))\W{0,2}$", re.IGNORECASE)
_MAX_DIGITS = 19  # the longest number worth hiding: a card (an international phone has 17 with 00)
# How many digits a number without "+" can have, by its first digit: Italian mobiles (3) and
# landlines (0, also 00 + an international number), cards (2-6).
_CARD_LENGTHS = frozenset(range(13, 20))
_LENGTHS = {
    "0": frozenset(range(8, 20)), "3": frozenset({9, 10}) | _CARD_LENGTHS,
    "2": _CARD_LENGTHS, "4": _CARD_LENGTHS, "5": _CARD_LENGTHS, "6": _CARD_LENGTHS,
}  # fmt: skip


def _ascii_digits(raw: str) -> str:
    return "".join(str(unicodedata.decimal(ch)) for ch in raw if ch.isdecimal())


def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_ok(digits)


_ITALIAN_RE = re.compile(r"3[0-9]{8,9}|0[0-9]{7,10}")


def _is_italian(national: str) -> bool:
    return _ITALIAN_RE.fullmatch(national) is not None


def _is_phone(raw: str, digits: str) -> bool:
    if raw.startswith("+") or digits.startswith("00"):
        number = digits[2:] if digits.startswith("00") else digits
        if number.startswith("39"):
            return _is_italian(number[2:])
        return 8 <= len(number) <= 15 and number[0] != "0"
    if _DATE_RE.fullmatch(raw) or _SLASH_YEAR_RE.search(raw):
        return False  # a date, or a file number with its year ("protocollo 0123/2007")
    return _is_italian(digits)


def _classify(raw: str, digits: str) -> str | None:
    if _is_card(digits):
        return CARD
    if len(digits) <= 17 and _is_phone(raw, digits):
        return PHONE
    return None


def numbers(text: str) -> Iterator[Finding]:
    for m in _NUMBER_RE.finditer(text):
        start, end = m.start(), m.end()
        if _CURRENCY_RE.search(text[max(0, start - 12) : start]) or re.match(r"[.,:]\d", text[end : end + 2]):
            continue  # an amount, a decimal or a time, not a number to hide
        yield from _in_run(m.group(), start)


def _in_run(raw: str, offset: int) -> Iterator[Finding]:
    """The numbers in one run of digits: at each place one may start, the longest piece that is one.

    A number starts at the run's start or at a group of digits after a space: "348 7654321" in
    "333 1234567 348 7654321", never "01/2007" in "22/01/2007". Work is bounded by the run's
    length (41 digits at most), each start trying the pieces of up to 19 digits.
    """
    groups = [(g.start(), g.end(), g.group()) for g in _GROUP_RE.finditer(raw)]
    if not raw.isascii():
        groups = [(a, b, _ascii_digits(d)) for a, b, d in groups]
    done = 0  # the run is consumed up to here
    for k, (start, _, _) in enumerate(groups):
        if k == 0:
            begin = 0
        else:
            between = raw[groups[k - 1][1] : start]
            if start < done or not any(ch in _SPACES for ch in between):
                continue
            begin = start - 1 if between.endswith("(") else start
        found = _longest(raw, begin, groups, k)
        if found is not None:
            kind, end = found
            yield Finding(kind, offset + begin, offset + end, raw[begin:end])
            done = end


def _longest(raw: str, begin: int, groups: list[tuple[int, int, str]], first: int) -> tuple[str, int] | None:
    """The kind and end of the longest piece of ``raw`` from ``begin`` (groups ``first``...) that is one."""
    international = raw.startswith("+", begin)
    if not international and groups[first][2][0] not in "023456":
        return None  # no card and no Italian number starts so; only "+1..." would
    best: tuple[str, int] | None = None
    digits = ""
    for _, end, group in groups[first:]:
        digits += group
        if len(digits) > _MAX_DIGITS:
            break
        if international or len(digits) in _LENGTHS[digits[0]]:
            kind = _classify(raw[begin:end], digits)
            if kind is not None:
                best = (kind, end)
    return best


def find_builtin(text: str) -> Iterable[Finding]:
    """Every finding of the built-in detectors (overlaps are resolved by the caller)."""
    for detector in (emails, ibans, tax_codes, numbers):
        yield from detector(text)
