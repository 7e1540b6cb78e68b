"""The desk's comments queue over HTTP (Flask's test client): sessions, CSRF, moderation, audit trail."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from deskkit import EMAIL, PAYLOAD, add_reviewer, make_config, poll
from flask import Flask
from mailfactory import letter
from test_comments_mail import reply
from test_desk_http import sign_in, token
from test_review import mailbot, publish_first_draft

from mailbot.comments.model import CommentStatus
from mailbot.comments.store import CommentStore
from mailbot.config import Config
from mailbot.desk.app import create_app
from mailbot.drafts import audit
from mailbot.drafts.store import DraftStore
from mailbot.models import Status


def comment(post: str, text: str, n: int, sender: str = "Marco Neri <marco.neri@mail.example.net>") -> bytes:
    return reply(text, to=f"blog+c-{post}@example.org", sender=sender, message_id=f"<d{n}@mail.example.net>")


def setup(tmp_path: Path, review: str = 'language = "en"\n') -> tuple[Config, Flask, str, list[int]]:
    """A published post with three comments: one with a phone number, one hostile, one approved."""
    config = make_config(tmp_path, '[comments]\naddress = "blog@example.org"\n', review=review)
    poll(config, [letter(1)])
    post = publish_first_draft(config)
    poll(
        config,
        [
            comment(post, "Chiamatemi al 333 1234567, grazie.", 1),
            comment(post, f"Ciao {PAYLOAD}", 2, sender="Eve <eve@mail.example.net>"),
            comment(post, "Già approvato.", 3, sender="Sara <sara@mail.example.net>"),
        ],
    )
    numbers = [c.id for c in store(config).all()]
    assert mailbot(config, "comments", "approve", str(numbers[2])).exit_code == 0
    add_reviewer(config)
    app = create_app(config, signin_delay=0)
    app.testing = True
    return config, app, post, numbers


def store(config: Config) -> CommentStore:
    return CommentStore(config.paths.drafts, config.ledger_path)


def statuses(config: Config) -> list[str]:
    return [c.status.value for c in store(config).all()]


def test_without_a_session_nothing_is_shown_or_changed(tmp_path: Path) -> None:
    config, app, _post, numbers = setup(tmp_path)
    client = app.test_client()
    for path in ("/comments", f"/comments/{numbers[0]}/restore/1"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/signin")
    csrf = token(client)  # an anonymous session's token does not open the door
    for action in ("approve", "reject", "delete"):
        answer = client.post(f"/comments/{numbers[0]}/do/{action}", data={"csrf_token": csrf})
        assert answer.status_code == 403
    assert client.post(f"/comments/{numbers[0]}/restore/1", data={"csrf_token": csrf}).status_code == 403
    assert client.post("/comments/publish", data={"csrf_token": csrf}).status_code == 403
    assert statuses(config) == ["pending", "pending", "approved"]
    assert "333 1234567" not in store(config).get(numbers[0]).text
    assert "Già approvato." not in "".join(p.read_text() for p in config.paths.site.rglob("index.html"))


@pytest.mark.parametrize("sent", [None, "", "forged-token"])
def test_a_wrong_or_missing_csrf_token_changes_nothing(tmp_path: Path, sent: str | None) -> None:
    config, app, _post, numbers = setup(tmp_path)
    client = app.test_client()
    assert sign_in(client) == 302
    data = {} if sent is None else {"csrf_token": sent}
    for action in ("approve", "reject", "delete"):
        assert client.post(f"/comments/{numbers[0]}/do/{action}", data=data).status_code == 403
    assert client.post(f"/comments/{numbers[0]}/restore/1", data=data).status_code == 403
    assert client.post("/comments/publish", data=data).status_code == 403
    assert "Già approvato." not in "".join(p.read_text() for p in config.paths.site.rglob("index.html"))
    assert statuses(config) == ["pending", "pending", "approved"]
    assert "333 1234567" not in store(config).get(numbers[0]).text


def test_the_queue_shows_pending_first_with_counts_escaped(tmp_path: Path) -> None:
    config, app, _post, numbers = setup(tmp_path)
    client = app.test_client()
    sign_in(client)
    assert 'href="/comments"' in client.get("/").get_data(as_text=True)  # in the desk's navigation
    page = client.get("/comments").get_data(as_text=True)
    for tab in ("pending comments (2)", "approved comments (1)", "rejected comments (0)"):
        assert tab in page
    assert page.index(f'id="comment-{numbers[0]}"') < page.index(f'id="comment-{numbers[1]}"')
    assert f'id="comment-{numbers[2]}"' not in page  # approved: on its own tab
    assert "Lettera numero 1" in page and "Marco Neri" in page and "Chiamatemi al" in page
    assert "hidden values: 1" in page and "333 1234567" not in page
    received = store(config).get(numbers[0]).received.astimezone(ZoneInfo("Europe/Rome"))
    assert f">{received:%Y-%m-%d %H:%M}</time>" in page  # in the site's time zone
    assert "<script>window" not in page and "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "marco.neri@" not in page
    every = client.get("/comments?status=all").get_data(as_text=True)
    assert every.index(f'id="comment-{numbers[1]}"') < every.index(f'id="comment-{numbers[2]}"')
    assert client.get("/comments?status=nonsense").status_code == 404


def test_approve_reject_delete_with_the_reviewer_in_the_audit_trail(tmp_path: Path) -> None:
    config, app, post, numbers = setup(tmp_path)
    client = app.test_client()
    sign_in(client)
    csrf = token(client, "/comments")
    assert client.post(f"/comments/{numbers[0]}/do/approve", data={"csrf_token": csrf}).status_code == 302
    assert client.post(f"/comments/{numbers[1]}/do/reject", data={"csrf_token": csrf}).status_code == 302
    answer = client.post(f"/comments/{numbers[2]}/do/delete", data={"csrf_token": csrf, "back": "draft"})
    assert answer.headers["Location"].endswith(f"/drafts/{post}#comments")
    assert statuses(config) == ["approved", "rejected"]
    with audit.Audit(config.ledger_path) as trail:
        entries = [(e.who, e.action, e.detail) for e in trail.history(post) if e.action.startswith("comment")]
    assert entries[-3:] == [
        (EMAIL, "comment approve", f"comment {numbers[0]}: pending → approved"),
        (EMAIL, "comment reject", f"comment {numbers[1]}: pending → rejected"),
        (EMAIL, "comment delete", f"comment {numbers[2]} deleted"),
    ]
    assert "Comment deleted." in client.get(f"/drafts/{post}").get_data(as_text=True)
    assert client.post("/comments/999/do/approve", data={"csrf_token": csrf}).status_code == 302
    assert client.post(f"/comments/{numbers[0]}/do/explode", data={"csrf_token": csrf}).status_code == 404


def test_a_hidden_value_is_put_back_only_after_confirming(tmp_path: Path) -> None:
    config, app, post, numbers = setup(tmp_path)
    client = app.test_client()
    sign_in(client)
    confirm = client.get(f"/comments/{numbers[0]}/restore/1").get_data(as_text=True)
    assert "333 1234567" in confirm and "Confirm" in confirm
    assert "333 1234567" not in store(config).get(numbers[0]).text  # asking is not doing
    assert client.get(f"/comments/{numbers[0]}/restore/2").status_code == 404
    csrf = token(client, "/comments")
    assert client.post(f"/comments/{numbers[0]}/restore/1", data={"csrf_token": csrf}).status_code == 302
    assert store(config).get(numbers[0]).text == "Chiamatemi al 333 1234567, grazie."
    with audit.Audit(config.ledger_path) as trail:
        assert (EMAIL, "comment restore") in [(e.who, e.action) for e in trail.history(post)]


def test_the_draft_page_shows_the_comments_under_its_post(tmp_path: Path) -> None:
    config, app, post, numbers = setup(tmp_path)
    client = app.test_client()
    sign_in(client)
    page = client.get(f"/drafts/{post}").get_data(as_text=True)
    assert "Comments (3)" in page
    assert all(f'id="comment-{n}"' in page for n in numbers)
    assert "<script>window" not in page and "Già approvato." in page
    assert store(config).get(numbers[0]).status is CommentStatus.PENDING


def test_the_comments_queue_speaks_italian(tmp_path: Path) -> None:
    _config, app, _post, _numbers = setup(tmp_path, review="")
    client = app.test_client()
    sign_in(client)
    page = client.get("/comments").get_data(as_text=True)
    assert "<h1>Commenti</h1>" in page and "in attesa (2)" in page and "approvati (1)" in page
    assert ">pending" not in page and "pending comment" not in page and "Anonymous" not in page
    assert "Approva" in page and "Respingi" in page and "Elimina" in page and "valori nascosti: 1" in page


def test_every_word_of_the_comment_pages_and_mails_is_in_the_italian_catalogs() -> None:
    """The msgids the new desk pages and mail templates use (as Babel extracts them) are translated."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    from mailbot.desk.app import HERE
    from mailbot.outbox.compose import TEMPLATES
    from mailbot.wording import LOCALE_DIR

    def used(folder: Path, pattern: str) -> set[str]:
        found = extract_from_dir(str(folder), method_map=[(pattern, "jinja2.ext:babel_extract")])
        return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}

    def italian(domain: str) -> set[str]:
        with (LOCALE_DIR / "it" / "LC_MESSAGES" / f"{domain}.po").open("rb") as fh:
            return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id and m.string}

    desk = used(HERE / "templates", "**/comment*.html") | used(HERE / "templates", "**/post_comments.html")
    # Made at run time from a status or a channel, so written out here.
    desk |= {f"{s} comments" for s in ("pending", "approved", "rejected")}
    desk |= {f"{s} comment" for s in ("pending", "approved", "rejected")} | {"by mail", "by form"}
    assert "No comments here." in desk and desk <= italian("desk"), sorted(desk - italian("desk"))
    mail = used(TEMPLATES, "**/comment*.txt")
    assert "%(count)s new comments to moderate" in mail
    assert mail <= italian("mail"), sorted(mail - italian("mail"))


def test_publish_from_the_comments_queue_puts_comments_out_and_no_approved_draft(tmp_path: Path) -> None:
    # A moderator's Publish shows the approved comments; a draft a reviewer approved but did not
    # publish stays off the site (the draft page's own Publish publishes that one draft).
    config, app, _post, _numbers = setup(tmp_path)
    poll(config, [letter(2, subject="Una lettera approvata, non ancora pubblicata")])
    waiting = next(d for d in DraftStore(config.paths.drafts).all() if d.status is Status.DRAFT)
    assert mailbot(config, "drafts", "approve", "--yes", waiting.id).exit_code == 0
    client = app.test_client()
    sign_in(client)
    answer = client.post("/comments/publish", data={"csrf_token": token(client, "/comments")})
    assert answer.status_code == 302
    site = "".join(p.read_text() for p in config.paths.site.rglob("index.html"))
    assert "Già approvato." in site
    assert "Una lettera approvata" not in site
    assert DraftStore(config.paths.drafts).read(waiting.id).status is Status.APPROVED
