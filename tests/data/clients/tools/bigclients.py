# ruff: noqa: E501 - HTML templates and localized labels read best on one line.
"""The big clients in many languages: Gmail web, Outlook desktop, Outlook on the web, Apple Mail,
Yahoo (text part with glued labels, and HTML), Outlook for Mac's verb-first wrote-line, a
forwarder's Outlook signature block, and chains through different clients.

The localized labels are recorded in SOURCES.md ("Big clients, localized"); dates are rendered with
CLDR patterns through Babel (the data the clients' own date formatters use), to the precision the
format shows, in the forwarder's zone. Each builder returns ``(name, raw bytes, expected facts)``;
the facts come from :mod:`facts`, never from mailbot.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date, format_time
from facts import BLOG, LANGS
from formats import BABEL_LOCALE
from generate import (
    Facts,
    _h,
    _thread_index,
    alternative,
    encode,
    expected,
    facts_for,
    message,
    outer_headers,
    person,
)
from shapes import Built

SRC = {
    "gmail": "Gmail web, localized: English separator and Date/Subject/To labels, the From label in the user's language (SOURCES.md#big-clients-localized); date as CLDR full date + short time",
    "outlook": "Outlook desktop, localized labels (SOURCES.md#big-clients-localized); headers as in ministero-salute/it-fse-support#2056; date as CLDR full date + short time",
    "owa": "Outlook on the web / Outlook.com: HTML only, the hr + divRplyFwdMsg block (SOURCES.md#big-clients-localized)",
    "apple": "Apple Mail, localized separator and labels (SOURCES.md#big-clients-localized); text part quoted with '> ', HTML blockquote type=cite; date as CLDR long date + medium time + GMT offset",
    "yahoo": "Yahoo Mail web, localized (SOURCES.md#big-clients-localized): text part with the labels glued to the values, HTML yahoo_quoted block",
    "outlook_mac": "Outlook for Mac verb-first attribution over a four-space indent under a forward subject (SOURCES.md#big-clients-localized)",
    "signature": "Outlook desktop with the forwarder's multi-line signature block (name, title, company, phone, web) under a closing, written by hand after a common layout",
    "chain": "Chain: Outlook desktop forwarding a Gmail forward (SOURCES.md#big-clients-localized); each level in its client's format",
}

# From label of Gmail web per language (the other labels stay English).
GMAIL_FROM = {
    "en": "From", "it": "Da", "fr": "De", "de": "Von", "es": "De", "pt": "De", "pt-BR": "De", "nl": "Van",
    "sv": "Från", "da": "Fra", "no": "Fra", "fi": "Lähettäjä", "pl": "Od", "cs": "Od", "ru": "От",
    "tr": "Kimden", "hu": "Feladó", "ro": "De la", "ja": "差出人", "hr": "Od", "sk": "Od", "uk": "Від",
    "et": "Saatja", "lv": "No", "lt": "Nuo", "sl": "Od", "bg": "От", "el": "Από", "ca": "De", "ko": "보낸사람",
    "zh-CN": "发件人", "zh-TW": "寄件者", "ar": "من", "he": "מאת",
}  # fmt: skip

# Outlook desktop / on the web: From, Sent, To, Subject, forward prefix.
OUTLOOK = {
    "en": ("From", "Sent", "To", "Subject", "FW"), "it": ("Da", "Inviato", "A", "Oggetto", "I"),
    "fr": ("De", "Envoyé", "À", "Objet", "TR"), "de": ("Von", "Gesendet", "An", "Betreff", "WG"),
    "es": ("De", "Enviado el", "Para", "Asunto", "RV"), "pt": ("De", "Enviado", "Para", "Assunto", "FW"),
    "pt-BR": ("De", "Enviado", "Para", "Assunto", "ENC"), "nl": ("Van", "Verzonden", "Aan", "Onderwerp", "FW"),
    "sv": ("Från", "Skickat", "Till", "Ämne", "VB"), "da": ("Fra", "Sendt", "Til", "Emne", "VS"),
    "no": ("Fra", "Sendt", "Til", "Emne", "VS"), "fi": ("Lähettäjä", "Lähetetty", "Vastaanottaja", "Aihe", "VL"),
    "pl": ("Od", "Wysłano", "Do", "Temat", "PD"), "cs": ("Od", "Odesláno", "Komu", "Předmět", "FW"),
    "ru": ("От", "Отправлено", "Кому", "Тема", "FW"), "tr": ("Kimden", "Gönderildi", "Kime", "Konu", "İLT"),
    "hu": ("Feladó", "Elküldve", "Címzett", "Tárgy", "TOV"), "ro": ("De la", "Trimis", "Către", "Subiect", "FW"),
    "ja": ("差出人", "送信日時", "宛先", "件名", "FW"), "hr": ("Šalje", "Poslano", "Prima", "Predmet", "FW"),
    "sk": ("Od", "Odoslané", "Komu", "Predmet", "FW"), "uk": ("Від", "Надіслано", "Кому", "Тема", "FW"),
    "et": ("Saatja", "Saadetud", "Adressaat", "Teema", "FW"), "lv": ("No", "Nosūtīts", "Kam", "Tēma", "FW"),
    "lt": ("Nuo", "Išsiųsta", "Kam", "Tema", "FW"), "sl": ("Od", "Poslano", "Za", "Zadeva", "FW"),
    "bg": ("От", "Изпратено", "До", "Тема", "FW"), "el": ("Από", "Στάλθηκε", "Προς", "Θέμα", "ΠΡΘ"),
    "ca": ("De", "Enviat el", "Per a", "Assumpte", "RV"), "ko": ("보낸 사람", "보낸 날짜", "받는 사람", "제목", "FW"),
    "zh-CN": ("发件人", "发送时间", "收件人", "主题", "转发"), "zh-TW": ("寄件者", "寄件日期", "收件者", "主旨", "轉寄"),
    "ar": ("من", "تاريخ الإرسال", "إلى", "الموضوع", "FW"), "he": ("מאת", "נשלח", "אל", "נושא", "FW"),
}  # fmt: skip

# Apple Mail: separator line, From, Subject, Date, To.
APPLE = {
    "en": ("Begin forwarded message:", "From", "Subject", "Date", "To"),
    "it": ("Inizio messaggio inoltrato:", "Da", "Oggetto", "Data", "A"),
    "fr": ("Début du message réexpédié :", "De", "Objet", "Date", "À"),
    "de": ("Anfang der weitergeleiteten Nachricht:", "Von", "Betreff", "Datum", "An"),
    "es": ("Inicio del mensaje reenviado:", "De", "Asunto", "Fecha", "Para"),
    "pt-BR": ("Início da mensagem encaminhada:", "De", "Assunto", "Data", "Para"),
    "nl": ("Begin doorgestuurd bericht:", "Van", "Onderwerp", "Datum", "Aan"),
    "sv": ("Vidarebefordrat brev:", "Från", "Ämne", "Datum", "Till"),
    "ja": ("転送されたメッセージ:", "差出人", "件名", "日付", "宛先"),
}

# Yahoo Mail web: separator, From, To, Sent, Subject.
YAHOO = {
    "en": ("----- Forwarded Message -----", "From", "To", "Sent", "Subject"),
    "it": ("----- Messaggio inoltrato -----", "Da", "A", "Inviato", "Oggetto"),
    "fr": ("----- Message transféré -----", "De", "À", "Envoyé", "Objet"),
    "de": ("----- Weitergeleitete Nachricht -----", "Von", "An", "Gesendet", "Betreff"),
    "es": ("----- Mensaje reenviado -----", "De", "Para", "Enviado", "Asunto"),
}


def _loc(lang: str) -> str:
    return BABEL_LOCALE.get(lang, lang)


def _gmt(when: datetime) -> str:
    offset = when.utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
    return f"GMT{hours:+d}" + (f":{rest:02d}" if rest else "") if offset else "GMT"


def _full_short(when: datetime, lang: str) -> str:
    return f"{format_date(when, 'full', locale=_loc(lang))} {format_time(when, 'short', locale=_loc(lang))}"


def _shown(f: Facts) -> datetime:
    return f.written.astimezone(f.sent.tzinfo)


def _paras(body: str) -> str:
    return "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in body.split("\n"))


def gmail(lang: str) -> Built:
    name = f"gmail_{lang}_forward"
    f = facts_for(name, lang, seconds=False)
    shown = _shown(f)
    date_text = _full_short(shown, lang)
    label = GMAIL_FROM[lang]
    plain = (
        f"{f.note}\n\n---------- Forwarded message ---------\n{label}: {person(f.author)}\nDate: {date_text}\n"
        f"Subject: {f.subject}\nTo: {person(BLOG)}\n\n\n{f.body}\n"
    )
    page = (
        f'<div dir="ltr">{html.escape(f.note or "")}<br><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        f'---------- Forwarded message ---------<br>{label}: <strong class="gmail_sendername" dir="auto">{html.escape(f.author[0])}</strong> '
        f'<span dir="auto">&lt;<a href="mailto:{f.author[1]}">{f.author[1]}</a>&gt;</span><br>Date: {html.escape(date_text)}<br>'
        f'Subject: {html.escape(f.subject)}<br>To: {html.escape(BLOG[0])} &lt;<a href="mailto:{BLOG[1]}">{BLOG[1]}</a>&gt;<br></div><br><br>'
        f'<div dir="ltr">{_paras(f.body)}</div>\n</div></div>\n'
    )
    headers = outer_headers(f, "Fwd: " + f.subject, f"<CA+{_h(name, 10**16)}@mail.gmail.com>", None)
    ctype, body = alternative(f"000000000000{_h(name, 16**16):016x}", plain, page, "quoted-printable")
    headers.append(("Content-Type", ctype))
    return name, message(headers, body), expected(f, SRC["gmail"], shown, date_text)


def _outlook_block(f: Facts, lang: str, date_text: str) -> str:
    frm, sent, to, subj, _prefix = OUTLOOK[lang]
    return f"{frm}: {person(f.author)}\n{sent}: {date_text}\n{to}: {person(BLOG)}\n{subj}: {f.subject}"


def outlook(lang: str) -> Built:
    name = f"outlook_{lang}_forward"
    f = facts_for(name, lang, seconds=False)
    shown = _shown(f)
    date_text = _full_short(shown, lang)
    frm, sent, to, subj, prefix = OUTLOOK[lang]
    plain = f"{f.note}\n\n{_outlook_block(f, lang, date_text)}\n\n{f.body}\n\n"
    paras = "".join(
        f'<p class="MsoNormal">{html.escape(line) or "<o:p>&nbsp;</o:p>"}<o:p></o:p></p>\n'
        for line in f.body.split("\n")
    )
    page = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<meta name="Generator" content="Microsoft Word 15 (filtered medium)"></head><body lang="IT" link="#0563C1" vlink="#954F72"><div class="WordSection1">\n'
        f'<p class="MsoNormal">{html.escape(f.note or "")}<o:p></o:p></p>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
        '<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">\n'
        f'<p class="MsoNormal"><b>{frm}:</b> {html.escape(person(f.author))} <br><b>{sent}:</b> {html.escape(date_text)}<br>'
        f"<b>{to}:</b> {html.escape(person(BLOG))}<br><b>{subj}:</b> {html.escape(f.subject)}<o:p></o:p></p>\n"
        '</div></div>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n' + paras + "</div></body></html>\n"
    )
    headers = outer_headers(
        f, f"{prefix}: {f.subject}", f"<0{_h(name, 16**12):012x}$0{_h(name + 'b', 16**8):08x}$@example.org>",
        ("X-Mailer", "Microsoft Outlook 16.0"),
    )  # fmt: skip
    headers += [("Thread-Index", _thread_index(name)), ("Content-Language", lang.lower())]
    ctype, body = alternative(
        f"----=_NextPart_000_{_h(name, 16**4):04X}_01DB.{_h(name, 16**8):08X}",
        plain,
        page,
        "quoted-printable",
    )
    headers.append(("Content-Type", ctype))
    raw = message(headers, "This is a multipart message in MIME format.\n\n" + body)
    return name, raw, expected(f, SRC["outlook"], shown, date_text)


def owa(lang: str) -> Built:
    name = f"outlook_web_{lang}_forward_html"
    f = facts_for(name, lang, seconds=False)
    shown = _shown(f)
    date_text = _full_short(shown, lang)
    frm, sent, to, subj, prefix = OUTLOOK[lang]
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style></head>'
        f'<body dir="ltr"><div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">{html.escape(f.note or "")}</div>'
        '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
        f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>{frm}:</b> {html.escape(person(f.author))}<br>'
        f"<b>{sent}:</b> {html.escape(date_text)}<br><b>{to}:</b> {html.escape(person(BLOG))}<br><b>{subj}:</b> {html.escape(f.subject)}</font>"
        f'<div>&nbsp;</div></div><div dir="ltr">{_paras(f.body)}</div></body></html>\n'
    )
    headers = outer_headers(
        f, f"{prefix}: {f.subject}", f"<AM{_h(name, 10**4)}PR0{_h(name, 10)}MB{_h(name + 'x', 10**4)}@AM{_h(name, 10**4)}.eurprd0{_h(name, 9)}.prod.outlook.com>",
        None,
    )  # fmt: skip
    headers += [
        ("Thread-Index", _thread_index(name)), ("Content-Language", lang.lower()),
        ("X-MS-Has-Attach", ""), ("X-MS-TNEF-Correlator", ""),
        ("Content-Type", "text/html; charset=UTF-8"), ("Content-Transfer-Encoding", "quoted-printable"),
    ]  # fmt: skip
    return name, message(headers, encode(page, "quoted-printable")), expected(f, SRC["owa"], shown, date_text)


def apple(lang: str) -> Built:
    name = f"apple_{lang}_forward"
    f = facts_for(name, lang)
    shown = _shown(f)
    date_text = f"{format_date(shown, 'long', locale=_loc(lang))} {format_time(shown, 'medium', locale=_loc(lang))} {_gmt(shown)}"
    sep, frm, subj, date, to = APPLE[lang]
    block = f"{frm}: {person(f.author)}\n{subj}: {f.subject}\n{date}: {date_text}\n{to}: {person(BLOG)}\n\n{f.body}"
    plain = (
        f"{f.note}\n\n{sep}\n\n"
        + "\n".join(("> " + line) if line else ">" for line in block.split("\n"))
        + "\n\n"
    )
    rows = "".join(
        f'<div style="margin-top: 0px; margin-right: 0px; margin-bottom: 0px; margin-left: 0px;"><span style="font-family: -webkit-system-font, Helvetica Neue, Helvetica, sans-serif; color:rgba(0, 0, 0, 1.0);"><b>{k}: </b></span><span style="font-family: -webkit-system-font, Helvetica Neue, Helvetica, sans-serif;">{html.escape(v)}<br></span></div>\n'
        for k, v in ((frm, person(f.author)), (subj, f.subject), (date, date_text), (to, person(BLOG)))
    )
    page = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">'
        f'{html.escape(f.note or "")}<br id="lineBreakAtBeginningOfMessage"><div><br><blockquote type="cite"><div>{html.escape(sep)}</div><br class="Apple-interchange-newline">\n'
        + rows
        + f"<br><div>{_paras(f.body)}</div></blockquote></div></body></html>\n"
    )
    headers = outer_headers(
        f, "Fwd: " + f.subject, f"<{_h(name, 16**8):08X}-{_h(name + 'm', 16**4):04X}@example.org>",
        ("X-Mailer", "Apple Mail (2.3826.300.87.4.3)"),
    )  # fmt: skip
    headers[5] = ("Mime-Version", "1.0 (Mac OS X Mail 16.0 \\(3826.300.87.4.3\\))")
    ctype, body = alternative(
        f"Apple-Mail={_h(name, 16**8):08X}-4C2E-9D1B-{_h(name + 'b', 16**12):012X}",
        plain,
        page,
        "quoted-printable",
    )
    headers.append(("Content-Type", ctype))
    return name, message(headers, body), expected(f, SRC["apple"], shown, date_text)


def yahoo(lang: str) -> Built:
    name = f"yahoo_{lang}_forward_html"
    f = facts_for(name, lang)
    shown = _shown(f)
    date_text = f"{format_date(shown, 'full', locale=_loc(lang))}, {format_time(shown, 'medium', locale=_loc(lang))} {_gmt(shown)}"
    sep, frm, to, sent, subj = YAHOO[lang]
    plain = f"{f.note}\n\n\n   {sep}{frm}: {person(f.author)}{to}: {person(BLOG)}{sent}: {date_text}{subj}: {f.subject}\n \n{f.body}\n"
    page = (
        '<html><head></head><body><div class="ydp3f1b2c3yahoo-style-wrap" style="font-family:Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;">'
        f'<div dir="ltr" data-setdir="false">{html.escape(f.note or "")}</div><div><br></div><div><br></div>'
        f'<div id="yahoo_quoted_{_h(name, 10**10)}" class="yahoo_quoted"><div style="font-family:\'Helvetica Neue\', Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;">'
        f"<div>{sep}</div><div><b>{frm}:</b> {html.escape(person(f.author))}</div><div><b>{to}:</b> {html.escape(person(BLOG))}</div>"
        f"<div><b>{sent}:</b> {html.escape(date_text)}</div><div><b>{subj}:</b> {html.escape(f.subject)}</div><div><br></div>"
        f'<div><div dir="ltr">{_paras(f.body)}</div></div></div></div></div></body></html>\n'
    )
    headers = outer_headers(
        f, "Fwd: " + f.subject, f"<{_h(name, 10**9)}.{_h(name, 10**6)}.{_h(name + 'y', 10**13)}@mail.yahoo.com>",
        ("X-Mailer", "WebService/1.1.23187 YMailNorrin"),
    )  # fmt: skip
    ctype, body = alternative(
        f"----=_Part_{_h(name, 10**7)}_{_h(name + 'p', 10**9)}.{_h(name + 'q', 10**13)}",
        plain,
        page,
        "quoted-printable",
    )
    headers.append(("Content-Type", ctype))
    return name, message(headers, body), expected(f, SRC["yahoo"], shown, date_text)


MAC_WROTE = {"de": ("Am", "schrieb", "WG"), "fr": ("Le", "a écrit", "TR")}


def outlook_mac(lang: str) -> Built:
    """Outlook for Mac: ``Am 10.01.25, 19:44 schrieb "Name" <addr>:`` over a four-space indent."""
    name = f"outlook_mac_{lang}_forward_wrote_first"
    f = facts_for(name, lang, seconds=False)
    shown = _shown(f)
    start, verb, prefix = MAC_WROTE[lang]
    date_text = f"{shown:%d.%m.%y}, {shown:%H:%M}" if lang == "de" else f"{shown:%d/%m/%Y} {shown:%H:%M}"
    indented = "\n".join(("    " + line) if line else "" for line in f.body.split("\n"))
    text = f'{f.note}\n\n{start} {date_text} {verb} "{f.author[0]}" <{f.author[1]}>:\n\n{indented}\n'
    headers = outer_headers(
        f, f"{prefix}: {f.subject}", f"<{_h(name, 16**8):08X}.{_h(name, 16**6):06X}%{f.forwarder[1]}>",
        ("User-Agent", "Microsoft-MacOutlook/16.89.24091630"),
    )  # fmt: skip
    headers += [
        ("Thread-Topic", f.subject), ("Thread-Index", _thread_index(name)),
        ("Content-Type", "text/plain; charset=UTF-8"), ("Content-Transfer-Encoding", "quoted-printable"),
    ]  # fmt: skip
    return (
        name,
        message(headers, encode(text, "quoted-printable")),
        expected(f, SRC["outlook_mac"], shown, date_text),
    )


def signature(lang: str) -> Built:
    """Outlook desktop with the forwarder's multi-line signature under a closing."""
    name = f"outlook_{lang}_forward_signature_block"
    f = facts_for(name, lang, seconds=False)
    shown = _shown(f)
    date_text = _full_short(shown, lang)
    closing = {"en": "Kind regards,", "it": "Cordiali saluti,", "de": "Viele Grüße,"}[lang]
    sig = f"{f.forwarder[0]}\nCustomer Care Lead\nExample S.p.A. | Via Roma 1, Milano\nT: +39 02 1234 5678 | M: +39 333 123 4567\nwww.example.it"
    plain = f"{f.note}\n\n{closing}\n\n{sig}\n\n{_outlook_block(f, lang, date_text)}\n\n{f.body}\n\n"
    headers = outer_headers(
        f, f"{OUTLOOK[lang][4]}: {f.subject}", f"<0{_h(name, 16**12):012x}$0{_h(name + 'b', 16**8):08x}$@example.org>",
        ("X-Mailer", "Microsoft Outlook 16.0"),
    )  # fmt: skip
    headers += [
        ("Thread-Index", _thread_index(name)),
        ("Content-Type", "text/plain; charset=UTF-8"), ("Content-Transfer-Encoding", "quoted-printable"),
    ]  # fmt: skip
    return (
        name,
        message(headers, encode(plain, "quoted-printable")),
        expected(f, SRC["signature"], shown, date_text),
    )


def chain_outlook_gmail(lang: str) -> Built:
    """Outlook desktop (the outer forwarder) forwarding a Gmail forward of the letter."""
    name = f"outlook_{lang}_chain_gmail-{lang}"
    f = facts_for(name, lang, seconds=False)
    inner = facts_for(name + "_inner", lang, seconds=False)
    middle = inner.forwarder if inner.forwarder != f.forwarder else LANGS[lang].forwarders[-1]
    # Gmail (the middle forwarder) prints the letter's date in its own zone: the forwarder's.
    shown = _shown(f)
    middle_sent = f.written + timedelta(hours=5)
    middle_shown = middle_sent.astimezone(f.sent.tzinfo)
    gmail_date = _full_short(shown, lang)
    frm, sent, to, subj, prefix = OUTLOOK[lang]
    outlook_date = _full_short(middle_shown, lang)
    text = (
        f"{f.note}\n\n{frm}: {person(middle)}\n{sent}: {outlook_date}\n{to}: {person(f.forwarder)}\n{subj}: Fwd: {f.subject}\n\n"
        f"{inner.note}\n\n---------- Forwarded message ---------\n{GMAIL_FROM[lang]}: {person(f.author)}\nDate: {gmail_date}\n"
        f"Subject: {f.subject}\nTo: {person(middle)}\n\n\n{f.body}\n\n"
    )
    headers = outer_headers(
        f, f"{prefix}: Fwd: {f.subject}", f"<0{_h(name, 16**12):012x}$0{_h(name + 'b', 16**8):08x}$@example.org>",
        ("X-Mailer", "Microsoft Outlook 16.0"),
    )  # fmt: skip
    headers += [
        ("Thread-Index", _thread_index(name)),
        ("Content-Type", "text/plain; charset=UTF-8"), ("Content-Transfer-Encoding", "quoted-printable"),
    ]  # fmt: skip
    forwarders = [
        {"name": f.forwarder[0], "address": f.forwarder[1], "date": f.sent.isoformat(), "note": f.note},
        {
            "name": middle[0],
            "address": middle[1],
            "date": middle_shown.replace(second=0, microsecond=0).isoformat(),
            "note": inner.note,
        },
    ]
    facts = expected(f, SRC["chain"], shown, gmail_date, forwarders=forwarders)
    return name, message(headers, encode(text, "quoted-printable")), facts


def builders() -> list[Any]:
    out: list[Any] = []
    for lang in LANGS:
        if lang != "en":  # gmail_en_forward and outlook_en_forward come from others.py
            out.append(lambda lang=lang: gmail(lang))
        if lang not in ("en", "zh-CN"):  # so does outlook_zh-CN_forward
            out.append(lambda lang=lang: outlook(lang))
        out.append(lambda lang=lang: owa(lang))
    out += [lambda lang=lang: apple(lang) for lang in APPLE]
    out += [lambda lang=lang: yahoo(lang) for lang in YAHOO]
    out += [lambda lang=lang: outlook_mac(lang) for lang in MAC_WROTE]
    out += [lambda lang=lang: signature(lang) for lang in ("en", "it", "de")]
    out += [lambda lang=lang: chain_outlook_gmail(lang) for lang in ("en", "it", "fr", "de", "es")]
    return out
