"""The review desk in a real browser: headless Chromium (Playwright) against a real `mailbot serve`.

Without Chromium or Playwright the tests skip, except on CI (``CI=true``) where they fail.
With ``MAILBOT_SCREENSHOTS`` set they also save the screenshots of docs/ (``make screenshots``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deskkit import EMAIL, PASSWORD, add_reviewer, hostile, make_config, poll, serving
from mailfactory import letter

from mailbot.drafts.store import DraftStore

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing; CI must provide it for the desk's browser tests")
    pytest.skip(f"{what} is missing")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real `mailbot serve` on a free port with two drafts (one hostile) and a reviewer."""
    config = make_config(tmp_path)
    poll(config, [letter(1), hostile(2)])
    add_reviewer(config)
    add_reviewer(config, "second@example.org", PASSWORD)
    with serving(config) as base:
        yield base, tmp_path


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file() and shutil.which("chromium") is None:
        _missing("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _sign_in(page: Any, base: str, email: str = EMAIL) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _shoot(page: Any, name: str) -> None:
    if os.environ.get("MAILBOT_SCREENSHOTS"):
        (ROOT / "docs").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "docs" / name), full_page=True)


def test_review_edit_approve_publish_in_a_browser(served: tuple[str, Path], browser: Any) -> None:
    base, folder = served
    store = DraftStore(folder / "drafts")
    hostile_id = next(d.id for d in store.all() if "__pwned" in d.title)
    first = browser.new_context()
    page = first.new_page()
    _sign_in(page, base)
    assert page.get_by_role("link", name="Lettera numero 1").count() == 1
    _shoot(page, "desk-queue.png")

    # The hostile letter: its <script> and <img onerror> are text, nothing runs.
    page.goto(f"{base}/drafts/{hostile_id}")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    frame = page.frame_locator("iframe")
    assert "__pwned" in frame.locator("body").inner_text()
    assert page.locator("pre.raw").inner_text().count("<script>") == 1
    for f in page.frames:
        try:
            assert f.evaluate("typeof window.__pwned") == "undefined"
        except Exception as exc:  # a sandboxed frame may refuse evaluation: then nothing runs there either
            assert "__pwned" not in str(exc)
    _shoot(page, "desk-draft.png")

    # A second reviewer saves first: the first reviewer's save is refused and shows both versions.
    second = browser.new_context()
    other = second.new_page()
    _sign_in(other, base, "second@example.org")
    other.goto(f"{base}/drafts/{hostile_id}")
    other.get_by_label("Intro").fill("Intro of the second reviewer.")
    other.get_by_role("button", name="Save").click()
    other.wait_for_load_state("load")
    assert store.read(hostile_id).intro == "Intro of the second reviewer."

    page.get_by_label("Title").fill("A letter from Rome")
    page.get_by_label("Intro").fill("Thanks to our colleagues in Naples.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("load")
    assert page.locator("pre.mine-intro").inner_text() == "Thanks to our colleagues in Naples."
    assert page.locator("pre.theirs-intro").inner_text() == "Intro of the second reviewer."
    assert store.read(hostile_id).intro == "Intro of the second reviewer."  # nothing overwritten

    # Saving again from the refusal page (made from the current version) works.
    page.get_by_label("Title").fill("A letter from Rome")
    page.get_by_label("Intro").fill("Thanks to our colleagues in Naples.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("load")
    saved = store.read(hostile_id)
    assert (saved.title, saved.intro) == ("A letter from Rome", "Thanks to our colleagues in Naples.")

    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state("load")
    assert store.read(hostile_id).status.value == "published"
    pages = [p for p in (folder / "site").rglob("index.html") if "a-letter-from-rome" in str(p)]
    assert len(pages) == 1
    html = pages[0].read_text(encoding="utf-8")
    assert "Thanks to our colleagues in Naples." in html
    assert "<script>window" not in html
    second.close()
    first.close()
