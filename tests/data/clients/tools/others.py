# ruff: noqa: E501 - HTML templates of the clients read best on one line.
"""Clients whose format is known from single public examples (see SOURCES.md): Gmail, Outlook,
Apple Mail, Yahoo. English labels only, except where a public example gave another language.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

from facts import BLOG
from generate import (
    _h,
    _thread_index,
    alternative,
    encode,
    expected,
    facts_for,
    header_text,
    message,
    outer_headers,
    person,
)
from shapes import Built

SRC = {
    "gmail": "Gmail web: forward quoted in swiftmailer/swiftmailer#1192 (plain and HTML); see SOURCES.md#gmail",
    "outlook": "Outlook desktop: header lines as quoted in jstedfast/MimeKit#132, headers as in ministero-salute/it-fse-support#2056; see SOURCES.md#outlook",
    "outlook_zh": "Outlook desktop (Chinese): block quoted in FmLiu/repo1#75; see SOURCES.md#outlook",
    "outlook_on": "Outlook 2019 (Mac/Windows) forward opening 'On <date>, \"Name\" <addr> wrote:' with a four-space indented letter, described in issue 12; see SOURCES.md#outlook",
    "apple": "Apple Mail: header as quoted in Airmail/Airmail_Public#176 (English labels, Norwegian date); see SOURCES.md#apple-mail",
    "yahoo": "Yahoo Mail plain text with the labels run together on one line, described in issue 12; see SOURCES.md#yahoo",
}


def _us_date(when: datetime) -> str:
    """'Tuesday, April 26, 2015 5:32 PM' (Outlook, en-US)."""
    hour = (when.hour % 12) or 12
    return f"{when:%A}, {when:%B} {when.day}, {when.year} {hour}:{when:%M} {'AM' if when.hour < 12 else 'PM'}"


def gmail(note: bool) -> Built:
    name = "gmail_en_forward" + ("" if note else "_no_note")
    f = facts_for(name, "en", note=note, seconds=False)
    shown = f.written.astimezone(f.sent.tzinfo)
    hour = (shown.hour % 12) or 12
    date_text = f"{shown:%a}, {shown:%b} {shown.day}, {shown.year} at {hour}:{shown:%M} {'AM' if shown.hour < 12 else 'PM'}"
    plain = (f.note or "") + "\n\n---------- Forwarded message ---------\n"
    plain += (
        f"From: {person(f.author)}\nDate: {date_text}\nSubject: {f.subject}\nTo: <{BLOG[1]}>\n\n\n{f.body}\n"
    )
    letter = "<br>".join(html.escape(line) for line in f.body.split("\n"))
    page = (
        f'<div dir="ltr">{html.escape(f.note or "")}<br><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        f'---------- Forwarded message ---------<br>From: <strong class="gmail_sendername" dir="auto">{html.escape(f.author[0])}</strong> '
        f'<span dir="auto">&lt;<a href="mailto:{f.author[1]}">{f.author[1]}</a>&gt;</span><br>Date: {date_text}<br>'
        f'Subject: {html.escape(f.subject)}<br>To: &lt;<a href="mailto:{BLOG[1]}">{BLOG[1]}</a>&gt;<br></div><br><br>'
        f'<div dir="ltr">{letter}</div>\n</div></div>\n'
    )
    boundary = f"000000000000{_h(name, 16**16):016x}"[:28]
    headers = outer_headers(f, "Fwd: " + f.subject, f"<CA+{_h(name, 10**16)}@mail.gmail.com>", None)
    ctype, body = alternative(boundary, plain, page, "quoted-printable")
    headers.append(("Content-Type", ctype))
    return name, message(headers, body), expected(f, SRC["gmail"], shown.replace(second=0), date_text)


SIGNATURE = "Sofia Marchetti | Customer Care Lead | Example Ltd | +44 20 7946 0000"


def outlook(variant: str) -> Built:
    """Outlook 16 desktop: HTML with the border-top separator, and its text alternative."""
    name = f"outlook_en_forward{variant}"
    f = facts_for(name, "en", seconds=False)
    signed = variant == "_signature"
    shown = f.written.astimezone(f.sent.tzinfo)
    date_text = _us_date(shown)
    note_text = (f.note or "") + (f"\n\n{SIGNATURE}" if signed else "")
    plain = f"{note_text}\n\nFrom: {person(f.author)}\nSent: {date_text}\nTo: {person(BLOG)}\nSubject: {f.subject}\n\n{f.body}\n\n"
    paras = "".join(
        f'<p class="MsoNormal">{html.escape(line) or "<o:p>&nbsp;</o:p>"}<o:p></o:p></p>\n'
        for line in f.body.split("\n")
    )
    page = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">'
        '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta name="Generator" content="Microsoft Word 15 (filtered medium)"></head>'
        '<body lang="EN-GB" link="#0563C1" vlink="#954F72"><div class="WordSection1">\n'
        f'<p class="MsoNormal">{html.escape(f.note or "")}<o:p></o:p></p>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
        + (
            f'<p class="MsoNormal"><span style="font-size:9.0pt;color:#595959">{html.escape(SIGNATURE)}</span><o:p></o:p></p>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
            if signed
            else ""
        )
        + '<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">\n'
        f'<p class="MsoNormal"><b><span lang="EN-US">From:</span></b><span lang="EN-US"> {html.escape(person(f.author))} <br>'
        f"<b>Sent:</b> {date_text}<br><b>To:</b> {html.escape(person(BLOG))}<br><b>Subject:</b> {html.escape(f.subject)}<o:p></o:p></span></p>\n"
        '</div></div>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n' + paras + "</div></body></html>\n"
    )
    headers = outer_headers(
        f,
        "FW: " + f.subject,
        f"<0{_h(name, 16**12):012x}$0{_h(name + 'b', 16**8):08x}$@example.org>",
        ("X-Mailer", "Microsoft Outlook 16.0"),
    )
    headers += [("Thread-Index", _thread_index(name)), ("Content-Language", "en-gb")]
    ctype, body = alternative(
        f"----=_NextPart_000_{_h(name, 16**4):04X}_01DB{_h(name, 16**4):04X}.{_h(name + 'x', 16**8):08X}",
        plain,
        page,
        "quoted-printable",
    )
    headers.append(("Content-Type", ctype))
    facts = expected(
        f,
        SRC["outlook"]
        + ("; signature block written by hand after a common Outlook layout" if signed else ""),
        shown,
        date_text,
    )
    return name, message(headers, "This is a multipart message in MIME format.\n\n" + body), facts


def outlook_zh() -> Built:
    name = "outlook_zh-CN_forward"
    f = facts_for(name, "zh-CN", seconds=False)
    shown = f.written.astimezone(f.sent.tzinfo)
    date_text = f"{shown.year}年{shown.month}月{shown.day}日 {shown:%H:%M}"
    plain = f"{f.note}\n\n发件人: {f.author[0]} [mailto:{f.author[1]}] \n发送时间: {date_text}\n收件人: {person(BLOG)}\n主题: {f.subject}\n\n{f.body}\n"
    headers = outer_headers(
        f,
        "转发: " + f.subject,
        f"<00{_h(name, 16**10):010x}$@example.org>",
        ("X-Mailer", "Microsoft Outlook 15.0"),
    )
    headers += [
        ("Thread-Index", _thread_index(name)),
        ("Content-Language", "zh-cn"),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "base64"),
    ]
    return name, message(headers, encode(plain, "base64")), expected(f, SRC["outlook_zh"], shown, date_text)


def outlook_on_wrote(reply: bool) -> Built:
    """'On <date>, "Name" <addr> wrote:' then the letter indented by four spaces (issue 12)."""
    name = "outlook_en_" + ("reply_not_forward_on_wrote" if reply else "forward_on_wrote")
    f = facts_for(name, "en", seconds=False)
    shown = f.written.astimezone(f.sent.tzinfo)
    date_text = f"{shown:%d/%m/%Y %H:%M}"
    indented = "\n".join(("    " + line) if line else "" for line in f.body.split("\n"))
    text = f'{f.note}\n\nOn {date_text}, "{f.author[0]}" <{f.author[1]}> wrote:\n\n{indented}\n'
    subject = ("RE: " if reply else "FW: ") + f.subject
    sender = f.forwarder
    headers = outer_headers(
        f,
        subject,
        f"<{_h(name, 16**12):012X}@example.org>",
        ("X-Mailer", "Microsoft-MacOutlook/16.78.23100802"),
    )
    headers += [
        ("Thread-Topic", header_text(f.subject)),
        ("Thread-Index", _thread_index(name)),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ]
    if reply:
        # A reply from the colleague to the customer: the message itself is the letter.
        reply_facts = expected(
            f,
            SRC["outlook_on"] + "; a true reply (RE:) stays a reply",
            f.sent,
            format_datetime(f.sent),
            forwarded=False,
            subject=subject,
            body=text.rstrip("\n"),
        )
        reply_facts["letter"]["author"] = {"name": sender[0], "address": sender[1]}
        return name, message(headers, encode(text, "quoted-printable")), reply_facts
    return (
        name,
        message(headers, encode(text, "quoted-printable")),
        expected(f, SRC["outlook_on"], shown, date_text),
    )


def apple() -> Built:
    name = "apple_en_forward_nb_date"
    f = facts_for(name, "no")
    date_text = f"{f.written.day}. {['januar', 'februar', 'mars', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'desember'][f.written.month - 1]} {f.written.year} {f.written:%H:%M:%S} {f.written.tzname()}"
    block = f'From: "{f.author[0]}" <{f.author[1]}>\nSubject: {f.subject}\nDate: {date_text}\nTo: "{BLOG[0]}" <{BLOG[1]}>\n\n{f.body}'
    plain = (
        f"{f.note}\n\nBegin forwarded message:\n\n"
        + "\n".join(("> " + line) if line else ">" for line in block.split("\n"))
        + "\n\n"
    )
    rows = "".join(
        f'<div style="margin-top: 0px; margin-right: 0px; margin-bottom: 0px; margin-left: 0px;"><span style="font-family: -webkit-system-font, Helvetica Neue, Helvetica, sans-serif; color:rgba(0, 0, 0, 1.0);"><b>{k}: </b></span><span style="font-family: -webkit-system-font, Helvetica Neue, Helvetica, sans-serif;">{html.escape(v)}<br></span></div>\n'
        for k, v in (
            ("From", f'"{f.author[0]}" <{f.author[1]}>'),
            ("Subject", f.subject),
            ("Date", date_text),
            ("To", f'"{BLOG[0]}" <{BLOG[1]}>'),
        )
    )
    letter = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in f.body.split("\n"))
    page = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">'
        f'{html.escape(f.note or "")}<br id="lineBreakAtBeginningOfMessage"><div><br><blockquote type="cite"><div>Begin forwarded message:</div><br class="Apple-interchange-newline">\n'
        + rows
        + f"<br><div>{letter}</div></blockquote></div><br></body></html>\n"
    )
    boundary = f"Apple-Mail={_h(name, 16**8):08X}-{_h(name + 'a', 16**4):04X}-4C2E-9D1B-{_h(name + 'b', 16**12):012X}"
    headers = outer_headers(
        f,
        "Fwd: " + f.subject,
        f"<{_h(name, 16**8):08X}-{_h(name + 'm', 16**4):04X}@example.org>",
        ("X-Mailer", "Apple Mail (2.3774.600.62)"),
    )
    headers[5] = ("Mime-Version", "1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))")
    ctype, body = alternative(boundary, plain, page, "quoted-printable")
    headers.append(("Content-Type", ctype))
    return name, message(headers, body), expected(f, SRC["apple"], f.written, date_text)


def yahoo(variant: str = "") -> Built:
    """Yahoo's plain text with the header labels run together on one line (issue 12)."""
    name = "yahoo_en_forward_one_line" + variant
    f = facts_for(name, "en", note=variant != "_no_note")
    shown = f.written.astimezone(f.sent.tzinfo)
    hour = (shown.hour % 12) or 12
    offset = shown.utcoffset() or timedelta(0)
    zone = f"GMT{int(offset.total_seconds() // 3600):+d}" if offset else "GMT"
    date_text = f"{shown:%A}, {shown:%B} {shown.day}, {shown.year}, {hour}:{shown:%M:%S} {'AM' if shown.hour < 12 else 'PM'} {zone}"
    cc = " Cc: Customer Care <care@example.org>" if variant == "_cc" else ""
    line = f"----- Forwarded Message ----- From: {person(f.author)} To: {person(BLOG)}{cc} Sent: {date_text} Subject: {f.subject}"
    plain = (f"{f.note}\n\n" if f.note else "\n") + f"{line}\n\n{f.body}\n"
    headers = outer_headers(
        f,
        "Fwd: " + f.subject,
        f"<{_h(name, 10**9)}.{_h(name, 10**6)}.{_h(name + 'y', 10**13)}@mail.yahoo.com>",
        ("X-Mailer", "WebService/1.1.22645 YMailNorrin"),
    )
    headers += [
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ]
    return (
        name,
        message(headers, encode(plain, "quoted-printable")),
        expected(f, SRC["yahoo"], shown, date_text),
    )


def builders() -> list[Any]:
    return [
        lambda: gmail(True), lambda: gmail(False), lambda: outlook(""), lambda: outlook("_signature"),
        outlook_zh, lambda: outlook_on_wrote(False), lambda: outlook_on_wrote(True), apple, yahoo,
        lambda: yahoo("_cc"), lambda: yahoo("_no_note"),
    ]  # fmt: skip
