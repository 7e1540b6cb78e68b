"""One place per rule: where two parts of mailbot must agree, they ask the same function.

Each test names the names or texts both sides see, written by hand, and checks both sides.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.config import load_config
from mailbot.drafts.store import DraftStore, dumps, loads
from mailbot.errors import ConfigError, PublishError, StoreError
from mailbot.langdetect import parse_locale
from mailbot.mail.html import html_to_text
from mailbot.mail.mime import parse_message
from mailbot.models import Asset, Draft, Person, Post, Status
from mailbot.site.letterhtml import clean
from mailbot.site.paths import asset_names
from mailbot.site.theme import Theme
from mailbot.sources.imap import DEFAULT_MAX_BYTES
from mailbot.textutil import clean_text, outlook_leftover, unix_newlines

GOOD_NAMES = ["20070122-lettera-1.jpg", "a.png", "x_y-2.webp", "b9.gif"]
BAD_NAMES = [
    "Foto-1.jpg",  # uppercase: the site refused it, the draft file took it
    "foto-1.JPG",
    "a.jpeg",  # an extension mailbot never prepares: the site took it, the draft file refused it
    "x.avif",
    ".hidden.jpg",
    "a-.jpg",
    "index.html",
    "../x.jpg",
    "a/b.jpg",
    "a" * 81 + ".jpg",  # a name longer than the site allows
]


def _draft(name: str) -> Draft:
    return Draft(
        id="20070122-x",
        status=Status.APPROVED,
        title="t",
        author=Person("Tommaso", None),
        forwarders=(),
        body="b",
        assets=(Asset(name, "image/jpeg", "0" * 64),),
    )


def _post(name: str) -> Post:
    when = datetime(2007, 1, 22, tzinfo=UTC)
    return Post("20070122-x", "x", "t", "Tommaso", (), None, "b", None, when, ((name, Path("/nowhere")),))


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_a_good_picture_name_passes_the_draft_file_the_drafts_folder_and_the_site(
    tmp_path: Path, name: str
) -> None:
    assert loads(dumps(_draft(name))).assets[0].name == name
    assert DraftStore(tmp_path).asset_path("20070122-x", name).name == name
    assert asset_names(_post(name)) == [name]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_bad_picture_name_is_refused_by_the_draft_file_the_drafts_folder_and_the_site(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(StoreError, match="picture names have only lowercase letters"):
        loads(dumps(_draft(name)))
    with pytest.raises(StoreError, match="picture names have only lowercase letters"):
        DraftStore(tmp_path).asset_path("20070122-x", name)
    with pytest.raises(PublishError, match="picture names have only lowercase letters"):
        asset_names(_post(name))


def test_outlook_leftover_names() -> None:
    assert outlook_leftover("ATT00001.txt") == "txt"
    assert outlook_leftover("att00002.HTM") == "htm"
    assert outlook_leftover("ATT00003.bin") == "bin"
    assert outlook_leftover("ATT0001.txt") is None  # four digits: a name someone chose
    assert outlook_leftover("ATT00001.txt.exe") is None
    assert outlook_leftover("report.txt") is None


def _with_parts(*parts: tuple[str, str, str]) -> bytes:
    head = (
        "From: Anna <anna@example.org>\r\nTo: blog@example.org\r\nSubject: Una lettera\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPrima parte.\r\n"
    )
    tail = "".join(
        f"--XX\r\nContent-Type: {ctype}\r\n"
        f'Content-Disposition: attachment; filename="{name}"\r\n\r\n{body}\r\n'
        for name, ctype, body in parts
    )
    return (head + tail + "--XX--\r\n").encode()


def test_the_parser_drops_outlooks_text_leftovers_and_keeps_a_nameless_file() -> None:
    parsed = parse_message(
        _with_parts(
            ("ATT00001.txt", "text/plain", "-- footer of the gateway --"),
            ("ATT00002.htm", "text/html", "<p>footer</p>"),
            ("ATT00003.bin", "application/octet-stream", "data"),
        )
    )
    assert [a.filename for a in parsed.attachments] == ["ATT00003.bin"]


def test_line_ends_are_one_rule_in_mail_html_and_the_site() -> None:
    assert unix_newlines("a\r\nb\rc\nd") == "a\nb\nc\nd"
    raw = b"From: a@example.org\r\nSubject: s\r\nContent-Type: text/plain\r\n\r\nuno\r\ndue\rtre\r\n"
    assert (parse_message(raw).text or "").rstrip("\n") == "uno\ndue\ntre"
    assert "\r" not in html_to_text("<pre>uno\r\ndue\rtre</pre>")
    # What the site shows is what the store keeps: the same cleaning, after any hand edit.
    for text in ("uno\r\ndue", "a\x85b", "rtl\u202eevil", "bell\x07", "tab\tkept"):
        assert clean(text) == clean_text(text)
    assert clean("rtl\u202eevil\r\nx") == "rtlevil\nx"


def test_one_locale_check_for_the_config_and_the_site(tmp_path: Path) -> None:
    assert parse_locale("it") is not None and parse_locale("pt-BR") is not None
    assert parse_locale(" it_CH ") is not None
    assert parse_locale("xx-nonsense") is None and parse_locale("") is None
    (tmp_path / "mailbot.toml").write_text('[site]\nlanguage = "pt-BR"\n')
    assert load_config(tmp_path / "mailbot.toml").site.language == "pt-BR"
    (tmp_path / "mailbot.toml").write_text('[site]\nlanguage = "xx-nonsense"\n')
    with pytest.raises(ConfigError, match="not a known locale"):
        load_config(tmp_path / "mailbot.toml")
    (tmp_path / "mailbot.toml").write_text("")
    site = dataclasses.replace(load_config(tmp_path / "mailbot.toml").site, language="xx-nonsense")
    with pytest.raises(PublishError, match="not a known locale"):
        Theme(site, preview=False)


def test_the_imap_size_limit_is_the_configs(tmp_path: Path) -> None:
    # 25 MiB, written out: the default of [service] max_message_bytes, which the IMAP source uses.
    (tmp_path / "mailbot.toml").write_text("")
    assert load_config(tmp_path / "mailbot.toml").service.max_message_bytes == 26_214_400
    assert DEFAULT_MAX_BYTES == 26_214_400
