"""Builds small RFC 822 messages for tests that are about the pipeline, not the parser.

Parser behaviour is tested on the .eml files under tests/data, one case per file.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

ROME = timezone(timedelta(hours=1))


def letter(
    n: int,
    *,
    sender: str = "anna.bianchi@napoli.example.org",
    subject: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """A Gmail-style Italian forward of customer letter number ``n``."""
    msg = EmailMessage()
    msg["From"] = f"Anna Bianchi <{sender}>"
    msg["To"] = "blog@example.org"
    msg["Subject"] = f"I: {subject or f'Lettera numero {n}'}"
    msg["Date"] = format_datetime(datetime(2007, 1, 23, 9, 12, tzinfo=ROME) + timedelta(minutes=n))
    msg["Message-ID"] = message_id or make_msgid(f"t{n}", "napoli.example.org")
    msg.set_content(
        f"Vi giro la lettera numero {n}.\n\n"
        "---------- Messaggio inoltrato ---------\n"
        f"Da: Cliente {n} <cliente{n}@example.it>\n"
        "Date: lun 22 gen 2007 alle ore 18:03\n"
        f"Subject: {subject or f'Lettera numero {n}'}\n"
        "To: <servizio@example.org>\n\n"
        f"Buongiorno, questa è la lettera {n}.\n\nSaluti.\n\nCliente {n}\n"
    )
    return msg.as_bytes()


def maildir(root: Path, messages: list[bytes]) -> Path:
    """A Maildir at ``root`` with ``messages`` in new/."""
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(messages):
        (root / "new" / f"100000{i:04d}.M{i}P1.test").write_bytes(data)
    return root
