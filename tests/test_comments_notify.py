"""Comment notifications against the real SMTP server (tests/smtpserver.py): the moderators hear of
new comments (one mail per batch), a commenter gets the link once the comment is on the site, a
reply to the "Published" mail is a comment, and nobody is mailed twice.
"""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
import json
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapserver import DovecotServer
from mailfactory import letter, maildir
from smtpserver import SmtpServer
from test_comments_form import Clock, app_for
from test_comments_mail import reply
from test_database import OLD_LEDGER, OLD_LETTER_KEY_AND_AUDIT
from test_mail_e2e import servers_config
from test_outbox import flush, poll, write_config
from test_publish_now import draft
from test_review import mailbot, publish_first_draft

from mailbot.comments import moderation
from mailbot.comments.store import CommentStore
from mailbot.config import Config
from mailbot.drafts import audit
from mailbot.drafts.fileformat import dumps
from mailbot.drafts.store import DraftStore
from mailbot.ingest import route
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import Status
from mailbot.outbox.outbox import Outbox
from mailbot.service import Service
from mailbot.site.publishing import Publisher
from mailbot.sources.imap import ImapSource

MODERATOR = "mod@example.org"
READER = "marco.neri@mail.example.net"
SITE = '[site]\nbase_url = "https://blog.example.org/"\nlanguage = "{lang}"\n'


def setup(tmp_path: Path, smtpd: SmtpServer, comments: str = "", lang: str = "en") -> tuple[Config, str]:
    """A published post with comments by mail and form, and the mail its publish caused already sent."""
    config = write_config(
        tmp_path,
        smtpd,
        '[comments]\naddress = "blog@example.org"\nform = true\nmin_seconds = 0\n'
        + comments
        + '[review]\nbase_url = "https://desk.example.org/"\n'
        + SITE.format(lang=lang),
    )
    maildir(config.local.maildir, [letter(1, subject="Il negozio di Napoli")])
    poll(config)
    post_id = publish_first_draft(config)
    flush(config)
    smtpd.clear()
    return config, post_id


def by_form(config: Config, post_id: str, text: str, email: str = "", name: str = "Anna") -> None:
    client = app_for(config, Clock()).test_client()
    page = client.get(f"/comment?post={post_id}").get_data(as_text=True)
    token = page.split('name="token" value="')[1].split('"')[0]
    data = {"post": post_id, "token": token, "name": name, "email": email, "text": text, "website": ""}
    assert client.post("/comment", data=data).status_code == 202


def by_mail(config: Config, post_id: str, text: str, n: int = 1) -> None:
    maildir(
        config.local.maildir,
        [reply(text, to=f"blog+c-{post_id}@example.org", message_id=f"<c{n}@mail.example.net>")],
    )
    poll(config)


def answering(raw: bytes, msgid: str) -> bytes:
    """``raw`` as a mail client writes a reply to ``msgid``: the ids on one line, as they are."""
    return raw.replace(b"Message-ID:", f"In-Reply-To: {msgid}\nReferences: {msgid}\nMessage-ID:".encode(), 1)


def body(mail: EmailMessage) -> str:
    text = mail.get_content()
    assert isinstance(text, str)
    return text


def test_a_comment_by_form_and_one_by_mail_each_tell_the_moderators_once(
    tmp_path: Path, smtpd: SmtpServer
) -> None:
    config, post_id = setup(tmp_path, smtpd, f'notify = ["{MODERATOR}"]\n')
    by_form(config, post_id, "Bellissima storia, chiamatemi al 333 1234567.", email="anna@mail.example.net")
    assert flush(config) == (1, 0)
    (first,) = smtpd.received
    assert first["To"] == MODERATOR and first["Subject"] == "New comment to moderate: Il negozio di Napoli"
    text = body(first)
    assert "From: Anna, " in text and "hidden values: 1" in text
    assert "> Bellissima storia, chiamatemi al" in text
    assert "333 1234567" not in text and "anna@mail.example.net" not in text  # hidden value, address
    assert "https://desk.example.org/comments" in text
    smtpd.clear()

    by_mail(config, post_id, "Anche io ho chiamato quel giorno.")
    assert flush(config) == (1, 0)
    (second,) = smtpd.received
    assert second["To"] == MODERATOR and "From: Marco Neri, " in body(second)
    assert READER not in body(second) and READER not in str(second["Subject"])
    assert "Bellissima" not in body(second)  # the first comment was told already
    smtpd.clear()

    # Rerunning (the same message again, a poll, a flush) sends nothing.
    by_mail(config, post_id, "Anche io ho chiamato quel giorno.")
    poll(config)
    assert flush(config) == (0, 0) and smtpd.received == []
    assert len(CommentStore(config.paths.drafts, config.ledger_path).all()) == 2


def test_comments_arriving_before_the_mail_goes_are_one_mail(tmp_path: Path, smtpd: SmtpServer) -> None:
    # No [comments] notify: the reviewers ([notify] reviewers of write_config) moderate.
    config, post_id = setup(tmp_path, smtpd)
    by_mail(config, post_id, "Primo commento.", 1)
    by_form(config, post_id, "Secondo commento.", name="")
    by_mail(config, post_id, "Terzo commento.", 3)
    assert flush(config) == (1, 0)
    (mail,) = smtpd.received
    assert mail["To"] == "lead@example.org" and mail["Subject"] == "3 new comments to moderate"
    text = body(mail)
    assert text.index("Primo commento.") < text.index("Secondo commento.") < text.index("Terzo commento.")
    assert "From: Anonymous, " in text
    assert flush(config) == (0, 0)


def test_a_comment_that_needs_no_moderation_tells_no_moderator(tmp_path: Path, smtpd: SmtpServer) -> None:
    config, post_id = setup(tmp_path, smtpd, 'auto_approve = ["*@mail.example.net"]\nnotify = []\n')
    by_mail(config, post_id, "Collega fidato.")
    assert flush(config) == (0, 0)
    assert CommentStore(config.paths.drafts, config.ledger_path).all()[0].status.value == "approved"


def test_the_commenter_hears_once_when_the_comment_is_on_the_site(tmp_path: Path, smtpd: SmtpServer) -> None:
    config, post_id = setup(tmp_path, smtpd, f'notify = ["{MODERATOR}"]\n', lang="it")
    by_mail(config, post_id, "Grazie Tommaso, ci dai speranza.")
    by_form(config, post_id, "Senza indirizzo.")  # no address: nobody to tell
    flush(config)
    smtpd.clear()
    store = CommentStore(config.paths.drafts, config.ledger_path)
    numbers = [c.id for c in store.all()]
    assert mailbot(config, "comments", "approve", "--all").exit_code == 0
    assert flush(config) == (0, 0)  # approved is not yet on the site
    assert mailbot(config, "publish").exit_code == 0
    assert flush(config) == (1, 0)
    (mail,) = smtpd.received
    assert mail["To"] == READER
    assert mail["Subject"] == "Il tuo commento è sul blog: Il negozio di Napoli"
    (page,) = config.paths.site.glob("[0-9]*/[0-9]*/*/index.html")
    link = "https://blog.example.org/" + str(page.parent.relative_to(config.paths.site)) + "/"
    assert f"{link}#comment-{numbers[0]}" in body(mail)
    assert "Un moderatore l'ha approvato" in body(mail)
    # Publishing again, approving again: nothing more.
    assert mailbot(config, "publish").exit_code == 0
    moderation.approve(store, numbers, config=config)
    Publisher.of(config).publish()
    assert flush(config) == (0, 0)
    with Outbox(config.ledger_path) as box:
        assert box.counts().queued == 0


def test_a_comment_rejected_or_deleted_before_the_publish_mails_nobody(
    tmp_path: Path, smtpd: SmtpServer
) -> None:
    config, post_id = setup(tmp_path, smtpd, "notify = []\n")
    by_mail(config, post_id, "Uno.", 1)
    by_form(config, post_id, "Due.", email="due@mail.example.net")
    store = CommentStore(config.paths.drafts, config.ledger_path)
    one, two = (c.id for c in store.all())
    moderation.approve(store, [one, two], config=config)
    moderation.reject(store, [one])
    moderation.delete(store, [two])
    Publisher.of(config).publish()
    assert flush(config) == (0, 0) and smtpd.received == []


def test_with_notify_commenter_off_the_commenter_hears_nothing(tmp_path: Path, smtpd: SmtpServer) -> None:
    config, post_id = setup(tmp_path, smtpd, "notify = []\nnotify_commenter = false\n")
    by_mail(config, post_id, "Uno.")
    assert mailbot(config, "comments", "approve", "--all").exit_code == 0
    assert mailbot(config, "publish").exit_code == 0
    assert flush(config) == (0, 0)


def test_a_mail_rewritten_while_it_was_sent_goes_again(tmp_path: Path, smtpd: SmtpServer) -> None:
    """The batch mail grows until it is sent: a comment recorded during the send is not lost."""
    config, post_id = setup(tmp_path, smtpd, f'notify = ["{MODERATOR}"]\n')
    by_mail(config, post_id, "Primo.", 1)

    class Late(Outbox):
        """Records the second comment between reading the due mail and marking it sent."""

        once = True

        def _update(self, sql: str, *args: object) -> None:
            if self.once and sql.startswith("UPDATE outbox SET state"):
                Late.once = False
                by_mail(config, post_id, "Secondo.", 2)
            super()._update(sql, *args)

    with Late(config.ledger_path) as box:
        assert box.flush(config.smtp).sent == 1
    assert flush(config) == (1, 0)
    first, second = smtpd.received
    assert "Primo." in body(first) and "Secondo." not in body(first)
    assert "Primo." in body(second) and "Secondo." in body(second)
    assert first["Message-ID"] != second["Message-ID"]
    assert flush(config) == (0, 0)


def test_a_reply_to_the_published_mail_is_a_comment_on_the_post(tmp_path: Path, smtpd: SmtpServer) -> None:
    config = write_config(
        tmp_path, smtpd, '[comments]\naddress = "blog@example.org"\nnotify = []\n' + SITE.format(lang="it")
    )
    maildir(config.local.maildir, [letter(1, subject="Il negozio di Napoli")])
    poll(config)
    post_id = publish_first_draft(config)
    flush(config)
    (published,) = [m for m in smtpd.received if str(m["Subject"]).startswith("Pubblicata")]
    msgid = str(published["Message-ID"])
    assert msgid.startswith(f"<c-{post_id}.") and msgid.endswith("@example.org>")
    assert published["Reply-To"] == "blog@example.org"

    forwarder = "anna.bianchi@napoli.example.org"
    answer = answering(
        reply(
            "Che bello vederla pubblicata!\n\n> La lettera che ci hai girato ora è sul blog:\n",
            to="blog@example.org",
            sender=f"Anna Bianchi <{forwarder}>",
            subject=f"Re: {published['Subject']}",
            message_id="<answer-1@napoli.example.org>",
        ),
        msgid,
    )
    assert route.classify(None, answer, config).kind == route.COMMENT
    # A reviewer's answer to the review mail stays a command.
    (notice,) = [m for m in smtpd.received if str(m["Subject"]).startswith("Nuova bozza")]
    command = reply(
        "approva",
        to=str(notice["Reply-To"]),
        sender="lead@example.org",
        subject=f"Re: {notice['Subject']}",
        references=str(notice["Message-ID"]),
    )
    assert route.classify(None, command, config).kind == route.COMMAND

    maildir(config.local.maildir, [answer])
    poll(config)
    (comment,) = CommentStore(config.paths.drafts, config.ledger_path).all()
    assert (comment.post, comment.text, comment.status.value) == (
        post_id,
        "Che bello vederla pubblicata!",
        "pending",
    )
    assert len(json.loads(mailbot(config, "drafts", "list", "--json").output)) == 1


def test_without_comments_the_published_mail_keeps_its_usual_id(tmp_path: Path, smtpd: SmtpServer) -> None:
    config = write_config(tmp_path, smtpd, SITE.format(lang="en"))
    maildir(config.local.maildir, [letter(1)])
    poll(config)
    publish_first_draft(config)
    flush(config)
    (published,) = [m for m in smtpd.received if str(m["Subject"]).startswith("Published")]
    assert str(published["Message-ID"]).startswith("<mailbot.") and published["Reply-To"] is None


@pytest.mark.parametrize("restored", [False, True])
def test_the_moderators_mail_never_shows_a_hidden_value(
    tmp_path: Path, smtpd: SmtpServer, restored: bool
) -> None:
    config, post_id = setup(tmp_path, smtpd, f'notify = ["{MODERATOR}"]\n')
    by_mail(config, post_id, "Il mio IBAN è IT60 X054 2811 1010 0000 0123 456.", 1)
    store = CommentStore(config.paths.drafts, config.ledger_path)
    if restored:  # put back by a moderator before the batch mail was sent: hidden again in the mail
        moderation.restore(store, store.all()[0].id, 1)
    by_mail(config, post_id, "Secondo.", 2)
    flush(config)
    (mail,) = smtpd.received
    assert "0123 456" not in body(mail) and "IT60" not in body(mail)


@pytest.mark.dovecot
def test_end_to_end_with_dovecot_a_reply_to_published_becomes_a_comment_and_mails_flow(
    tmp_path: Path, dovecot: DovecotServer, smtpd: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = servers_config(
        tmp_path, dovecot, smtpd, monkeypatch,
        "[comments]", 'address = "blog@example.org"', f'notify = ["{MODERATOR}"]',
        "[site]", 'base_url = "https://blog.example.org/"',
    )  # fmt: skip
    forwarder = "anna.bianchi@napoli.example.org"

    def cycle() -> None:
        with Ledger(config.ledger_path) as ledger:
            assert config.imap is not None
            imap_config = config.imap
            service = Service(Pipeline(config, ledger), lambda: ImapSource(imap_config), interval=60)
            service.poll()
            service.flush_outbox()

    dovecot.append("INBOX", letter(1, subject="Grazie al negozio di Napoli"))
    cycle()
    (post,) = DraftStore(config.paths.drafts).all()
    assert mailbot(config, "drafts", "approve", "--yes", post.id).exit_code == 0
    assert mailbot(config, "publish").exit_code == 0
    smtpd.clear()
    cycle()
    (published,) = smtpd.to(forwarder)
    assert published["Subject"] == "Published: Grazie al negozio di Napoli"
    smtpd.clear()

    raw = reply(
        "Che bello vederla sul blog!\n\nOn Wed, Jan 24, 2007 mailbot wrote:\n> The letter you passed on\n",
        to=str(published["Reply-To"]),
        sender=f"Anna Bianchi <{forwarder}>",
        subject=f"Re: {published['Subject']}",
        message_id="<answer-e2e@napoli.example.org>",
    )
    answer = answering(raw, str(published["Message-ID"]))
    dovecot.append("INBOX", answer)
    cycle()
    dovecot.append("INBOX", answer)  # the same reply again: one comment, no second mail
    cycle()
    (comment,) = CommentStore(config.paths.drafts, config.ledger_path).all()
    words = "Che bello vederla sul blog!"
    assert (comment.post, comment.text, comment.status.value) == (post.id, words, "pending")
    (told,) = smtpd.received
    assert told["To"] == MODERATOR and forwarder not in body(told) and words in body(told)
    assert len(DraftStore(config.paths.drafts).all()) == 1  # never a draft, never a quarantined command
    smtpd.clear()

    assert mailbot(config, "comments", "approve", str(comment.id)).exit_code == 0
    assert mailbot(config, "publish").exit_code == 0
    cycle()
    (link,) = smtpd.received
    assert link["To"] == forwarder
    assert link["Subject"] == "Your comment is on the blog: Grazie al negozio di Napoli"
    assert f"#comment-{comment.id}" in body(link)
    smtpd.clear()
    cycle()
    assert smtpd.received == []


def test_the_router_agrees_with_the_comment_intake(tmp_path: Path, smtpd: SmtpServer) -> None:
    config, post_id = setup(tmp_path, smtpd)
    word = base64.b64encode(f"Re: Perché così? [c-{post_id}]".encode()).decode()
    encoded = f"From: a@mail.example.net\r\nTo: blog@example.org\r\nSubject: =?utf-8?b?{word}?=\r\n\r\nx\r\n"
    assert route.classify(None, encoded.encode(), config).kind == route.COMMENT
    assert route.classify(None, reply("x", to=f"blog+c-{post_id}@example.org"), config).kind == route.COMMENT
    assert route.classify(None, reply("x", to="blog@example.org"), config).kind == route.LETTER
    assert route.classify(None, letter(2), config).kind == route.LETTER


def test_a_comment_deleted_before_its_mail_went_mails_nobody(tmp_path: Path, smtpd: SmtpServer) -> None:
    config, post_id = setup(tmp_path, smtpd, "notify = []\n")
    by_mail(config, post_id, "Ritiro tutto.")
    store = CommentStore(config.paths.drafts, config.ledger_path)
    (number,) = [c.id for c in store.all()]
    moderation.approve(store, [number], config=config)
    Publisher.of(config).publish()  # the mail is queued, not yet sent...
    moderation.delete(store, [number])  # ...and the comment is withdrawn
    assert flush(config) == (0, 0) and smtpd.received == []


def test_a_comment_deleted_before_the_moderators_mail_went_leaves_in_no_mail(
    tmp_path: Path, smtpd: SmtpServer
) -> None:
    config, post_id = setup(tmp_path, smtpd, f'notify = ["{MODERATOR}"]\n')
    by_mail(config, post_id, "Lo ritiro subito.", 1)
    by_mail(config, post_id, "Questo resta.", 2)
    by_mail(config, post_id, "Anche questo va.", 3)
    store = CommentStore(config.paths.drafts, config.ledger_path)
    first, _kept, third = (c.id for c in store.all())
    assert mailbot(config, "comments", "delete", str(first), str(third)).exit_code == 0
    assert flush(config) == (1, 0)
    (mail,) = smtpd.received
    assert mail["Subject"] == "New comment to moderate: Il negozio di Napoli"
    assert "Questo resta." in body(mail)
    assert "ritiro" not in body(mail) and "Anche questo" not in body(mail)
    smtpd.clear()
    by_mail(config, post_id, "Solo.", 4)
    (only,) = (c.id for c in store.all() if c.text == "Solo.")
    moderation.delete(store, [only], config=config)  # nothing left to tell: no mail at all
    assert flush(config) == (0, 0)


def test_a_comment_deleted_after_its_mails_went_leaves_no_copy_in_the_outbox(
    tmp_path: Path, smtpd: SmtpServer
) -> None:
    # "delete really deletes the text" (and the address): the ledger's copies of the mails
    # already sent about the comment (the moderators', the commenter's) must not keep them.
    config, post_id = setup(tmp_path, smtpd, f'notify = ["{MODERATOR}"]\nnotify_commenter = true\n')
    by_mail(config, post_id, "Ritiro questo commento, scusate.")
    store = CommentStore(config.paths.drafts, config.ledger_path)
    (number,) = [c.id for c in store.all()]
    assert flush(config) == (1, 0)  # the moderators'
    moderation.approve(store, [number], config=config)
    Publisher.of(config).publish()
    assert flush(config) == (1, 0)  # the commenter's, with the link
    sent = b"".join(m.as_bytes() for m in smtpd.received)
    assert READER.encode() in sent and b"Ritiro questo" in sent  # what the outbox kept a copy of

    assert mailbot(config, "comments", "delete", str(number)).exit_code == 0

    db = sqlite3.connect(config.ledger_path)
    try:
        rows = db.execute("SELECT recipient, message FROM outbox").fetchall()
    finally:
        db.close()
    assert rows  # the mails about the post itself are still there
    for recipient, message in rows:
        assert READER not in recipient
        kept = bytes(message)
        assert READER.encode() not in kept
        parsed = email.message_from_bytes(kept, policy=email.policy.default)
        text = "".join(
            str(part.get_content()) for part in parsed.walk() if part.get_content_maintype() == "text"
        )
        assert "Ritiro" not in text
    # Nothing is sent again for it.
    Publisher.of(config).publish()
    assert flush(config) == (0, 0)


def test_a_held_mail_dropped_while_the_publish_releases_it_sends_nobody_another_ones_mail(
    tmp_path: Path, smtpd: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The publish reads the held mails, then releases them in a later transaction. A moderator
    # who meanwhile rejects that comment and approves another (whose held row takes the freed
    # row id) must not have the first commenter's mail sent to the second commenter.
    config, post_id = setup(tmp_path, smtpd, "notify = []\nnotify_commenter = true\n")
    by_mail(config, post_id, "Il primo, di Marco.", 1)
    by_form(config, post_id, "Il secondo, di Anna.", email="anna.verdi@mail.example.net")
    store = CommentStore(config.paths.drafts, config.ledger_path)
    first, second = (c.id for c in store.all())
    moderation.approve(store, [first], config=config)
    real = audit.record

    def meanwhile(
        path: Path | None, rows: list[tuple[str, str, str, str | None]], also: object = None
    ) -> None:
        if any(action == "comment publish" for _post, _who, action, _detail in rows):
            moderation.reject(store, [first])
            moderation.approve(store, [second], config=config)
        real(path, rows, also=also)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "record", meanwhile)
    Publisher.of(config).publish()
    monkeypatch.setattr(audit, "record", real)
    flush(config)
    for mail in smtpd.received:
        assert READER not in mail.as_string()  # Marco's address (rejected) goes to nobody
    assert smtpd.received == []  # Anna's comment is not on the site yet: her mail waits
    Publisher.of(config).publish()
    assert flush(config) == (1, 0)
    (mail,) = smtpd.received
    assert mail["To"] == "anna.verdi@mail.example.net" and f"#comment-{second}" in body(mail)


def test_a_publish_of_nothing_new_on_a_ledger_from_an_older_mailbot_migrates_it(
    tmp_path: Path, smtpd: SmtpServer
) -> None:
    # Just upgraded, `mailbot publish` first, with no new post: no other step opens the ledger
    # before the commenters' mails are looked for, which must find the outbox there.
    config = write_config(
        tmp_path, smtpd, '[comments]\naddress = "blog@example.org"\n' + SITE.format(lang="en")
    )
    config.paths.state.mkdir(parents=True, exist_ok=True)
    old = sqlite3.connect(config.ledger_path)
    old.executescript(OLD_LEDGER + OLD_LETTER_KEY_AND_AUDIT + "PRAGMA user_version = 3;")
    old.close()
    config.paths.drafts.mkdir(parents=True, exist_ok=True)
    published = draft(1, Status.PUBLISHED)
    published = dataclasses.replace(published, slug="lettera-numero-1", published=published.created)
    (config.paths.drafts / f"{published.id}.md").write_text(dumps(published), encoding="utf-8")

    newly, _report = Publisher.of(config).publish()

    assert newly == []
    assert list(config.paths.site.glob("*/*/lettera-numero-1/index.html"))
    with Outbox(config.ledger_path) as box:
        assert box.counts().queued == 0
