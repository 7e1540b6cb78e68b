"""The configuration's vocabulary and typed reading: which sections and keys exist, what a typo
meant, and :class:`Section`, the typed reads from one TOML table that remember which keys were used.

:func:`mailbot.config.load_config` reports an unknown key or section with the
closest known name ("unknown key imap.pasword_env; did you mean password_env?").
A misspelt key is reported first, before what it causes (a misspelt
``password_env`` would otherwise read as "no password source").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import ConfigError

KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "imap": (
        "host", "port", "security", "username", "password_env", "password_file", "ca_file", "folder",
        "processed_folder", "failed_folder", "timeout", "batch_size", "idle",
    ),
    "local": ("maildir",),
    "paths": ("drafts", "state", "site", "preview"),
    "senders": ("allow", "require_forward", "require_authentication", "trusted_authserv_ids"),
    "site": (
        "title", "base_url", "language", "timezone", "description", "author", "posts_per_page",
        "templates", "about", "post_date",
    ),
    "attribution": ("author_style", "labels", "publish_notes"),
    "service": (
        "interval", "max_message_bytes", "max_attachment_bytes", "max_attachments", "message_seconds",
        "publish",
    ),
    "cleanup": ("drop_patterns",),
    "redaction": ("patterns",),
    "review": ("listen", "base_url", "language", "trust_proxy", "session_hours"),
    "smtp": (
        "host", "port", "security", "username", "password_env", "password_file", "from", "ca_file",
        "timeout",
    ),
    "notify": (
        "reviewers", "thanks", "quarantined", "published", "new_drafts", "hourly_cap", "flush_seconds",
        "commands", "token_days",
    ),
    "comments": ("address", "form", "auto_approve", "max_chars", "max_links", "min_seconds", "rate_per_hour",
                 "notify", "notify_commenter"),
    "publish": ("after",),
}  # fmt: skip
"""Every key of every section (tables such as ``attribution.labels`` count as one key)."""


def suggestion(name: str, known: Iterable[str]) -> str:
    """ "; did you mean X?" for the closest known name, or "" when none is close."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def unknown_section_message(name: str) -> str:
    hint = suggestion(name, KNOWN_KEYS)
    if hint:
        return f"unknown section [{name}]; did you mean [{hint.removeprefix('; did you mean ')[:-1]}]?"
    return f"unknown section [{name}]; the sections are: {', '.join(KNOWN_KEYS)}."


def unknown_key_message(section: str, key: str, known: Iterable[str]) -> str:
    hint = suggestion(key, known)
    if hint:
        return f"unknown key {section}.{key}{hint}"
    return f"unknown key {section}.{key}; check its spelling against config.example.toml."


def first_unknown(data: dict[str, Any]) -> str | None:
    """The message for the first unknown section or key in a parsed config, or None."""
    for name in sorted(data):
        if name not in KNOWN_KEYS:
            return unknown_section_message(name)
    for name in sorted(data):
        table = data[name]
        if not isinstance(table, dict):
            continue
        for key in sorted(table):
            if key not in KNOWN_KEYS[name]:
                return unknown_key_message(name, key, KNOWN_KEYS[name])
    return None


class Section:
    """Typed reads from one TOML table, remembering which keys were used."""

    def __init__(self, name: str, data: Any, base: Path) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"[{name}] must be a table; write it as a [{name}] section.")
        self.name = name
        self.data: dict[str, Any] = data
        self.base = base
        self.used: set[str] = set()

    def _get(self, key: str, kind: type | tuple[type, ...], hint: str) -> Any:
        self.used.add(key)
        value = self.data.get(key)
        if value is None:
            return None
        # bool is an int in Python; do not let `true` pass as a number.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise ConfigError(f"{self.name}.{key} must be {hint}, not a boolean; fix it in the config.")
        if not isinstance(value, kind):
            raise ConfigError(
                f"{self.name}.{key} must be {hint}, not {type(value).__name__} {value!r}; "
                "fix it in the config."
            )
        return value

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self._get(key, str, "a string")
        if value is None:
            if required:
                raise ConfigError(f'{self.name}.{key} is required; add {key} = "..." to [{self.name}].')
            return default
        if required and not value.strip():
            raise ConfigError(f"{self.name}.{key} is empty; give it a value in [{self.name}].")
        return str(value)

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self._get(key, int, "a whole number")
        if value is None:
            return default
        if value < minimum:
            raise ConfigError(
                f"{self.name}.{key} must be at least {minimum}, not {value}; fix it in the config."
            )
        return int(value)

    def number(self, key: str, default: float) -> float:
        value = self._get(key, (int, float), "a number")
        if value is None:
            return default
        if value <= 0:
            raise ConfigError(f"{self.name}.{key} must be positive, not {value}; fix it in the config.")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, bool, "true or false")
        return default if value is None else bool(value)

    def path(self, key: str, default: str | None) -> Path | None:
        value = self.text(key, default)
        if value is None:
            return None
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.base / path)

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(key, default)
        assert value is not None
        if value not in choices:
            raise ConfigError(
                f"{self.name}.{key} = {value!r} is not valid; use one of: {', '.join(choices)}."
            )
        return value

    def str_list(self, key: str) -> tuple[str, ...]:
        value = self._get(key, list, "a list of strings")
        if value is None:
            return ()
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{self.name}.{key} must be a list of non-empty strings; fix it in the config.")
        return tuple(value)

    def regex_list(self, key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(self.regex(f"{key}[{i}]", p) for i, p in enumerate(self.str_list(key)))

    def regex(self, key: str, pattern: str) -> re.Pattern[str]:
        try:
            return re.compile(pattern, re.IGNORECASE | re.MULTILINE)
        except re.error as exc:
            raise ConfigError(
                f"{self.name}.{key} is not a valid regular expression ({exc}); fix the pattern."
            ) from exc

    def table(self, key: str) -> dict[str, Any]:
        value = self._get(key, dict, "a table")
        return dict(value or {})

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise ConfigError(unknown_key_message(self.name, unknown[0], self.used))
