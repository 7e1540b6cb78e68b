# ruff: noqa: E501 - HTML templates of the clients read best on one line.
"""Render the corpus: one .eml per case in a client's real format, and its expected .json.

Run ``.venv/bin/python tests/data/clients/tools/generate.py`` from the repository root. It
writes ``tests/data/clients/<client>_<lang>_<shape>.eml`` and ``.json``. The expected facts
come from :mod:`facts` (the letter, its author, the forwarder, the note) and from what the
client's format shows (a date printed without seconds is known to the minute); mailbot is
never imported or run here.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import quopri
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime

sys.path.insert(0, str(Path(__file__).parent))
from facts import BLOG, LANGS
from formats import BABEL_LOCALE, K9, ROUNDCUBE, THUNDERBIRD, ZIMBRA

OUT = Path(__file__).resolve().parent.parent
SOURCES = {
    "thunderbird": "Thunderbird desktop: thunderbird-l10n mime.properties + composeMsgs.properties "
    "(see SOURCES.md#thunderbird)",
    "roundcube": "Roundcube: program/localization/*/labels.inc + compose.php get_forward_header() "
    "(see SOURCES.md#roundcube)",
    "zimbra": "Zimbra web client: ZmMsg/AjxMsg/I18nMsg_<locale>.properties + ZmComposeView.js "
    "(see SOURCES.md#zimbra)",
    "k9": "K-9 Mail / Thunderbird for Android: values-*/strings.xml + TextQuoteCreator.kt "
    "(see SOURCES.md#k-9-mail--thunderbird-for-android)",
}


def _h(name: str, n: int) -> int:
    """A stable number from a case name: the same corpus every run."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) % n


def _pick(seq: Any, name: str, salt: str = "") -> Any:
    return seq[_h(name + salt, len(seq))]


@dataclass
class Facts:
    """One case's facts: who wrote what when, who forwarded it when, with which note."""

    name: str
    lang: str
    author: tuple[str, str]
    forwarder: tuple[str, str]
    subject: str
    body: str
    note: str | None
    written: datetime  # in the author's zone
    sent: datetime  # the forward, in the forwarder's zone
    extra: dict[str, Any] = field(default_factory=dict)


def facts_for(name: str, lang: str, *, note: bool = True, seconds: bool = True) -> Facts:
    info = LANGS[lang]
    zone = ZoneInfo(info.tz)
    day = datetime(2025, 1, 6, tzinfo=zone) + timedelta(days=_h(name, 640))
    written = day.replace(
        hour=7 + _h(name, 13), minute=_h(name + "m", 60), second=_h(name + "s", 60) if seconds else 0
    )
    sent = (written + timedelta(days=1 + _h(name + "d", 4))).replace(
        hour=8 + _h(name + "h", 10), minute=_h(name + "n", 60), second=_h(name + "t", 60)
    )
    letter = _pick(info.letters, name, "l")
    # The letter's sign-off names its author: the n-th letter is the n-th author's.
    author = info.authors[info.letters.index(letter) % len(info.authors)]
    return Facts(
        name=name, lang=lang, author=author, forwarder=_pick(info.forwarders, name, "f"),
        subject=letter.subject, body=letter.body, note=_pick(info.notes, name, "o") if note else None,
        written=written, sent=sent,
    )  # fmt: skip


def person(p: tuple[str, str]) -> str:
    return f"{p[0]} <{p[1]}>"


def header_person(p: tuple[str, str]) -> str:
    """An RFC 2047 encoded header address when the name is not ASCII."""
    name, addr = p
    if name.isascii():
        return f'"{name}" <{addr}>' if any(c in name for c in ",.") else f"{name} <{addr}>"
    return f"=?UTF-8?B?{base64.b64encode(name.encode()).decode()}?= <{addr}>"


def header_text(text: str) -> str:
    return text if text.isascii() else f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


def encode(text: str, cte: str) -> str:
    data = text.encode()
    if cte == "quoted-printable":
        return quopri.encodestring(data).decode("ascii")
    if cte == "base64":
        return base64.encodebytes(data).decode("ascii")
    return text


def part(ctype: str, text: str, cte: str, extra: str = "") -> str:
    head = f"Content-Type: {ctype}; charset=UTF-8{extra}\nContent-Transfer-Encoding: {cte}\n\n"
    return head + encode(text, cte)


def message(headers: list[tuple[str, str]], body: str) -> bytes:
    head = "".join(f"{k}: {v}\n" for k, v in headers)
    return (head + "\n" + body.rstrip("\n") + "\n").encode()


def alternative(boundary: str, plain: str, html_text: str, cte: str) -> tuple[str, str]:
    ctype = f'multipart/alternative; boundary="{boundary}"'
    body = (
        f"--{boundary}\n{part('text/plain', plain, cte)}\n"
        f"--{boundary}\n{part('text/html', html_text, cte)}\n--{boundary}--\n"
    )
    return ctype, body


def expected(
    f: Facts, source: str, date: datetime | None, date_raw: str | None, **more: Any
) -> dict[str, Any]:
    forwarders = more.get("forwarders") or [
        {
            "name": f.forwarder[0],
            "address": f.forwarder[1],
            "date": f.sent.isoformat(),
            "note": f.note,
        }
    ]
    return {
        "source": source,
        "forwarded": more.get("forwarded", True),
        "letter": {
            "author": {"name": f.author[0], "address": f.author[1]},
            "date": date.isoformat() if date else None,
            "date_raw": date_raw,
            "subject": more.get("subject", f.subject),
            "body": more.get("body", f.body),
        },
        "forwarders": forwarders if more.get("forwarded", True) else [],
        "chain": len(forwarders) if more.get("forwarded", True) else 0,
    }


def outer_headers(f: Facts, subject: str, mid: str, agent: tuple[str, str] | None) -> list[tuple[str, str]]:
    headers = [
        ("From", header_person(f.forwarder)),
        ("To", header_person(BLOG)),
        ("Subject", header_text(subject)),
        ("Date", format_datetime(f.sent)),
        ("Message-ID", mid),
        ("MIME-Version", "1.0"),
    ]
    if agent:
        headers.insert(5, agent)
    return headers


# --- Thunderbird desktop -------------------------------------------------------------------------

TB_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.{v}.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.{v}.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Thunderbird/128.{v}.0",
)


def tb_rows(
    lab: dict[str, str], subject: str, rfc_date: str, author: tuple[str, str]
) -> list[tuple[str, str]]:
    """Thunderbird's forward header rows: Subject, Date, From, To."""
    return [
        (lab["subject"], subject),
        (lab["date"], rfc_date),
        (lab["from"], person(author)),
        (lab["to"], person(BLOG)),
    ]


def tb_block(lab: dict[str, str], rows: list[tuple[str, str]], tab: bool = True) -> str:
    """The separator and ``Label: <TAB>value`` lines (no tab in the text part of an HTML forward)."""
    gap = ": \t" if tab else ": "
    return lab["sep"] + "\n" + "".join(f"{k}{gap}{v}\n" for k, v in rows)


def rc_rows(
    lab: dict[str, str], subject: str, date_text: str, author: tuple[str, str]
) -> list[tuple[str, str]]:
    """Roundcube's forward header rows: Subject, Date, From, To."""
    return [
        (lab["subject"], subject),
        (lab["date"], date_text),
        (lab["from"], person(author)),
        (lab["to"], person(BLOG)),
    ]


def rc_block(lab: dict[str, str], rows: list[tuple[str, str]]) -> str:
    return f"-------- {lab['sep']} --------\n" + "".join(f"{k}: {v}\n" for k, v in rows)


def thunderbird(lang: str, html_mode: bool, note: bool = True) -> tuple[str, bytes, dict[str, Any]]:
    name = f"thunderbird_{lang}_forward" + ("_html" if html_mode else "") + ("" if note else "_no_note")
    f = facts_for(name, lang, note=note)
    lab = THUNDERBIRD[lang]
    rfc_date = format_datetime(f.written)
    rows = tb_rows(lab, f.subject, rfc_date, f.author)
    plain = (f"{f.note}\n\n\n" if f.note else "\n\n") + tb_block(lab, rows) + "\n\n" + f.body + "\n\n"
    agent = ("User-Agent", _pick(TB_AGENT, name).format(v=_h(name, 12)))
    headers = outer_headers(f, "Fwd: " + f.subject, f"<{_h(name, 10**8):08x}-tb@example.org>", agent)
    headers.append(("Content-Language", lang))
    if not html_mode:
        headers.append(("Content-Type", "text/plain; charset=UTF-8; format=flowed"))
        headers.append(("Content-Transfer-Encoding", "8bit"))
        raw = message(headers, plain)
    else:
        cells = "".join(
            f'<tr>\n<th valign="BASELINE" nowrap="nowrap" align="RIGHT">{html.escape(k)}: </th>\n'
            f"<td>{html.escape(v) if k != lab['from'] else _tb_link(f.author)}</td>\n</tr>\n"
            for k, v in rows
        )
        letter_html = "".join(
            f"<p>{html.escape(p).replace(chr(10), '<br>' + chr(10))}</p>\n" for p in f.body.split("\n\n")
        )
        page = (
            "<!DOCTYPE html>\n<html>\n<head>\n"
            '<meta http-equiv="content-type" content="text/html; charset=UTF-8">\n'
            "</head>\n<body>\n"
            + (f"<p>{html.escape(f.note)}</p>\n" if f.note else "")
            + f'<div class="moz-forward-container"><br>\n<br>\n{html.escape(lab["sep"])}\n'
            + '<table class="moz-email-headers-table" border="0" cellpadding="0" cellspacing="0">\n<tbody>\n'
            + cells
            + "</tbody>\n</table>\n<br>\n<br>\n"
            + letter_html
            + "</div>\n</body>\n</html>\n"
        )
        ctype, body = alternative(
            f"------------{_h(name, 10**12):024d}", plain.replace(": \t", ": "), page, "8bit"
        )
        headers.append(("Content-Type", ctype))
        raw = message(headers, "This is a multi-part message in MIME format.\n" + body)
    return name, raw, expected(f, SOURCES["thunderbird"], f.written, rfc_date)


def _tb_link(p: tuple[str, str]) -> str:
    return f'{html.escape(p[0])} <a class="moz-txt-link-rfc2396E" href="mailto:{p[1]}">&lt;{p[1]}&gt;</a>'


# --- Roundcube -----------------------------------------------------------------------------------


def roundcube(lang: str, html_mode: bool) -> tuple[str, bytes, dict[str, Any]]:
    name = f"roundcube_{lang}_forward" + ("_html" if html_mode else "")
    f = facts_for(name, lang, seconds=False)
    lab = ROUNDCUBE[lang]
    shown = f.written.astimezone(f.sent.tzinfo)
    date_text = shown.strftime("%Y-%m-%d %H:%M")
    headers = outer_headers(
        f, "Fwd: " + f.subject, f"<{_h(name, 10**12):x}@webmail.example.org>",
        ("User-Agent", f"Roundcube Webmail/1.6.{_h(name, 10)}"),
    )  # fmt: skip
    rows = rc_rows(lab, f.subject, date_text, f.author)
    plain = (f.note or "") + "\n\n\n" + rc_block(lab, rows) + "\n" + f.body
    if not html_mode:
        headers.append(("Content-Type", "text/plain; charset=UTF-8; format=flowed"))
        headers.append(("Content-Transfer-Encoding", "8bit"))
        raw = message(headers, plain)
    else:
        cells = "".join(
            f'<tr><th align="right" nowrap="nowrap" valign="baseline">{html.escape(k)}: </th>'
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        page = (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" /></head>'
            "<body style='font-size: 10pt; font-family: Verdana,Geneva,sans-serif'>\n"
            f"<p>{html.escape(f.note or '')}</p>\n"
            f"<p><br /></p>\n<br /><p>-------- {html.escape(lab['sep'])} --------</p>"
            '<table border="0" cellpadding="0" cellspacing="0"><tbody>' + cells + "</tbody></table><br>"
            '<div class="pre" style="margin: 0; padding: 0; font-family: monospace">'
            + html.escape(f.body).replace("\n", "<br />\n")
            + "</div>\n</body></html>\n"
        )
        ctype, body = alternative(f"=_{_h(name, 10**12):x}", plain, page, "quoted-printable")
        headers.append(("Content-Type", ctype))
        raw = message(headers, body)
    shown = shown.replace(second=0)
    return name, raw, expected(f, SOURCES["roundcube"], shown, date_text)


# --- K-9 Mail / Thunderbird for Android ----------------------------------------------------------


def k9(lang: str) -> tuple[str, bytes, dict[str, Any]]:
    name = f"k9_{lang}_forward"
    f = facts_for(name, lang)
    lab = K9[lang]
    shown = f.written.astimezone(f.sent.tzinfo)
    locale = BABEL_LOCALE.get(lang, lang)
    date_text = babel_datetime(shown, "long", tzinfo=f.sent.tzinfo, locale=locale)
    agent = _pick(("K-9 Mail for Android", "Thunderbird for Android"), name)
    headers = outer_headers(
        f, "Fwd: " + f.subject, f"<{_h(name, 10**12):x}@example.org>", ("User-Agent", agent)
    )
    lines = [
        f"{lab['from']} {person(f.author)}",
        f"{lab['date']} {date_text}",
        f"{lab['to']} {person(BLOG)}",
        f"{lab['subject']} {f.subject}",
    ]
    text = (f.note or "") + "\n\n\n" + lab["sep"] + "\n" + "\n".join(lines) + "\n\n" + f.body
    headers.append(("Content-Type", "text/plain; charset=UTF-8"))
    headers.append(("Content-Transfer-Encoding", "quoted-printable"))
    raw = message(headers, encode(text, "quoted-printable"))
    return name, raw, expected(f, SOURCES["k9"], shown, date_text)


# --- Zimbra web client ---------------------------------------------------------------------------


def java_date(pattern: str, when: datetime, lab: dict[str, str]) -> str:
    """A date in a java.text.SimpleDateFormat-style pattern, as Zimbra's AjxDateFormat renders it."""
    months = [m.replace("_", " ") for m in lab["months"].split()]
    weekdays = lab["weekdays"].split()
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            end = pattern.index("'", i + 1)
            out.append(pattern[i + 1 : end])
            i = end + 1
            continue
        run = len(pattern) - i - len(pattern[i:].lstrip(ch))
        if not (ch.isascii() and ch.isalpha()):
            out.append(ch)
            i += 1
            continue
        value = {
            "E": weekdays[when.weekday()],
            "M": months[when.month - 1] if run >= 3 else f"{when.month:0{run}d}",
            "d": f"{when.day:0{run}d}",
            "y": str(when.year) if run != 2 else f"{when.year % 100:02d}",
            "H": f"{when.hour:0{run}d}",
            "h": f"{(when.hour % 12) or 12:0{run}d}",
            "K": f"{when.hour % 12:0{run}d}",
            "m": f"{when.minute:0{run}d}",
            "s": f"{when.second:0{run}d}",
            "a": lab["am"] if when.hour < 12 else lab["pm"],
        }[ch]
        out.append(value)
        i += run
    return "".join(out)


def zimbra_person(p: tuple[str, str]) -> str:
    return f'"{p[0]}" <{p[1]}>'


def zimbra(lang: str, html_mode: bool) -> tuple[str, bytes, dict[str, Any]]:
    name = f"zimbra_{lang}_forward" + ("_html" if html_mode else "")
    f = facts_for(name, lang)
    lab = ZIMBRA[lang]
    shown = f.written.astimezone(f.sent.tzinfo)
    date_text = java_date(lab["pattern"], shown, lab)
    version = _pick(("8.8.15_GA_4581", "9.0.0_GA_4583", "10.0.7_GA_4630"), name)
    headers = outer_headers(
        f, "Fwd: " + f.subject, f"<{_h(name, 10**9)}.{_h(name, 10**6)}.{_h(name, 999)}.JavaMail.zimbra@example.org>",
        ("X-Mailer", f"Zimbra {version} (ZimbraWebClient - FF128 (Win)/{version})"),
    )  # fmt: skip
    headers += [("Thread-Topic", header_text(f.subject)), ("Thread-Index", _thread_index(name))]
    rows = [
        (lab["from"], zimbra_person(f.author)),
        (lab["to"], zimbra_person(BLOG)),
        (lab["sent"], date_text),
        (lab["subject"], f.subject),
    ]
    block = "".join(f"{k}: {v}\n" for k, v in rows) + "\n" + f.body
    if not html_mode:
        plain = (f.note or "") + "\n\n" + lab["sep"] + "\n" + block
        headers.append(("Content-Type", "text/plain; charset=utf-8"))
        headers.append(("Content-Transfer-Encoding", "quoted-printable"))
        raw = message(headers, encode(plain, "quoted-printable"))
    else:
        # The text alternative is Zimbra's HTML-to-text rendering, where the <hr> is a line break.
        plain = (f.note or "") + "\n\n" + block
        cells = "".join(f"<b>{html.escape(k)}: </b>{html.escape(v)}<br>" for k, v in rows)
        letter = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in f.body.split("\n"))
        page = (
            '<html><body><div style="font-family: arial, helvetica, sans-serif; font-size: 12pt; color: #000000">'
            f"<div>{html.escape(f.note or '')}</div><div><br></div>"
            '<hr id="zwchr" data-marker="__DIVIDER__"><div data-marker="__HEADERS__">'
            + cells
            + '</div><br><div data-marker="__QUOTED_TEXT__">'
            + letter
            + "</div></div></body></html>"
        )
        ctype, body = alternative(
            f"=_{_h(name, 10**12):x}-{_h(name, 10**6)}", plain, page, "quoted-printable"
        )
        headers.append(("Content-Type", ctype))
        raw = message(headers, body)
    return name, raw, expected(f, SOURCES["zimbra"], shown, date_text)


def _thread_index(name: str) -> str:
    """A Thread-Index value: 22 bytes in base64, as Outlook and Zimbra write it."""
    return base64.b64encode(hashlib.sha256(name.encode()).digest()[:22]).decode()


BUILDERS: list[Callable[[], tuple[str, bytes, dict[str, Any]]]] = []
for _lang in LANGS:
    BUILDERS.append(lambda lang=_lang: thunderbird(lang, False))
    BUILDERS.append(lambda lang=_lang: thunderbird(lang, True))
    BUILDERS.append(lambda lang=_lang: roundcube(lang, False))
    BUILDERS.append(lambda lang=_lang: roundcube(lang, True))
    BUILDERS.append(lambda lang=_lang: k9(lang))
    if _lang in ZIMBRA:
        BUILDERS.append(lambda lang=_lang: zimbra(lang, False))
        BUILDERS.append(lambda lang=_lang: zimbra(lang, True))


def main() -> int:
    import bigclients
    import others
    import shapes
    import webmails

    names = set()
    for build in (
        BUILDERS
        + shapes.builders()
        + shapes.more_builders()
        + others.builders()
        + webmails.builders()
        + bigclients.builders()
    ):
        name, raw, facts = build()
        assert name not in names, name
        names.add(name)
        (OUT / f"{name}.eml").write_bytes(raw)
        (OUT / f"{name}.json").write_text(
            json.dumps(facts, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    print(f"{len(names)} cases written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
