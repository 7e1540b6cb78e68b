"""Comments by mail: a reader's reply becomes one pending comment with only the reader's words.

The replies are written by hand the way Gmail, Outlook and Apple Mail write a reply that quotes
the post (attribution line and ``>`` quotes; Outlook's rule and header block; Apple's "Il giorno
... ha scritto:" over quotes and an iPhone line). The end-to-end test runs the real program
against the real Dovecot (tests/imapserver.py).
"""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from imapserver import DovecotServer
from mailfactory import letter
from test_imap_pipeline import Mailbot
from test_review import mailbot, make_config, poll

from mailbot.comments import intake
from mailbot.comments.replytext import own_words
from mailbot.comments.store import CommentStore
from mailbot.config import Config
from mailbot.ingest.ledger import Ledger
from mailbot.mail.mime import parse_message

POST_SUBJECT = "Lettera numero 1"
WHEN = datetime(2007, 1, 24, 9, 30, tzinfo=UTC)


def reply(
    text: str,
    *,
    to: str,
    sender: str = "Marco Neri <marco.neri@mail.example.net>",
    subject: str = "Re: Lettera numero 1",
    html: str | None = None,
    message_id: str = "<r1@mail.example.net>",
    references: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Wed, 24 Jan 2007 09:30:00 +0100"
    msg["Message-ID"] = message_id
    if references:
        msg["In-Reply-To"] = references
        msg["References"] = references
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def gmail(to: str) -> bytes:
    return reply(
        "Grazie Tommaso, ci dai speranza.\n\n"
        "On Tue, Jan 23, 2007 at 10:15 AM Lettere dai clienti <blog@example.org> wrote:\n\n"
        "> Buongiorno, questa è la lettera 1.\n>\n> Saluti.\n",
        to=to,
        sender="Giulia <giulia@mail.example.net>",
        message_id="<gmail-1@mail.example.net>",
    )


def outlook(to: str) -> bytes:
    return reply(
        "Anche io ho chiamato quel giorno.\r\nMi hanno risposto subito.\r\n\r\nSent from Outlook\r\n\r\n"
        "________________________________\r\n"
        "From: Lettere dai clienti <blog@example.org>\r\n"
        "Sent: Tuesday, January 23, 2007 10:15 AM\r\n"
        "To: Marco Neri <marco.neri@mail.example.net>\r\n"
        "Subject: Lettera numero 1\r\n\r\n"
        "Buongiorno, questa è la lettera 1.\r\n",
        to=to,
        message_id="<outlook-1@mail.example.net>",
    )


def apple(to: str) -> bytes:
    return reply(
        "Che bello leggere una lettera così.\n\nInviato da iPhone\n\n"
        "> Il giorno 23 gen 2007, alle ore 10:15, Lettere dai clienti <blog@example.org> ha scritto:\n"
        ">\n> Buongiorno, questa è la lettera 1.\n",
        to=to,
        sender="Sara Blu <sara@mail.example.net>",
        message_id="<apple-1@mail.example.net>",
    )


EXPECTED = {
    "Giulia": "Grazie Tommaso, ci dai speranza.",
    "Marco Neri": "Anche io ho chiamato quel giorno.\nMi hanno risposto subito.",
    "Sara Blu": "Che bello leggere una lettera così.",
}


def test_own_words_drop_signatures_and_html_only_replies_are_read_as_text() -> None:
    assert own_words("Bravi!\n\n-- \nMarco Neri\nVia Roma 1") == "Bravi!"
    assert own_words("> citato\nMia risposta.\n> altro citato") == "Mia risposta."
    assert own_words("Ottimo.\n\n-----Original Message-----\nFrom: x\n") == "Ottimo."
    html_only = EmailMessage()
    html_only["From"] = "a@mail.example.net"
    html_only["Subject"] = "Re: x [c-20070123-lettera-numero-1]"
    html_only.set_content(
        "<div>Bella <b>lettera</b>!</div><div><br></div><blockquote>Buongiorno, citato.</blockquote>",
        subtype="html",
    )
    parsed = parse_message(html_only.as_bytes())
    assert "Bella lettera!" in intake.comment_text(parsed)


def _config(tmp_path: Path) -> tuple[Config, str]:
    config = make_config(tmp_path, '[comments]\naddress = "blog@example.org"\n')
    poll(config, [letter(1)])
    post_id = json.loads(mailbot(config, "drafts", "list", "--json").output)[0]["id"]
    return config, str(post_id)


def test_detect_by_plus_address_subject_marker_or_reply_to_a_notification(tmp_path: Path) -> None:
    config, post_id = _config(tmp_path)

    def detect(data: bytes) -> str | None:
        return intake.detect(parse_message(data), config)

    assert detect(reply("x", to=f"Blog <blog+c-{post_id}@example.org>")) == post_id
    assert detect(reply("x", to="blog@example.org", subject=f"Re: Lettera [c-{post_id}]")) == post_id
    answered = reply("x", to="blog@example.org", references=f"<c-{post_id}.0123abcd@example.org>")
    assert detect(answered) == post_id
    assert detect(reply("x", to="blog@example.org")) is None  # a plain message: the letter path
    assert detect(reply("x", to="other+c-x@example.org")) is None
    assert detect(letter(2)) is None
    # The cheap look at the raw headers lets plain letters skip the comment parse...
    assert not intake.may_be_comment(reply("x", to="blog@example.org"))
    assert not intake.may_be_comment(b"To: blog@example.org\r\n\r\nbody with [c-x] and +c-y")
    # ...and never hides a comment: an encoded subject with the marker is parsed and found.
    word = base64.b64encode(f"Re: Perché così? [c-{post_id}]".encode()).decode()
    encoded = (
        f"From: a@mail.example.net\r\nTo: blog@example.org\r\nSubject: =?utf-8?b?{word}?=\r\n\r\nx\r\n"
    ).encode()
    assert b"[c-" not in encoded and intake.may_be_comment(encoded)
    assert detect(encoded) == post_id


def test_a_comment_on_no_post_or_without_words_is_quarantined_with_the_reason(tmp_path: Path) -> None:
    config, post_id = _config(tmp_path)
    nothing = reply("> solo citazione\n", to=f"blog+c-{post_id}@example.org", message_id="<q1@x.example.net>")
    nowhere = reply("Ciao", to="blog+c-no-such-post@example.org", message_id="<q2@x.example.net>")
    long = reply("parola " * 1000, to=f"blog+c-{post_id}@example.org", message_id="<q3@x.example.net>")
    poll(config, [nothing, nowhere, long])
    assert json.loads(mailbot(config, "comments", "list", "--json").output) == []
    with Ledger(config.ledger_path) as ledger:
        assert ledger.counts()["failed"] == 3
        reasons = sorted(
            str(row[0]) for row in ledger._query("SELECT error FROM messages WHERE outcome = 'failed'")
        )
    assert reasons == [
        f"comment on {post_id} has no text of its own (only quotes or a signature)",
        f"comment on {post_id} is 6999 characters long (limit: [comments] max_chars = 4000)",
        "comment on no-such-post: there is no such post",
    ]
    assert len(json.loads(mailbot(config, "drafts", "list", "--json").output)) == 1  # no new draft


def test_private_data_in_a_comment_is_hidden_and_listed(tmp_path: Path) -> None:
    config, post_id = _config(tmp_path)
    poll(config, [reply("Chiamatemi al 333 1234567, grazie.", to=f"blog+c-{post_id}@example.org")])
    items = json.loads(mailbot(config, "comments", "list", "--json").output)
    assert len(items) == 1 and "333 1234567" not in items[0]["text"] and items[0]["redactions"] == 1
    shown = mailbot(config, "comments", "show", str(items[0]["id"])).output
    assert "hidden 1: phone" in shown
    assert mailbot(config, "comments", "restore", str(items[0]["id"]), "1").exit_code == 0
    restored = json.loads(mailbot(config, "comments", "list", "--json").output)[0]["text"]
    assert restored == "Chiamatemi al 333 1234567, grazie."
    again = mailbot(config, "comments", "restore", str(items[0]["id"]), "1")
    assert again.exit_code != 0 and "already restored" in again.output


def test_auto_approve_trusts_listed_senders_only(tmp_path: Path) -> None:
    config = make_config(
        tmp_path, '[comments]\naddress = "blog@example.org"\nauto_approve = ["*@napoli.example.org"]\n'
    )
    poll(config, [letter(1)])
    post_id = json.loads(mailbot(config, "drafts", "list", "--json").output)[0]["id"]
    to = f"blog+c-{post_id}@example.org"
    poll(
        config,
        [
            reply(
                "Collega.", to=to, sender="Anna <anna@napoli.example.org>", message_id="<a1@n.example.org>"
            ),
            reply("Lettore.", to=to, message_id="<a2@mail.example.net>"),
        ],
    )
    items = json.loads(mailbot(config, "comments", "list", "--json").output)
    assert [(i["text"], i["status"]) for i in items] == [("Collega.", "approved"), ("Lettore.", "pending")]


def test_replies_by_mail_become_comments_end_to_end(dovecot: DovecotServer, tmp_path: Path) -> None:
    bot = Mailbot(tmp_path, dovecot)
    with (tmp_path / "mailbot.toml").open("a") as fh:
        fh.write('[comments]\naddress = "blog@example.org"\n[site]\nlanguage = "it"\n')
    dovecot.append("INBOX", letter(1))
    assert bot("poll", "--once").returncode == 0
    post_id = json.loads(bot("drafts", "list", "--json").stdout)[0]["id"]
    assert bot("drafts", "approve", "--yes", post_id).returncode == 0
    assert bot("publish").returncode == 0

    to = f"Lettere dai clienti <blog+c-{post_id}@example.org>"
    for data in (gmail(to), outlook(to), apple(to)):
        dovecot.append("INBOX", data)
    result = bot("poll", "--once")
    assert result.returncode == 0, result.stderr
    dovecot.append("INBOX", gmail(to))  # the same message again
    assert bot("poll", "--once").returncode == 0
    items = json.loads(bot("comments", "list", "--json").stdout)
    assert {i["name"]: i["text"] for i in items} == EXPECTED
    assert {i["status"] for i in items} == {"pending"} and {i["post"] for i in items} == {post_id}
    assert len(json.loads(bot("drafts", "list", "--json").stdout)) == 1  # replies never become drafts

    assert bot("comments", "approve", "--all").returncode == 0
    assert bot("publish").returncode == 0
    pages = list((tmp_path / "site").glob("[0-9]*/[0-9]*/*/index.html"))
    assert len(pages) == 1
    text = pages[0].read_text()
    assert (
        "Giulia ha detto..." in text and "Marco Neri ha detto..." in text and "Sara Blu ha detto..." in text
    )
    assert "Mi hanno risposto subito." in text and "Buongiorno, questa è la lettera 1." in text
    assert "ha scritto" not in text and "Inviato da iPhone" not in text and "Sent from Outlook" not in text
    assert "marco.neri@" not in text
    assert "3 commenti</a>" in (tmp_path / "site" / "index.html").read_text()


def test_with_require_authentication_a_forged_colleague_is_not_trusted(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        '[comments]\naddress = "blog@example.org"\nauto_approve = ["*@napoli.example.org"]\nform = false\n',
    )
    config = dataclasses.replace(
        config, senders=dataclasses.replace(config.senders, require_authentication=True)
    )
    post_id = "20070123-lettera"
    forged = reply("Collega?", to=f"blog+c-{post_id}@example.org", sender="Anna <anna@napoli.example.org>")
    store = CommentStore(config.paths.drafts, config.ledger_path)
    taken = intake.take(forged, config, config.ledger_path, "ff" * 32, WHEN, lambda post: True)
    assert taken == (post_id, "<r1@mail.example.net>", True)
    assert [(c.text, c.status.value) for c in store.all()] == [("Collega?", "pending")]
