"""A new team's first week, as one automated walk-through against the real Dovecot.

Five colleagues forward five letters, each from a different mail client written
the way that client writes a forward (Outlook for Windows, Gmail, Apple Mail,
Thunderbird with format=flowed, Outlook on the web). ``mailbot run`` is the
service under IDLE; the reviewer works from the terminal (list, show, approve,
reject); then publish and retract. What the team met in its first week is
checked at each step: forwarders' notes stay internal, private values and the
customer's surname never reach the site, Thunderbird's hard line breaks are
unwrapped, a zone-less Outlook date is read in the site's time zone, and the
service stops cleanly.
"""

from __future__ import annotations

import json
import tomllib
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from imapserver import DovecotServer
from test_imap_pipeline import Mailbot, stop, wait_for

pytestmark = pytest.mark.dovecot

SITE = """
[site]
title = "Lettere dai clienti"
base_url = "https://lettere.example.org/"
language = "it"
timezone = "Europe/Rome"

[attribution]
author_style = "first_name"

[attribution.labels]
"napoli.example.org" = "i colleghi di Napoli"
"milano.example.org" = "i colleghi di Milano"
"""


def _message(headers: dict[str, str], text: str, html: str | None = None, *, flowed: bool = False) -> bytes:
    msg = EmailMessage()
    for name, value in headers.items():
        msg[name] = value
    if flowed:
        # Thunderbird's default: format=flowed, soft breaks are a space before the line end.
        msg.set_content(text, cte="8bit")
        msg.set_param("format", "flowed")
    else:
        msg.set_content(text, cte="quoted-printable")
    if html is not None:
        msg.add_alternative(html, subtype="html", cte="quoted-printable")
    return msg.as_bytes()


def outlook_windows() -> bytes:
    """Outlook for Windows, Italian: "I:" subject, underscore rule, Da/Inviato/A/Oggetto, no zone."""
    note = (
        "Attenzione: nel testo ha messo IBAN e numero di telefono, da togliere prima di pubblicare!\n\n"
        "Un saluto,\nGiulia\n"
    )
    letter = (
        "Gentili signori,\n\n"
        "vi scrivo per ringraziare l'operatrice che mi ha risposto martedì. Mi ha richiamato lei "
        "al 333 1234567 per essere sicura che il rimborso sull'IBAN IT60X0542811101000000123456 "
        "fosse arrivato.\n\n"
        "Il signor Russo ringrazia ancora.\n\n"
        "Cordiali saluti,\nTommaso Russo\n"
    )
    block = (
        "________________________________\n"
        "Da: Tommaso Russo <tommaso.russo@example.it>\n"
        "Inviato: venerdì 10 gennaio 2025 19:44\n"
        "A: Servizio Clienti <servizio.clienti@example.org>\n"
        "Oggetto: Grazie per la pazienza\n\n"
    )
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
        '<body><div style="font-family:Aptos,sans-serif;font-size:12pt">'
        + note.replace("\n\n", "</div><div>").replace("\n", "<br>")
        + '</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" '
        'color="#000000"><b>Da:</b> Tommaso Russo &lt;tommaso.russo@example.it&gt;<br>'
        "<b>Inviato:</b> venerdì 10 gennaio 2025 19:44<br>"
        "<b>A:</b> Servizio Clienti &lt;servizio.clienti@example.org&gt;<br>"
        "<b>Oggetto:</b> Grazie per la pazienza</font><div>&nbsp;</div></div>"
        "<div>" + letter.replace("\n\n", "</div><div>").replace("\n", "<br>") + "</div></body></html>"
    )
    headers = {
        "From": "Giulia Esposito <giulia.esposito@napoli.example.org>",
        "To": "Lettere <blog@example.org>",
        "Subject": "I: Grazie per la pazienza",
        "Thread-Topic": "Grazie per la pazienza",
        "Thread-Index": "AQHbY2Vx8k1Pq0GZSkO5dJ3l9a6Tqg==",
        "Date": "Mon, 13 Jan 2025 09:02:11 +0000",
        "Message-ID": "<AM9PR04MB8475C1@AM9PR04MB8475.eurprd04.prod.outlook.com>",
        "Accept-Language": "it-IT, en-US",
        "Content-Language": "it-IT",
        "X-MS-Has-Attach": "",
        "X-MS-TNEF-Correlator": "",
    }
    return _message(headers, note + "\n" + block + letter, html)


def gmail() -> bytes:
    """Gmail on the web, English interface: the dashed line, From/Date/Subject/To, a zone-less date."""
    note = "He said yes when I rang him this morning, so we can publish it.\n"
    letter = (
        "Dear all,\n\n"
        "I want to thank Sofia, who stayed on the line with me for an hour until my father's "
        "account was sorted out.\n\n"
        "Best regards,\nMatthew Clarke\n"
    )
    text = (
        note + "\n---------- Forwarded message ---------\n"
        "From: Matthew Clarke <matthew.clarke@example.com>\n"
        "Date: Wed, Jan 8, 2025 at 6:03 PM\n"
        "Subject: Thank you, Sofia\n"
        "To: <help@example.org>\n\n\n" + letter
    )
    html = (
        '<div dir="ltr"><div>' + note.strip() + '</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>'
        'From: <strong class="gmail_sendername" dir="auto">Matthew Clarke</strong> '
        '<span dir="auto">&lt;<a href="mailto:matthew.clarke@example.com">matthew.clarke@example.com</a>'
        "&gt;</span><br>Date: Wed, Jan 8, 2025 at 6:03 PM<br>Subject: Thank you, Sofia<br>"
        'To: &lt;<a href="mailto:help@example.org">help@example.org</a>&gt;<br></div><br><br>'
        '<div dir="ltr">' + letter.replace("\n\n", "<br><br>").replace("\n", "<br>") + "</div></div></div>"
    )
    headers = {
        "From": "Marco Galli <marco.galli@milano.example.org>",
        "To": "blog@example.org",
        "Subject": "Fwd: Thank you, Sofia",
        "Date": "Thu, 9 Jan 2025 10:12:40 +0100",
        "Message-ID": "<CAF8kq2W9xZ3b1vN0fQw@mail.gmail.com>",
        "MIME-Version": "1.0",
    }
    return _message(headers, text, html)


def apple_mail() -> bytes:
    """Apple Mail on macOS, Italian: "Inizio messaggio inoltrato:", Da/Oggetto/Data/A."""
    letter = (
        "Buongiorno,\n\n"
        "il tecnico è rimasto un'ora sotto la pioggia ad aspettarmi perché avevo sbagliato "
        "l'orario. Non si è lamentato, anzi mi ha sorriso.\n\n"
        "Grazie di cuore,\nLucia Ferri\n"
    )
    text = (
        "Da leggere!\n\n"
        "Inizio messaggio inoltrato:\n\n"
        "Da: Lucia Ferri <lucia.ferri@example.it>\n"
        "Oggetto: Il tecnico sotto la pioggia\n"
        "Data: 7 gennaio 2025 alle ore 09:15:02 CET\n"
        "A: assistenza@example.org\n\n" + letter
    )
    headers = {
        "From": "Anna Bianchi <anna.bianchi@napoli.example.org>",
        "Subject": "I: Il tecnico sotto la pioggia",
        "Date": "Tue, 7 Jan 2025 11:40:05 +0100",
        "To": "blog@example.org",
        "Message-Id": "<5E1D3A6C-2B7F-4C1E-9A43-7D2F0B1C9E88@napoli.example.org>",
        "Mime-Version": "1.0 (Mac OS X Mail 16.0 \\(3774.500.171.1.1\\))",
        "X-Mailer": "Apple Mail (2.3774.500.171.1.1)",
    }
    return _message(headers, text)


def thunderbird() -> bytes:
    """Thunderbird, Italian, format=flowed: the letter's lines end in a space where they wrap."""
    text = (
        "Questa è bellissima.\n\n"
        "-------- Messaggio inoltrato --------\n"
        "Oggetto: \tQuaranta minuti di attesa\n"
        "Data: \tMon, 6 Jan 2025 20:11:09 +0100\n"
        "Mittente: \tPaolo Conti <paolo.conti@example.it>\n"
        "A: \tservizio.clienti@example.org\n\n"
        "Buonasera, ho aspettato quaranta minuti al telefono ma ne è valsa la \n"
        "pena: l'operatore ha risolto tutto in pochi minuti.\n\n"
        "Saluti,\nPaolo Conti\n"
    )
    headers = {
        "Message-ID": "<8c1b7e1a-3f0d-4b7e-a1d2-6f5e4c3b2a10@napoli.example.org>",
        "Date": "Tue, 7 Jan 2025 08:30:12 +0100",
        "MIME-Version": "1.0",
        "User-Agent": "Mozilla Thunderbird",
        "Content-Language": "it",
        "To": "blog@example.org",
        "From": "Carla Romano <carla.romano@napoli.example.org>",
        "Subject": "Fwd: Quaranta minuti di attesa",
    }
    return _message(headers, text, flowed=True)


def outlook_web() -> bytes:
    """Outlook on the web, English: underscore rule, From/Sent/To/Subject, a zone-less date."""
    letter = (
        "Hello,\n\n"
        "Your colleague Daniel called me back after the line dropped. Nobody had ever done "
        "that before. Please tell him.\n\n"
        "Kind regards,\nHenry Walker\n"
    )
    text = (
        "For the blog?\n\n"
        "________________________________\n"
        "From: Henry Walker <henry.walker@example.co.uk>\n"
        "Sent: Tuesday, January 7, 2025 3:20 PM\n"
        "To: Customer Care <care@example.org>\n"
        "Subject: A phone call I won't forget\n\n" + letter
    )
    headers = {
        "From": "Ilaria Moretti <ilaria.moretti@milano.example.org>",
        "To": "blog@example.org",
        "Subject": "Fw: A phone call I won't forget",
        "Thread-Topic": "A phone call I won't forget",
        "Thread-Index": "AQHbYTr3n0cXWm6uKUa0Vw9c2lq7fQ==",
        "Date": "Wed, 8 Jan 2025 14:05:33 +0000",
        "Message-ID": "<DB9PR08MB6618E2@DB9PR08MB6618.eurprd08.prod.outlook.com>",
        "Content-Language": "en-GB",
        "X-MS-Has-Attach": "",
    }
    return _message(headers, text)


def _drafts(bot: Mailbot) -> dict[str, dict[str, object]]:
    listed = bot("drafts", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return {str(d["title"]): d for d in json.loads(listed.stdout)}


def _site_text(site: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in sorted(site.rglob("*")) if p.suffix in (".html", ".xml")
    )


def test_a_new_teams_first_week(dovecot: DovecotServer, tmp_path: Path) -> None:
    bot = Mailbot(tmp_path, dovecot, idle=True)
    with (tmp_path / "mailbot.toml").open("a") as fh:
        fh.write(SITE)
    service = bot.start("run")
    try:
        letters = [outlook_windows(), gmail(), apple_mail(), thunderbird(), outlook_web()]
        for data in letters:
            dovecot.append("INBOX", data)
        assert wait_for(lambda: len(bot.drafts()) == 5, 60), (tmp_path / "log.txt").read_text()
        assert wait_for(lambda: dovecot.count("Processed") == 5, 30)
        assert dovecot.count("INBOX") == 0 and dovecot.count("Failed") == 0

        drafts = _drafts(bot)
        assert set(drafts) == {
            "Grazie per la pazienza",
            "Thank you, Sofia",
            "Il tecnico sotto la pioggia",
            "Quaranta minuti di attesa",
            "A phone call I won't forget",
        }
        for item in drafts.values():
            assert item["status"] == "draft" and item["kind"] == "forward"
        tommaso = drafts["Grazie per la pazienza"]
        assert tommaso["author"] == "Tommaso"
        assert tommaso["forwarded_by"] == ["i colleghi di Napoli"]
        warnings = tommaso["warnings"]
        assert isinstance(warnings, list) and "redacted" in warnings

        # The reviewer sees the forwarder's note (it is internal, not gone) and the hidden values.
        shown = bot("drafts", "show", str(tommaso["id"]))
        assert shown.returncode == 0, shown.stderr
        assert "da togliere prima di pubblicare" in shown.stdout
        assert "IT60X0542811101000000123456" not in shown.stdout  # masked even for the reviewer

        # A zone-less Outlook date is read in the site's zone: 19:44 in Rome.
        text = Path(str(tommaso["path"])).read_text(encoding="utf-8")
        front = tomllib.loads(text.split("+++\n")[1])
        assert front["letter_date"] == datetime(2025, 1, 10, 19, 44, tzinfo=ZoneInfo("Europe/Rome"))

        rejected = drafts["A phone call I won't forget"]["id"]
        approve = [str(d["id"]) for t, d in drafts.items() if d["id"] != rejected]
        result = bot("drafts", "approve", "--yes", *approve)
        assert result.returncode == 0, result.stderr
        result = bot("drafts", "reject", str(rejected), "--reason", "non ancora autorizzata")
        assert result.returncode == 0, result.stderr

        result = bot("publish")
        assert result.returncode == 0, result.stderr
        site = tmp_path / "site"
        public = _site_text(site)
        for secret in (
            "da togliere",
            "Un saluto",
            "He said yes",
            "Da leggere",
            "Questa è bellissima",
            "IT60X0542811101000000123456",
            "333 1234567",
            "Russo",
            "Matthew Clarke",
            "Daniel called me back",  # rejected
        ):
            assert secret not in public, secret
        assert "Tommaso" in public and "signor R." in public
        assert "Grazie ai colleghi di Napoli" in public
        # Thunderbird's soft line break is gone: the sentence is one line in the page.
        assert "ne è valsa la pena: l&#39;operatore" in public or "ne è valsa la pena: l'operatore" in public
        assert "10 gennaio 2025" in public  # the letter's date, in Italian

        # A customer withdraws consent: the post leaves every page and feed.
        lucia = str(drafts["Il tecnico sotto la pioggia"]["id"])
        result = bot("retract", lucia, "--reason", "la cliente ha ritirato il consenso")
        assert result.returncode == 0, result.stderr
        public = _site_text(site)
        assert "sotto la pioggia" not in public
        assert "Quaranta minuti di attesa" in public
        statuses = {t: d["status"] for t, d in _drafts(bot).items()}
        assert statuses["Il tecnico sotto la pioggia"] == "retracted"
        assert statuses["A phone call I won't forget"] == "rejected"
        assert statuses["Thank you, Sofia"] == "published"
    finally:
        code = stop(service)
    assert code == 0, (tmp_path / "log.txt").read_text()
    log = (tmp_path / "log.txt").read_text()
    assert "IT60X0542811101000000123456" not in log and "ringraziare" not in log
