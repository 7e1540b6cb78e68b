"""The words mail clients write around a forward, one data file per language, loaded and checked.

Each ``vocabulary/<code>.toml`` holds one language's :class:`Labels`; adding a language is adding
a file. Files are validated as they load: a wrong key, type or regex is a :class:`VocabularyError`
naming the file and the fix, and a word must mean one thing across all languages.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailbot.errors import ConfigError

DIRECTORY = Path(__file__).with_name("vocabulary")
"""Where the built-in language files live."""

FIELDS = ("from", "date", "subject", "to", "cc")
_CODE_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?")


class VocabularyError(ConfigError):
    """A language file of the forward engine is malformed or contradicts another one."""


@dataclass(frozen=True)
class Labels:
    """The words one language's mail clients use around a forwarded message."""

    separators: tuple[str, ...]
    """Text of the line that opens a forwarded block (dashes and a final colon are optional)."""
    fields: dict[str, tuple[str, ...]]
    """Header-block labels by field: ``from``, ``date``, ``subject``, ``to``, ``cc``."""
    reply: tuple[tuple[str, str], ...] = ()
    """Start and end words of a reply attribution line (``On`` ... ``wrote:``); start may be empty."""
    forward_prefixes: tuple[str, ...] = ()
    """Subject prefixes the clients add when forwarding (``Fwd``, ``I``, ``WG``...)."""
    reply_prefixes: tuple[str, ...] = ()
    """Subject prefixes of a reply (``Re``, ``AW``, ``SV``...): never stripped."""
    months: tuple[str, ...] = ()
    """Twelve space-separated groups of month names and abbreviations, January first (``""`` for none)."""
    on_behalf: tuple[str, ...] = ()
    """The words of Outlook's "X on behalf of Y"."""
    device_lines: tuple[str, ...] = ()
    """Regexes of whole lines a phone or app appends ("Sent from my iPhone")."""
    disclaimers: tuple[str, ...] = ()
    """Regexes matching the start of a corporate disclaimer paragraph."""
    am: tuple[str, ...] = ()
    """Words marking a time before noon (``午前``, ``오전``, ``π.μ.``)."""
    pm: tuple[str, ...] = ()
    """Words marking a time after noon (``午後``, ``오후``, ``μ.μ.``, ``م``)."""
    zones: dict[str, int] = field(default_factory=dict)
    """Zone abbreviations the language's clients print (``SELČ``, ``TSİ``), minutes east of UTC."""
    name: str = ""
    """The language's name in English, for people reading the files."""


_STRING_LISTS = (
    "separators",
    "forward_prefixes",
    "reply_prefixes",
    "months",
    "on_behalf",
    "device_lines",
    "disclaimers",
    "am",
    "pm",
)
_REGEX_LISTS = ("device_lines", "disclaimers")
_KEYS = frozenset((*_STRING_LISTS, "fields", "reply", "zones", "name"))


def _strings(where: str, key: str, value: object) -> tuple[str, ...]:
    # A month may have no words in a language ("" keeps the count) when they mean another month elsewhere.
    if not isinstance(value, list) or not all(
        isinstance(x, str) and (x.strip() or key == "months") for x in value
    ):
        raise VocabularyError(f'{where}: {key!r} must be a list of non-empty strings; write {key} = ["..."].')
    return tuple(value)


def labels_from_data(data: Mapping[str, Any], where: str) -> Labels:
    """Check one language's table (as read from TOML) and build its :class:`Labels`."""
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise VocabularyError(
            f"{where}: unknown key {unknown[0]!r}; the keys are {', '.join(sorted(_KEYS))}."
        )
    lists = {key: _strings(where, key, data[key]) for key in _STRING_LISTS if key in data}
    for key in _REGEX_LISTS:
        for pattern in lists.get(key, ()):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise VocabularyError(
                    f"{where}: {key} pattern {pattern!r} is not a valid regex ({exc})."
                ) from exc
    months = lists.get("months", ())
    if months and len(months) != 12:
        raise VocabularyError(f"{where}: 'months' has {len(months)} entries; write 12, January first.")
    fields = data.get("fields")
    if not isinstance(fields, dict) or "from" not in fields:
        raise VocabularyError(f"{where}: a [fields] table with at least a 'from' list of labels is required.")
    for key in fields:
        if key not in FIELDS:
            raise VocabularyError(f"{where}: [fields] has {key!r}; the fields are {', '.join(FIELDS)}.")
    reply = data.get("reply", [])
    if not isinstance(reply, list) or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and all(isinstance(x, str) for x in pair)
        and pair[1].strip()
        for pair in reply
    ):
        raise VocabularyError(
            f'{where}: \'reply\' must be a list of [start, end] pairs, e.g. [["On", "wrote"]].'
        )
    zones = data.get("zones", {})
    if not isinstance(zones, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and -900 <= v <= 900 for k, v in zones.items()
    ):
        raise VocabularyError(f"{where}: [zones] maps an abbreviation to minutes east of UTC, e.g. CET = 60.")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise VocabularyError(f"{where}: 'name' must be a string.")
    return Labels(
        fields={key: _strings(where, f"fields.{key}", value) for key, value in fields.items()},
        reply=tuple((start, end) for start, end in reply),
        zones=dict(zones),
        name=name,
        separators=lists.get("separators", ()),
        forward_prefixes=lists.get("forward_prefixes", ()),
        reply_prefixes=lists.get("reply_prefixes", ()),
        months=months,
        on_behalf=lists.get("on_behalf", ()),
        device_lines=lists.get("device_lines", ()),
        disclaimers=lists.get("disclaimers", ()),
        am=lists.get("am", ()),
        pm=lists.get("pm", ()),
    )


def load_file(path: Path) -> tuple[str, Labels]:
    """The language code (the file's stem) and the labels of one ``<code>.toml`` file."""
    code = path.stem
    if not _CODE_RE.fullmatch(code):
        raise VocabularyError(f"{path}: name the file for its language code, e.g. 'it.toml' or 'pt-BR.toml'.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"{path}: cannot be read ({exc}); it must be a UTF-8 TOML file.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise VocabularyError(f"{path}: not valid TOML ({exc}); fix the syntax.") from exc
    return code, labels_from_data(data, str(path))


def load_directory(directory: Path = DIRECTORY) -> dict[str, Labels]:
    """Every ``*.toml`` language file in ``directory``, by code, checked together."""
    languages = dict(load_file(path) for path in sorted(directory.glob("*.toml")))
    if not languages:
        raise VocabularyError(f"{directory}: no language files (*.toml) found; reinstall mailbot.")
    check_tables(languages)
    return languages


def check_tables(languages: Mapping[str, Labels]) -> tuple[dict[str, int], dict[str, str]]:
    """Month and label lookups over every language; a word must mean one thing in all of them."""
    months: dict[str, int] = {}
    labels: dict[str, str] = {}
    for code, lab in languages.items():
        for number, names in enumerate(lab.months, start=1):
            for name in names.split():
                if months.setdefault(name, number) != number:
                    raise VocabularyError(f"month word {name!r} ({code}) means two months; keep it in one.")
        for field_name, labels_of_field in lab.fields.items():
            for name in labels_of_field:
                if labels.setdefault(name.lower(), field_name) != field_name:
                    raise VocabularyError(f"label {name!r} ({code}) names two fields; keep it in one.")
    return months, labels


def every(languages: Mapping[str, Labels], attribute: str) -> list[str]:
    """One attribute's words from all languages, in order."""
    found: Iterable[str] = (item for lab in languages.values() for item in getattr(lab, attribute))
    return list(found)
