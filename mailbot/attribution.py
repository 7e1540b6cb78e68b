"""Attribution policy: how the letter's author and the forwarders are named in a post.

Pure functions over models; the pipeline stores their result in the draft,
where the reviewer may change it before approving.
"""

from __future__ import annotations

from .config import AttributionConfig
from .models import Forwarder, Person


def author_display(author: Person, style: str) -> str:
    """The author's name as shown in a post, by ``style``.

    full_name "Tommaso Rossi"; first_name "Tommaso"; initials "T. R."; anonymous
    "" (templates then say "a customer"). The address is never shown: with no
    name, the result is "".
    """
    name = (author.name or "").strip()
    if "," in name:
        # "Rossi, Tommaso" is how address books often write "Tommaso Rossi".
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}".strip()
    if not name or style == "anonymous":
        return ""
    if style == "full_name":
        return name
    parts = name.split()
    if style == "initials":
        return " ".join(f"{p[0].upper()}." for p in parts)
    return parts[0]


def forwarder_label(forwarder: Forwarder, config: AttributionConfig) -> str:
    """A configured label for the forwarder's address or domain, else their first name.

    Labels are matched by full address first, then by domain and its parents
    (``napoli.example.org``, then ``example.org``).
    """
    labels = dict(config.labels)
    address = (forwarder.address or "").lower()
    if address in labels:
        return labels[address]
    domain = address.rpartition("@")[2]
    while domain:
        if domain in labels:
            return labels[domain]
        domain = domain.partition(".")[2]
    return author_display(forwarder.person, "first_name") or (forwarder.name or "")


def forwarded_by(forwarders: tuple[Forwarder, ...], config: AttributionConfig) -> tuple[str, ...]:
    """Distinct display labels of everyone who passed the letter on, outermost first."""
    seen: list[str] = []
    for forwarder in forwarders:
        label = forwarder_label(forwarder, config)
        if label and label not in seen:
            seen.append(label)
    return tuple(seen)
