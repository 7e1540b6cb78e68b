"""What mailbot says by mail: each notification as an :class:`email.message.EmailMessage`.

Pure: data in, a message out. The texts are Jinja2 text templates in ``templates/``
(``thanks.txt``, ``quarantined.txt``, ``published.txt``, ``reviewer.txt``, ``test.txt``,
``comments.txt``, ``comment_published.txt``),
overridable by a file of the same name in ``<[site] templates>/mail/``; their words go
through gettext: the ``mail`` catalogs beside the site's in ``mailbot/site/locale`` (a
domain of their own, so mail words never change the site's fingerprints); ``[site] language``
chooses Italian or English.

Every message carries a deterministic ``Message-ID`` (made from the event key, so the
outbox sends the same id again after a crash and a receiver can recognise a resend),
``Date``, ``Auto-Submitted`` (RFC 3834: ``auto-replied`` when answering a message,
``auto-generated`` otherwise) and, when it answers a forwarded message,
``In-Reply-To``/``References`` naming it.
"""

from __future__ import annotations

import functools
import gettext
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from mailbot import wording
from mailbot.errors import ConfigError

TEMPLATES = Path(__file__).parent / "templates"
DOMAIN = "mail"  # mailbot/site/locale/<lang>/LC_MESSAGES/mail.po, beside the site's catalog


@functools.lru_cache(maxsize=16)
def translations(language: str) -> gettext.NullTranslations:
    """The mail catalog for ``language`` ("it", "it-CH" falls back to "it"); English when none ships."""
    locale = wording.parse_locale(language) or Locale("en")
    for code in dict.fromkeys((str(locale), locale.language)):
        po = wording.LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        try:
            data = po.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ConfigError(
                f"the catalog {po} cannot be read ({exc.strerror}); check the install."
            ) from exc
        try:
            mo = io.BytesIO()
            write_mo(mo, read_po(io.BytesIO(data), locale=code, domain=DOMAIN))
            mo.seek(0)
            return gettext.GNUTranslations(mo)
        except Exception as exc:  # Babel and gettext raise assorted errors on a damaged catalog
            raise ConfigError(f"the catalog {po} is damaged ({exc}); restore it from the release.") from exc
    return gettext.NullTranslations()


KINDS = ("thanks", "quarantined", "published", "reviewer", "test", "comments", "comment_published")


@dataclass(frozen=True)
class Notice:
    """One mail to send: ``event`` is its unique key in the outbox (one mail per event)."""

    event: str
    kind: str
    recipient: str
    message: EmailMessage


def message_id(event: str, sender: str) -> str:
    """The Message-ID of an event's mail: the same event always gets the same id."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "mailbot.invalid"
    digest = hashlib.sha256(event.encode("utf-8")).hexdigest()[:32]
    return f"<mailbot.{digest}@{domain}>"


@dataclass(frozen=True)
class Composer:
    """Renders notifications in one language from the built-in or overriding templates."""

    sender: str
    language: str = "en"
    override: Path | None = None

    def _env(self) -> jinja2.Environment:
        folders = [str(self.override / "mail")] if self.override else []
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([*folders, str(TEMPLATES)]),
            autoescape=False,  # plain text mail
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_translations(translations(self.language), newstyle=True)  # type: ignore[attr-defined]
        return env

    def render(self, kind: str, values: Mapping[str, Any]) -> tuple[str, str]:
        """(subject, body) of a ``kind`` mail: the template's first line is the subject."""
        try:
            text = self._env().get_template(f"{kind}.txt").render(**values)
        except jinja2.TemplateError as exc:
            raise ConfigError(
                f"the mail template {kind}.txt cannot be rendered ({exc}); fix it or remove the override."
            ) from exc
        subject, _, body = text.partition("\n")
        return subject.removeprefix("Subject:").strip(), body.lstrip("\n")

    def compose(
        self,
        event: str,
        kind: str,
        recipient: str,
        values: Mapping[str, Any],
        *,
        answers: str | None = None,
        reply_to: str | None = None,
        now: datetime | None = None,
        msgid: str | None = None,
    ) -> Notice:
        """The notice for ``event``; ``answers`` is the Message-ID of the mail it replies to.

        ``msgid`` replaces the Message-ID made from the event (it must be made from the event too).
        """
        subject, body = self.render(kind, values)
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = Address(addr_spec=recipient) if "@" in recipient else recipient
        msg["Subject"] = subject  # the policy encodes non-ASCII words (RFC 2047, UTF-8)
        msg["Date"] = format_datetime(now or datetime.now(UTC))
        msg["Message-ID"] = msgid or message_id(event, self.sender)
        if answers:
            msg["In-Reply-To"] = answers
            msg["References"] = answers
        if reply_to:
            msg["Reply-To"] = reply_to
        msg["Auto-Submitted"] = "auto-replied" if answers else "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office answers to us
        msg.set_content(body, charset="utf-8")
        return Notice(event, kind, recipient, msg)
