"""Attribution policy: how the letter's author and the forwarders are named in a post.

Pure functions over models; the pipeline stores their result in the draft,
where the reviewer may change it before approving.
"""

from __future__ import annotations

import re

from mailbot.config import AttributionConfig
from mailbot.models import Forwarder, Person


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


# -- the author's name inside the texts (title, letter, intro, notes) ---------------------------

# What stands for a name with author_style = "anonymous" ("il signor N.", "N.N." for a whole name).
ANONYMOUS_PART = "N."
ANONYMOUS_NAME = "N.N."


def _initials(words: str) -> str:
    return " ".join(f"{w[0].upper()}." for w in words.split())


def name_forms(author: Person, style: str) -> list[tuple[str, str]]:
    """How the author's name may appear in a text, and what each form becomes under ``style``.

    For "Tommaso Russo": with first_name, "Tommaso Russo" (also "Russo Tommaso", "Russo,
    Tommaso") becomes "Tommaso" and "Russo" alone "R."; with initials every form becomes
    initials ("T. R.", "R.", "T."); with anonymous "N.N." and "N."; full_name changes nothing.
    Longest forms first, so a full name is never cut in two.
    """
    name = " ".join((author.name or "").split())
    if "," in name:
        last, _, first_part = name.partition(",")
        name = f"{first_part.strip()} {last.strip()}".strip()
    parts = name.split()
    if style == "full_name" or not parts or any(len(p) < 2 or not p[0].isupper() for p in parts):
        return []
    first, last = parts[0], " ".join(parts[1:])
    forms: list[tuple[str, str]] = []
    if last:
        whole = {"first_name": first, "initials": _initials(name), "anonymous": ANONYMOUS_NAME}[style]
        forms += [(f"{first} {last}", whole), (f"{last} {first}", whole), (f"{last}, {first}", whole)]
        forms.append((last, ANONYMOUS_PART if style == "anonymous" else _initials(last)))
    if style == "initials":
        forms.append((first, _initials(first)))
    elif style == "anonymous":
        forms.append((first, ANONYMOUS_PART))
    forms += [(f.upper(), r.upper()) for f, r in forms if f.upper() != f]
    return sorted(forms, key=lambda fr: -len(fr[0]))


def apply_author_style(text: str, author: Person, style: str) -> tuple[str, list[tuple[str, str, int]]]:
    """``text`` with the author's name shown as ``style`` wants, and what was replaced.

    Each replacement is ``(original, replacement, occurrence)``: ``occurrence`` counts the
    earlier places (from 0) where the replacement's text stands in the new text, so the
    original can be put back in the right place even when the first name also stands alone.
    Whole words only, case as written (a capitalized "Rossi" is a name, "vini rossi" is not).
    """
    forms = name_forms(author, style)
    if not forms or not text:
        return text, []
    table = dict(forms)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f, _ in forms) + r")(?!\w)")
    out: list[str] = []
    done: list[tuple[str, str, int]] = []
    pos = 0
    length = 0
    for m in pattern.finditer(text):
        out.append(text[pos : m.start()])
        length += m.start() - pos
        replacement = table[m.group()]
        done.append((m.group(), replacement, length))
        out.append(replacement)
        length += len(replacement)
        pos = m.end()
    out.append(text[pos:])
    new = "".join(out)
    return new, [(orig, repl, _count_before(new, repl, at)) for orig, repl, at in done]


def _count_before(text: str, needle: str, end: int) -> int:
    """How many times ``needle`` starts before position ``end`` of ``text``."""
    count, at = 0, text.find(needle)
    while 0 <= at < end:
        count += 1
        at = text.find(needle, at + 1)
    return count
