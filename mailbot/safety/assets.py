"""Images from a message made safe to publish: known formats only, metadata removed, new names.

Pure: bytes in, bytes out. An image is recognised by its magic bytes (never by its name or its
declared type), then rebuilt from an allowlist of the segments or chunks that draw the picture,
everything else left behind (:mod:`mailbot.safety.images` lists what each format keeps).

Anything else, or a file that does not follow its format's structure, is refused with
:class:`AssetError`. Pillow is not needed: no pixel is decoded, so a decoder bug cannot be reached.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from mailbot.safety.images import AssetError, strip_gif, strip_jpeg, strip_png, strip_webp
from mailbot.textutil import clean_text

__all__ = [
    "GIF", "IMAGE_TYPES", "JPEG", "PNG", "WEBP", "AssetError", "Kind", "Prepared", "clean", "prepare",
    "sniff", "strip_gif", "strip_jpeg", "strip_png", "strip_webp",
]  # fmt: skip


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str


JPEG = Kind("image/jpeg", "jpg")
PNG = Kind("image/png", "png")
GIF = Kind("image/gif", "gif")
WEBP = Kind("image/webp", "webp")


def sniff(data: bytes) -> Kind | None:
    """The image format the bytes start with, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def clean(data: bytes) -> tuple[Kind, bytes]:
    """The image's format and its bytes without metadata; AssetError if it is not a known image."""
    kind = sniff(data)
    if kind is None:
        raise AssetError("not a JPEG, PNG, GIF or WebP image")
    try:
        stripper = {JPEG: strip_jpeg, PNG: strip_png, GIF: strip_gif, WEBP: strip_webp}[kind]
        return kind, stripper(data)
    except (IndexError, struct.error) as exc:
        raise AssetError(f"truncated {kind.extension.upper()} image") from exc


# -- a message's images ---------------------------------------------------------------------------

IMAGE_TYPES = frozenset({"image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/gif", "image/webp"})


@dataclass(frozen=True)
class Prepared:
    """An image ready to publish: its generated name, its type and its cleaned bytes."""

    name: str
    content_type: str
    data: bytes
    part: int = -1  # which of the parts given to prepare() it was made from

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def prepare(
    parts: list[tuple[str | None, str, bytes]], prefix: str
) -> tuple[list[Prepared], list[dict[str, str]]]:
    """Turn a message's attachments ``(file name, declared type, bytes)`` into publishable images.

    Images get the names ``<prefix>-1.jpg``, ``<prefix>-2.png``...; the names in the message are
    never used for files. Everything else is returned as a private note for the reviewer
    (declared type, size, why it was left out), never published.
    """
    ready: list[Prepared] = []
    skipped: list[dict[str, str]] = []
    seen: set[bytes] = set()
    for number, (filename, declared, data) in enumerate(parts):
        note = {"filename": _short(filename or ""), "content_type": _short(declared), "size": str(len(data))}
        if declared.lower() not in IMAGE_TYPES:
            skipped.append(note | {"reason": "not an image: attachments are never published"})
            continue
        try:
            kind, cleaned = clean(data)
        except AssetError as exc:
            skipped.append(note | {"reason": f"refused: {exc}"})
            continue
        if cleaned in seen:
            continue
        seen.add(cleaned)
        ready.append(
            Prepared(f"{prefix}-{len(ready) + 1}.{kind.extension}", kind.content_type, cleaned, number)
        )
    return ready, skipped


def _short(text: str, limit: int = 200) -> str:
    # The storable-text rule, then anything else invisible (zero-width, format characters) shown.
    text = clean_text(text[:limit], multiline=False)
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
