# ruff: noqa: RUF001 - the language tables hold Cyrillic, Turkish and full-width letters on purpose.
"""Find the original letter inside a forwarded message.

Pure: a :class:`~mailbot.models.ParsedMessage` in, an
:class:`~mailbot.models.Extraction` out. A message may carry the letter

* inline, below a header block written by the forwarder's client (Gmail web/Android/iOS,
  Outlook classic/2013-2019/new/web, Apple Mail, Thunderbird and K-9, Yahoo, Proton, Zimbra,
  Roundcube, Samsung Email...), possibly ``>``-quoted, with plain or bold (``*From:*``) labels,
  with or without a separator line;
* as a ``message/rfc822`` attachment;
* several times over (a chain): each level is unwrapped in turn and its sender
  added to the forwarders, outermost first.

The words clients write around a forward live in :data:`LANGUAGES`, one entry per
language, so adding a language is adding data. Every regex below is built once from
all the tables together, so a body is scanned once whatever the number of languages.

Decisions worth knowing:

* **Reply prefixes** (``Re:``, ``R:``, ``AW:``, ``SV:``...) are never stripped from a
  subject, not even after a forward prefix: ``Fwd: I: R: Ciao`` gives ``R: Ciao``. A
  reply prefix is part of the original letter's own subject (the customer answered
  something); only the prefixes the forwarders' clients added go.
* **"X on behalf of Y <y@...>"** (Outlook's delegate sending): the person is X, the
  one actually writing, with the address written on the line (Y's mailbox, unless X's
  own address is given too, which then wins).
* **Where a forward block is trusted** (see :func:`_unwrap`): at the top of a body, under a short
  note; in the received message's own text anywhere (flagged ``deep-forward-block`` when deep);
  inside a letter only where a client writes one (separator, rule line, ``>`` quotes or a forward
  subject), else the block is the letter's own text (flagged ``ignored-forward-block``).
  :attr:`Extraction.rule <mailbot.models.Extraction.rule>` names the rule that found the letter:
  ``separator`` (a "Forwarded message" line and its header block), ``header-block`` (Outlook's
  block with no separator), ``quoted-header-block`` (either, inside ``>`` quotes),
  ``rfc822-attachment``, ``wrote-line`` (Outlook 2019: "On <date>, X wrote:" over a four-space
  indent, under a forward subject), ``none`` (not a forward).
* **Flags for the reviewer** (:attr:`Extraction.flags <mailbot.models.Extraction.flags>`):
  ``deep-forward-block``, ``ignored-forward-block`` (above), ``date-out-of-range`` (a date
  outside 1970-2100 dropped, its text kept; :mod:`mailbot.daterange`), ``subject-undecodable``
  (an RFC 2047 subject that cannot be decoded, kept as written; :mod:`mailbot.parse`).
* **Cleanup** drops forward header blocks, forwarders' signatures, device lines ("Sent
  from my iPhone"), corporate disclaimers (built in per language, plus the caller's
  ``drop_patterns``), Outlook's ``ATT00001.txt`` and ``[cid:image001.png@...]``
  leftovers. In the letter only *trailing* paragraphs are dropped, so the letter's own
  text and sign-off stay; in notes any matching paragraph goes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from mailbot import daterange
from mailbot.budget import Deadline
from mailbot.budget import check as check_deadline
from mailbot.forward_shapes import split_label_runs
from mailbot.models import Extraction, Forwarder, Letter, ParsedMessage, Person
from mailbot.wroteline import indented_block, split_attribution

# --- data: what clients write, per language ---------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """The words one language's mail clients use around a forwarded message."""

    separators: tuple[str, ...]
    """Text of the line that opens a forwarded block (dashes and a final colon are optional)."""
    fields: dict[str, tuple[str, ...]]
    """Header-block labels by field: ``from``, ``date``, ``subject``, ``to``, ``cc``."""
    reply: tuple[tuple[str, str], ...] = ()
    """Start and end words of a reply attribution line (``On`` ... ``wrote:``); start may be empty."""
    forward_prefixes: tuple[str, ...] = ()
    """Subject prefixes the clients add when forwarding (``Fwd``, ``I``, ``WG``...)."""
    reply_prefixes: tuple[str, ...] = ()
    """Subject prefixes of a reply (``Re``, ``AW``, ``SV``...): never stripped."""
    months: tuple[str, ...] = ()
    """Twelve space-separated groups of month names and abbreviations, January first."""
    on_behalf: tuple[str, ...] = ()
    """The words of Outlook's "X on behalf of Y"."""
    device_lines: tuple[str, ...] = ()
    """Regexes of whole lines a phone or app appends ("Sent from my iPhone")."""
    disclaimers: tuple[str, ...] = ()
    """Regexes matching the start of a corporate disclaimer paragraph."""


_OUTLOOK_MOBILE = r"(?:Get|Scarica|Obtenir|Obtener|Obter o|Download) Outlook .{0,30}"

LANGUAGES: dict[str, Labels] = {
    "en": Labels(
        separators=(
            "Forwarded message", "Original Message", "Begin forwarded message", "Forwarded e-mail",
            "Message forwarded",
        ),
        fields={
            "from": ("From",),
            "date": ("Date", "Sent"),
            "subject": ("Subject",),
            "to": ("To",),
            "cc": ("Cc", "Bcc", "Reply-To"),
        },
        reply=(("On", "wrote"),),
        forward_prefixes=("Fwd", "Fw"),
        reply_prefixes=("Re",),
        months=(
            "january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul",
            "august aug", "september sep sept", "october oct", "november nov", "december dec",
        ),
        on_behalf=("on behalf of",),
        device_lines=(
            r"Sent from my \w+.{0,40}", r"Sent from (?:Outlook|Mail|Yahoo Mail|Gmail)\b.{0,40}",
            r"Sent with Proton Mail.{0,40}", _OUTLOOK_MOBILE,
        ),
        disclaimers=(
            r"this (?:e-?mail|message|communication|transmission)\b.{0,250}?"
            r"\b(?:confidential|privileged|intended (?:solely|only))",
            r"the information (?:contained )?in this (?:e-?mail|message|communication)",
            r"if you (?:are not the intended recipient|have received this (?:e-?mail|message) in error)",
            r"please consider the environment before printing",
        ),
    ),
    "it": Labels(
        separators=("Messaggio inoltrato", "Messaggio originale", "Inizio messaggio inoltrato"),
        fields={
            "from": ("Da", "Mittente"),
            "date": ("Data", "Inviato", "Inviato il"),
            "subject": ("Oggetto",),
            "to": ("A", "Per", "Destinatario"),
            "cc": ("Cc", "Ccn", "Rispondi a"),
        },
        reply=(("Il", "ha scritto"),),
        forward_prefixes=("I", "Inoltra", "Inoltro", "Fwd"),
        reply_prefixes=("R", "Rif", "Re"),
        months=(
            "gennaio gen", "febbraio feb", "marzo mar", "aprile apr", "maggio mag", "giugno giu",
            "luglio lug", "agosto ago", "settembre set", "ottobre ott", "novembre nov", "dicembre dic",
        ),
        on_behalf=("per conto di",),
        device_lines=(r"Inviato da(?:l mio)? \w+.{0,40}", r"Inviato (?:dal|con) .{0,40}"),
        disclaimers=(
            r"(?:questo|il presente) (?:messaggio|e-?mail|documento)\b.{0,250}?"
            r"(?:riservat|confidenzial|destinat)",
            r"le informazioni contenute (?:in|nel)",
            r"se (?:avete|hai|ha) ricevuto (?:questo|il presente) (?:messaggio|e-?mail) per errore",
            r"(?:ai sensi|in base) (?:del|al) (?:d\.? ?lgs|regolamento|gdpr|reg\.)",
            r"avviso di riservatezza",
            r"pensa all'ambiente prima di stampare",
        ),
    ),
    "fr": Labels(
        separators=(
            "Message transféré", "Message d'origine", "Début du message réexpédié", "Message original",
            "Début du message transféré",
        ),
        fields={
            "from": ("De", "Expéditeur"),
            "date": ("Date", "Envoyé"),
            "subject": ("Objet",),
            "to": ("À", "A", "Destinataire"),
            "cc": ("Cc", "Cci"),
        },
        reply=(("Le", "a écrit"),),
        forward_prefixes=("TR", "Fwd"),
        reply_prefixes=("RE", "Réf"),
        months=(
            "janvier janv", "février févr fevrier", "mars", "avril avr", "mai", "juin", "juillet juil",
            "août aout", "septembre", "octobre", "novembre", "décembre decembre déc",
        ),
        on_behalf=("de la part de", "au nom de"),
        device_lines=(r"Envoyé de mon \w+.{0,40}", r"Envoyé depuis .{0,40}"),
        disclaimers=(
            r"ce (?:message|courriel|e-?mail)\b.{0,250}?(?:confidenti|destinés?|privilégi)",
            r"si vous (?:avez reçu ce|n'êtes pas (?:le|la) destinataire)",
        ),
    ),
    "de": Labels(
        separators=(
            "Weitergeleitete Nachricht", "Ursprüngliche Nachricht", "Anfang der weitergeleiteten Nachricht",
            "Original-Nachricht", "Originalnachricht", "Weitergeleitete E-Mail",
        ),
        fields={
            "from": ("Von",),
            "date": ("Datum", "Gesendet"),
            "subject": ("Betreff",),
            "to": ("An",),
            "cc": ("Cc", "Kopie"),
        },
        reply=(("Am", "schrieb"),),
        forward_prefixes=("WG", "Wtrlt", "Fwd"),
        reply_prefixes=("AW", "Antw"),
        months=(
            "januar jänner jan", "februar feb", "märz maerz mär mrz", "april apr", "mai", "juni jun",
            "juli jul", "august aug", "september sep sept", "oktober okt", "november nov",
            "dezember dez",
        ),
        on_behalf=("im Auftrag von",),
        device_lines=(r"Von meinem \w+.{0,30} gesendet", r"Gesendet von .{0,40}", r"Outlook für .{0,30}"),
        disclaimers=(
            r"diese (?:e-?mail|nachricht)\b.{0,250}?(?:vertraulich|bestimmt)",
            r"wenn sie nicht der (?:richtige|beabsichtigte) (?:adressat|empfänger)",
        ),
    ),
    "es": Labels(
        separators=(
            "Mensaje reenviado", "Mensaje original", "Comienzo del mensaje reenviado",
            "Inicio del mensaje reenviado",
        ),
        fields={
            "from": ("De", "Remitente"),
            "date": ("Fecha", "Enviado", "Enviado el"),
            "subject": ("Asunto",),
            "to": ("Para",),
            "cc": ("Cc", "CCO"),
        },
        reply=(("El", "escribió"),),
        forward_prefixes=("RV", "Reenv", "Fwd"),
        reply_prefixes=("RE", "RPTA"),
        months=(
            "enero ene", "febrero feb", "marzo mar", "abril abr", "mayo may", "junio jun", "julio jul",
            "agosto ago", "septiembre setiembre sept sep", "octubre oct", "noviembre nov",
            "diciembre dic",
        ),
        on_behalf=("en nombre de",),
        device_lines=(r"Enviado desde mi \w+.{0,40}", r"Enviado desde .{0,40}"),
        disclaimers=(
            r"este (?:mensaje|correo)\b.{0,250}?(?:confidencial|privilegiad|dirigido)",
            r"(?:la información contenida en|si usted no es el destinatario|si ha recibido este)",
        ),
    ),
    "pt": Labels(
        separators=(
            "Mensagem encaminhada", "Mensagem original", "Mensagem reencaminhada",
            "Início da mensagem reencaminhada", "Início da mensagem encaminhada",
        ),
        fields={
            "from": ("De",),
            "date": ("Data", "Enviado", "Enviada", "Enviado em", "Enviada em"),
            "subject": ("Assunto",),
            "to": ("Para",),
            "cc": ("Cc", "Cco"),
        },
        reply=(("Em", "escreveu"),),
        forward_prefixes=("Enc", "Encaminhar", "Reenc", "Fwd"),
        reply_prefixes=("RES", "Re"),
        months=(
            "janeiro jan", "fevereiro fev", "março marco mar", "abril abr", "maio mai", "junho jun",
            "julho jul", "agosto ago", "setembro set", "outubro out", "novembro nov", "dezembro dez",
        ),
        on_behalf=("em nome de",),
        device_lines=(r"Enviado do meu \w+.{0,40}", r"Enviado (?:do|a partir do) .{0,40}"),
        disclaimers=(
            r"esta (?:mensagem|e-?mail)\b.{0,250}?(?:confidencia|destinad|sigilos)",
            r"(?:se você|caso você|se recebeu)\b.{0,80}?(?:por engano|por erro|não é o destinatário)",
        ),
    ),
    "nl": Labels(
        separators=(
            "Doorgestuurd bericht", "Oorspronkelijk bericht", "Origineel bericht",
            "Begin doorgestuurd bericht", "Doorgestuurde e-mail",
        ),
        fields={
            "from": ("Van",),
            "date": ("Datum", "Verzonden", "Verstuurd"),
            "subject": ("Onderwerp",),
            "to": ("Aan",),
            "cc": ("Cc", "Bcc"),
        },
        reply=(("Op", "schreef"),),
        forward_prefixes=("Doorst", "Fwd"),
        reply_prefixes=("Antw",),
        months=(
            "januari jan", "februari feb", "maart mrt mar", "april apr", "mei", "juni jun", "juli jul",
            "augustus aug", "september sep sept", "oktober okt", "november nov", "december dec",
        ),
        on_behalf=("namens",),
        device_lines=(r"(?:Verzonden|Verstuurd) (?:vanaf|met|van) .{0,40}",),
        disclaimers=(
            r"dit (?:e-?mail)?bericht\b.{0,250}?(?:vertrouwelijk|uitsluitend bestemd)",
            r"de informatie (?:verzonden )?in dit (?:e-?mail)?bericht",
        ),
    ),
    "sv": Labels(
        separators=(
            "Vidarebefordrat meddelande", "Ursprungligt meddelande", "Vidarebefordrat mejl",
            "Vidarebefordrat brev", "Början på vidarebefordrat brev", "Originalmeddelande",
        ),
        fields={
            "from": ("Från",),
            "date": ("Datum", "Skickat", "Skickade"),
            "subject": ("Ämne",),
            "to": ("Till",),
            "cc": ("Kopia",),
        },
        reply=(("Den", "skrev"),),
        forward_prefixes=("VB", "Vidarebefordra"),
        reply_prefixes=("SV",),
        months=(
            "januari jan", "februari feb", "mars mar", "april apr", "maj", "juni jun", "juli jul",
            "augusti aug", "september sep sept", "oktober okt", "november nov", "december dec",
        ),
        device_lines=(r"Skickat från min \w+.{0,40}", r"Skickat från .{0,40}"),
        disclaimers=(r"(?:detta|det här) (?:e-?post)?meddelande\b.{0,250}?(?:konfidentiell|avsett)",),
    ),
    "da": Labels(
        separators=(
            "Videresendt meddelelse", "Oprindelig meddelelse", "Videresendt besked",
            "Start på videresendt besked", "Original meddelelse",
        ),
        fields={
            "from": ("Fra",),
            "date": ("Dato", "Sendt"),
            "subject": ("Emne",),
            "to": ("Til",),
            "cc": ("Cc", "Kopi"),
        },
        reply=(("Den", "skrev"),),
        forward_prefixes=("VS", "Videresend"),
        reply_prefixes=("SV",),
        months=(
            "januar jan", "februar feb", "marts mar", "april apr", "maj", "juni jun", "juli jul",
            "august aug", "september sep sept", "oktober okt", "november nov", "december dec",
        ),
        on_behalf=("på vegne af",),
        device_lines=(r"Sendt fra min \w+.{0,40}",),
        disclaimers=(r"denne (?:e-?mail|meddelelse|besked)\b.{0,250}?(?:fortrolig|beregnet)",),
    ),
    "no": Labels(
        separators=(
            "Videresendt melding", "Opprinnelig melding", "Videresendt e-post",
            "Start på videresendt melding", "Original melding",
        ),
        fields={
            "from": ("Fra",),
            "date": ("Dato", "Sendt"),
            "subject": ("Emne",),
            "to": ("Til",),
            "cc": ("Kopi",),
        },
        reply=(("", "skrev"),),
        forward_prefixes=("VS",),
        reply_prefixes=("SV",),
        months=(
            "januar jan", "februar feb", "mars mar", "april apr", "mai", "juni jun", "juli jul",
            "august aug", "september sep sept", "oktober okt", "november nov", "desember des",
        ),
        on_behalf=("på vegne av",),
        device_lines=(r"Sendt fra (?:min )?\w+.{0,40}",),
        disclaimers=(
            r"denne (?:e-?posten|meldingen|e-?post)\b.{0,250}?(?:konfidensiell|fortrolig|beregnet)",
        ),
    ),
    "fi": Labels(
        separators=(
            "Välitetty viesti", "Alkuperäinen viesti", "Välitetty viesti alkaa", "Edelleenlähetetty viesti",
        ),
        fields={
            "from": ("Lähettäjä",),
            "date": ("Päivämäärä", "Lähetetty", "Päiväys"),
            "subject": ("Aihe",),
            "to": ("Vastaanottaja",),
            "cc": ("Kopio",),
        },
        reply=(("", "kirjoitti"),),
        forward_prefixes=("VL", "Välitä"),
        reply_prefixes=("Vast",),
        months=(
            "tammikuuta tammikuu tammik tammi", "helmikuuta helmikuu helmik helmi",
            "maaliskuuta maaliskuu maalisk maalis", "huhtikuuta huhtikuu huhtik huhti",
            "toukokuuta toukokuu toukok touko", "kesäkuuta kesäkuu kesäk", "heinäkuuta heinäkuu heinäk",
            "elokuuta elokuu elok", "syyskuuta syyskuu syysk", "lokakuuta lokakuu lokak",
            "marraskuuta marraskuu marrask", "joulukuuta joulukuu jouluk",
        ),
        device_lines=(r"Lähetetty (?:iPhonesta|iPadista|Android-laitteesta|laitteesta) ?.{0,30}",),
        disclaimers=(r"tämä (?:sähköposti)?viesti\b.{0,250}?(?:luottamuksellinen|tarkoitettu)",),
    ),
    "pl": Labels(
        separators=(
            "Wiadomość przekazana dalej", "Oryginalna wiadomość", "Wiadomość oryginalna",
            "Przekazana wiadomość", "Początek przekazywanej wiadomości",
        ),
        fields={
            "from": ("Od",),
            "date": ("Data", "Wysłano", "Wysłane"),
            "subject": ("Temat",),
            "to": ("Do",),
            "cc": ("DW", "Kopia"),
        },
        reply=(("W dniu", "napisał"), ("", "napisał")),
        forward_prefixes=("PD", "Fwd"),
        reply_prefixes=("Odp",),
        months=(
            "stycznia styczeń sty", "lutego luty lut", "marca marzec", "kwietnia kwiecień kwi",
            "maja maj", "czerwca czerwiec cze", "lipca lipiec lip", "sierpnia sierpień sie",
            "września wrzesień wrz", "października październik paź", "listopada listopad lis",
            "grudnia grudzień gru",
        ),
        on_behalf=("w imieniu",),
        device_lines=(r"Wysłan[eo] z (?:mojego )?\w+.{0,40}",),
        disclaimers=(r"(?:ta|niniejsza) wiadomość\b.{0,250}?(?:poufn|przeznaczon)",),
    ),
    "cs": Labels(
        separators=("Přeposlaná zpráva", "Původní zpráva", "Začátek přeposílané zprávy", "Původní e-mail"),
        fields={
            "from": ("Od",),
            "date": ("Datum", "Odesláno"),
            "subject": ("Předmět",),
            "to": ("Komu",),
            "cc": ("Kopie",),
        },
        reply=(("Dne", "napsal"),),
        forward_prefixes=("PŘ", "Fwd"),
        reply_prefixes=("Odp",),
        months=(
            "ledna leden", "února únor", "března březen", "dubna duben", "května květen",
            "června červen", "července červenec", "srpna srpen", "září", "října říjen",
            "listopadu", "prosince prosinec",
        ),
        device_lines=(r"Odesláno z (?:mého )?\w+.{0,40}",),
        disclaimers=(r"tato (?:e-?mailová )?zpráva\b.{0,250}?(?:důvěrn|určen)",),
    ),
    "ru": Labels(
        separators=(
            "Пересылаемое сообщение", "Исходное сообщение", "Пересланное сообщение",
            "Начало переадресованного сообщения", "Оригинальное сообщение",
        ),
        fields={
            "from": ("От",),
            "date": ("Дата", "Отправлено"),
            "subject": ("Тема",),
            "to": ("Кому",),
            "cc": ("Копия",),
        },
        reply=(("", "пишет"), ("", "написал")),
        forward_prefixes=("Пересл", "Fwd"),
        reply_prefixes=("Ответ",),
        months=(
            "января январь янв", "февраля февраль февр фев", "марта март мар", "апреля апрель апр",
            "мая май", "июня июнь июн", "июля июль июл", "августа август авг",
            "сентября сентябрь сент сен", "октября октябрь окт", "ноября ноябрь нояб ноя",
            "декабря декабрь дек",
        ),
        on_behalf=("от имени",),
        device_lines=(r"Отправлено (?:с|из) .{0,40}",),
        disclaimers=(r"(?:это|данное) (?:сообщение|письмо)\b.{0,250}?(?:конфиденциальн|предназначен)",),
    ),
    "tr": Labels(
        separators=(
            "İletilen ileti", "İletilmiş ileti", "Özgün ileti", "Orijinal ileti", "Orijinal mesaj",
            "İletilen mesaj", "Yönlendirilmiş ileti",
        ),
        fields={
            "from": ("Kimden", "Gönderen"),
            "date": ("Tarih", "Gönderildi", "Gönderilme tarihi"),
            "subject": ("Konu",),
            "to": ("Kime",),
            "cc": ("Bilgi",),
        },
        reply=(("", "yazdı"),),
        forward_prefixes=("İLT", "ILT", "İlt", "Fwd"),
        reply_prefixes=("YNT", "Yanıt"),
        months=(
            "ocak oca", "şubat şub", "mart", "nisan nis", "mayıs", "haziran haz", "temmuz tem",
            "ağustos ağu", "eylül eyl", "ekim eki", "kasım kas", "aralık ara",
        ),
        device_lines=(r"(?:iPhone|iPad|Android)'?(?:umdan|imden|dan) gönderildi.{0,20}",),
        disclaimers=(r"bu (?:e-?posta|mesaj|ileti)\b.{0,250}?(?:gizli|yalnızca)",),
    ),
    "hu": Labels(
        separators=(
            "Továbbított üzenet", "Eredeti üzenet", "Továbbított levél", "Továbbított levél kezdete",
            "Eredeti levél",
        ),
        fields={
            "from": ("Feladó",),
            "date": ("Dátum", "Elküldve", "Küldve"),
            "subject": ("Tárgy",),
            "to": ("Címzett",),
            "cc": ("Másolat",),
        },
        reply=(("", "írta"),),
        forward_prefixes=("Továbbítás", "TOV", "Fwd"),
        reply_prefixes=("Vá", "Válasz"),
        months=(
            "január jan", "február febr", "március márc", "április ápr", "május máj", "június jún",
            "július júl", "augusztus aug", "szeptember szept", "október okt", "november nov",
            "december dec",
        ),
        device_lines=(r"(?:iPhone|iPad|Android)-(?:omról|ról|ről) küldve.{0,20}",),
        disclaimers=(r"(?:ez az|jelen) (?:e-?mail|üzenet|levél)\b.{0,250}?(?:bizalmas|címzett)",),
    ),
    "ro": Labels(
        separators=(
            "Mesaj redirecționat", "Mesaj redirecţionat", "Mesaj original", "Mesajul original",
            "Începutul mesajului redirecționat", "Mesaj transmis",
        ),
        fields={
            "from": ("De la",),
            "date": ("Dată", "Data", "Trimis"),
            "subject": ("Subiect",),
            "to": ("Către", "Catre"),
            "cc": ("Cc",),
        },
        reply=(("", "a scris"),),
        forward_prefixes=("Redirecționare", "Fwd"),
        reply_prefixes=("Re",),
        months=(
            "ianuarie ian", "februarie feb", "martie mar", "aprilie apr", "mai", "iunie iun",
            "iulie iul", "august aug", "septembrie sept sep", "octombrie oct", "noiembrie noi nov",
            "decembrie dec",
        ),
        on_behalf=("în numele",),
        device_lines=(r"Trimis de pe (?:iPhone|iPad|Android|dispozitivul).{0,40}",),
        disclaimers=(r"(?:acest|prezentul) (?:mesaj|e-?mail)\b.{0,250}?(?:confiden|destinat)",),
    ),
    "ja": Labels(
        separators=("転送されたメッセージ", "元のメッセージ", "転送メッセージ"),
        fields={
            "from": ("差出人", "送信者"),
            "date": ("日付", "送信日時"),
            "subject": ("件名",),
            "to": ("宛先",),
            "cc": ("CC",),
        },
        forward_prefixes=("転送",),
        reply_prefixes=("返信",),
        device_lines=(r"(?:iPhone|iPad|Android)から送信",),
        disclaimers=(r"(?:この|本)(?:メール|電子メール).{0,250}?(?:機密|秘密)",),
    ),
    # --- Languages added from the clients' own localisation files (tests/data/clients/SOURCES.md):
    # Thunderbird (mime.properties, composeMsgs.properties), Roundcube (labels.inc), K-9 Mail
    # (strings.xml), Zimbra (ZmMsg/AjxMsg/I18nMsg properties), SnappyMail (user.json); months as
    # CLDR writes them in dates.
    "hr": Labels(
        separators=("Proslijeđena poruka", "Izvorna poruka", "Originalna poruka", "Proslijedi poruku"),
        fields={
            "from": ("Šalje", "Od"),
            "date": ("Datum", "Poslano"),
            "subject": ("Naslov", "Predmet"),
            "to": ("Prima", "Za"),
            "cc": ("Kopija",),
        },
        reply=(("", "piše"),),
        # October ("listopad") is left empty: the word is November in Polish and Czech.
        months=(
            "siječanj siječnja", "veljača veljače", "ožujak ožujka", "travanj travnja", "svibanj svibnja",
            "lipanj lipnja", "srpanj srpnja", "kolovoz kolovoza", "rujan rujna", "",
            "studeni studenoga studenog", "prosinac prosinca",
        ),
    ),
    "sk": Labels(
        separators=("Preposlaná správa --- Forwarded Message", "Preposlaná správa", "Pôvodná správa"),
        fields={
            "from": ("Od", "Odosielateľ"),
            "date": ("Dátum", "Odoslané", "Odoslať"),
            "subject": ("Predmet",),
            "to": ("Pre", "Komu", "Príjemca"),
            "cc": ("Kópia",),
        },
        reply=(("Dňa", "napísal"),),
        months=(
            "január januára", "február februára", "marec marca", "apríl apríla", "máj mája", "jún júna",
            "júl júla", "august augusta", "september septembra", "október októbra", "november novembra",
            "december decembra",
        ),
    ),
    "uk": Labels(
        separators=("Переслане повідомлення", "Оригінальне повідомлення"),
        fields={
            "from": ("Від", "Від кого"),
            "date": ("Дата", "Надіслано"),
            "subject": ("Тема",),
            "to": ("Кому",),
            "cc": ("Копія",),
        },
        months=(
            "січня січень", "лютого лютий", "березня березень", "квітня квітень", "травня травень",
            "червня червень", "липня липень", "серпня серпень", "вересня вересень", "жовтня жовтень",
            "листопада листопад", "грудня грудень",
        ),
    ),
    "et": Labels(
        separators=("Edastatud kiri", "Esialgne kiri", "Algne kiri"),
        fields={
            "from": ("Saatja", "Kellelt"),
            "date": ("Kuupäev", "Saadetud"),
            "subject": ("Teema", "Pealkiri"),
            "to": ("Saaja", "Kellele"),
            "cc": ("Koopia",),
        },
        reply=(("", "kirjutas"),),
        months=(
            "jaanuar jaanuari", "veebruar veebruari", "märts märtsi", "aprill aprilli", "mai", "juuni",
            "juuli", "august augusti", "september septembri", "oktoober oktoobri", "november novembri",
            "detsember detsembri",
        ),
    ),
    "lv": Labels(
        separators=("Pārsūtītā vēstule", "Sākotnējā vēstule", "Sākotnējā ziņa"),
        fields={
            "from": ("No", "Kas"),
            "date": ("Datums", "Nosūtīts"),
            "subject": ("Temats", "Tēma"),
            "to": ("Uz", "Kam"),
            "cc": ("Kopija",),
        },
        reply=(("", "rakstīja"),),
        months=(
            "janvāris janvārī", "februāris februārī", "marts martā", "aprīlis aprīlī", "maijs maijā",
            "jūnijs jūnijā", "jūlijs jūlijā", "augusts augustā", "septembris septembrī", "oktobris oktobrī",
            "novembris novembrī", "decembris decembrī",
        ),
    ),
    "lt": Labels(
        separators=(
            "Persiųstas laiškas", "Originalus laiškas", "Originalus tekstas", "Persiųstas pranešimas",
        ),
        fields={
            "from": ("Kas", "Nuo", "Siuntėjas"),
            "date": ("Data", "Išsiųsta", "Išsiųstas"),
            "subject": ("Tema",),
            "to": ("Kam", "Gavėjas"),
            "cc": ("Kopija",),
        },
        reply=(("", "rašė"),),
        months=(
            "sausio sausis", "vasario vasaris", "kovo kovas", "balandžio balandis", "gegužės gegužė",
            "birželio birželis", "liepos liepa", "rugpjūčio rugpjūtis", "rugsėjo rugsėjis", "spalio spalis",
            "lapkričio lapkritis", "gruodžio gruodis",
        ),
    ),
    "sl": Labels(
        separators=("Posredovano sporočilo", "Izvorno sporočilo", "Izvirno sporočilo"),
        fields={
            "from": ("Od",),
            "date": ("Datum", "Poslano"),
            "subject": ("Zadeva",),
            "to": ("Za",),
            "cc": ("Kp",),
        },
        reply=(("", "napisal"),),
        months=(
            "januar januarja", "februar februarja", "marec marca", "april aprila", "maj maja",
            "junij junija", "julij julija", "avgust avgusta", "september septembra", "oktober oktobra",
            "november novembra", "december decembra",
        ),
    ),
    "bg": Labels(
        separators=("Препратено писмо", "Оригинално писмо", "Препратено съобщение"),
        fields={
            "from": ("От",),
            "date": ("Дата", "Изпрати до", "Изпратено"),
            "subject": ("Тема", "Заглавие"),
            "to": ("До",),
            "cc": ("Копие", "Копие до"),
        },
        reply=(("На", "написа"),),
        months=(
            "януари", "февруари", "март", "април", "май", "юни", "юли", "август", "септември",
            "октомври", "ноември", "декември",
        ),
    ),
    "el": Labels(
        separators=("Προωθημένο μήνυμα", "Αρχικό μήνυμα", "Πρωτότυπο μήνυμα"),
        fields={
            "from": ("Από", "Αποστολέας"),
            "date": ("Ημερομηνία", "Αποστολή", "Απεσταλμένα"),
            "subject": ("Θέμα",),
            "to": ("Προς", "Παραλήπτης"),
            "cc": ("Κοιν.", "Κοιν", "Κοινοποίηση"),
        },
        reply=(("Στις", "έγραψε"),),
        months=(
            "ιανουαρίου ιανουάριος", "φεβρουαρίου φεβρουάριος", "μαρτίου μάρτιος", "απριλίου απρίλιος",
            "μαΐου μάιος", "ιουνίου ιούνιος", "ιουλίου ιούλιος", "αυγούστου αύγουστος",
            "σεπτεμβρίου σεπτέμβριος", "οκτωβρίου οκτώβριος", "νοεμβρίου νοέμβριος", "δεκεμβρίου δεκέμβριος",
        ),
    ),
    "ca": Labels(
        separators=("Missatge reenviat", "Missatge original"),
        fields={
            "from": ("De", "Remitent"),
            "date": ("Data", "Enviat"),
            "subject": ("Assumpte",),
            "to": ("A", "Destinatari"),
            "cc": ("A/c",),
        },
        reply=(("El", "ha escrit"),),
        months=(
            "gener", "febrer", "març", "abril", "maig", "juny", "juliol", "agost", "setembre", "octubre",
            "novembre", "desembre",
        ),
    ),
    "ko": Labels(
        separators=("전달된 메시지", "원본 메시지"),
        fields={
            "from": ("보낸 사람", "보내는 사람"),
            "date": ("날짜", "보낸 날짜", "보낸 시간", "보냄"),
            "subject": ("제목",),
            "to": ("받는 사람", "수신"),
            "cc": ("참조",),
        },
        reply=(("", "쓴 글"),),
    ),
    "zh": Labels(
        separators=(
            "转发的消息", "转发的邮件", "转发邮件", "原始邮件", "转发邮件信息",
            "轉寄郵件", "轉寄的郵件", "原始郵件",
        ),
        fields={
            "from": ("发件人", "寄件者", "從"),
            "date": ("日期", "发送时间", "发送日期", "发送", "寄送日期", "寄件備份", "已傳送"),
            "subject": ("主题", "主旨"),
            "to": ("收件人", "收件者", "到"),
            "cc": ("抄送", "副本"),
        },
        reply=(("在", "写道"), ("", "寫道")),
        forward_prefixes=("转发", "轉寄"),
        reply_prefixes=("答复",),
    ),
    "ar": Labels(
        separators=(
            "رسالة ممرّرة", "الرسالة الأساسية", "الرسالة الأصلية", "الرسالة التي تمت إعادة توجيهها",
            "رسالة معاد توجيهها",
        ),
        fields={
            "from": ("مِن", "من", "المرسل"),
            "date": ("التاريخ", "المُرسل", "تم الإرسال"),
            "subject": ("الموضوع",),
            "to": ("إلى", "الى", "المستقبل"),
            "cc": ("نسخة إلي", "نسخة كربونية"),
        },
        months=(
            "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
            "نوفمبر", "ديسمبر",
        ),
    ),
    "he": Labels(
        separators=("הודעה שהועברה", "הודעה מקורית"),
        fields={
            "from": ("מאת",),
            "date": ("תאריך", "נשלח"),
            "subject": ("נושא",),
            "to": ("אל",),
            "cc": ("עותק", "לידיעה"),
        },
        months=(
            "ינואר בינואר", "פברואר בפברואר", "מרץ במרץ", "אפריל באפריל", "מאי במאי", "יוני ביוני",
            "יולי ביולי", "אוגוסט באוגוסט", "ספטמבר בספטמבר", "אוקטובר באוקטובר", "נובמבר בנובמבר",
            "דצמבר בדצמבר",
        ),
    ),
}  # fmt: skip

GENERIC_DISCLAIMERS = (r"(?:disclaimer|confidentiality notice|confidential)\s*(?::\s*)?$", r"disclaimer\s*:")
"""Disclaimer openings in no particular language: a heading line of its own."""

ZONES: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "WET": 0, "BST": 60, "WEST": 60, "CET": 60, "MEZ": 60,
    "CEST": 120, "MESZ": 120, "EET": 120, "EEST": 180, "MSK": 180, "TRT": 180, "JST": 540,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480,
    "PDT": -420,
}  # fmt: skip
"""Zone abbreviations seen in client date lines, as minutes east of UTC."""


def _check_tables() -> tuple[dict[str, int], dict[str, str]]:
    """Month and label lookups over every language; a word must mean one thing in all of them."""
    months: dict[str, int] = {}
    labels: dict[str, str] = {}
    for code, lab in LANGUAGES.items():
        for number, names in enumerate(lab.months, start=1):
            for name in names.split():
                if months.setdefault(name, number) != number:
                    raise ValueError(f"month word {name!r} ({code}) means two months")
        for field_name, labels_of_field in lab.fields.items():
            for name in labels_of_field:
                if labels.setdefault(name.lower(), field_name) != field_name:
                    raise ValueError(f"label {name!r} ({code}) names two fields")
    return months, labels


MONTHS, _FIELD_BY_LABEL = _check_tables()


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so "Message transféré" wins over its prefixes."""
    items = sorted({re.escape(w) for w in words}, key=len, reverse=True)
    return "|".join(items)


def _all(attribute: str) -> list[str]:
    return [item for lab in LANGUAGES.values() for item in getattr(lab, attribute)]


_COLON = "[:：]"
# Matched against a line stripped of its dashes, rules and spaces (``_is_separator``): with
# them in the pattern, "Original Message" + 20,000 spaces + "x" backtracked quadratically.
_SEPARATOR_RE = re.compile(r"(?:" + _alternatives(_all("separators")) + r")\s*" + _COLON + "?", re.IGNORECASE)
_FRAME_RE = re.compile(r"[-_=*\s]*")
# ``*From:*`` is how bold labels survive a conversion to plain text.
_LABEL_RE = re.compile(
    r"^\*{0,2}(" + _alternatives(_FIELD_BY_LABEL) + r")\*{0,2}\s*" + _COLON + r"\s*\*{0,2}[ \t]*(.*)$",
    re.IGNORECASE,
)
_REPLY_RE = re.compile(
    "|".join(
        "^" + (re.escape(start) + r"\b.{0,200}?" if start else r".{1,200}?") + re.escape(end)
        + r"\w*(?:\(\w+\))?(?!\w).{0,200}?" + _COLON + r"$"
        for lab in LANGUAGES.values()
        for start, end in lab.reply
    ),
    re.IGNORECASE | re.DOTALL,
)  # fmt: skip
_REPLY_WORDS = tuple(sorted({end.lower() for lab in LANGUAGES.values() for _start, end in lab.reply}))
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:" + _alternatives(_all("forward_prefixes")) + r")\s*(?:\[\d+\]\s*)?" + _COLON + r"\s*)+",
    re.IGNORECASE,
)
_REPLY_PREFIX_RE = re.compile(r"^\s*(?:" + _alternatives(_all("reply_prefixes")) + r")\s*" + _COLON, re.I)
_ON_BEHALF_RE = re.compile(r"^(.+?)\s+(?:" + _alternatives(_all("on_behalf")) + r")\s+(.+)$", re.IGNORECASE)
_DEVICE_LINES = re.compile(r"^\s*(?:" + "|".join(_all("device_lines")) + r")\s*$", re.IGNORECASE)
# Matched after the leading quote marks, bullets and spaces (``_LEAD_RE``), not with them.
_LEAD_RE = re.compile(r"[\s*_>]*")
_DISCLAIMER_RE = re.compile(
    r"(?:" + "|".join(_all("disclaimers") + list(GENERIC_DISCLAIMERS)) + ")",
    re.IGNORECASE | re.DOTALL,
)
# Outlook leftovers: "<<ATT00001.txt>>" lines, "[cid:image001.png@01D...]" and "[image: logo.png]".
_LEFTOVER_LINE_RE = re.compile(r"^\s*(?:<<)?ATT\d{5}\.(?:txt|htm|html|c|bin)(?:>>)?\s*$", re.IGNORECASE)
_PLACEHOLDER_RE = re.compile(r"\[(?:cid:[^\[\]\s]+|image:[^\[\]\n]{0,200})\]", re.IGNORECASE)
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_RULE_RE = re.compile(r"^\s*(_{8,}|-{8,}|={8,})\s*$")
_QUOTE_RE = re.compile(r" ?> ?")
_QUOTES_RE = re.compile(r"(?: ?> ?)*")
# No "@" on either side: "<" + 20,000 "@" made the two parts fight over every split.
_ADDRESS = r"[^\s<>\[\]()\"',;:@]+@[^\s<>\[\]()\"',;:@]+"
_PERSON_RE = re.compile(r"(.*?)\s*[<\[(]\s*(?:mailto:)?(" + _ADDRESS + r")\s*[>\])]", re.IGNORECASE)
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])?\.?\s*(m\b\.?)?", re.IGNORECASE)
# Finnish "klo 9.31", Danish/Norwegian "kl. 18.03": a dot between hours and minutes.
_KLO_TIME_RE = re.compile(r"\bkl(?:o|\.)?\s*(\d{1,2})[.:](\d{2})\b", re.IGNORECASE)
_NUMERIC_DATE_RE = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
    r"|\b(\d{4})[-/.]\s?(\d{1,2})[-/.]\s?(\d{1,2})\b"
    r"|\b(\d{1,2})[/.-]\s?(\d{1,2})[/.-]\s?(\d{2,4})\b"
)


# --- public helpers ----------------------------------------------------------------------------


def strip_forward_prefixes(subject: str | None) -> str | None:
    """Drop ``Fwd:``/``I:``/``TR:``/``WG:``... prefixes (repeated, mixed, any case).

    Stripping stops at the first word that is not a forward prefix, so reply prefixes
    (``Re:``, ``R:``, ``AW:``...) and everything after them stay.
    """
    if subject is None:
        return None
    subject = subject.strip()
    bracketed = re.fullmatch(r"\[(?:fwd?|fw)\s*:\s*(.*)\]", subject, re.IGNORECASE | re.DOTALL)
    if bracketed:
        subject = bracketed.group(1)
    return _PREFIX_RE.sub("", subject).strip() or None


def parse_person(text: str | None) -> Person:
    """Read a From line: ``Name <addr>``, ``"Last, First" <addr>``, ``Name [mailto:addr]``, or one part.

    ``X on behalf of Y <y@...>`` (and its translations) is X, who wrote, with the address
    on the line: X's own if given, else Y's.
    """
    # One space between words: runs of spaces made the name and address patterns backtrack.
    text = " ".join((text or "").split())
    behalf = _ON_BEHALF_RE.match(text)
    if behalf:
        writer, represented = _parse_one(behalf.group(1)), _parse_one(behalf.group(2))
        return Person(writer.name or represented.name, writer.address or represented.address)
    return _parse_one(text)


def _parse_one(text: str) -> Person:
    text = text.strip()
    match = _PERSON_RE.fullmatch(text)
    if match:
        name, address = match.group(1), match.group(2)
    elif re.fullmatch(_ADDRESS, text):
        name, address = "", text
    else:
        name, address = text, None
    name = name.strip().strip("*").strip().strip("\"'").strip().replace('\\"', '"')
    if address and address.lower().startswith("mailto:"):
        address = address[7:]
    if not name or name == address:
        return Person(None, address)
    return Person(name, address)


def parse_client_date(text: str | None, default_tz: tzinfo | None = None) -> datetime | None:
    """Parse a date as mail clients print it in a forward header, in any of the tabled languages.

    Handles RFC 822 (``Mon, 22 Jan 2007 18:03:00 +0100``), Gmail (``Mon, Jan 22, 2007 at
    6:03 PM``, ``lun 22 gen 2007 alle ore 18:03``, ``ma 22. tammik. 2007 klo 18.03``), Outlook
    (``lunedì 22 gennaio 2007 18:03``), Apple Mail (``22 January 2007 at 18:03:00 CET``),
    numeric ``22/01/2007``, ``22.01.2007``, ``2007-01-22``, ``2007/01/22`` and Japanese
    ``2007年1月22日``.

    Most clients print local time without a zone. The forwarder's client printed it, so the
    forwarder's own offset (``default_tz``, from the enclosing message's Date) is the best
    guess; with no zone and no default the date is unknown (``None``), never naive.

    A date outside 1970-2100 (:mod:`mailbot.daterange`) is ``None`` too.
    """
    parsed = _read_client_date(text, default_tz)
    return parsed if parsed is None or daterange.in_range(parsed) else None


def _read_client_date(text: str | None, default_tz: tzinfo | None) -> datetime | None:
    """:func:`parse_client_date` without the range check."""
    if not text:
        return None
    rest = " ".join(text.split())
    if len(rest) > 300:  # no client writes a date this long; its patterns stay cheap this way
        return None
    offset = _find_offset(rest)
    if offset is not None:
        tz: tzinfo | None = offset[0]
        rest = rest[: offset[1]] + " " + rest[offset[2] :]
    else:
        tz = default_tz
    if tz is None:
        return None

    hour = minute = second = 0
    klo = _KLO_TIME_RE.search(rest)
    time = None if klo else _TIME_RE.search(rest)
    if klo:
        hour, minute = int(klo.group(1)), int(klo.group(2))
        rest = rest[: klo.start()] + " " + rest[klo.end() :]
    elif time:
        hour, minute, second = int(time.group(1)), int(time.group(2)), int(time.group(3) or 0)
        meridiem = (time.group(4) or "").lower() if time.group(5) else ""
        if meridiem == "p" and hour < 12:
            hour += 12
        elif meridiem == "a" and hour == 12:
            hour = 0
        rest = rest[: time.start()] + " " + rest[time.end() :]
    if re.search(r"午後|下午", rest) and hour < 12:
        hour += 12

    numeric = _NUMERIC_DATE_RE.search(rest)
    if numeric and (numeric.group(1) or numeric.group(4)):
        first = 1 if numeric.group(1) else 4
        year, month, day = (int(numeric.group(first + i)) for i in range(3))
    elif numeric:
        first, second_part, year = int(numeric.group(7)), int(numeric.group(8)), int(numeric.group(9))
        year += 2000 if year < 100 else 0
        # Day first unless impossible: the letters come to an Italian company.
        day, month = (second_part, first) if second_part > 12 else (first, second_part)
    else:
        months = [MONTHS[w] for w in re.findall(r"[^\W\d_]+", rest.lower()) if w in MONTHS]
        years = re.findall(r"\b(\d{4})\b", rest)
        if not months or not years:
            return None
        # The weekday comes before the month, and Italian "mar" is also Tuesday: take the last.
        month, year = months[-1], int(years[0])
        rest = rest.replace(years[0], " ", 1)
        days = re.findall(r"\b(\d{1,2})(?:st|nd|rd|th|er)?\b", rest)
        if not days:
            return None
        day = int(days[0])
    try:
        parsed = datetime(year, month, day, hour, minute, second, tzinfo=tz)
        # A named zone (the caller's, e.g. Europe/Rome) gives the offset of that day; the
        # date keeps it as a fixed offset, like every other date mailbot hands on.
        shift = parsed.utcoffset()
        if isinstance(tz, timezone) or shift is None:
            return parsed
        return parsed.replace(tzinfo=timezone(shift))
    except ValueError:
        return None


def _find_offset(text: str) -> tuple[tzinfo, int, int] | None:
    """The zone written in a date, with its span: ``+0100``, ``GMT+01:00``, ``CET``..."""
    for numeric in re.finditer(r"(?:\b(?:GMT|UTC)\s*)?([+-])(\d{1,2}):?(\d{2})?\b", text):
        # "-01" in "2007-01-22" is no zone: demand a minute part or a GMT/UTC lead, and no digit before.
        led = numeric.group(0).upper().startswith(("GMT", "UTC"))
        if (numeric.group(3) or led) and not (numeric.start() and text[numeric.start() - 1].isdigit()):
            if int(numeric.group(2)) > 14 or int(numeric.group(3) or 0) > 59:
                continue
            minutes = int(numeric.group(2)) * 60 + int(numeric.group(3) or 0)
            sign = -1 if numeric.group(1) == "-" else 1
            return timezone(timedelta(minutes=sign * minutes)), numeric.start(), numeric.end()
    for match in re.finditer(r"\b([A-Z]{1,4})\b", text):
        if match.group(1) in ZONES:
            zone = timezone(timedelta(minutes=ZONES[match.group(1)])) if ZONES[match.group(1)] else UTC
            return zone, match.start(), match.end()
    return None


# --- finding the forwarded block ---------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    """One level of the chain: a message, either real or written out inline by a client."""

    author: Person
    date: datetime | None
    date_raw: str | None
    subject: str | None
    body: str
    attached: tuple[ParsedMessage, ...] = ()


@dataclass(frozen=True)
class _Block:
    note: str | None
    headers: dict[str, str]
    body: str
    rule: str = "header-block"
    """How the block was found: "separator", "header-block" or "quoted-header-block"."""
    marked: bool = True
    """Written the way only a client writes it: after a separator or a rule line, or quoted."""


def _quote_depth(line: str) -> int:
    """How many ``>`` quote the line: one pass (slicing the line per level was quadratic)."""
    return _QUOTES_RE.match(line).group().count(">")  # type: ignore[union-attr]


def _unquote(line: str, depth: int) -> str:
    """``line`` without its first ``depth`` quote marks (fewer if it has fewer), in one pass.

    Each level is `` ?> ?``: the ``depth``-th ``>`` and the space after it end the cut.
    """
    prefix_end = _QUOTES_RE.match(line).end() if depth > 0 else 0  # type: ignore[union-attr]
    if not prefix_end:
        return line
    parts = line[:prefix_end].split(">", depth)
    if len(parts) <= depth:  # no more levels than asked for: the whole quote prefix goes
        return line[prefix_end:]
    cut = prefix_end - len(parts[-1])
    return line[cut + 1 :] if line[cut : cut + 1] == " " else line[cut:]


# A header value longer than this is cut: no client writes one, and a hostile block must not
# make a value that every later step copies.
_MAX_VALUE = 4000


def _read_headers(lines: list[str], start: int, depth: int) -> tuple[dict[str, str], int]:
    """Read ``Label: value`` lines from ``start`` (unquoted ``depth`` times); the fields and the body's line.

    New Outlook writes no blank line between the block and the body, so a line that is no
    label ends the block unless it continues a recipient list (an address, or a list
    ending in ``,``/``;``) or is indented.
    """
    parts: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    last: str | None = None
    index = start
    while index < len(lines):
        line = _unquote(lines[index], depth)
        stripped = line.strip()
        if not stripped:
            break
        match = _LABEL_RE.match(stripped)
        if match:
            last = _FIELD_BY_LABEL[match.group(1).lower()]
            if last not in parts:
                parts[last] = [match.group(2).strip()[:_MAX_VALUE]]
                sizes[last] = len(parts[last][0])
        elif last and (
            line[:1] in " \t"
            or (last in ("to", "cc") and ("@" in line or parts[last][-1].rstrip().endswith((",", ";"))))
        ):
            if sizes[last] < _MAX_VALUE:  # a wrapped value
                parts[last].append(stripped[:_MAX_VALUE])
                sizes[last] += len(parts[last][-1]) + 1
        else:
            break
        index += 1
    return {name: " ".join(values) for name, values in parts.items()}, index


def _is_header_block(headers: dict[str, str]) -> bool:
    """A From line followed by Date/Sent and Subject lines: Outlook's block with no separator."""
    return "from" in headers and ("date" in headers or "subject" in headers) and len(headers) >= 3


def _is_separator(bare: str) -> bool:
    """A line that opens a forwarded block ("---------- Forwarded message ---------")."""
    if len(bare) > 500:
        return False
    start = _FRAME_RE.match(bare).end()  # type: ignore[union-attr]
    end = len(bare) - _FRAME_RE.match(bare[::-1]).end()  # type: ignore[union-attr]
    return start < end and _SEPARATOR_RE.fullmatch(bare, start, end) is not None


def _find_block(
    text: str, reply_subject: bool, deadline: Deadline | None = None, forward_subject: bool = False
) -> _Block | None:
    """Locate the first forwarded block in ``text``; ``None`` if it is not a forward (or a reply).

    Linear in the text: each line is looked at once, and a run of label lines that turned out
    not to be a header block is not read again from each of its ``From:`` lines.
    """
    lines = text.split("\n")
    # One substring scan of the body for "wrote"-like words; only their lines can be attributions.
    lowered = text.lower()
    words = [w for w in _REPLY_WORDS if w in lowered]
    reply_lines = (
        {i for i, x in enumerate(lowered.split("\n")) if any(w in x for w in words)} if words else set()
    )
    read_until: dict[int, int] = {}  # by quote depth: lines already read as a failed header block
    previous = ""  # the last non-blank line above, unquoted
    for index, line in enumerate(lines):
        if not index & 255:
            check_deadline(deadline)
        depth = _quote_depth(line)
        bare = _unquote(line, depth).strip()
        if not bare:
            continue
        if (index in reply_lines or index + 1 in reply_lines) and _is_attribution(lines, index):
            # A reply, unless a forward subject says otherwise and the text is Outlook 2019's.
            return _wrote_line_block(lines, index) if forward_subject and not depth else None
        if _is_separator(bare):
            start = index + 1
            while start < len(lines) and not _unquote(lines[start], depth + 1).strip():
                start += 1
            inner_depth = max(depth, _quote_depth(lines[start])) if start < len(lines) else depth
            headers, body_start = _read_headers(lines, start, inner_depth)
            body = "\n".join(_unquote(x, inner_depth) for x in lines[body_start:])
            rule = "quoted-header-block" if inner_depth else "separator"
            return _Block(_note(lines[:index]), headers, body, rule)
        if not reply_subject and index >= read_until.get(depth, 0) and _field(bare) == "from":
            headers, body_start = _read_headers(lines, index, depth)
            if _is_header_block(headers):
                body = "\n".join(_unquote(x, depth) for x in lines[body_start:])
                rule = "quoted-header-block" if depth else "header-block"
                marked = bool(depth) or bool(_RULE_RE.match(previous))
                return _Block(_note(lines[:index]), headers, body, rule, marked)
            read_until[depth] = body_start
        previous = bare
    return None


def _is_attribution(lines: list[str], index: int) -> bool:
    """``On <date> X wrote:`` (maybe wrapped on two lines) over quoted text: a reply.

    A date (a digit) or a quoted next line is required, so a note such as "Il cliente ci ha
    scritto:" above a forward is not mistaken for a reply.
    """
    for length in (1, 2):
        candidate = " ".join(x.strip() for x in lines[index : index + length]).rstrip()
        if len(candidate) > 600:  # the pattern spans at most ~420 characters
            return False
        if _REPLY_RE.match(candidate):
            following = [x for x in lines[index + length : index + length + 2] if x.strip()]
            quoted = bool(following) and _quote_depth(following[0]) > _quote_depth(lines[index])
            return quoted or any(ch.isdigit() for ch in candidate)
    return False


_REPLY_STARTS = tuple(start for lab in LANGUAGES.values() for start, _end in lab.reply)
_REPLY_ENDS = tuple(end for lab in LANGUAGES.values() for _start, end in lab.reply)


def _wrote_line_block(lines: list[str], index: int) -> _Block | None:
    """Outlook 2019's forward: ``On <date>, "Name" <address> wrote:`` over a four-space indent."""
    for length in (1, 2):
        candidate = " ".join(x.strip() for x in lines[index : index + length])
        found = split_attribution(candidate, _REPLY_STARTS, _REPLY_ENDS)
        if found is None:
            continue
        start = index + length
        while start < len(lines) and not lines[start].strip():
            start += 1
        body = indented_block(lines, start)
        if body is None:
            return None
        date, person = found
        headers = {"from": person, "date": date} if date else {"from": person}
        return _Block(_note(lines[:index]), headers, "\n".join(body), "wrote-line")
    return None


def _field(line: str) -> str | None:
    match = _LABEL_RE.match(line)
    return _FIELD_BY_LABEL[match.group(1).lower()] if match else None


def _is_device_line(line: str) -> bool:
    """ "Sent from my iPhone" and the like: a short line of its own."""
    return len(line) <= 300 and _DEVICE_LINES.match(line) is not None


def _is_disclaimer(paragraph: str) -> bool:
    start = _LEAD_RE.match(paragraph).end()  # type: ignore[union-attr]
    return _DISCLAIMER_RE.match(paragraph, start) is not None


# --- cleanup -----------------------------------------------------------------------------------


def _is_junk(paragraph: str, drop: Sequence[re.Pattern[str]]) -> bool:
    """A paragraph nobody wrote for the reader: disclaimer, device line, leftover, caller's pattern."""
    lines = [x for x in paragraph.split("\n") if x.strip()]
    if not lines:
        return True
    if all(_is_device_line(x) or _LEFTOVER_LINE_RE.match(x) or _RULE_RE.match(x) for x in lines):
        return True
    return _is_disclaimer(paragraph) or any(p.search(paragraph) for p in drop)


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def _note(lines: list[str], drop: Sequence[re.Pattern[str]] = ()) -> str | None:
    """What the forwarder wrote above the block, without their signature, disclaimers or rules."""
    kept: list[str] = []
    for line in lines:
        if line.rstrip() == "--":
            break
        kept.append(line)
    text = clean_body("\n".join(kept))
    note = "\n\n".join(p for p in _paragraphs(text) if not _is_junk(p, drop))
    note = "\n".join(x for x in note.split("\n") if not _is_device_line(x) and not _RULE_RE.match(x))
    return clean_body(note) or None


def _trim_letter(body: str, drop: Sequence[re.Pattern[str]]) -> str:
    """The letter without trailing junk paragraphs (disclaimers, device lines, leftovers)."""
    paragraphs = _paragraphs(clean_body(body))
    while paragraphs and _is_junk(paragraphs[-1], drop):
        paragraphs.pop()
    if paragraphs:  # "Regards,\nPeter\nSent from my iPhone": the device line alone goes.
        last = paragraphs[-1].split("\n")
        while len(last) > 1 and _is_device_line(last[-1]):
            last.pop()
        paragraphs[-1] = "\n".join(last)
    return "\n\n".join(paragraphs)


def _name_words(name: str) -> set[str]:
    return {w.strip(".,").lower() for w in name.replace(",", " ").split() if w.strip(".,")}


def _is_name_line(line: str, names: set[str]) -> bool:
    words = [w.strip(".,!").lower() for w in line.split()]
    return 0 < len(words) <= 3 and words[0] in names and all(w in names or len(w) == 1 for w in words)


def _without_name_signoff(note: str | None, author: Person) -> str | None:
    """Drop the forwarder's sign-off ("Anna", "Anna B.", or a short signature under their name).

    The cut is at the last line made of the forwarder's own name words, when at most five
    short lines (title, office, phone) follow it; a short closing such as "Thanks," just
    above goes too. A note that ends with a sentence, or names someone else, is kept whole.
    """
    if not note or not author.name:
        return note
    names = _name_words(author.name)
    lines = note.split("\n")
    cut = None
    for index in range(len(lines) - 1, max(-1, len(lines) - 7), -1):
        head = re.split(r"\s[|·•–-]\s", lines[index], maxsplit=1)[0]
        if _is_name_line(head, names):
            cut = index
            break
    tail = lines[cut + 1 :] if cut is not None else []
    if cut is None or any(not x.strip() or len(x) > 80 for x in tail):
        return note
    lines = clean_body("\n".join(lines[:cut])).split("\n")
    # A short closing just above the name ("Thanks,", "Un saluto,") belongs to the sign-off.
    if len(lines) > 1 and lines[-1].endswith(",") and len(lines[-1].split()) <= 3:
        lines = lines[:-1]
    return clean_body("\n".join(lines)) or None


def clean_body(text: str) -> str:
    """``\\n`` line ends, no trailing spaces (a ``-- `` signature line keeps its space), no outer blanks.

    Outlook's ``[cid:...]``/``[image: ...]`` placeholders and invisible characters go, runs of
    blank lines become one, and paragraphs are never joined.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "[" in text:
        text = _PLACEHOLDER_RE.sub("", text)
    text = _INVISIBLE_RE.sub("", text).replace("\xa0", " ")
    lines = [line if line == "-- " else line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# --- the chain ---------------------------------------------------------------------------------


# Defects mailbot.parse records that the reviewer should see as flags.
_DEFECT_FLAGS = frozenset({daterange.FLAG, "subject-undecodable"})


def _defect_flags(message: ParsedMessage) -> list[str]:
    return [defect for defect in message.defects if defect in _DEFECT_FLAGS]


def _node_of(message: ParsedMessage) -> _Node:
    return _Node(
        author=message.sender,
        date=message.date,
        date_raw=message.date_raw,
        subject=message.subject,
        body=message.text or "",
        attached=message.attached,
    )


# A forwarder's note above a forward block is a few lines; more than this (signature, rules and
# disclaimers not counted) and the block sits deep in the text, where a client does not put one.
NOTE_LINES = 12


@dataclass(frozen=True)
class _Step:
    inner: _Node
    note: str | None
    rule: str


def _is_deep(note: str | None) -> bool:
    return note is not None and sum(1 for x in note.split("\n") if x.strip()) > NOTE_LINES


def _unwrap(
    node: _Node,
    drop: Sequence[re.Pattern[str]],
    deadline: Deadline | None,
    level: int,
    flags: list[str],
    local_tz: tzinfo | None = None,
) -> _Step | None:
    """The message ``node`` forwards and the note above it, or ``None`` if it forwards nothing.

    A forward block is trusted where mail clients write one: at the top of the body, below at
    most :data:`NOTE_LINES` lines of the forwarder's note. At level 0 (the received message,
    written by an allowed sender) a block deeper down is still taken, flagged
    ``deep-forward-block``. Below that the text is someone else's letter: there a block must
    also be written as only a client writes it (a separator line, a rule line above it, ``>``
    quotes, or a forward prefix in the subject of the message that holds it); any other block
    is part of the letter (it stays in its text), flagged ``ignored-forward-block``.
    """
    subject = node.subject or ""
    forward_subject = strip_forward_prefixes(subject) != (subject.strip() or None)
    reply_subject = bool(_REPLY_PREFIX_RE.match(subject)) and not forward_subject
    block = _find_block(node.body, reply_subject, deadline, forward_subject)
    if block is not None:
        deep = _is_deep(block.note)
        if level == 0 or (not deep and (block.marked or forward_subject)):
            if deep:
                flags.append("deep-forward-block")
            # A date written without a zone: the caller's zone, else the enclosing message's offset.
            default_tz = local_tz or (node.date.tzinfo if node.date else None)
            date_raw = block.headers.get("date") or None
            date = _read_client_date(date_raw, default_tz)
            if date is not None and not daterange.in_range(date):
                date = None
                flags.append(daterange.FLAG)
            inner = _Node(
                author=parse_person(block.headers.get("from")),
                date=date,
                date_raw=date_raw,
                subject=block.headers.get("subject") or strip_forward_prefixes(node.subject),
                body=block.body,
            )
            note_lines = (block.note or "").split("\n")
            return _Step(inner, _note(note_lines, drop), block.rule)
        flags.append("ignored-forward-block")
    if node.attached:
        flags.extend(_defect_flags(node.attached[0]))
        return _Step(_node_of(node.attached[0]), _note(node.body.split("\n"), drop), "rfc822-attachment")
    return None


def extract(
    message: ParsedMessage,
    *,
    drop_patterns: Sequence[re.Pattern[str]] = (),
    deadline: Deadline | None = None,
    local_tz: tzinfo | None = None,
) -> Extraction:
    """Unwrap ``message`` down to the original letter and list who forwarded it, outermost first.

    ``drop_patterns`` are the operator's own junk: any paragraph one of them finds
    (``pattern.search``) is removed from the forwarders' notes and from the end of the letter,
    besides the built-in disclaimers and device lines.

    ``deadline`` (:class:`mailbot.budget.Deadline`) is checked as the text is scanned; once it
    has passed, :class:`~mailbot.errors.MessageError` is raised (the message is quarantined).
    Every step is linear in the text, so this is a guard, not the usual way out.

    ``local_tz`` is the zone of dates written without one (Outlook's "Inviato: venerdì 10
    gennaio 2025 19:44"): the pipeline passes ``[site] timezone``, as the colleagues who forward
    live there. Without it (``mailbot extract`` needs no configuration) such a date is read in
    the offset of the message that carries it (the forwarder's Date header), as before; a date
    with its own zone (``+0100``, ``CET``, ``GMT+01:00``) is always read in that zone.
    """
    node = _node_of(message)
    node = replace(node, body=split_label_runs(node.body, _FIELD_BY_LABEL))
    forwarders: list[Forwarder] = []
    flags = _defect_flags(message)
    rule = "none"
    # A bound on the chain depth keeps a hostile message from looping for long.
    for level in range(32):
        check_deadline(deadline)
        step = _unwrap(node, drop_patterns, deadline, level, flags, local_tz)
        if step is None:
            break
        inner, rule = step.inner, step.rule
        note = _without_name_signoff(step.note, node.author)
        forwarders.append(Forwarder(node.author.name, node.author.address, node.date, note))
        node = inner
    letter = Letter(
        author=node.author,
        date=node.date,
        date_raw=node.date_raw,
        subject=strip_forward_prefixes(node.subject),
        body=_trim_letter(node.body, drop_patterns) if forwarders or drop_patterns else clean_body(node.body),
    )
    return Extraction(
        forwarded=bool(forwarders),
        letter=letter,
        forwarders=tuple(forwarders),
        message_id=message.message_id,
        received=message.date,
        sender=message.sender,
        rule=rule,
        flags=tuple(dict.fromkeys(flags)),
    )
