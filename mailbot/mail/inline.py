"""Where a letter's pictures stood: tokens in the text, resolved to the site's image markers.

Parsing writes a token where a picture stood in the letter: an HTML ``<img src="cid:...">``,
Outlook's ``[cid:image001.png@01D8...]`` and Gmail's ``[image: photo.jpg]`` in a text part, or an
inline image between two text parts of a ``multipart/mixed`` message (Apple Mail). The token
names the picture by its Content-ID or file name and keeps its alt text::

    {{mailbot-image:cid:image001.png@01D8A1B2|Il tecnico sotto la pioggia}}

The forward engine leaves tokens alone (it removes the clients' own placeholders). Making a
draft, :func:`place` turns each token into the site's marker ``[[image:#N|alt]]`` for the
message's attachment number N (or drops it when no attachment matches), and once the
attachments are prepared :func:`name` puts the published file name in: ``[[image:NAME|alt]]``,
a line of its own that the reviewer may move (see the README's drafts section).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailbot.models import Attachment

_TOKEN = re.compile(r"\{\{mailbot-image:(cid|name):([^|{}\n]{1,300})(?:\|([^{}\n]{0,300}))?\}\}")
# What the clients leave in a text part where a picture stood.
_OUTLOOK_CID = re.compile(r"\[cid:([^\[\]\s]{1,300})\]", re.IGNORECASE)
_GMAIL_IMAGE = re.compile(r"\[image: ?([^\[\]\n]{1,200})\]", re.IGNORECASE)
_INDEXED = re.compile(r"^\[\[image:#(\d{1,4})(\|[^\]\n]{0,300})?\]\]$", re.MULTILINE)
_FILE_LIKE = re.compile(r"[\w.-]+\.(?:jpe?g|png|gif|webp|bmp|tiff?)", re.IGNORECASE)


def _clean_alt(alt: str) -> str:
    return " ".join(alt.replace("|", " ").replace("{", "(").replace("}", ")").replace("]", ")").split())


def token(kind: str, ref: str, alt: str = "") -> str:
    """A token for the picture ``ref`` (a Content-ID without ``<>`` or a file name), on its own line."""
    ref = ref.strip().strip("<>").replace("|", "").replace("{", "").replace("}", "")
    alt = _clean_alt(alt)
    return f"\n{{{{mailbot-image:{kind}:{ref}{'|' + alt if alt else ''}}}}}\n"


def mark_text_placeholders(text: str) -> str:
    """A text part with Outlook's ``[cid:...]`` and Gmail's ``[image: ...]`` turned into tokens."""
    if "[cid:" not in text.lower() and "[image:" not in text.lower():
        return text
    text = _OUTLOOK_CID.sub(lambda m: token("cid", m.group(1)), text)

    def gmail(m: re.Match[str]) -> str:
        value = m.group(1).strip()
        # Gmail writes the alt text, or the file name when there is none.
        return token("name", value, "" if _FILE_LIKE.fullmatch(value) else value)

    return _GMAIL_IMAGE.sub(gmail, text)


def strip(text: str | None) -> str | None:
    """``text`` without tokens (a forwarder's note: its pictures are signatures, never published)."""
    if text is None or "{{mailbot-image:" not in text:
        return text
    return _tidy(_TOKEN.sub("", text))


def referenced(text: str | None, attachments: Sequence[Attachment]) -> set[int]:
    """The numbers of the attachments that tokens in ``text`` name."""
    if not text or "{{mailbot-image:" not in text:
        return set()
    index = _index(attachments)
    return {n for m in _TOKEN.finditer(text) if (n := index.get((m.group(1), _key(m.group(2))))) is not None}


def place(text: str, attachments: Sequence[Attachment]) -> str:
    """``text`` with each token made the marker ``[[image:#N|alt]]`` of attachment N, or dropped."""
    if "{{mailbot-image:" not in text:
        return text
    index = _index(attachments)
    named = {n for m in _TOKEN.finditer(text) if (n := index.get((m.group(1), _key(m.group(2))))) is not None}
    # Gmail's "[image: alt text]" names no file: such a mark takes the next picture in the
    # message that no mark names, in order.
    spare = iter(
        [n for n, a in enumerate(attachments) if a.content_type.startswith("image/") and n not in named]
    )
    placed: set[int] = set()

    def marker(m: re.Match[str]) -> str:
        n = index.get((m.group(1), _key(m.group(2))))
        if n is None and m.group(1) == "name":
            n = next(spare, None)
        if n is None or n in placed:
            return ""  # no such picture in the message, or already placed once
        placed.add(n)
        alt = m.group(3) or ""
        return f"\n[[image:#{n}{'|' + alt if alt else ''}]]\n"

    return _tidy(_TOKEN.sub(marker, text))


def name(text: str, names: dict[int, str]) -> str:
    """Markers ``[[image:#N|alt]]`` given the published file name of attachment N; others dropped."""
    if "[[image:#" not in text:
        return text

    def marker(m: re.Match[str]) -> str:
        published = names.get(int(m.group(1)))
        return f"[[image:{published}{m.group(2) or ''}]]" if published else ""

    return _tidy(_INDEXED.sub(marker, text))


def _key(ref: str) -> str:
    return ref.strip().strip("<>").casefold()


def _index(attachments: Sequence[Attachment]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for n, attachment in enumerate(attachments):
        if attachment.content_id:
            found.setdefault(("cid", _key(attachment.content_id)), n)
        if attachment.filename:
            found.setdefault(("name", _key(attachment.filename)), n)
    return found


def _tidy(text: str) -> str:
    """No runs of blank lines left where tokens were, no blank edges."""
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
