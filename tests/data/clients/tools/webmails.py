# ruff: noqa: E501 - HTML templates of the clients read best on one line.
"""Proton Mail (English: its strings are translated outside the public repository) and SnappyMail
(31 languages from its localisation files). Sources in SOURCES.md.
"""

from __future__ import annotations

import html
from email.utils import format_datetime
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from facts import BLOG, LANGS
from formats import BABEL_LOCALE, SNAPPYMAIL
from generate import (
    _h,
    _pick,
    alternative,
    encode,
    expected,
    facts_for,
    header_person,
    header_text,
    message,
    outer_headers,
    person,
)
from shapes import Built

SRC_PROTON = "Proton Mail web: WebClients draftContent/plaintext.ts + html.ts (FORWARDED_MESSAGE, 'Date: On' + date-fns PPPPp); see SOURCES.md#proton-mail"
SRC_SNAPPY = (
    "SnappyMail: localization/<lang>/user.json + dev/View/Popup/Compose.js; see SOURCES.md#snappymail"
)


def _ordinal(day: int) -> str:
    return f"{day}{'th' if 11 <= day % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')}"


def proton(html_mode: bool) -> Built:
    name = "proton_en_forward" + ("_html" if html_mode else "")
    f = facts_for(name, "en", seconds=False)
    shown = f.written.astimezone(f.sent.tzinfo)
    hour = (shown.hour % 12) or 12
    # date-fns en-US 'PPPPp': "Thursday, October 27th, 2022 at 12:31 PM"
    date_text = f"{shown:%A}, {shown:%B} {_ordinal(shown.day)}, {shown.year} at {hour}:{shown:%M} {'AM' if shown.hour < 12 else 'PM'}"
    quoted = "\n".join(f"> {line}" for line in f.body.split("\n"))
    plain = (
        f"{f.note}\n\n\n\nSent with Proton Mail secure email.\n\n------- Forwarded Message -------\n"
        f"From: {person(f.author)}\nDate: On {date_text}\nSubject: {f.subject}\nTo: {person(BLOG)}\n\n\n{quoted}\n"
    )
    headers = outer_headers(f, "Fwd: " + f.subject, f"<{_h(name, 16**12):012x}Xq9=@proton.me>", None)
    headers += [
        ("X-Pm-Message-Id", f"{_h(name, 10**12)}=="),
        ("X-Pm-Origin", "internal"),
        ("X-Pm-Content-Encryption", "end-to-end"),
    ]
    if not html_mode:
        headers += [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ]
        return (
            name,
            message(headers, encode(plain, "quoted-printable")),
            expected(f, SRC_PROTON, shown, "On " + date_text),
        )
    letter = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in f.body.split("\n"))
    page = (
        f'<div style="font-family: Arial, sans-serif; font-size: 14px;">{html.escape(f.note or "")}</div><div style="font-family: Arial, sans-serif; font-size: 14px;"><br></div>\n'
        '<div class="protonmail_signature_block" style="font-family: Arial, sans-serif; font-size: 14px;"><div class="protonmail_signature_block-proton">Sent with <a target="_blank" href="https://proton.me/mail/home">Proton Mail</a> secure email.</div></div>\n'
        '<div style="font-family: Arial, sans-serif; font-size: 14px;"><br></div><div class="protonmail_quote">\n'
        f'        ------- Forwarded Message -------<br>\n        From: {html.escape(f.author[0])} &lt;<a href="mailto:{f.author[1]}">{f.author[1]}</a>&gt;<br>\n'
        f"        Date: On {html.escape(date_text)}<br>\n        Subject: {html.escape(f.subject)}<br>\n"
        f'        To: {html.escape(BLOG[0])} &lt;<a href="mailto:{BLOG[1]}">{BLOG[1]}</a>&gt;<br>\n        <br>\n'
        f'        <blockquote class="protonmail_quote" type="cite">\n            {letter}\n        </blockquote><br>\n    </div>\n'
    )
    ctype, body = alternative(f"b1_{_h(name, 16**20):020x}", plain, page, "quoted-printable")
    headers.append(("Content-Type", ctype))
    return (
        name,
        message(headers, "This is a multi-part message in MIME format.\n\n" + body),
        expected(f, SRC_PROTON, shown, "On " + date_text),
    )


def _intl_long_short(when: Any, lang: str) -> str:
    """Intl {dateStyle: 'long', timeStyle: 'short'}, from CLDR through Babel."""
    locale = Locale.parse(BABEL_LOCALE.get(lang, lang).replace("-", "_"))
    pattern = str(locale.datetime_formats["long"]).replace("'", "")
    date = format_date(when, "long", locale=locale)
    time = format_time(when, "short", tzinfo=when.tzinfo, locale=locale)
    return pattern.replace("{1}", date).replace("{0}", time)


def snappymail(lang: str) -> Built:
    name = f"snappymail_{lang}_forward_html"
    f = facts_for(name, lang, seconds=False)
    lab = SNAPPYMAIL[lang]
    shown = f.written.astimezone(f.sent.tzinfo)
    date_text = _intl_long_short(shown, lang)
    rows = [
        (lab["from"], f'"{f.author[0]}" <{f.author[1]}>'),
        (lab["to"], f'"{BLOG[0]}" <{BLOG[1]}>'),
        (lab["sent"], date_text),
        (lab["subject"], f.subject),
    ]
    plain = f"{f.note}\n\n{lab['sep']}\n" + "".join(f"{k}: {v}\n" for k, v in rows) + "\n" + f.body + "\n"
    letter = "<br>".join(html.escape(line) for line in f.body.split("\n"))
    page = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><div data-html-editor-font-wrapper="true" style="font-family: arial, sans-serif; font-size: 13px;">{html.escape(f.note or "")}<br><br><p>{html.escape(lab["sep"])}</p><div>'
        + "<br>".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in rows)
        + f"<br><br>{letter}</div></div></body></html>\n"
    )
    headers = outer_headers(
        f,
        "Fwd: " + f.subject,
        f"<{_h(name, 16**32):032x}@example.org>",
        ("X-Mailer", f"SnappyMail/2.{_pick((36, 37, 38), name)}.{_h(name, 5)}"),
    )
    ctype, body = alternative(f"_=_{_h(name, 16**16):016x}", plain, page, "quoted-printable")
    headers.append(("Content-Type", ctype))
    return name, message(headers, body), expected(f, SRC_SNAPPY, shown, date_text)


def proton_reply() -> Built:
    """A reply that is not a forward: Proton's "On <date>, <sender> wrote:" over the quote."""
    name = "proton_en_reply_not_forward"
    f = facts_for(name, "en")
    when = f.written
    hour = (when.hour % 12) or 12
    earlier = f"{when:%A}, {when:%B} {_ordinal(when.day)}, {when.year} at {hour}:{when:%M} {'AM' if when.hour < 12 else 'PM'}"
    text = f"{f.body}\n\nOn {earlier}, {person(f.forwarder)} wrote:\n\n> {LANGS['en'].notes[0]}"
    headers = [
        ("From", header_person(f.author)), ("To", header_person(f.forwarder)), ("Subject", header_text("Re: " + f.subject)),
        ("Date", _rfc(f.sent)), ("Message-ID", f"<{_h(name, 16**12):012x}@proton.me>"), ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "7bit"),
    ]  # fmt: skip
    facts = expected(
        f,
        SRC_PROTON + "; reply attribution c('Message') 'On ${date}, ${sender} wrote:'",
        f.sent,
        _rfc(f.sent),
        forwarded=False,
        subject="Re: " + f.subject,
        body=text,
    )
    return name, message(headers, text), facts


def _rfc(when: Any) -> str:
    return format_datetime(when)


def builders() -> list[Any]:
    out: list[Any] = [lambda: proton(False), lambda: proton(True), proton_reply]
    for lang in SNAPPYMAIL:
        out.append(lambda lang=lang: snappymail(lang))
    return out
