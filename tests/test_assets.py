"""Images: magic bytes, metadata stripping, generated names, limits, and no path escapes."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from mailfactory import maildir

from mailbot.config import Config, load_config
from mailbot.drafts.store import INDEX_NAME, LOCK_NAME, DraftStore
from mailbot.errors import StoreError
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.safety import assets
from mailbot.site.publishing import Publisher
from mailbot.sources.local import MaildirInbox

SECRET = b"SECRET-41.9028N-12.4964E"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(gamma: int = 45455) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + png_chunk(b"gAMA", struct.pack(">I", gamma))
        + png_chunk(b"tEXt", b"Comment\0" + SECRET)
        + png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + SECRET)
        + png_chunk(b"zTXt", b"Author\0\0" + zlib.compress(SECRET))
        + png_chunk(b"eXIf", b"MM\0*" + SECRET)
        + png_chunk(b"iCCP", b"icc\0\0" + zlib.compress(SECRET))
        + png_chunk(b"tIME", b"\x07\xd7\x01\x16\x12\x03\x00")
        + png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + png_chunk(b"IEND", b"")
        + SECRET  # trailing data
    )


def jpeg_segment(marker: int, data: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data


def make_jpeg() -> bytes:
    return (
        b"\xff\xd8"
        + jpeg_segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0")
        + jpeg_segment(0xE1, b"Exif\0\0GPS " + SECRET)
        + jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + SECRET)
        + jpeg_segment(0xE2, b"ICC_PROFILE\0" + SECRET)
        + jpeg_segment(0xED, b"Photoshop 3.0\0" + SECRET)
        + jpeg_segment(0xFE, SECRET)
        + jpeg_segment(0xDB, b"\0" + bytes(range(64)))
        + jpeg_segment(0xC0, b"\x08\0\x01\0\x01\x01\x01\x11\0")
        + jpeg_segment(0xC4, b"\0\x01" + bytes(15) + b"\0")  # one code of length 1
        + jpeg_segment(0xDA, b"\x01\x01\0\0\x3f\0")
        + b"\x12\xff\x00\x34\xff\xd0\x56\x78"  # scan data with a stuffed byte and a restart marker
        + b"\xff\xd9"
        + SECRET
    )


def make_gif() -> bytes:
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)
        + b"\0\0\0\xff\xff\xff"
        + b"\x21\xfe" + bytes([len(SECRET)]) + SECRET + b"\0"
        + b"\x21\xff\x0bXMP DataXMP" + bytes([len(SECRET)]) + SECRET + b"\0"
        + b"\x21\xff\x0bNETSCAPE2.0\x03\x01\0\0\0"
        + b"\x21\xf9\x04\0\0\0\0\0"
        + b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x4c\x01\0"
        + b"\x3b"
    )  # fmt: skip


def make_webp() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return kind + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")

    body = (
        b"WEBP"
        + chunk(b"VP8X", bytes([0x20 | 0x08 | 0x04, 0, 0, 0]) + b"\0\0\0\0\0\0")
        + chunk(b"ICCP", SECRET)
        + chunk(b"VP8L", b"\x2f\0\0\0\0\x07\0")
        + chunk(b"EXIF", SECRET)
        + chunk(b"XMP ", SECRET)
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize(
    ("make", "kind"),
    [(make_png, assets.PNG), (make_jpeg, assets.JPEG), (make_gif, assets.GIF), (make_webp, assets.WEBP)],
)
def test_metadata_is_removed_and_the_image_kept(make: object, kind: assets.Kind) -> None:
    data = make()  # type: ignore[operator]
    assert SECRET in data
    found, cleaned = assets.clean(data)
    assert found == kind
    assert SECRET not in cleaned
    assert assets.sniff(cleaned) == kind
    assert assets.clean(cleaned)[1] == cleaned  # stable


def test_what_each_stripper_keeps() -> None:
    png = assets.strip_png(make_png())
    assert b"IHDR" in png and b"IDAT" in png and b"gAMA" in png and png.endswith(png_chunk(b"IEND", b""))
    for dropped in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"tIME"):
        assert dropped not in png
    jpeg = assets.strip_jpeg(make_jpeg())
    assert b"JFIF" in jpeg and b"\xff\xc0" in jpeg and b"\x12\xff\x00\x34\xff\xd0\x56\x78" in jpeg
    assert jpeg.endswith(b"\xff\xd9") and b"Exif" not in jpeg and b"\xff\xfe" not in jpeg
    gif = assets.strip_gif(make_gif())
    assert b"NETSCAPE2.0" in gif and b"XMP" not in gif and gif.endswith(b"\x3b")
    webp = assets.strip_webp(make_webp())
    assert webp[12:16] == b"VP8X" and webp[20] & (0x20 | 0x08 | 0x04) == 0
    assert struct.unpack("<I", webp[4:8])[0] == len(webp) - 8


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4 not an image",
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"<html><script>alert(1)</script></html>",
        b"",
        b"\xff\xd8\xff",  # truncated JPEG
        b"\xff\xd8\xff\xe0\x00\x10JFIF",  # no image data
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"\0" * 13)[:-1] + b"X",  # bad CRC
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"tEXt", b"a\0b") + png_chunk(b"IEND", b""),  # no IHDR first
        b"GIF89a\x01\0\x01\0\0\0\0\x99",  # unknown block
        b"RIFF\x04\0\0\0WEBP",  # no image chunk
        b"BM\x00\x00 a bitmap",
    ],
)
def test_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises(assets.AssetError):
        assets.clean(data)


def test_prepare_names_images_itself_and_notes_the_rest() -> None:
    ready, skipped = assets.prepare(
        [
            ("../../../etc/passwd.jpg", "image/jpeg", make_jpeg()),
            ("photo.png", "image/png", make_png()),
            ("same.png", "image/png", make_png()),  # the same image twice is kept once
            ("x.svg", "image/svg+xml", b"<svg/>"),
            ("fake.jpg", "image/jpeg", b"<script>alert(1)</script>"),
            ("invoice.pdf", "application/pdf", b"%PDF"),
        ],
        "20070122-lettera",
    )
    assert [(r.name, r.content_type) for r in ready] == [
        ("20070122-lettera-1.jpg", "image/jpeg"),
        ("20070122-lettera-2.png", "image/png"),
    ]
    assert [s["filename"] for s in skipped] == ["x.svg", "fake.jpg", "invoice.pdf"]
    assert all(s["reason"] for s in skipped)


# -- through the pipeline --------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Config:
    root = tmp_path / "root"
    root.mkdir()
    (root / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org"]\n'
        "[service]\nmax_attachments = 20\nmax_attachment_bytes = 100000\n"
    )
    return load_config(root / "mailbot.toml")


def part(content_type: str, data: bytes, filename: str | None = None, cid: str | None = None) -> str:
    head = f"Content-Type: {content_type}\nContent-Transfer-Encoding: base64\n"
    if filename is not None:
        head += f"Content-Disposition: attachment; filename*=utf-8''{quote(filename, safe='')}\n"
    if cid is not None:
        head += f"Content-ID: <{cid}>\nContent-Disposition: inline\n"
    return head + "\n" + base64.encodebytes(data).decode()


def message(n: int, parts: list[str], html: bool = True) -> bytes:
    body = (
        "Content-Type: text/html; charset=utf-8\n\n"
        f"<p>Vi giro la lettera {n}.</p><p>---------- Messaggio inoltrato ---------<br>"
        f"Da: Cliente {n} &lt;cliente{n}@example.it&gt;<br>Date: lun 22 gen 2007 alle ore 18:03<br>"
        f"Subject: Foto {n}<br>To: &lt;servizio@example.org&gt;</p><p>Ecco la foto {n}: "
        '<img src="cid:foto1@x"> <img src="https://tracker.example/pixel.gif?u=1"></p><p>Cliente</p>\n'
    )
    chunks = [body, *parts]
    multipart = "".join(f"--BOUNDARY\n{c}\n" for c in chunks) + "--BOUNDARY--\n"
    return (
        "From: Anna Bianchi <anna.bianchi@napoli.example.org>\nTo: blog@example.org\n"
        f"Subject: I: Foto {n}\nDate: Tue, 23 Jan 2007 09:12:00 +0100\n"
        f"Message-ID: <img-{n}@napoli.example.org>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/related; boundary="BOUNDARY"\n\n' + multipart
    ).encode()


def run(config: Config, messages: list[bytes]) -> tuple[Pipeline, list[tuple[str, str]], list[str]]:
    maildir(config.local.maildir, messages)
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        report = pipeline.run(MaildirInbox(config.local.maildir))
        store = DraftStore(config.paths.drafts)
        store.transition([d.id for d in store.all()], "approve")
        Publisher.of(pipeline.config, clock=pipeline.clock).publish()
    return pipeline, report.failed, report.drafted


def test_inline_and_attached_images_become_clean_assets_and_reach_the_site(config: Config) -> None:
    msg = message(
        1,
        [
            part("image/jpeg", make_jpeg(), cid="foto1@x"),
            part("image/png", make_png(), filename="../../scatto.png"),
            part("application/pdf", b"%PDF-1.4", filename="fattura.pdf"),
            part("image/svg+xml", b"<svg onload=alert(1)/>", filename="logo.svg"),
        ],
    )
    pipeline, failed, drafted = run(config, [msg])
    assert not failed and len(drafted) == 1
    draft = pipeline.store.read(drafted[0])
    names = [a.name for a in draft.assets]
    assert names == [f"{draft.id}-1.jpg", f"{draft.id}-2.png"]
    folder = config.paths.drafts / f"{draft.id}.assets"
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    for a in draft.assets:
        data = (folder / a.name).read_bytes()
        assert SECRET not in data
        assert a.sha256 == __import__("hashlib").sha256(data).hexdigest()
    assert {s.content_type for s in draft.skipped_attachments} == {
        "application/pdf",
        "image/svg+xml",
    }
    post = Publisher.of(pipeline.config, clock=pipeline.clock).post(draft)
    assert [item[0] for item in post.assets] == names
    published = sorted(p.name for p in config.paths.site.rglob("*") if p.is_file())
    assert f"{draft.id}-1.jpg" in published and f"{draft.id}-2.png" in published
    for bad in ("fattura.pdf", "logo.svg", "scatto.png"):
        assert bad not in published
        for page in config.paths.site.rglob("*.html"):
            assert bad not in page.read_text(encoding="utf-8")
    # remote images are recorded for the reviewer, never published
    if draft.remote_images:
        assert draft.remote_images == ("https://tracker.example/pixel.gif?u=1",)
    for page in config.paths.site.rglob("*"):
        if page.is_file() and page.suffix in (".html", ".xml"):
            assert "tracker.example" not in page.read_text(encoding="utf-8")


def test_limits_quarantine_the_message_with_a_reason(config: Config) -> None:
    too_many = message(
        1, [part("image/png", make_png() + bytes([i]), filename=f"{i}.png") for i in range(21)]
    )
    too_big = message(2, [part("application/octet-stream", b"\0" * 100_001, filename="big.bin")])
    _, failed, drafted = run(config, [too_many, too_big])
    assert not drafted
    reasons = sorted(r for _, r in failed)
    assert reasons == [
        "attachment too large: 100001 bytes (limit 100000)",
        "too many attachments: 21 (limit 20)",
    ]


HOSTILE_NAMES = [
    "../../../../../../tmp/mailbot-escape.png",
    "/tmp/mailbot-absolute.png",
    "..\\..\\..\\windows.png",
    "C:\\Windows\\System32\\x.png",
    "a\0b.png",
    "x" * 5000 + ".png",
    "\u202egnp.exe",
    "\uff0e\uff0e\uff0f\uff0e\uff0e\uff0ffullwidth.png",
    "%2e%2e%2fencoded.png",
    ".hidden.png",
    "CON.png",
    "drafts/../../state/ledger.sqlite3",
    "",
]


def test_no_name_from_an_email_can_write_outside_its_folder(config: Config, tmp_path: Path) -> None:
    parts = [
        part("image/png", make_png(gamma=1000 + i), filename=name)  # distinct images
        for i, name in enumerate(HOSTILE_NAMES)
    ]
    before_tmp = set(Path("/tmp").glob("mailbot-*"))
    _, failed, drafted = run(config, [message(1, parts)])
    assert not failed and len(drafted) == 1
    assert set(Path("/tmp").glob("mailbot-*")) == before_tmp
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"]
    draft_id = drafted[0]
    allowed = re.compile(rf"{re.escape(draft_id)}-\d+\.png")
    root = tmp_path / "root"
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(root)
        top = rel.parts[0]
        assert top in ("mailbot.toml", "inbox", "drafts", "state", "site"), rel
        if top == "drafts":
            # mailbot's own bookkeeping beside the drafts: the lock and the index of drafts
            bookkeeping = rel.parent == Path("drafts") and rel.name in (
                LOCK_NAME,
                INDEX_NAME,
                f"{INDEX_NAME}-wal",
                f"{INDEX_NAME}-shm",
            )
            assert (
                bookkeeping
                or rel.name == f"{draft_id}.md"
                or (rel.parent.name == f"{draft_id}.assets" and allowed.fullmatch(rel.name))
            ), rel
        if path.suffix == ".png":
            assert allowed.fullmatch(path.name), rel
    assert len(list((root / "drafts" / f"{draft_id}.assets").iterdir())) == len(HOSTILE_NAMES)


def test_a_linked_assets_folder_stops_the_run_and_receives_nothing(config: Config, tmp_path: Path) -> None:
    """A link planted where a draft's images go: the run stops with the reason, the mail stays."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    drafts = config.paths.drafts
    drafts.mkdir(parents=True)
    (drafts / "20070122-foto-1.assets").symlink_to(elsewhere)
    maildir(config.local.maildir, [message(1, [part("image/png", make_png(), cid="foto1@x")])])
    with Ledger(config.ledger_path) as ledger, pytest.raises(StoreError, match="symbolic link") as info:
        Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
    assert "20070122-foto-1.assets" in str(info.value)
    assert list(elsewhere.iterdir()) == []
    assert len(list((config.local.maildir / "new").iterdir())) == 1  # not moved: retried once fixed
