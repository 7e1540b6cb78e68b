"""Image files rebuilt from an allowlist: only what displaying them needs (see :mod:`mailbot.safety.assets`).

Pure: bytes in, bytes out. Each format is parsed from its first byte to its end marker, and a
new file is written from the pieces that draw the picture; everything else (metadata of any
name, comments, thumbnails, unknown or private segments, anything after the end) is left
behind without being looked at, so a new kind of metadata cannot slip through. A file that does
not parse as the format it claims raises :class:`AssetError`.

* JPEG: SOI, DQT, DHT, DAC (the arithmetic-coding tables, as DHT is for Huffman coding), DRI,
  SOFn, SOS with its scan data, EOI, each table re-emitted from its parsed fields; a JFIF APP0
  and an Adobe APP14 only in their exact standard form (16 and 14 bytes: the APP14 transform
  says how to read CMYK/YCCK colours, the JFIF one the pixel density).
* PNG: IHDR, PLTE, tRNS, IDAT, IEND, and gAMA, cHRM and sRGB when of their fixed size (4, 32
  and 1 bytes of numbers that set how colours are shown, no room for text). iCCP is dropped:
  an ICC profile is a container of free text (description, copyright, device model).
* WebP: VP8, VP8L, ALPH, ANIM, ANMF (its frames rebuilt the same way) and VP8X with its ICC,
  EXIF and XMP flags cleared.
* GIF: header, logical screen descriptor, colour tables, graphic control extensions, image
  descriptors with their data, the NETSCAPE2.0 loop extension (rebuilt), the trailer.
"""

from __future__ import annotations

import struct
import zlib


class AssetError(ValueError):
    """The bytes are not an image mailbot publishes, or not a well-formed one."""


# -- JPEG -----------------------------------------------------------------------------------------

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_DROPPED = {*range(0xE0, 0xF0), 0xFE, *range(0xF0, 0xFE), 0xDC, 0xDE, 0xDF}  # APPn, COM, JPGn, DNL...
_JFIF = b"JFIF\0"
_ADOBE = b"Adobe"


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _dqt(payload: bytes) -> bytes:
    out, pos = bytearray(), 0
    while pos < len(payload):
        precision, table = payload[pos] >> 4, payload[pos] & 15
        size = 1 + 64 * (precision + 1)
        if precision > 1 or table > 3 or pos + size > len(payload):
            raise AssetError("malformed JPEG: a quantization table is broken")
        out += payload[pos : pos + size]
        pos += size
    if not out:
        raise AssetError("malformed JPEG: an empty quantization segment")
    return bytes(out)


def _dht(payload: bytes) -> bytes:
    out, pos = bytearray(), 0
    while pos < len(payload):
        if pos + 17 > len(payload) or payload[pos] >> 4 > 1 or payload[pos] & 15 > 3:
            raise AssetError("malformed JPEG: a Huffman table is broken")
        size = 17 + sum(payload[pos + 1 : pos + 17])
        if pos + size > len(payload):
            raise AssetError("malformed JPEG: a Huffman table runs past its segment")
        out += payload[pos : pos + size]
        pos += size
    if not out:
        raise AssetError("malformed JPEG: an empty Huffman segment")
    return bytes(out)


def _checked(marker: int, payload: bytes) -> bytes | None:
    """The payload to keep for a segment (rebuilt or checked), or None to drop it."""
    size = len(payload)
    if marker == 0xDB:
        return _dqt(payload)
    if marker == 0xC4:
        return _dht(payload)
    if marker == 0xCC:  # DAC: pairs of (class/table, value)
        if size == 0 or size % 2:
            raise AssetError("malformed JPEG: an arithmetic-coding table is broken")
        return payload
    if marker == 0xDD:
        if size != 2:
            raise AssetError("malformed JPEG: a restart interval is broken")
        return payload
    if marker in _SOF:
        if size < 6 or size != 6 + 3 * payload[5] or payload[5] == 0:
            raise AssetError("malformed JPEG: a frame header is broken")
        return payload
    if marker == 0xDA:
        if size < 1 or size != 4 + 2 * payload[0] or payload[0] == 0:
            raise AssetError("malformed JPEG: a scan header is broken")
        return payload
    if marker == 0xE0:  # JFIF 1.0x, no thumbnail, exactly: else dropped
        ok = size == 14 and payload[:5] == _JFIF and payload[5] == 1 and payload[6] <= 2 and payload[7] <= 2
        return payload if ok and payload[12:14] == b"\0\0" else None
    if marker == 0xEE:  # Adobe: version, two flag words, colour transform; exactly
        return payload if size == 12 and payload[:5] == _ADOBE and payload[11] <= 2 else None
    if marker in _DROPPED:
        return None
    raise AssetError(f"malformed JPEG: unknown marker 0x{marker:02X}")


def strip_jpeg(data: bytes) -> bytes:
    """A new JPEG file from the segments that draw the picture."""
    if not data.startswith(b"\xff\xd8"):
        raise AssetError("not a JPEG image")
    out = bytearray(b"\xff\xd8")
    pos, n = 2, len(data)
    frame = scan = False
    while True:
        while pos + 1 < n and data[pos] == 0xFF and data[pos + 1] == 0xFF:
            pos += 1  # fill bytes
        if pos + 1 >= n or data[pos] != 0xFF:
            raise AssetError("malformed JPEG: a segment does not start with a marker")
        marker = data[pos + 1]
        if marker == 0xD9:  # EOI: whatever follows is dropped
            if not (frame and scan):
                raise AssetError("malformed JPEG: no image data")
            return bytes(out + b"\xff\xd9")
        if marker in (0xD8, 0x01, *range(0xD0, 0xD8)):
            raise AssetError("malformed JPEG: a stray marker")
        if pos + 4 > n:
            raise AssetError("truncated JPEG image")
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > n:
            raise AssetError("malformed JPEG: a segment runs past the end")
        payload = _checked(marker, data[pos + 4 : end])
        if payload is not None:
            out += _segment(marker, payload)
        frame = frame or marker in _SOF
        pos = end
        if marker == 0xDA:  # SOS: entropy-coded data until the next marker that is not RSTn
            if not frame:
                raise AssetError("malformed JPEG: a scan before the frame header")
            scan = True
            start = pos
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= n:
                    raise AssetError("truncated JPEG image: no end of image")
                nxt = data[pos + 1]
                if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
                    pos += 2
                elif nxt == 0xFF:
                    pos += 1
                else:
                    break
            out += data[start:pos]


# -- PNG ------------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEEP = {b"IHDR": None, b"PLTE": None, b"tRNS": None, b"IDAT": None, b"IEND": 0,
             b"gAMA": 4, b"cHRM": 32, b"sRGB": 1}  # fmt: skip


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def strip_png(data: bytes) -> bytes:
    """A new PNG file from the chunks that draw the picture."""
    if not data.startswith(_PNG_SIGNATURE):
        raise AssetError("not a PNG image")
    out = bytearray(_PNG_SIGNATURE)
    pos, first, idat = 8, True, False
    while True:
        if pos + 12 > len(data):
            raise AssetError("truncated PNG image: no IEND chunk")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data) or not kind.isalpha() or not kind.isascii():
            raise AssetError("malformed PNG: a chunk runs past the end")
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : end])
        if zlib.crc32(kind + body) != crc:
            raise AssetError("malformed PNG: a chunk checksum is wrong")
        if first and (kind != b"IHDR" or length != 13):
            raise AssetError("malformed PNG: it does not start with IHDR")
        first = False
        pos = end
        if kind in _PNG_KEEP:
            size = _PNG_KEEP[kind]
            if size is not None and length != size:
                if kind == b"IEND":
                    raise AssetError("malformed PNG: a broken IEND chunk")
                continue  # a colour chunk of the wrong size: not the standard one, dropped
            idat = idat or kind == b"IDAT"
            if kind == b"IEND":
                if not idat:
                    raise AssetError("malformed PNG: no image data")
                return bytes(out + _png_chunk(b"IEND", b""))
            out += _png_chunk(kind, body)
        elif not kind[:1].islower():
            raise AssetError(f"malformed PNG: unknown critical chunk {kind.decode('ascii')}")


# -- GIF ------------------------------------------------------------------------------------------


def _sub_blocks(data: bytes, pos: int) -> int:
    """The position after a chain of data sub-blocks starting at ``pos``."""
    while True:
        if pos >= len(data):
            raise AssetError("truncated GIF image")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def _table(flags: int) -> int:
    return 3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0


def strip_gif(data: bytes) -> bytes:
    """A new GIF file from the blocks that draw the picture (and loop it)."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise AssetError("not a GIF image")
    pos = 13 + _table(data[10])
    out = bytearray(data[:pos])
    images = 0
    while True:
        if pos >= len(data):
            raise AssetError("truncated GIF image: no trailer")
        block = data[pos]
        if block == 0x3B:  # trailer: whatever follows is dropped
            if not images:
                raise AssetError("malformed GIF: no image")
            return bytes(out + b"\x3b")
        if block == 0x21:  # extension
            if pos + 2 >= len(data):
                raise AssetError("truncated GIF image")
            label = data[pos + 1]
            end = _sub_blocks(data, pos + 2)
            if label == 0xF9:  # graphic control: exactly one 4-byte block
                if data[pos + 2] != 4 or end != pos + 8:
                    raise AssetError("malformed GIF: a broken graphic control extension")
                out += data[pos:end]
            elif label == 0xFF and data[pos + 2 : pos + 14] == b"\x0bNETSCAPE2.0":
                loop = data[pos + 14 : end]
                if len(loop) == 5 and loop[0] == 3 and loop[1] == 1 and loop[4] == 0:
                    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + loop[2:4] + b"\x00"
            pos = end  # comment, plain text, other application extensions: dropped
        elif block == 0x2C:  # image descriptor, local colour table, LZW code size, data
            if pos + 11 > len(data):
                raise AssetError("truncated GIF image")
            start = pos
            pos += 10 + _table(data[pos + 9])
            if pos >= len(data) or not 2 <= data[pos] <= 12:
                raise AssetError("malformed GIF: a broken image")
            pos = _sub_blocks(data, pos + 1)
            out += data[start:pos]
            images += 1
        else:
            raise AssetError("malformed GIF: unknown block")


# -- WebP -----------------------------------------------------------------------------------------

_WEBP_FRAME = {b"VP8 ", b"VP8L", b"ALPH"}
_VP8X_DROPPED_FLAGS = 0x20 | 0x08 | 0x04  # ICC profile, EXIF, XMP


def _riff_chunks(data: bytes, pos: int, end: int) -> list[tuple[bytes, bytes]]:
    chunks = []
    while pos < end:
        if pos + 8 > end:
            raise AssetError("malformed WebP: a truncated chunk")
        kind, size = struct.unpack("<4sI", data[pos : pos + 8])
        if pos + 8 + size > end:
            raise AssetError("malformed WebP: a chunk runs past the end")
        chunks.append((kind, data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    return chunks


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


def strip_webp(data: bytes) -> bytes:
    """A new WebP file from the chunks that draw the picture (and animate it)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise AssetError("not a WebP image")
    (riff_size,) = struct.unpack("<I", data[4:8])
    if riff_size < 4 or 8 + riff_size > len(data):
        raise AssetError("malformed WebP: the RIFF size runs past the end")
    chunks = _riff_chunks(data, 12, 8 + riff_size)  # whatever follows the RIFF is dropped
    if not chunks or chunks[0][0] not in (b"VP8 ", b"VP8L", b"VP8X"):
        raise AssetError("malformed WebP: no image data")
    out = bytearray()
    pictures = 0
    for kind, payload in chunks:
        if kind == b"VP8X":
            if len(payload) != 10:
                raise AssetError("malformed WebP: a broken VP8X chunk")
            out += _riff_chunk(kind, bytes([payload[0] & ~_VP8X_DROPPED_FLAGS & 0xFF]) + payload[1:])
        elif kind == b"ANIM":
            if len(payload) != 6:
                raise AssetError("malformed WebP: a broken ANIM chunk")
            out += _riff_chunk(kind, payload)
        elif kind == b"ANMF":
            if len(payload) < 16:
                raise AssetError("malformed WebP: a broken ANMF chunk")
            inner = _riff_chunks(payload, 16, len(payload))
            kept = b"".join(_riff_chunk(k, p) for k, p in inner if k in _WEBP_FRAME)
            if not any(k in (b"VP8 ", b"VP8L") for k, _ in inner):
                raise AssetError("malformed WebP: an animation frame without image data")
            out += _riff_chunk(kind, payload[:16] + kept)
            pictures += 1
        elif kind in _WEBP_FRAME:
            out += _riff_chunk(kind, payload)
            pictures += kind != b"ALPH"
        # anything else (EXIF, XMP, ICCP, unknown chunks): dropped
    if not pictures:
        raise AssetError("malformed WebP: no image data")
    body = b"WEBP" + bytes(out)
    return b"RIFF" + struct.pack("<I", len(body)) + body
