"""Comments stored beside the drafts, moderated through the CLI, published by `mailbot publish`."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from click.testing import Result
from mailfactory import letter
from test_review import mailbot, make_config, poll

from mailbot.comments.model import CommentStatus
from mailbot.comments.store import CommentStore
from mailbot.config import Config

WHEN = datetime(2007, 1, 24, 8, 30, tzinfo=UTC)


def setup(tmp_path: Path) -> tuple[Config, str, CommentStore]:
    config = make_config(tmp_path, '[comments]\naddress = "blog@example.org"\n')
    poll(config, [letter(1)])
    drafts = json.loads(mailbot(config, "drafts", "list", "--json").output)
    post_id = drafts[0]["id"]
    assert mailbot(config, "drafts", "approve", post_id, "--yes").exit_code == 0
    assert mailbot(config, "publish").exit_code == 0
    return config, post_id, CommentStore(config.paths.drafts, config.ledger_path)


def listed(config: Config, *args: str) -> list[dict[str, object]]:
    result: Result = mailbot(config, "comments", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    data: list[dict[str, object]] = json.loads(result.output)
    return data


def page_of(config: Config) -> str:
    pages = [
        p for p in config.paths.site.rglob("index.html") if p.parent.parent.parent.parent == config.paths.site
    ]
    assert len(pages) == 1
    return pages[0].read_text()


def test_a_comment_is_a_private_file_beside_the_drafts_recorded_once(tmp_path: Path) -> None:
    config, post_id, store = setup(tmp_path)
    c = store.add(post=post_id, name="Anna", email="anna@example.net", text="Grazie!", received=WHEN,
                  via="mail", message_id="<r1@example.net>", sha256="ab" * 32)  # fmt: skip
    assert c is not None and c.id == 1 and c.status is CommentStatus.PENDING
    path = config.paths.drafts / f"{post_id}.comments" / "1.md"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("+++\nid = 1\n") and text.endswith("+++\n\nGrazie!\n")
    assert 'email = "anna@example.net"' in text
    # The same message again (same bytes, or same Message-ID): no second comment.
    assert store.add(post=post_id, name="Anna", email="", text="Grazie!", received=WHEN, via="mail",
                     sha256="ab" * 32) is None  # fmt: skip
    assert store.add(post=post_id, name="Anna", email="", text="x", received=WHEN, via="mail",
                     message_id="<r1@example.net>") is None  # fmt: skip
    assert [c["id"] for c in listed(config)] == [1]
    # Hand-edited like a draft: the file is the truth.
    path.write_text(text.replace("Grazie!", "Grazie mille!"))
    assert listed(config)[0]["text"] == "Grazie mille!"


def test_nothing_is_published_before_approval_and_the_cli_moderates(tmp_path: Path) -> None:
    config, post_id, store = setup(tmp_path)
    for n, name in enumerate(("Anna", "", "Bruno"), 1):
        store.add(post=post_id, name=name, email=f"r{n}@example.net", text=f"Commento numero {n}.",
                  received=WHEN.replace(minute=n), via="form")  # fmt: skip
    assert mailbot(config, "publish").exit_code == 0
    assert "Commento numero" not in page_of(config)
    assert "0 comments" in (config.paths.site / "index.html").read_text()

    assert mailbot(config, "comments", "approve", "1", "#2").exit_code == 0
    assert mailbot(config, "comments", "reject", "3").exit_code == 0
    items = listed(config)
    assert [(i["id"], i["post"], i["status"], i["name"]) for i in items] == [
        (1, post_id, "approved", "Anna"), (2, post_id, "approved", ""), (3, post_id, "rejected", "Bruno"),
    ]  # fmt: skip
    assert [i["id"] for i in listed(config, "--status", "rejected")] == [3]
    assert listed(config, "--post", "nothing-here") == []
    shown = mailbot(config, "comments", "show", "2")
    assert "Commento numero 2." in shown.output and "r2@example.net" in shown.output

    assert mailbot(config, "publish").exit_code == 0
    page = page_of(config)
    assert page.index("Commento numero 1.") < page.index("Commento numero 2.")
    assert "Anna said..." in page and "Anonymous said..." in page
    assert "Commento numero 3." not in page and "@example.net" not in page
    assert 'id="comment-1"' in page and 'id="comment-2"' in page
    assert f"mailto:blog+c-{post_id}@example.org?subject=" in page
    assert "2 comments</a>" in (config.paths.site / "index.html").read_text()

    # Deleted: the text is gone from the drafts folder and from every page.
    assert mailbot(config, "comments", "delete", "1").exit_code == 0
    assert not (config.paths.drafts / f"{post_id}.comments" / "1.md").exists()
    assert mailbot(config, "comments", "show", "1").exit_code != 0
    assert mailbot(config, "publish").exit_code == 0
    for page_path in config.paths.site.rglob("*.html"):
        assert "Commento numero 1." not in page_path.read_text()
    history = mailbot(config, "drafts", "history", post_id).output
    assert "comment approve" in history and "comment reject" in history and "comment delete" in history


def test_approve_all_and_bad_numbers(tmp_path: Path) -> None:
    config, post_id, store = setup(tmp_path)
    for n in (1, 2):
        store.add(post=post_id, name="", email="", text=f"c{n}", received=WHEN, via="form")
    bad = mailbot(config, "comments", "approve", "1", "x")
    assert bad.exit_code != 0 and "'x' is not a comment number" in bad.output
    assert [i["status"] for i in listed(config)] == ["pending", "pending"]  # nothing changed
    missing = mailbot(config, "comments", "approve", "1", "9")
    assert missing.exit_code != 0 and "there is no comment 9" in missing.output
    assert [i["status"] for i in listed(config)] == ["pending", "pending"]
    assert mailbot(config, "comments", "approve", "--all").exit_code == 0
    assert [i["status"] for i in listed(config)] == ["approved", "approved"]


def test_a_retracted_post_takes_its_comments_off_the_site(tmp_path: Path) -> None:
    config, post_id, store = setup(tmp_path)
    store.add(post=post_id, name="Anna", email="", text="Bel post.", received=WHEN, via="form",
              status=CommentStatus.APPROVED)  # fmt: skip
    assert mailbot(config, "publish").exit_code == 0
    assert "Bel post." in page_of(config)
    assert mailbot(config, "retract", post_id).exit_code == 0
    for page_path in config.paths.site.rglob("*.html"):
        assert "Bel post." not in page_path.read_text()
