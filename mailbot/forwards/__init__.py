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

The words clients write around a forward live in ``vocabulary/<code>.toml``, one data file per
language, loaded and checked at import (:mod:`~mailbot.forwards.vocabulary`), so adding a language
is adding a file. Every regex is built once from all the files together
(:mod:`~mailbot.forwards.patterns`), so a body is scanned once whatever the number of languages.
Modules: ``people`` (From lines, subject prefixes), ``dates``, ``shapes`` (Yahoo's one-line
header runs), ``wroteline`` (Outlook 2019), ``blocks`` (finding the block), ``cleanup`` (notes
and letters), ``chain`` (:func:`extract`).

Decisions worth knowing:

* **Reply prefixes** (``Re:``, ``R:``, ``AW:``, ``SV:``...) are never stripped from a
  subject, not even after a forward prefix: ``Fwd: I: R: Ciao`` gives ``R: Ciao``. A
  reply prefix is part of the original letter's own subject (the customer answered
  something); only the prefixes the forwarders' clients added go.
* **"X on behalf of Y <y@...>"** (Outlook's delegate sending): the person is X, the
  one actually writing, with the address written on the line (Y's mailbox, unless X's
  own address is given too, which then wins).
* **Where a forward block is trusted** (see :func:`mailbot.forwards.chain.unwrap`): at the top
  of a body, under a short note; in the received message's own text anywhere (flagged
  ``deep-forward-block`` when deep); inside a letter only where a client writes one (separator,
  rule line, ``>`` quotes or a forward subject), else the block is the letter's own text
  (flagged ``ignored-forward-block``).
  :attr:`Extraction.rule <mailbot.models.Extraction.rule>` names the rule that found the letter:
  ``separator`` (a "Forwarded message" line and its header block), ``header-block`` (Outlook's
  block with no separator), ``quoted-header-block`` (either, inside ``>`` quotes),
  ``rfc822-attachment``, ``wrote-line`` (Outlook 2019: "On <date>, X wrote:" over a four-space
  indent, under a forward subject), ``none`` (not a forward).
* **Flags for the reviewer** (:attr:`Extraction.flags <mailbot.models.Extraction.flags>`):
  ``deep-forward-block``, ``ignored-forward-block`` (above), ``date-out-of-range`` (a date
  outside 1970-2100 dropped, its text kept; :mod:`mailbot.daterange`), ``subject-undecodable``
  (an RFC 2047 subject that cannot be decoded, kept as written; :mod:`mailbot.mail.mime`).
* **Cleanup** drops forward header blocks, forwarders' signatures, device lines ("Sent
  from my iPhone"), corporate disclaimers (built in per language, plus the caller's
  ``drop_patterns``), Outlook's ``ATT00001.txt`` and ``[cid:image001.png@...]``
  leftovers. In the letter only *trailing* paragraphs are dropped, so the letter's own
  text and sign-off stay; in notes any matching paragraph goes, and a forwarder's signature
  block at the note's end (``Name | Title | Company | +44 ...``, or a name line over title,
  company and contact lines) goes with its closing. Text a forwarder wrote *below* an HTML
  forward (after Thunderbird's or Gmail's container) is taken off the letter's end.
"""

from __future__ import annotations

from pathlib import Path

from mailbot.forwards.chain import NOTE_LINES, extract
from mailbot.forwards.cleanup import clean_body
from mailbot.forwards.dates import parse_client_date
from mailbot.forwards.patterns import GENERIC_DISCLAIMERS, LANGUAGES, PATTERNS, ZONES, install
from mailbot.forwards.people import parse_person, strip_forward_prefixes
from mailbot.forwards.vocabulary import Labels, VocabularyError, load_directory, load_file

MONTHS = PATTERNS.months
"""Month words of every built-in language (``"gennaio"`` → 1)."""

__all__ = [
    "GENERIC_DISCLAIMERS",
    "LANGUAGES",
    "MONTHS",
    "NOTE_LINES",
    "ZONES",
    "Labels",
    "VocabularyError",
    "add_language",
    "clean_body",
    "extract",
    "parse_client_date",
    "parse_person",
    "reset_languages",
    "strip_forward_prefixes",
]


def add_language(path: Path) -> str:
    """Load one more language file (``<code>.toml``), check it with the others, and use it; its code.

    A file for a code already installed replaces that language. On any error
    (:class:`VocabularyError`) the installed languages stay as they were.
    """
    code, labels = load_file(path)
    install({**LANGUAGES, code: labels})
    return code


def reset_languages() -> None:
    """Back to the built-in language files only."""
    install(load_directory())
