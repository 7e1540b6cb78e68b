"""Image files rebuilt from an allowlist (mailbot/safety/images.py): handcrafted bytes for each case."""

from __future__ import annotations

import struct
import zlib

import pytest

from mailbot.safety import assets
from mailbot.safety.images import AssetError, strip_gif, strip_jpeg, strip_png, strip_webp

GPS = b"GPS 41.9028N 12.4964E Via Roma 1"


# -- JPEG -----------------------------------------------------------------------------------------


def seg(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


JFIF = seg(0xE0, b"JFIF\0\x01\x02\x01\x00\x48\x00\x48\x00\x00")  # 1.02, dpi, 72x72, no thumbnail
ADOBE = seg(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")  # version 100, transform 1 (YCbCr)
DQT = seg(0xDB, b"\x00" + bytes(range(1, 65)))
SOF0 = seg(0xC0, b"\x08\x00\x02\x00\x02\x01\x01\x11\x00")  # 8 bits, 2x2, one component
DHT = seg(0xC4, b"\x00\x01" + bytes(15) + b"\x07")  # one code of length 1: the value 7
SOS = seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
SCAN = b"\x5a\xff\x00\xa5\xff\xd0\x3c"  # a stuffed 0xFF and a restart marker
PICTURE = DQT + SOF0 + DHT + SOS + SCAN


def jpeg(*segments: bytes) -> bytes:
    return b"\xff\xd8" + b"".join(segments) + b"\xff\xd9"


def test_jpeg_keeps_exactly_what_draws_the_picture() -> None:
    data = jpeg(JFIF, seg(0xE1, b"Exif\0\0" + GPS), seg(0xFE, GPS), ADOBE, seg(0xEF, GPS), PICTURE)
    assert strip_jpeg(data + GPS) == jpeg(JFIF, ADOBE, PICTURE)


@pytest.mark.parametrize(
    "app0",
    [
        seg(0xE0, b"Exif\0\0MM\0*" + GPS),  # an Exif payload in APP0
        seg(0xE0, b"JFIF\0\x01\x02\x01\x00\x48\x00\x48\x00\x00" + GPS),  # JFIF with a tail
        seg(0xE0, b"JFIF\0\x01\x02\x01\x00\x48\x00\x48\x01\x01" + b"\x00\x00\x00"),  # a thumbnail
        seg(0xE0, b"JFXX\0\x10" + GPS),  # the JFIF extension (thumbnails)
        seg(0xE0, b"JFIF\0\x02\x00\x01\x00\x48\x00\x48\x00\x00"),  # not version 1
    ],
)
def test_jpeg_app0_other_than_the_standard_jfif_is_dropped(app0: bytes) -> None:
    assert strip_jpeg(jpeg(app0, PICTURE)) == jpeg(PICTURE)


def test_jpeg_adobe_segment_only_in_its_standard_form() -> None:
    longer = seg(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01" + GPS)
    assert strip_jpeg(jpeg(longer, PICTURE)) == jpeg(PICTURE)
    assert strip_jpeg(jpeg(ADOBE, PICTURE)) == jpeg(ADOBE, PICTURE)


def test_jpeg_tables_are_rebuilt_from_their_fields() -> None:
    two_tables = seg(0xDB, b"\x00" + bytes(64) + b"\x01" + bytes(64))
    restart = seg(0xDD, b"\x00\x04")
    data = jpeg(two_tables, restart, SOF0, DHT, SOS, SCAN)
    assert strip_jpeg(data) == data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (jpeg(seg(0xDB, b"\x00" + bytes(64) + GPS), SOF0, DHT, SOS, SCAN), "quantization"),
        (jpeg(DQT, SOF0, seg(0xC4, b"\x00\x01" + bytes(15) + b"\x07" + GPS), SOS, SCAN), "Huffman"),
        (jpeg(DQT, seg(0xC0, b"\x08\x00\x02\x00\x02\x01\x01\x11\x00" + GPS), DHT, SOS, SCAN), "frame"),
        (jpeg(DQT, SOF0, DHT, seg(0xDA, b"\x01\x01\x00\x00\x3f\x00" + GPS), SCAN), "scan header"),
        (jpeg(DQT, DHT, SOS, SCAN), "before the frame"),
        (jpeg(JFIF), "no image data"),
        (jpeg(seg(0x02, GPS), PICTURE), "unknown marker"),
        (b"\xff\xd8" + PICTURE, "no end of image"),
        (b"\xff\xd8" + JFIF + b"\x00" + PICTURE + b"\xff\xd9", "marker"),
    ],
)  # fmt: skip
def test_jpeg_that_does_not_parse_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(AssetError, match=reason):
        strip_jpeg(data)


# -- PNG ------------------------------------------------------------------------------------------


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


SIG = b"\x89PNG\r\n\x1a\n"
IHDR = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 3, 0, 0, 0))
PLTE = chunk(b"PLTE", b"\xff\x00\x00")
TRNS = chunk(b"tRNS", b"\x80")
IDAT = chunk(b"IDAT", zlib.compress(b"\x00\x00"))
IEND = chunk(b"IEND", b"")
GAMA = chunk(b"gAMA", struct.pack(">I", 45455))
CHRM = chunk(b"cHRM", struct.pack(">8I", 31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000))
SRGB = chunk(b"sRGB", b"\x00")


def test_png_keeps_exactly_what_draws_the_picture() -> None:
    data = (
        SIG + IHDR + GAMA + CHRM + SRGB + chunk(b"iCCP", b"Camera\0\0" + zlib.compress(GPS))
        + chunk(b"pHYs", b"\x00\x00\x0b\x13\x00\x00\x0b\x13\x01") + chunk(b"sBIT", b"\x08")
        + chunk(b"tEXt", b"GPS\0" + GPS) + chunk(b"eXIf", b"MM\0*" + GPS) + chunk(b"prVt", GPS)
        + PLTE + chunk(b"bKGD", b"\x00") + TRNS + IDAT + chunk(b"tIME", b"\x07\xd7\x01\x16\x12\x03\x00")
        + IDAT + IEND + GPS
    )  # fmt: skip
    assert strip_png(data) == SIG + IHDR + GAMA + CHRM + SRGB + PLTE + TRNS + IDAT + IDAT + IEND


def test_png_colour_chunks_of_the_wrong_size_are_dropped() -> None:
    data = SIG + IHDR + chunk(b"gAMA", struct.pack(">I", 45455) + GPS) + chunk(b"sRGB", GPS) + IDAT + IEND
    assert strip_png(data) == SIG + IHDR + IDAT + IEND


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (SIG + IHDR + chunk(b"ABCD", GPS) + IDAT + IEND, "unknown critical chunk ABCD"),
        (SIG + IHDR + IEND, "no image data"),
        (SIG + chunk(b"IHDR", bytes(14)) + IDAT + IEND, "IHDR"),
        (SIG + IHDR + IDAT, "no IEND"),
        (SIG + IHDR + IDAT[:-1] + b"\x00" + IEND, "checksum"),
    ],
)
def test_png_that_does_not_parse_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(AssetError, match=reason):
        strip_png(data)


# -- WebP -----------------------------------------------------------------------------------------


def riff(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def webp(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


VP8L = riff(b"VP8L", b"\x2f\x00\x00\x00\x00\x07\x00")
ALPH = riff(b"ALPH", b"\x00\xff")
VP8 = riff(b"VP8 ", b"\x30\x01\x00\x9d\x01\x2a\x01\x00\x01\x00")


def vp8x(flags: int) -> bytes:
    return riff(b"VP8X", bytes([flags, 0, 0, 0]) + b"\x00\x00\x00\x00\x00\x00")


def test_webp_keeps_exactly_what_draws_the_picture() -> None:
    data = webp(
        vp8x(0x20 | 0x10 | 0x08 | 0x04), riff(b"ICCP", GPS), ALPH, VP8, riff(b"EXIF", GPS),
        riff(b"XMP ", GPS), riff(b"GPS ", GPS), riff(b"exif", GPS),
    )  # fmt: skip
    assert strip_webp(data + GPS) == webp(vp8x(0x10), ALPH, VP8)


def test_webp_animation_frames_are_rebuilt_too() -> None:
    frame_head = b"\x00" * 6 + b"\x00\x00\x00\x00\x00\x00" + b"\x64\x00\x00\x00"
    dirty = riff(b"ANMF", frame_head + riff(b"XMP ", GPS) + VP8L + riff(b"GPS ", GPS))
    clean = riff(b"ANMF", frame_head + VP8L)
    anim = riff(b"ANIM", b"\xff\xff\xff\xff\x00\x00")
    assert strip_webp(webp(vp8x(0x02 | 0x08), anim, dirty, dirty)) == webp(vp8x(0x02), anim, clean, clean)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (webp(riff(b"EXIF", GPS), VP8L), "no image data"),
        (webp(vp8x(0), riff(b"EXIF", GPS)), "no image data"),
        (webp(riff(b"VP8X", b"\x00" * 9), VP8L), "VP8X"),
        (webp(VP8L)[:-2], "RIFF size"),
        (webp(vp8x(2), riff(b"ANMF", b"\x00" * 16 + riff(b"XMP ", GPS))), "without image data"),
    ],
)
def test_webp_that_does_not_parse_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(AssetError, match=reason):
        strip_webp(data)


# -- GIF ------------------------------------------------------------------------------------------

HEAD = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
GCE = b"\x21\xf9\x04\x01\x0a\x00\x00\x00"
LOOP = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
IMAGE = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x4c\x01\x00"


def sub_blocks(data: bytes) -> bytes:
    return bytes([len(data)]) + data + b"\x00"


def test_gif_keeps_exactly_what_draws_the_picture() -> None:
    plain_text = b"\x21\x01\x0c" + bytes(12) + sub_blocks(GPS)
    comment = b"\x21\xfe" + sub_blocks(GPS)
    xmp = b"\x21\xff\x0bXMP DataXMP" + sub_blocks(GPS)
    unknown = b"\x21\x99" + sub_blocks(GPS)
    data = HEAD + comment + LOOP + xmp + GCE + plain_text + unknown + IMAGE + GCE + IMAGE + b"\x3b" + GPS
    assert strip_gif(data) == HEAD + LOOP + GCE + IMAGE + GCE + IMAGE + b"\x3b"


def test_gif_loop_extension_only_in_its_standard_form() -> None:
    long_loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00" + sub_blocks(GPS)
    assert strip_gif(HEAD + long_loop + IMAGE + b"\x3b") == HEAD + IMAGE + b"\x3b"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (HEAD + b"\x21\xf9\x05\x00\x00\x00\x00\x00\x00" + IMAGE + b"\x3b", "graphic control"),
        (HEAD + b"\x3b", "no image"),
        (HEAD + IMAGE, "no trailer"),
        (HEAD + b"\x99" + IMAGE + b"\x3b", "unknown block"),
        (HEAD + IMAGE[:-3], "truncated"),
    ],
)
def test_gif_that_does_not_parse_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(AssetError, match=reason):
        strip_gif(data)


# -- through prepare(): a refused image is a skipped attachment with its reason -----------------


def test_an_image_that_does_not_parse_is_skipped_with_the_reason() -> None:
    broken = jpeg(seg(0x02, GPS), PICTURE)
    ready, skipped = assets.prepare(
        [("a.jpg", "image/jpeg", broken), ("b.gif", "image/gif", HEAD + IMAGE + b"\x3b")], "20070122-x"
    )
    assert [r.name for r in ready] == ["20070122-x-1.gif"]
    assert skipped == [
        {"filename": "a.jpg", "content_type": "image/jpeg", "size": str(len(broken)),
         "reason": "refused: malformed JPEG: unknown marker 0x02"},
    ]  # fmt: skip
