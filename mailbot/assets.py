"""Images from a message made safe to publish: known formats only, metadata removed, new names.

Pure: bytes in, bytes out. An image is recognised by its magic bytes (never by its name or its
declared type), then rewritten without what could identify the customer or carry a payload:

* JPEG: APP1-APP15 (EXIF, GPS, XMP, ICC, Photoshop IPTC, ...) and COM segments are dropped; SOI,
  APP0 (JFIF), tables, frames, scans and EOI are kept; anything after EOI is dropped.
* PNG: only critical chunks and the rendering ones (tRNS, gAMA, cHRM, sRGB, sBIT, bKGD, pHYs) are
  kept; tEXt, iTXt, zTXt, eXIf, tIME, iCCP and every unknown chunk are dropped; CRCs are checked.
* GIF: comment and application extensions (XMP lives there) are dropped, except the NETSCAPE2.0
  loop count.
* WebP: EXIF, XMP and ICCP chunks are dropped and the VP8X flags cleared to match.

Anything else, or a file that does not follow its format's structure, is refused with
:class:`AssetError`. Pillow is not needed: no pixel is decoded, so a decoder bug cannot be reached.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass


class AssetError(ValueError):
    """The bytes are not an image mailbot publishes, or not a well-formed one."""


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


# -- JPEG -----------------------------------------------------------------------------------------

_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: no length


def strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise AssetError("not a JPEG image")
    out = bytearray(b"\xff\xd8")
    pos = 2
    n = len(data)
    while True:
        while pos < n and data[pos] == 0xFF and pos + 1 < n and data[pos + 1] == 0xFF:
            pos += 1  # fill bytes
        if pos + 1 >= n or data[pos] != 0xFF:
            raise AssetError("malformed JPEG: a segment does not start with a marker")
        marker = data[pos + 1]
        if marker == 0xD9:  # EOI
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _STANDALONE:
            out += data[pos : pos + 2]
            pos += 2
            continue
        if pos + 4 > n:
            raise AssetError("truncated JPEG image")
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > n:
            raise AssetError("malformed JPEG: a segment runs past the end")
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE):
            out += data[pos:end]
        pos = end
        if marker == 0xDA:  # SOS: entropy-coded data until the next real marker
            scan = pos
            while True:
                scan = data.find(b"\xff", scan)
                if scan < 0 or scan + 1 >= n:
                    raise AssetError("truncated JPEG image: no end of image")
                nxt = data[scan + 1]
                if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
                    scan += 1 if nxt == 0xFF else 2
                    continue
                break
            out += data[pos:scan]
            pos = scan


# -- PNG ------------------------------------------------------------------------------------------

_PNG_KEEP = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"tRNS",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"sBIT",
    b"bKGD",
    b"pHYs",
}


def strip_png(data: bytes) -> bytes:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise AssetError("not a PNG image")
    out = bytearray(data[:8])
    pos = 8
    first = True
    while True:
        if pos + 12 > len(data):
            raise AssetError("truncated PNG image: no IEND chunk")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data) or not ctype.isalpha():
            raise AssetError("malformed PNG: a chunk runs past the end")
        body = data[pos + 4 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : end])
        if zlib.crc32(body) != crc:
            raise AssetError("malformed PNG: a chunk checksum is wrong")
        if first and ctype != b"IHDR":
            raise AssetError("malformed PNG: it does not start with IHDR")
        first = False
        if ctype in _PNG_KEEP:
            out += data[pos:end]
        pos = end
        if ctype == b"IEND":
            return bytes(out)


# -- GIF ------------------------------------------------------------------------------------------


def _gif_sub_blocks(data: bytes, pos: int) -> int:
    """The position after a chain of data sub-blocks starting at ``pos``."""
    while True:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def strip_gif(data: bytes) -> bytes:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise AssetError("not a GIF image")
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    out = bytearray(data[:pos])
    while True:
        block = data[pos]
        if block == 0x3B:  # trailer
            out += b"\x3b"
            return bytes(out)
        if block == 0x21:  # extension
            label = data[pos + 1]
            end = _gif_sub_blocks(data, pos + 2)
            keep = label in (0xF9, 0x01)  # graphic control, plain text
            if label == 0xFF:
                keep = data[pos + 2] == 11 and data[pos + 3 : pos + 14] == b"NETSCAPE2.0"
            if end > len(data):
                raise AssetError("truncated GIF image")
            if keep:
                out += data[pos:end]
            pos = end
        elif block == 0x2C:  # image descriptor
            lflags = data[pos + 9]
            start = pos
            pos += 10 + (3 * 2 ** ((lflags & 7) + 1) if lflags & 0x80 else 0)
            pos = _gif_sub_blocks(data, pos + 1)  # after the LZW minimum code size
            if pos > len(data):
                raise AssetError("truncated GIF image")
            out += data[start:pos]
        else:
            raise AssetError("malformed GIF: unknown block")


# -- WebP -----------------------------------------------------------------------------------------

_WEBP_DROP = {b"EXIF", b"XMP ", b"ICCP"}


def strip_webp(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise AssetError("not a WebP image")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end_all = min(len(data), 8 + riff_size)
    chunks: list[bytes] = []
    pos = 12
    while pos + 8 <= end_all:
        ctype, size = struct.unpack("<4sI", data[pos : pos + 8])
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > end_all:
            raise AssetError("malformed WebP: a chunk runs past the end")
        chunk = bytearray(data[pos:end])
        if ctype == b"VP8X" and size >= 10:
            chunk[8] &= ~(0x20 | 0x08 | 0x04) & 0xFF  # ICC, EXIF, XMP flags
        if ctype not in _WEBP_DROP:
            chunks.append(bytes(chunk))
        pos = end
    if not any(c[:4] in (b"VP8 ", b"VP8L", b"ANMF") for c in chunks):
        raise AssetError("malformed WebP: no image data")
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


# -- a message's images ---------------------------------------------------------------------------

IMAGE_TYPES = frozenset({"image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/gif", "image/webp"})


@dataclass(frozen=True)
class Prepared:
    """An image ready to publish: its generated name, its type and its cleaned bytes."""

    name: str
    content_type: str
    data: bytes

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
    for filename, declared, data in parts:
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
        ready.append(Prepared(f"{prefix}-{len(ready) + 1}.{kind.extension}", kind.content_type, cleaned))
    return ready, skipped


def _short(text: str, limit: int = 200) -> str:
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text[:limit])
    return text.encode("utf-8", "replace").decode("utf-8")
