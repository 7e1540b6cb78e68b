"""The configuration's vocabulary: which sections and keys exist, and what a typo meant.

:func:`mailbot.config.load_config` reports an unknown key or section with the
closest known name ("unknown key imap.pasword_env; did you mean password_env?").
A misspelt key is reported first, before what it causes (a misspelt
``password_env`` would otherwise read as "no password source").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

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
