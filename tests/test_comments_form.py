"""The comment form (mailbot.comments.web) in a real browser: headless Chromium through Playwright,
the blueprint in a tiny Flask app served by waitress on a free port.

Without Chromium or Playwright the browser test skips, except on CI (``CI=true``) where it fails.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import waitress
from flask import Flask
from mailfactory import letter
from test_review import make_config, poll, publish_first_draft

from mailbot.comments.model import CommentStatus
from mailbot.comments.store import CommentStore
from mailbot.comments.web import make_blueprint, register
from mailbot.config import Config

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]  # fmt: skip


class Clock:
    """Real time plus what the test adds: the minimum fill time passes without sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def published_post(tmp_path: Path, port: int = 8025, **keys: Any) -> tuple[Config, str]:
    lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items())
    config = make_config(
        tmp_path,
        f'[comments]\nform = true\n{lines}[review]\nbase_url = "http://127.0.0.1:{port}/"\n'
        '[site]\nbase_url = "https://blog.example.org/"\nlanguage = "en"\n',
    )
    poll(config, [letter(1)])
    post_id = publish_first_draft(config)
    return config, post_id


def app_for(config: Config, clock: Clock) -> Flask:
    app = Flask("test-comments")
    app.register_blueprint(make_blueprint(config, clock=clock))
    return app


@pytest.fixture
def server() -> Iterator[dict[str, Any]]:
    """Starts the app put in ``box["app"]`` with waitress when ``box["start"]()`` is called."""
    box: dict[str, Any] = {}

    def start(app: Flask) -> int:
        srv = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
        box["server"] = srv
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        box["thread"] = thread
        return int(srv.effective_port)

    box["start"] = start
    yield box
    if "server" in box:
        box["server"].close()
        box["thread"].join(timeout=10)


def _browser() -> Any:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; CI must provide it for the browser tests")
        pytest.skip("chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("playwright is not installed; `make lint` installs the test tools")
        pytest.skip("playwright is not installed")
    return sync_playwright


@pytest.mark.browser
def test_the_form_in_a_real_browser(tmp_path: Path, server: dict[str, Any]) -> None:
    sync_playwright = _browser()
    config, post_id = published_post(tmp_path, min_seconds=5, max_chars=200, max_links=1, rate_per_hour=2)
    clock = Clock()
    port = server["start"](app_for(config, clock))
    store = CommentStore(config.paths.drafts, config.ledger_path)
    url = f"http://127.0.0.1:{port}/comment?post={post_id}"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()

        def send(text: str, *, name: str = "", email: str = "", wait: float = 10, trap: str = "") -> int:
            page.goto(url)
            page.get_by_label("Comment").fill(text)
            if name:
                page.get_by_label("Name").fill(name)
            if email:
                page.get_by_label("Email").fill(email)
            if trap:
                page.evaluate("v => { document.getElementById('website').value = v; }", trap)
            clock.offset += wait
            with page.expect_response(lambda r: r.request.method == "POST") as answer:
                page.get_by_role("button", name="Send").click()
            return int(answer.value.status)

        def pending() -> list[tuple[str, str]]:
            return [(c.name, c.text) for c in store.all(status=CommentStatus.PENDING)]

        assert send("A lovely letter.") == 202
        assert "after a moderator approves it" in page.content()
        assert pending() == [("", "A lovely letter.")]
        assert send("Thank you, Tommaso.", name="Lucia", email="lucia@mail.example.net") == 202
        assert pending() == [("", "A lovely letter."), ("Lucia", "Thank you, Tommaso.")]
        refused = [
            send("I am a bot.", trap="http://spam.example.com/"),  # honeypot
            send("Quick!", wait=1),  # too fast
            send("x" * 201),  # too long
            send("See https://a.example.com/ and https://b.example.com/"),  # too many links
            send("A third comment from the same address."),  # rate: two an hour
        ]
        assert refused == [400, 429, 413, 400, 429]
        assert len(pending()) == 2
        assert "Too many comments from this address" in page.content()
        browser.close()
    assert [c.email for c in store.all()] == ["", "lucia@mail.example.net"]


def test_origin_static_form_and_unknown_post(tmp_path: Path) -> None:
    config, post_id = published_post(tmp_path, min_seconds=0)
    client = app_for(config, Clock()).test_client()
    store = CommentStore(config.paths.drafts, config.ledger_path)
    data = {"post": post_id, "name": "", "email": "", "text": "Hello", "website": ""}
    # Another site's page may not post here.
    evil = client.post("/comment", data=data, headers={"Origin": "https://evil.example.com"})
    assert evil.status_code == 403
    # The static post page's form (no token): answered with this form, filled in, to send again.
    first = client.post("/comment", data=data, headers={"Origin": "https://blog.example.org"})
    assert first.status_code == 200 and store.all() == []
    assert first.headers["Access-Control-Allow-Origin"] == "https://blog.example.org"
    html = first.get_data(as_text=True)
    assert ">Hello</textarea>" in html and 'name="token" value="' in html
    token = html.split('name="token" value="')[1].split('"')[0]
    again = client.post(
        "/comment", data=data | {"token": token}, headers={"Origin": "https://blog.example.org"}
    )
    assert again.status_code == 202 and [c.text for c in store.all()] == ["Hello"]
    # A forged token or another post's token is not taken.
    forged = client.post("/comment", data=data | {"token": "1.00"})
    assert forged.status_code == 200 and len(store.all()) == 1
    assert client.get("/comment?post=no-such-post").status_code == 404
    assert client.post("/comment", data=data | {"post": "../etc"}).status_code == 404


def test_register_adds_the_endpoint_only_with_form_on(tmp_path: Path) -> None:
    config, _ = published_post(tmp_path)
    app = Flask("desk")
    register(app, config)
    assert "/comment" in {r.rule for r in app.url_map.iter_rules()}
    (tmp_path / "off").mkdir()
    off = make_config(tmp_path / "off")
    app2 = Flask("desk2")
    register(app2, off)
    assert "/comment" not in {r.rule for r in app2.url_map.iter_rules()}


def test_the_post_page_offers_the_form_and_mail(tmp_path: Path) -> None:
    config, post_id = published_post(tmp_path)
    pages = list(config.paths.site.glob("[0-9]*/[0-9]*/*/index.html"))
    html = pages[0].read_text()
    assert '<form class="comment-form" method="post" action="http://127.0.0.1:8025/comment">' in html
    assert f'<input type="hidden" name="post" value="{post_id}">' in html
    assert '<label for="comment-name">Name</label>' in html and '<button type="submit">Send</button>' in html


def test_the_desk_app_takes_comments_without_a_session_and_stays_locked(tmp_path: Path) -> None:
    """`mailbot serve` is one app: the public /comment beside the desk, which still needs a session."""
    from mailbot.desk.app import create_app

    config, post_id = published_post(tmp_path, min_seconds=0)
    client = create_app(config, signin_delay=0).test_client()
    store = CommentStore(config.paths.drafts, config.ledger_path)
    data = {"post": post_id, "name": "Lina", "email": "", "text": "Bellissima", "website": ""}
    origin = {"Origin": "https://blog.example.org"}
    first = client.post("/comment", data=data, headers=origin)
    assert first.status_code == 200  # no desk CSRF token asked: the form answers with its own
    token = first.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    sent = client.post("/comment", data=data | {"token": token}, headers=origin)
    assert sent.status_code == 202 and [c.text for c in store.all()] == ["Bellissima"]
    assert sent.headers["Content-Security-Policy"].startswith("default-src 'none'")  # the desk's headers
    # The desk itself: no session, no queue and no change.
    assert client.get("/").status_code == 302
    assert client.post(f"/drafts/{post_id}/approve", data={}).status_code == 403
