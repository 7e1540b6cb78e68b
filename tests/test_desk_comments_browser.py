"""The desk's comments queue in a real browser (headless Chromium, Playwright) against a real
`mailbot serve`: approve a pending comment, publish, see it on the post's page; a hostile comment
runs nothing in the desk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deskkit import PAYLOAD, add_reviewer, make_config, poll, serving
from mailfactory import letter
from test_desk_browser import _shoot, _sign_in, browser  # noqa: F401 - browser is a fixture
from test_desk_comments import comment
from test_review import publish_first_draft

from mailbot.comments.store import CommentStore

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """`mailbot serve` on a free port; a published post with a kind and a hostile pending comment."""
    config = make_config(tmp_path, '[comments]\naddress = "blog@example.org"\n')
    poll(config, [letter(1)])
    post = publish_first_draft(config)
    poll(
        config,
        [
            comment(post, "Grazie Tommaso, ci dai speranza.", 1, sender="Giulia <giulia@mail.example.net>"),
            comment(post, f"Attenzione {PAYLOAD}", 2, sender="Eve <eve@mail.example.net>"),
        ],
    )
    add_reviewer(config)
    with serving(config) as base:
        yield base, tmp_path, post


def test_approve_a_comment_in_the_desk_and_see_it_on_the_post(
    served: tuple[str, Path, str],
    browser: Any,  # noqa: F811 - the fixture
) -> None:
    base, folder, post = served
    store = CommentStore(folder / "drafts", folder / "state" / "ledger.sqlite3")
    kind, hostile = store.all()
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, base)
    page.get_by_role("link", name="Comments").first.click()
    page.wait_for_url(f"{base}/comments")
    page.wait_for_load_state("load")
    # The hostile comment is shown as text; nothing it carries runs.
    assert page.evaluate("typeof window.__pwned") == "undefined"
    text = page.locator(f"#comment-{hostile.id} .comment-text").inner_text()
    assert "<script>window.__pwned = 1</script>" in text
    words = "Grazie Tommaso, ci dai speranza."
    assert page.locator(f"#comment-{kind.id} .comment-text").inner_text() == words
    _shoot(page, "desk-comments.png")

    page.get_by_role("button", name=f"Approve #{kind.id}").click()
    page.wait_for_load_state("load")
    assert "Comment approved." in page.locator(".flash").inner_text()
    assert page.locator(f"#comment-{kind.id}").count() == 0  # no longer pending
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state("load")
    assert [c.status.value for c in store.all()] == ["approved", "pending"]

    # The draft page lists the post's comments; the hostile one runs nothing there either.
    page.goto(f"{base}/drafts/{post}")
    page.wait_for_load_state("load")
    assert page.locator(f"#comment-{hostile.id}").count() == 1
    assert page.evaluate("typeof window.__pwned") == "undefined"

    (post_page,) = (folder / "site").glob("[0-9]*/[0-9]*/*/index.html")
    page.goto(post_page.as_uri())
    page.wait_for_load_state("load")
    shown = page.locator(f"#comment-{kind.id}").inner_text()
    assert "Giulia ha detto..." in shown and "Grazie Tommaso, ci dai speranza." in shown
    assert page.locator(f"#comment-{hostile.id}").count() == 0 and "Attenzione" not in page.content()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    context.close()
