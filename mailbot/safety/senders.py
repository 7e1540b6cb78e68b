"""Who may submit letters: ``[senders] allow`` patterns matched against the From address."""

from __future__ import annotations

from fnmatch import fnmatchcase


def is_allowed(address: str | None, patterns: tuple[str, ...]) -> bool:
    """Whether ``address`` matches one of ``patterns``; no patterns means everyone.

    A pattern with an ``@`` is a shell-style wildcard over the whole address
    (``*@example.org``, ``anna@*.example.org``); one without is a domain that
    also covers its subdomains (``example.org`` accepts ``x@napoli.example.org``).
    Matching ignores case.
    """
    if not patterns:
        return True
    if not address or "@" not in address:
        return False
    address = address.strip().lower()
    domain = address.rpartition("@")[2]
    for pattern in patterns:
        pattern = pattern.strip().lower()
        if "@" in pattern:
            if fnmatchcase(address, pattern):
                return True
        elif domain == pattern or domain.endswith("." + pattern) or fnmatchcase(domain, pattern):
            return True
    return False
