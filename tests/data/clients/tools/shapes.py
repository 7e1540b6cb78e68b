# ruff: noqa: E501 - HTML templates of the clients read best on one line.
"""Shapes beyond the plain forward: replies that are not forwards, forwards as attachments,
chains through two or three people with different clients, notes below, inline images, and
the clients whose format is known from single public examples (English unless stated).

Each builder returns ``(name, raw bytes, expected facts)``; the facts come from the inputs.
"""

from __future__ import annotations

import base64
import html
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.dates import format_datetime as babel_datetime
from facts import BLOG, LANGS
from formats import BABEL_LOCALE, K9, ROUNDCUBE, THUNDERBIRD, ZIMBRA
from generate import (
    SOURCES,
    TB_AGENT,
    Facts,
    _h,
    _pick,
    alternative,
    encode,
    expected,
    facts_for,
    header_person,
    header_text,
    java_date,
    message,
    outer_headers,
    part,
    person,
    rc_block,
    rc_rows,
    tb_block,
    tb_rows,
    zimbra_person,
)

Built = tuple[str, bytes, dict[str, Any]]


# --- replies that are not forwards (Thunderbird's reply attribution per language) ----------------


def thunderbird_reply(lang: str) -> Built:
    """A customer's reply: Thunderbird's attribution line, the quoted message, the reply below."""
    name = f"thunderbird_{lang}_reply_not_forward"
    f = facts_for(name, lang)
    lab = THUNDERBIRD[lang]
    locale = BABEL_LOCALE.get(lang, lang)
    quoted_at = f.written - timedelta(days=2, hours=3)
    wrote = (
        lab["wrote"]
        .replace("#1", f.forwarder[0])
        .replace("#2", format_date(quoted_at, "short", locale=locale))
        .replace("#3", format_time(quoted_at, "short", tzinfo=quoted_at.tzinfo, locale=locale))
    )
    quoted = LANGS[lang].notes[0]
    body = f"{wrote}\n> {quoted}\n\n{f.body}"
    headers = [
        ("From", header_person(f.author)),
        ("To", header_person(f.forwarder)),
        ("Subject", header_text("Re: " + f.subject)),
        ("Date", format_datetime(f.written)),
        ("Message-ID", f"<{_h(name, 10**8):08x}-re@example.net>"),
        ("In-Reply-To", f"<{_h(name + 'q', 10**8):08x}@example.org>"),
        ("User-Agent", _pick(TB_AGENT, name).format(v=_h(name, 12))),
        ("MIME-Version", "1.0"),
        ("Content-Language", lang),
        ("Content-Type", "text/plain; charset=UTF-8; format=flowed"),
        ("Content-Transfer-Encoding", "8bit"),
    ]
    facts = expected(
        f, SOURCES["thunderbird"] + "; reply attribution mailnews.reply_header_ondateauthorwrote",
        f.written, format_datetime(f.written), forwarded=False, subject="Re: " + f.subject, body=body,
    )  # fmt: skip
    return name, message(headers, body), facts


# --- forward as attachment (message/rfc822) ----------------------------------------------------


def thunderbird_attached(lang: str) -> Built:
    name = f"thunderbird_{lang}_attached_rfc822"
    f = facts_for(name, lang)
    inner = message(
        [
            ("From", header_person(f.author)),
            ("To", header_person(BLOG)),
            ("Subject", header_text(f.subject)),
            ("Date", format_datetime(f.written)),
            ("Message-ID", f"<{_h(name + 'i', 10**10):x}@mail.example.net>"),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ],
        encode(f.body, "quoted-printable"),
    ).decode()
    boundary = f"------------{_h(name, 10**12):024d}"
    headers = outer_headers(
        f, "Fwd: " + f.subject, f"<{_h(name, 10**8):08x}-tb@example.org>",
        ("User-Agent", _pick(TB_AGENT, name).format(v=_h(name, 12))),
    )  # fmt: skip
    headers.append(("Content-Type", f'multipart/mixed; boundary="{boundary}"'))
    filename = "letter.eml"
    body = (
        "This is a multi-part message in MIME format.\n"
        f"--{boundary}\n{part('text/plain', (f.note or '') + chr(10) + chr(10), '8bit', '; format=flowed')}\n"
        f'--{boundary}\nContent-Type: message/rfc822; name="{filename}"\n'
        f'Content-Disposition: attachment; filename="{filename}"\n\n{inner}\n--{boundary}--\n'
    )
    facts = expected(
        f, SOURCES["thunderbird"] + "; Forward As Attachment", f.written, format_datetime(f.written)
    )
    return name, message(headers, body), facts


# --- chains: a forward of a forward, each level by a different client ----------------------------


@dataclass
class Level:
    """One message of a chain as the next client sees it."""

    author: tuple[str, str]
    date: datetime
    subject: str
    body: str


def render_block(client: str, lang: str, inner: Level, shown_tz: Any) -> tuple[str, str, datetime]:
    """The plain-text forward block a client writes for ``inner``: (block, date as printed, date as known)."""
    if client == "thunderbird":
        lab = THUNDERBIRD[lang]
        raw = format_datetime(inner.date)
        block = tb_block(lab, tb_rows(lab, inner.subject, raw, inner.author))
        return block + "\n\n" + inner.body, raw, inner.date
    shown = inner.date.astimezone(shown_tz)
    if client == "roundcube":
        lab = ROUNDCUBE[lang]
        raw = shown.strftime("%Y-%m-%d %H:%M")
        block = rc_block(lab, rc_rows(lab, inner.subject, raw, inner.author))
        return block + "\n" + inner.body, raw, shown.replace(second=0)
    if client == "k9":
        lab = K9[lang]
        raw = babel_datetime(shown, "long", tzinfo=shown_tz, locale=BABEL_LOCALE.get(lang, lang))
        lines = [
            f"{lab['from']} {person(inner.author)}",
            f"{lab['date']} {raw}",
            f"{lab['to']} {person(BLOG)}",
            f"{lab['subject']} {inner.subject}",
        ]
        return lab["sep"] + "\n" + "\n".join(lines) + "\n\n" + inner.body, raw, shown
    lab = ZIMBRA[lang]
    raw = java_date(lab["pattern"], shown, lab)
    rows = [
        (lab["from"], zimbra_person(inner.author)),
        (lab["to"], zimbra_person(BLOG)),
        (lab["sent"], raw),
        (lab["subject"], inner.subject),
    ]
    return lab["sep"] + "\n" + "".join(f"{k}: {v}\n" for k, v in rows) + "\n" + inner.body, raw, shown


def chain(clients: tuple[tuple[str, str], ...]) -> Built:
    """``clients`` innermost first: who forwarded the letter first, then who forwarded that, ..."""
    outer_client, outer_lang = clients[-1]
    name = f"{outer_client}_{outer_lang}_chain_" + "_".join(
        f"{c}-{lang}" for c, lang in reversed(clients[:-1])
    )
    f = facts_for(name, clients[0][1])
    level = Level(f.author, f.written, f.subject, f.body)
    forwarders: list[dict[str, Any]] = []
    letter_date = letter_raw = None
    when = f.written
    for depth, (client, lang) in enumerate(clients):
        info = LANGS[lang]
        fwd = (
            info.forwarders[depth % len(info.forwarders)]
            if depth < len(info.forwarders)
            else _pick(
                [
                    p
                    for other in LANGS.values()
                    for p in other.forwarders
                    if p not in [tuple(x["p"]) for x in forwarders]
                ],
                name,
                str(depth),
            )
        )
        tz = ZoneInfo(info.tz)
        when = (
            (when + timedelta(days=1, hours=2 + depth)).astimezone(tz).replace(second=(17 * depth + 5) % 60)
        )
        note = info.notes[depth % len(info.notes)]
        block, raw, known = render_block(client, lang, level, tz)
        if depth == 0:
            letter_date, letter_raw = known, raw
        else:
            forwarders[-1]["date"] = known.isoformat()
        prefix = "Fwd: "
        sep = "\n\n\n" if client in ("thunderbird", "roundcube", "k9") else "\n\n"
        level = Level(fwd, when, prefix + level.subject, note + sep + block)
        forwarders.append(
            {"p": fwd, "name": fwd[0], "address": fwd[1], "date": when.isoformat(), "note": note}
        )
    forwarders.reverse()
    outer = Facts(name=name, lang=outer_lang, author=f.author, forwarder=level.author, subject=f.subject, body=f.body,
                  note=None, written=f.written, sent=level.date)  # fmt: skip
    agent = {
        "thunderbird": ("User-Agent", _pick(TB_AGENT, name).format(v=3)),
        "roundcube": ("User-Agent", "Roundcube Webmail/1.6.9"),
        "k9": ("User-Agent", "K-9 Mail for Android"),
        "zimbra": ("X-Mailer", "Zimbra 10.0.7_GA_4630 (ZimbraWebClient - GC131 (Mac)/10.0.7_GA_4630)"),
    }[outer_client]
    headers = outer_headers(outer, level.subject, f"<{_h(name, 10**10):x}@example.org>", agent)
    headers += [
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ]
    for item in forwarders:
        item.pop("p")
    source = "chain; each level as in SOURCES.md for " + ", ".join(f"{c} ({lang})" for c, lang in clients)
    facts = expected(f, source, letter_date, letter_raw, forwarders=forwarders)
    return name, message(headers, encode(level.body, "quoted-printable")), facts


# --- notes below the forward and inline images (Thunderbird HTML) -----------------------------


def thunderbird_html_variant(lang: str, variant: str) -> Built:
    """``note_below``: the forwarder wrote under the forwarded block; ``inline_image``: the letter
    carries a photo (multipart/related inside multipart/alternative)."""
    name = f"thunderbird_{lang}_forward_html_{variant}"
    f = facts_for(name, lang, note=variant != "note_below")
    below = LANGS[lang].notes[-1] if variant == "note_below" else None
    lab = THUNDERBIRD[lang]
    raw_date = format_datetime(f.written)
    rows = tb_rows(lab, f.subject, raw_date, f.author)
    plain = (
        (f"{f.note}\n\n\n" if f.note else "\n\n") + tb_block(lab, rows, tab=False) + "\n\n" + f.body + "\n\n"
    )
    if below:
        plain += below + "\n"
    cid = f"part1.{_h(name, 10**8):08X}.{_h(name + 'c', 10**8):08X}@example.org"
    image = (
        f'<p><img src="cid:{cid}" moz-do-not-send="false" alt="" width="320" height="240"></p>\n'
        if variant == "inline_image"
        else ""
    )
    cells = "".join(
        f'<tr>\n<th valign="BASELINE" nowrap="nowrap" align="RIGHT">{html.escape(k)}: </th>\n<td>{html.escape(v)}</td>\n</tr>\n'
        for k, v in rows
    )
    letter = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>' + chr(10))}</p>\n" for p in f.body.split("\n\n")
    )
    page = (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="content-type" content="text/html; charset=UTF-8">\n</head>\n<body>\n'
        + (f"<p>{html.escape(f.note)}</p>\n" if f.note else "<p><br></p>\n")
        + f'<div class="moz-forward-container"><br>\n<br>\n{html.escape(lab["sep"])}\n'
        + '<table class="moz-email-headers-table" border="0" cellpadding="0" cellspacing="0">\n<tbody>\n'
        + cells
        + "</tbody>\n</table>\n<br>\n<br>\n"
        + letter
        + image
        + "</div>\n"
        + (f"<p>{html.escape(below)}</p>\n" if below else "")
        + "</body>\n</html>\n"
    )
    headers = outer_headers(
        f, "Fwd: " + f.subject, f"<{_h(name, 10**8):08x}-tb@example.org>",
        ("User-Agent", _pick(TB_AGENT, name).format(v=_h(name, 12))),
    )  # fmt: skip
    alt = f"------------{_h(name, 10**12):024d}"
    if variant == "inline_image":
        rel = f"------------{_h(name + 'r', 10**12):024d}"
        png = base64.encodebytes(
            bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(32)
        ).decode()
        related = (
            f'Content-Type: multipart/related; boundary="{rel}"\n\n'
            f"--{rel}\n{part('text/html', page, '8bit')}\n"
            f'--{rel}\nContent-Type: image/png; name="photo.png"\nContent-Disposition: inline; filename="photo.png"\n'
            f"Content-Id: <{cid}>\nContent-Transfer-Encoding: base64\n\n{png}\n--{rel}--\n"
        )
        body = f"--{alt}\n{part('text/plain', plain, '8bit', '; format=flowed')}\n--{alt}\n{related}\n--{alt}--\n"
        headers.append(("Content-Type", f'multipart/alternative; boundary="{alt}"'))
    else:
        ctype, body = alternative(alt, plain, page, "8bit")
        headers.append(("Content-Type", ctype))
    source = (
        SOURCES["thunderbird"] + f"; {variant.replace('_', ' ')} written by hand in Thunderbird's HTML layout"
    )
    return (
        name,
        message(headers, "This is a multi-part message in MIME format.\n" + body),
        expected(f, source, f.written, raw_date),
    )


def builders() -> list[Any]:
    out: list[Any] = []
    for lang in LANGS:
        out.append(lambda lang=lang: thunderbird_reply(lang))
    for lang in ("it", "en", "de", "fr", "es", "pl", "ja", "he", "uk", "el", "ko", "pt-BR"):
        out.append(lambda lang=lang: thunderbird_attached(lang))
    for lang in ("it", "de", "en", "ar"):
        out.append(lambda lang=lang: thunderbird_html_variant(lang, "note_below"))
        out.append(lambda lang=lang: thunderbird_html_variant(lang, "inline_image"))
    chains = (
        (("thunderbird", "it"), ("roundcube", "it")),
        (("roundcube", "de"), ("thunderbird", "de")),
        (("k9", "fr"), ("zimbra", "fr")),
        (("zimbra", "es"), ("k9", "es")),
        (("thunderbird", "en"), ("roundcube", "it")),
        (("roundcube", "pl"), ("k9", "en")),
        (("thunderbird", "nl"), ("zimbra", "de")),
        (("roundcube", "it"), ("zimbra", "it"), ("thunderbird", "it")),
        (("k9", "de"), ("thunderbird", "de"), ("roundcube", "de")),
        (("zimbra", "pt-BR"), ("roundcube", "pt-BR"), ("k9", "en")),
        (("thunderbird", "sv"), ("k9", "sv")),
        (("roundcube", "cs"), ("thunderbird", "cs")),
    )
    for levels in chains:
        out.append(lambda levels=levels: chain(levels))
    return out


# --- long paragraphs: format=flowed soft breaks, signatures under the note --------------------


def long_letter(lang: str, name: str) -> str:
    """The letter as its author typed it: each paragraph one long line (as most people type)."""
    letter = _pick(LANGS[lang].letters, name, "l")
    paragraphs = letter.body.split("\n\n")
    # Join the hand-wrapped lines of each paragraph but the sign-off (greeting line + name).
    joined = [p.replace("\n", " ") for p in paragraphs[:-1]] + [paragraphs[-1]]
    joined[1] = joined[1] + " " + MORE[lang]
    return "\n\n".join(joined)


# One more sentence per language, so that the paragraph runs past the client's 72 columns.
MORE = {
    "it": "Vi chiedo cortesemente di farmi sapere entro la fine della settimana come intendete procedere, perché devo organizzarmi con il lavoro.",
    "de": "Ich bitte Sie daher, die Rechnung zu korrigieren und mir bis Ende des Monats eine neue zuzusenden, damit ich sie rechtzeitig bezahlen kann.",
    "fr": "Je vous serais reconnaissante de bien vouloir me répondre avant la fin du mois, car je dois transmettre ces documents à mon assurance.",
    "en": "I would be grateful if you could pass my thanks on to him and to the colleague who booked the visit so quickly on Friday afternoon.",
    "es": "Me gustaría que hicierais llegar mi agradecimiento a la dependienta que me atendió, porque se tomó su tiempo para explicarme todas las opciones.",
    "pl": "Proszę przekazać moje podziękowania również pani z infolinii, która umówiła wizytę na następny dzień i cierpliwie odpowiedziała na wszystkie pytania.",
    "ru": "Передайте, пожалуйста, мою благодарность и девушке из колл-центра, которая быстро записала меня на удобное время и всё подробно объяснила.",
    "sv": "Jag vill också tacka den trevliga personen i kundtjänst som bokade tiden åt mig och förklarade allt så tydligt att jag inte behövde ringa igen.",
    "nl": "Ik wil ook de medewerker van de klantenservice bedanken die de afspraak zo snel heeft ingepland en mij daarna nog even heeft teruggebeld.",
    "hu": "Külön köszönöm a kolléganőjüknek, aki türelmesen elmagyarázta a díjak részleteit, és még aznap elküldte nekem a javított számlát is.",
}


def flowed(text: str, width: int = 72) -> str:
    """RFC 3676 format=flowed: long lines broken at spaces, each soft break a trailing space."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        parts = textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
        out.extend(part + " " for part in parts[:-1])
        out.append(parts[-1])
    return "\n".join(out)


def thunderbird_flowed(lang: str) -> Built:
    name = f"thunderbird_{lang}_forward_flowed"
    f = facts_for(name, lang)
    body = long_letter(lang, name)
    f.body = body
    lab = THUNDERBIRD[lang]
    raw = format_datetime(f.written)
    rows = tb_rows(lab, f.subject, raw, f.author)
    text = f"{f.note}\n\n\n" + tb_block(lab, rows) + "\n\n" + flowed(body) + "\n\n"
    headers = outer_headers(
        f, "Fwd: " + f.subject, f"<{_h(name, 10**8):08x}-tb@example.org>",
        ("User-Agent", _pick(TB_AGENT, name).format(v=_h(name, 12))),
    )  # fmt: skip
    headers += [
        ("Content-Type", "text/plain; charset=UTF-8; format=flowed"),
        ("Content-Transfer-Encoding", "8bit"),
    ]
    source = SOURCES["thunderbird"] + "; RFC 3676 format=flowed, lines broken at 72 columns"
    return name, message(headers, text), expected(f, source, f.written, raw)


def roundcube_flowed(lang: str) -> Built:
    name = f"roundcube_{lang}_forward_flowed"
    f = facts_for(name, lang, seconds=False)
    f.body = long_letter(lang, name)
    lab = ROUNDCUBE[lang]
    shown = f.written.astimezone(f.sent.tzinfo)
    raw = shown.strftime("%Y-%m-%d %H:%M")
    rows = tb_rows(lab, f.subject, raw, f.author)
    text = (
        f"{f.note}\n\n\n-------- {lab['sep']} --------\n"
        + "".join(f"{k}: {v}\n" for k, v in rows)
        + "\n"
        + flowed(f.body)
    )
    headers = outer_headers(
        f, "Fwd: " + f.subject, f"<{_h(name, 10**12):x}@webmail.example.org>",
        ("User-Agent", f"Roundcube Webmail/1.6.{_h(name, 10)}"),
    )  # fmt: skip
    headers += [
        ("Content-Type", "text/plain; charset=UTF-8; format=flowed"),
        ("Content-Transfer-Encoding", "8bit"),
    ]
    source = SOURCES["roundcube"] + "; RFC 3676 format=flowed, lines broken at 72 columns"
    return name, message(headers, text), expected(f, source, shown, raw)


SIGNATURES = {
    "it": "-- \nAnna Bianchi\nUfficio Relazioni con i Clienti\nExample S.p.A. | Tel. +39 06 1234 5678",
    "de": "-- \nKatrin Vogel\nKundenservice\nExample GmbH | Tel. +49 30 1234567",
    "fr": "-- \nClaire Dubois\nService clients\nExample SAS | Tél. +33 1 23 45 67 89",
}


def thunderbird_signature(lang: str) -> Built:
    """Thunderbird puts the forwarder's signature (after "-- ") under the note, above the forward."""
    name = f"thunderbird_{lang}_forward_signature"
    f = facts_for(name, lang)
    f.forwarder = LANGS[lang].forwarders[0]
    lab = THUNDERBIRD[lang]
    raw = format_datetime(f.written)
    rows = tb_rows(lab, f.subject, raw, f.author)
    text = f"{f.note}\n\n{SIGNATURES[lang]}\n\n\n" + tb_block(lab, rows) + "\n\n" + f.body + "\n\n"
    headers = outer_headers(
        f, "Fwd: " + f.subject, f"<{_h(name, 10**8):08x}-tb@example.org>",
        ("User-Agent", _pick(TB_AGENT, name).format(v=_h(name, 12))),
    )  # fmt: skip
    headers += [
        ("Content-Type", "text/plain; charset=UTF-8; format=flowed"),
        ("Content-Transfer-Encoding", "8bit"),
    ]
    source = (
        SOURCES["thunderbird"]
        + "; the forwarder's signature after the standard '-- ' delimiter, written by hand"
    )
    return name, message(headers, text), expected(f, source, f.written, raw)


def more_builders() -> list[Any]:
    out: list[Any] = []
    for lang in ("it", "de", "fr", "en", "es", "pl", "ru", "sv"):
        out.append(lambda lang=lang: thunderbird_flowed(lang))
    for lang in ("it", "de", "nl", "hu"):
        out.append(lambda lang=lang: roundcube_flowed(lang))
    for lang in SIGNATURES:
        out.append(lambda lang=lang: thunderbird_signature(lang))
    return out
