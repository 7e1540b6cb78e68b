"""Decode one RFC 822 message into a :class:`~mailbot.models.ParsedMessage`.

Pure: bytes in, data out. ``mail-parser`` decodes the headers (RFC 2047 words,
address lists); the MIME tree is walked here so that a ``message/rfc822`` part
stays a separate message instead of being merged into the outer body, as
``mail-parser``'s own text lists would do.
"""

from __future__ import annotations

import base64
import codecs
import logging
import quopri
import re
from datetime import UTC, datetime
from email import errors, utils
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

import mailparser
import mailparser.utils as mp_utils

from mailbot import daterange
from mailbot.budget import Deadline
from mailbot.errors import MessageError
from mailbot.mail import inline
from mailbot.mail.flowed import unflow
from mailbot.mail.html import html_to_text, remote_images
from mailbot.models import Attachment, ParsedMessage, Person
from mailbot.textutil import outlook_leftover, unix_newlines

# mail-parser warns about odd MIME subtypes through logging; without a handler of ours those
# records would reach stderr via logging's last resort. The application's own config still gets them.
logging.getLogger("mailparser").addHandler(logging.NullHandler())

# A message must carry at least one of these to be taken for an email at all.
_ESSENTIAL_HEADERS = ("from", "date", "subject", "message-id")

# Labels that, in western mail, mostly mean "some 8-bit Latin text": real
# senders often mislabel windows-1252 as one of these (or the reverse).
_LATIN_CHARSETS = frozenset(
    {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "l1", "iso-8859-15", "latin-9", "windows-1252"}
)
_C1_CONTROLS = re.compile(rb"[\x80-\x9f]")
_YEAR_RE = re.compile(r"(?<![+\-\d:])\d{3,}(?![\d:])")
_SPACE_RUN = re.compile(r"\s+")

# The Outlook leftovers that are pieces of the body, not files.
_LEFTOVER_TEXT = frozenset({"txt", "htm", "html"})


def parse_message(raw: bytes, *, deadline: Deadline | None = None) -> ParsedMessage:
    """Parse raw message bytes.

    Raises :class:`MessageError` when the bytes are not an email message at all, or when
    ``deadline`` passes while an HTML body is rendered.
    """
    if not raw or not raw.strip():
        raise MessageError("The message is empty; give an RFC 822 email message.")
    try:
        parser = mailparser.parse_from_bytes(raw)
    except Exception as exc:  # mail-parser raises assorted errors on hostile input
        raise MessageError(f"The message cannot be parsed as an email ({exc}).") from exc
    message = parser.message
    if message is None or not any(name.lower() in _ESSENTIAL_HEADERS for name in message):
        raise MessageError(
            "The input is not an email message: it has no From, Date, Subject or Message-ID header."
        )
    return _from_parser(parser, deadline)


def _from_parser(parser: Any, deadline: Deadline | None) -> ParsedMessage:
    """Build a ParsedMessage from a mail-parser object: its decoded headers and its Message."""
    return _build(parser.message, parser.from_, parser.subject, parser.message_id, deadline)


def _from_attached(message: Message, deadline: Deadline | None) -> ParsedMessage:
    """Build a ParsedMessage for an attached message without a second full mail-parser pass."""
    # The stdlib is enough here and several times cheaper than mail-parser's forensic address parser.
    pairs = [
        (_decode_words(name), address) for name, address in getaddresses([_header_text(message.get("From"))])
    ]
    pairs = [(name, address) for name, address in pairs if address]
    return _build(
        message,
        pairs,
        mp_utils.decode_headers(message.get_all("Subject")),
        mp_utils.decode_headers(message.get_all("Message-ID")),
        deadline,
    )


def _build(
    message: Message, addresses: Any, subject_value: Any, message_id_value: Any, deadline: Deadline | None
) -> ParsedMessage:
    if addresses:
        name, address = addresses[0]
        sender = Person(_clean(name), _clean(address))
    else:
        sender = Person(_clean(_decode_words(message.get("From"))), None)
    date_raw = _unfold(message.get("Date"))
    subject = _unfold(subject_value)
    message_id = _unfold(message_id_value)

    texts: list[str] = []
    htmls: list[str] = []
    attached: list[ParsedMessage] = []
    attachments: list[Attachment] = []
    failures: list[str] = []
    _walk(message, texts, htmls, attached, attachments, deadline, failures, "")
    if failures and not texts and not htmls:
        # The only text there is cannot be read: drafting it would publish garbage.
        raise MessageError(failures[0])

    html = "\n".join(htmls) if htmls else None
    if texts:
        text: str | None = "\n".join(texts)
    elif html is not None:
        text = html_to_text(html, deadline=deadline)
    else:
        text = None
    images = remote_images(html) if html else ()
    headers = tuple((name, _header_text(value)) for name, value in message.items())
    date = _parse_date(date_raw)
    defects = tuple(type(d).__name__ for d in message.defects)
    raw_subject = _header_text(message.get("Subject"))
    if "=?" in raw_subject and _has_broken_words(raw_subject):
        # Kept as written (the reviewer sees what came), not as mail-parser's best guess.
        subject, defects = _unfold(raw_subject), (*defects, SUBJECT_UNDECODABLE)
    if date is not None and not daterange.in_range(date):
        date, defects = None, (*defects, daterange.FLAG)
    return ParsedMessage(
        sender=sender,
        subject=subject,
        date=date,
        date_raw=date_raw,
        message_id=message_id,
        text=text,
        html=html,
        attached=tuple(attached),
        attachments=tuple(attachments),
        headers=headers,
        defects=defects,
        remote_images=images,
    )


def _walk(
    part: Message,
    texts: list[str],
    htmls: list[str],
    attached: list[ParsedMessage],
    attachments: list[Attachment],
    deadline: Deadline | None = None,
    failures: list[str] | None = None,
    parent: str = "",
) -> None:
    """Sort the leaves of a MIME tree into bodies, attached messages and attachments.

    A text part that cannot be decoded is left out, its reason added to ``failures``. Where a
    picture stood in the text is kept as a token (:mod:`mailbot.mail.inline`): the clients'
    placeholders in a text part, and a picture between the text parts of a ``multipart/mixed``.
    """
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            attached.append(_from_attached(inner, deadline))
        return
    if part.is_multipart():
        for child in part.get_payload():
            if isinstance(child, Message):
                _walk(child, texts, htmls, attached, attachments, deadline, failures, ctype)
        return
    is_attachment = part.get_content_disposition() == "attachment" or part.get_filename() is not None
    if ctype in ("text/plain", "text/html") and not is_attachment:
        try:
            body = _decode_text(part)
        except _Undecodable as exc:
            if failures is not None:
                failures.append(str(exc))
            return
        if ctype == "text/plain":
            texts.append(inline.mark_text_placeholders(body))
        else:
            htmls.append(body)
        return
    if outlook_leftover(part.get_filename() or "") in _LEFTOVER_TEXT:
        # Outlook/Exchange's ATT00001.txt: the rest of a body split by a gateway footer. Its
        # ATT00001.bin may be a real file without a name: kept, like any attachment.
        return
    data = part.get_payload(decode=True)
    attachment = Attachment(
        filename=_decode_words(part.get_filename()) or None,
        content_type=ctype,
        data=data if isinstance(data, bytes) else b"",
        content_id=_unfold(part.get("Content-ID")),
    )
    attachments.append(attachment)
    if parent == "multipart/mixed" and texts and ctype.startswith("image/") and not is_attachment_only(part):
        # Apple Mail's inline picture between two text parts: it stood here in the letter.
        ref = ("cid", attachment.content_id) if attachment.content_id else ("name", attachment.filename)
        if ref[1]:
            texts.append(inline.token(ref[0], ref[1]).strip("\n"))


def is_attachment_only(part: Message) -> bool:
    """A part sent as an attachment rather than shown in the letter (``Content-Disposition: attachment``)."""
    return part.get_content_disposition() == "attachment"


class _Undecodable(ValueError):
    """A text part whose bytes cannot be read as text; the message names the defect."""


# Codecs Python knows that are no mail charset (and punycode decodes in quadratic time).
_NOT_CHARSETS = frozenset(
    {"punycode", "idna", "unicode-escape", "raw-unicode-escape", "undefined", "mbcs", "oem"}
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _decode_text(part: Message) -> str:
    """Decode a text leaf to str with ``\\n`` line ends, surviving wrong charset labels.

    Raises :class:`_Undecodable` when the part's base64 is broken or its bytes fit neither
    its charset nor UTF-8 (an unknown label is read as UTF-8 when the bytes are UTF-8).
    """
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    defects = {type(d).__name__ for d in part.defects}
    if "InvalidBase64LengthDefect" in defects:
        raise _Undecodable(
            f"the {part.get_content_type()} part has invalid base64 (InvalidBase64LengthDefect)"
        )
    try:
        charset = part.get_content_charset()
    except (errors.CharsetError, UnicodeError):  # a charset name with non-ASCII bytes in it
        charset = None
    text = _decode_checked(data, charset, part.get_content_type())
    if "InvalidBase64CharactersDefect" in defects and len(_CONTROLS.findall(text)) * 100 > len(text):
        raise _Undecodable(
            f"the {part.get_content_type()} part has invalid base64 (InvalidBase64CharactersDefect): "
            "it decodes to binary data, not text"
        )
    text = unix_newlines(text)
    if part.get_content_type() == "text/plain" and _param(part, "format") == "flowed":
        text = unflow(text, delsp=_param(part, "delsp") == "yes")
    return text


def _param(part: Message, name: str) -> str:
    """A Content-Type parameter, lowercase, ``""`` when absent."""
    value = part.get_param(name)
    if isinstance(value, tuple):  # RFC 2231
        value = utils.collapse_rfc2231_value(value)
    return str(value or "").strip().lower()


def _decode_checked(data: bytes, charset: str | None, ctype: str) -> str:
    """:func:`decode_bytes`, except that bytes no charset explains raise :class:`_Undecodable`."""
    label = (charset or "us-ascii").strip().lower()
    if label in _LATIN_CHARSETS or label in ("utf-8", "utf8"):
        return decode_bytes(data, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        name = None
    if name is not None and name not in _NOT_CHARSETS:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, ValueError):
            pass
    try:
        return data.decode("utf-8")  # a wrong label on UTF-8 text: the bytes say what they are
    except UnicodeDecodeError:
        pass
    if name is None or name in _NOT_CHARSETS:
        raise _Undecodable(f"the {ctype} part's charset {label!r} is unknown and its text is not UTF-8")
    raise _Undecodable(f"the {ctype} part's bytes are not valid {label} text (nor UTF-8)")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode body bytes, trusting the label only as far as the bytes agree with it.

    UTF-8 is tried first for Latin labels because it almost never decodes Latin
    text by accident; bytes 0x80-0x9F in "ISO-8859-1" text are windows-1252
    punctuation (curly quotes, euro), never C1 controls.
    """
    label = (charset or "us-ascii").strip().lower()
    if label in _LATIN_CHARSETS or label in ("utf-8", "utf8"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        if label in ("iso-8859-15", "latin-9") and not _C1_CONTROLS.search(data):
            return data.decode("iso-8859-15")
        try:
            return data.decode("windows-1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    try:
        return data.decode(label)
    except (LookupError, ValueError):  # unknown or malformed label, or bytes that do not fit it
        return decode_bytes(data, "utf-8")


def _parse_date(value: str | None) -> datetime | None:
    """Parse a Date header keeping its own offset; ``-0000`` (zone unknown) counts as UTC.

    The caller drops a date outside :mod:`mailbot.daterange` (defect ``date-out-of-range``).
    """
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    # The stdlib reads any year below 100 as 19xx/20xx, even a four-digit "0001": keep the year
    # as written, so that the range check sees it.
    written = _YEAR_RE.search(value)
    if written and len(written.group()) == 4 and int(written.group()) != parsed.year:
        try:
            parsed = parsed.replace(year=max(1, int(written.group())))
        except ValueError:  # 29 February of a year that has none
            return None
    return parsed


SUBJECT_UNDECODABLE = "subject-undecodable"
"""The defect (and Extraction flag) of a Subject whose RFC 2047 words cannot be decoded."""
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def _has_broken_words(value: str) -> bool:
    """Whether an RFC 2047 word in ``value`` has bad base64 or Q text, or bytes its charset can't read.

    An unknown charset is read as UTF-8, as bodies are.
    """
    for match in _ENCODED_WORD.finditer(value):
        charset, encoding, payload = match.groups()
        try:
            if encoding in "bB":
                data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
            else:
                data = quopri.decodestring(payload.replace("_", " ").encode("ascii"), header=True)
            try:
                name = codecs.lookup(charset.split("*")[0]).name
            except LookupError:
                name = "utf-8"
            if name in _NOT_CHARSETS:
                return True
            data.decode(name)
        except (ValueError, LookupError, UnicodeError):
            return True
    return False


def _header_text(value: object) -> str:
    """A header value as text; 8-bit raw headers come back from the stdlib as ``Header`` objects."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def _decode_words(value: object) -> str:
    """Decode RFC 2047 words in a header mail-parser could not read as an address."""
    text = _header_text(value)
    try:
        return str(make_header(decode_header(text)))
    except (UnicodeError, LookupError, ValueError, errors.CharsetError):
        return text


def _unfold(value: object) -> str | None:
    text = _header_text(value)
    # A run of white space with a line break in it (a folded line) becomes one space. Matching
    # the runs with \s+ is linear; "\s*\r?\n\s*" backtracked over every space of a long run.
    text = _SPACE_RUN.sub(lambda run: " " if "\n" in run.group() else run.group(), text).strip()
    return text or None


def _clean(value: object) -> str | None:
    text = _header_text(value).strip().strip('"').strip()
    return text or None
