"""Find the original letter inside a forwarded message.

Pure: a :class:`~mailbot.models.ParsedMessage` in, an
:class:`~mailbot.models.Extraction` out. A message may carry the letter

* inline, below a header block written by the forwarder's client (Gmail,
  Outlook, Apple Mail, Thunderbird), possibly ``>``-quoted;
* as a ``message/rfc822`` attachment;
* several times over (a chain): each level is unwrapped in turn and its sender
  added to the forwarders, outermost first.

The words clients write around a forward live in the tables below, one entry
per language, so adding a language is adding data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from mailbot.models import Extraction, Forwarder, Letter, ParsedMessage, Person

# --- data: what clients write, per language ---------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """The words one language's mail clients use around a forwarded message."""

    separators: tuple[str, ...]
    """Text of the line that opens a forwarded block (dashes and a final colon are optional)."""
    fields: dict[str, tuple[str, ...]]
    """Header-block labels by field: ``from``, ``date``, ``subject``, ``to``, ``cc``."""
    reply: tuple[str, str]
    """Start and end of a reply attribution line (``On`` ... ``wrote:``)."""


LANGUAGES: dict[str, Labels] = {
    "en": Labels(
        separators=("Forwarded message", "Original Message", "Begin forwarded message"),
        fields={
            "from": ("From",),
            "date": ("Date", "Sent"),
            "subject": ("Subject",),
            "to": ("To",),
            "cc": ("Cc", "Bcc", "Reply-To"),
        },
        reply=("On", "wrote"),
    ),
    "it": Labels(
        separators=("Messaggio inoltrato", "Messaggio originale", "Inizio messaggio inoltrato"),
        fields={
            "from": ("Da", "Mittente"),
            "date": ("Data", "Inviato"),
            "subject": ("Oggetto",),
            "to": ("A", "Per"),
            "cc": ("Cc", "Ccn", "Rispondi a"),
        },
        reply=("Il", "ha scritto"),
    ),
    "fr": Labels(
        separators=("Message transféré", "Message d'origine", "Début du message réexpédié"),
        fields={
            "from": ("De",),
            "date": ("Date", "Envoyé"),
            "subject": ("Objet",),
            "to": ("À", "A"),
            "cc": ("Cc", "Cci"),
        },
        reply=("Le", "a écrit"),
    ),
    "de": Labels(
        separators=(
            "Weitergeleitete Nachricht",
            "Ursprüngliche Nachricht",
            "Anfang der weitergeleiteten Nachricht",
        ),
        fields={
            "from": ("Von",),
            "date": ("Datum", "Gesendet"),
            "subject": ("Betreff",),
            "to": ("An",),
            "cc": ("Cc", "Kopie"),
        },
        reply=("Am", "schrieb"),
    ),
    "es": Labels(
        separators=("Mensaje reenviado", "Mensaje original", "Comienzo del mensaje reenviado"),
        fields={
            "from": ("De",),
            "date": ("Fecha", "Enviado"),
            "subject": ("Asunto",),
            "to": ("Para",),
            "cc": ("Cc", "CCO"),
        },
        reply=("El", "escribió"),
    ),
}

# Subject prefixes clients add when forwarding (never reply prefixes such as Re:/R:/AW:).
FORWARD_PREFIXES = (
    "Fwd", "Fw", "I", "Inoltra", "Inoltro", "TR", "WG", "RV", "Enc", "Doorst", "VS", "VL", "VB",
)  # fmt: skip

# Lines a phone appends under the note; they are not part of what the forwarder wrote.
_DEVICE_LINES = re.compile(
    r"^\s*(Sent from my \w+.*|Inviato da(l mio)? \w+.*|Envoyé de mon \w+.*|Von meinem \w+ gesendet)$",
    re.IGNORECASE,
)

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan gennaio gen janvier janv janeiro enero ene januar jänner",
        "february feb febbraio février févr fevrier febrero februar",
        "march mar marzo mars märz maerz mär",
        "april apr aprile avril abril",
        "may maggio mag mai mayo",
        "june jun giugno giu juin junio juni",
        "july jul luglio lug juillet juil julio juli",
        "august aug agosto ago août aout",
        "september sep sept settembre set septembre septiembre",
        "october oct ottobre ott octobre octubre oktober okt",
        "november nov novembre noviembre",
        "december dec dicembre dic décembre decembre diciembre dezember dez déc",
    ),
    start=1,
):
    MONTHS.update(dict.fromkeys(_names.split(), _number))

ZONES: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "WET": 0, "BST": 60, "WEST": 60, "CET": 60, "MEZ": 60,
    "CEST": 120, "MESZ": 120, "EET": 120, "EEST": 180, "EST": -300, "EDT": -240, "CST": -360,
    "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
}  # fmt: skip
"""Zone abbreviations seen in client date lines, as minutes east of UTC."""


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so "Message transféré" wins over its prefixes."""
    items = sorted({re.escape(w) for w in words}, key=len, reverse=True)
    return "|".join(items)


_FIELD_BY_LABEL: dict[str, str] = {
    label.lower(): field
    for labels in LANGUAGES.values()
    for field, names in labels.fields.items()
    for label in names
}
_SEPARATORS = _alternatives(s for lab in LANGUAGES.values() for s in lab.separators)
_SEPARATOR_RE = re.compile(r"^[-_=\s]*(?:" + _SEPARATORS + r")\s*:?[-_=\s]*$", re.IGNORECASE)
# ``*From:*`` is how bold labels survive a conversion to plain text.
_LABEL_RE = re.compile(
    r"^\*{0,2}(" + _alternatives(_FIELD_BY_LABEL) + r")\*{0,2}\s*:\s*\*{0,2}[ \t]*(.*)$", re.IGNORECASE
)
_REPLY_RE = re.compile(
    "|".join(
        "^" + re.escape(lab.reply[0]) + r"\b.{0,200}?\b" + re.escape(lab.reply[1]) + r"\s*:\s*$"
        for lab in LANGUAGES.values()
    ),
    re.IGNORECASE | re.DOTALL,
)
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:" + _alternatives(FORWARD_PREFIXES) + r")\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_RULE_RE = re.compile(r"^\s*(_{8,}|-{8,}|={8,})\s*$")
_QUOTE_RE = re.compile(r"^ ?> ?")
_ADDRESS = r"[^\s<>\[\]()\"',;:]+@[^\s<>\[\]()\"',;:]+"
_PERSON_RE = re.compile(r"(.*?)\s*[<\[]\s*(?:mailto:)?(" + _ADDRESS + r")\s*[>\]]", re.IGNORECASE)


# --- public helpers ----------------------------------------------------------------------------


def strip_forward_prefixes(subject: str | None) -> str | None:
    """Drop ``Fwd:``/``I:``/``TR:``/``WG:``... prefixes (repeated, any case); keep ``Re:``."""
    if subject is None:
        return None
    subject = subject.strip()
    bracketed = re.fullmatch(r"\[(?:fwd?|fw)\s*:\s*(.*)\]", subject, re.IGNORECASE | re.DOTALL)
    if bracketed:
        subject = bracketed.group(1)
    return _PREFIX_RE.sub("", subject).strip() or None


def parse_person(text: str | None) -> Person:
    """Read a From line: ``Name <addr>``, ``"Last, First" <addr>``, ``Name [mailto:addr]``, or one part."""
    text = (text or "").strip()
    match = _PERSON_RE.fullmatch(text)
    if match:
        name, address = match.group(1), match.group(2)
    elif re.fullmatch(_ADDRESS, text):
        name, address = "", text
    else:
        name, address = text, None
    name = name.strip().strip("*").strip().strip("\"'").strip().replace('\\"', '"')
    if not name or name == address:
        return Person(None, address)
    return Person(name, address)


def parse_client_date(text: str | None, default_tz: tzinfo | None = None) -> datetime | None:
    """Parse a date as mail clients print it in a forward header, in any of the tabled languages.

    Handles RFC 822 (``Mon, 22 Jan 2007 18:03:00 +0100``), Gmail (``Mon, Jan 22, 2007 at
    6:03 PM``, ``lun 22 gen 2007 alle ore 18:03``), Outlook (``lunedì 22 gennaio 2007 18:03``)
    and Apple Mail (``22 January 2007 at 18:03:00 CET``) shapes, and numeric ``22/01/2007``.

    Most clients print local time without a zone. The forwarder's client printed it, so the
    forwarder's own offset (``default_tz``, from the enclosing message's Date) is the best
    guess; with no zone and no default the date is unknown (``None``), never naive.
    """
    if not text:
        return None
    rest = text.strip()
    offset = _find_offset(rest)
    if offset is not None:
        tz: tzinfo | None = offset[0]
        rest = rest[: offset[1]] + " " + rest[offset[2] :]
    else:
        tz = default_tz
    if tz is None:
        return None

    time = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])?\.?\s*(m\b\.?)?", rest, re.IGNORECASE)
    hour = minute = second = 0
    if time:
        hour, minute, second = int(time.group(1)), int(time.group(2)), int(time.group(3) or 0)
        meridiem = (time.group(4) or "").lower() if time.group(5) else ""
        if meridiem == "p" and hour < 12:
            hour += 12
        elif meridiem == "a" and hour == 12:
            hour = 0
        rest = rest[: time.start()] + " " + rest[time.end() :]

    numeric = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b|\b(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})\b", rest)
    if numeric and numeric.group(1):
        year, month, day = int(numeric.group(1)), int(numeric.group(2)), int(numeric.group(3))
    elif numeric:
        first, second_part, year = int(numeric.group(4)), int(numeric.group(5)), int(numeric.group(6))
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
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
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


def _quote_depth(line: str) -> int:
    depth = 0
    while True:
        match = _QUOTE_RE.match(line)
        if not match:
            return depth
        line = line[match.end() :]
        depth += 1


def _unquote(line: str, depth: int) -> str:
    for _ in range(depth):
        match = _QUOTE_RE.match(line)
        if not match:
            break
        line = line[match.end() :]
    return line


def _read_headers(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """Read ``Label: value`` lines from ``start``; return the fields and the first body line."""
    headers: dict[str, str] = {}
    last: str | None = None
    index = start
    while index < len(lines):
        line = lines[index]
        match = _LABEL_RE.match(line.strip())
        if match:
            last = _FIELD_BY_LABEL[match.group(1).lower()]
            headers.setdefault(last, match.group(2).strip())
        elif not line.strip():
            break
        elif last in ("to", "cc") or (last and line[:1] in " \t"):
            headers[last] = f"{headers[last]} {line.strip()}"  # a wrapped recipient list
        else:
            break
        index += 1
    return headers, index


def _is_header_block(headers: dict[str, str]) -> bool:
    """A From line followed by Date/Sent and Subject lines: Outlook's block with no separator."""
    return "from" in headers and ("date" in headers or "subject" in headers) and len(headers) >= 3


def _find_block(text: str, reply_subject: bool) -> _Block | None:
    """Locate the first forwarded block in ``text``; ``None`` if it is not a forward (or a reply)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        depth = _quote_depth(line)
        bare = _unquote(line, depth).strip()
        if not bare:
            continue
        if _is_attribution(lines, index, bare):
            return None
        if _SEPARATOR_RE.match(bare):
            start = index + 1
            while start < len(lines) and not _unquote(lines[start], depth + 1).strip():
                start += 1
            inner_depth = _quote_depth(lines[start]) if start < len(lines) else depth
            rest = [_unquote(x, max(depth, inner_depth)) for x in lines[start:]]
            headers, body_start = _read_headers(rest, 0)
            return _Block(_note(lines[:index]), headers, "\n".join(rest[body_start:]))
        if not reply_subject and _LABEL_RE.match(bare) and _field(bare) == "from":
            rest = [_unquote(x, depth) for x in lines[index:]]
            headers, body_start = _read_headers(rest, 0)
            if _is_header_block(headers):
                return _Block(_note(lines[:index]), headers, "\n".join(rest[body_start:]))
    return None


def _is_attribution(lines: list[str], index: int, bare: str) -> bool:
    """``On <date> X wrote:`` (maybe wrapped on two lines) over quoted text: a reply.

    A date (a digit) or a quoted next line is required, so a note such as "Il cliente ci ha
    scritto:" above a forward is not mistaken for a reply.
    """
    for length in (1, 2):
        candidate = " ".join(x.strip() for x in lines[index : index + length])
        if _REPLY_RE.match(candidate):
            following = [x for x in lines[index + length : index + length + 2] if x.strip()]
            quoted = bool(following) and _quote_depth(following[0]) > _quote_depth(lines[index])
            return quoted or any(ch.isdigit() for ch in candidate)
    return False


def _field(line: str) -> str | None:
    match = _LABEL_RE.match(line)
    return _FIELD_BY_LABEL[match.group(1).lower()] if match else None


def _note(lines: list[str]) -> str | None:
    """What the forwarder wrote above the block, without their signature or a closing rule."""
    kept: list[str] = []
    for line in lines:
        if line.rstrip() == "--":
            break
        kept.append(line)
    while kept and (
        not kept[-1].strip() or _RULE_RE.match(kept[-1]) or _DEVICE_LINES.match(kept[-1].strip())
    ):
        kept.pop()
    note = clean_body("\n".join(kept))
    return note or None


def _without_name_signoff(note: str | None, author: Person) -> str | None:
    """Drop the forwarder's bare sign-off ("Anna", "Anna B.") from the end of their note.

    Only a last line made of the forwarder's own name words goes (with a short
    closing such as "Thanks," just above it), so a note that ends with a
    sentence, or names someone else, is kept whole.
    """
    if not note or not author.name:
        return note
    names = {w.strip(".,").lower() for w in author.name.replace(",", " ").split() if w.strip(".,")}
    lines = note.split("\n")
    last = [w.strip(".,!").lower() for w in lines[-1].split()]
    if not (0 < len(last) <= 3 and last[0] in names and all(w in names or len(w) == 1 for w in last)):
        return note
    lines = clean_body("\n".join(lines[:-1])).split("\n")
    # A short closing just above the name ("Thanks,", "Un saluto,") belongs to the sign-off.
    if len(lines) > 1 and lines[-1].endswith(",") and len(lines[-1].split()) <= 3:
        lines = lines[:-1]
    return clean_body("\n".join(lines)) or None


def clean_body(text: str) -> str:
    """``\\n`` line ends, no trailing spaces (a ``-- `` signature line keeps its space), no outer blanks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line if line == "-- " else line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


# --- the chain ---------------------------------------------------------------------------------


def _node_of(message: ParsedMessage) -> _Node:
    return _Node(
        author=message.sender,
        date=message.date,
        date_raw=message.date_raw,
        subject=message.subject,
        body=message.text or "",
        attached=message.attached,
    )


_REPLY_PREFIX_RE = re.compile(r"^\s*(re|r|aw|sv|antw|rif)\s*:", re.IGNORECASE)


def _unwrap(node: _Node) -> tuple[_Node, str | None] | None:
    """The message ``node`` forwards and the note above it, or ``None`` if it forwards nothing."""
    subject = node.subject or ""
    reply_subject = bool(_REPLY_PREFIX_RE.match(subject)) and strip_forward_prefixes(subject) == subject
    block = _find_block(node.body, reply_subject)
    if block is not None:
        default_tz = node.date.tzinfo if node.date else None
        date_raw = block.headers.get("date") or None
        inner = _Node(
            author=parse_person(block.headers.get("from")),
            date=parse_client_date(date_raw, default_tz),
            date_raw=date_raw,
            subject=block.headers.get("subject") or strip_forward_prefixes(node.subject),
            body=block.body,
        )
        return inner, block.note
    if node.attached:
        return _node_of(node.attached[0]), _note(node.body.split("\n"))
    return None


def extract(message: ParsedMessage) -> Extraction:
    """Unwrap ``message`` down to the original letter and list who forwarded it, outermost first."""
    node = _node_of(message)
    forwarders: list[Forwarder] = []
    # A bound on the chain depth keeps a hostile message from looping for long.
    for _ in range(32):
        unwrapped = _unwrap(node)
        if unwrapped is None:
            break
        inner, note = unwrapped
        note = _without_name_signoff(note, node.author)
        forwarders.append(Forwarder(node.author.name, node.author.address, node.date, note))
        node = inner
    letter = Letter(
        author=node.author,
        date=node.date,
        date_raw=node.date_raw,
        subject=strip_forward_prefixes(node.subject),
        body=clean_body(node.body),
    )
    return Extraction(
        forwarded=bool(forwarders),
        letter=letter,
        forwarders=tuple(forwarders),
        message_id=message.message_id,
        received=message.date,
        sender=message.sender,
    )
