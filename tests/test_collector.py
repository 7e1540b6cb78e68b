"""The cycle collector is off while a site is built, and as it was afterwards (mailbot.collector)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot import collector
from mailbot.config import SiteConfig, load_config
from mailbot.drafts.store import DraftStore
from mailbot.models import Draft, Person, Post, Status
from mailbot.site import render
from mailbot.site.publishing import Publisher
from mailbot.site.render import render_site

WHEN = datetime(2007, 1, 23, 10, 0, tzinfo=UTC)
SITE = SiteConfig(title="Lettere", base_url="https://blog.example.org/", language="it")


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Each test starts with the collector on, and leaves it on."""
    gc.enable()
    yield
    gc.enable()


def test_off_in_the_block_and_on_after() -> None:
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_blocks_switch_it_on_once_the_outer_ends() -> None:
    with collector.paused():
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def test_on_again_after_an_error() -> None:
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("the build failed")
    assert gc.isenabled()


def test_two_threads_keep_it_off_until_both_are_done() -> None:
    inside, release = threading.Event(), threading.Event()

    def build() -> None:
        with collector.paused():
            inside.set()
            release.wait(10)

    other = threading.Thread(target=build)
    other.start()
    assert inside.wait(10)
    with collector.paused():
        pass
    assert not gc.isenabled(), "the other thread's build is still under way"
    release.set()
    other.join(10)
    assert gc.isenabled()


def test_off_while_the_site_renders(tmp_path: Path) -> None:
    seen: list[bool] = []
    post = Post(id="20070123-a", slug="grazie", title="Grazie", author="Tommaso", forwarded_by=(),
                intro=None, body="Grazie a tutti.", letter_date=None, date=WHEN)  # fmt: skip
    render_site([post], SITE, tmp_path / "site", before_write=lambda: seen.append(gc.isenabled()))
    assert seen == [False]
    assert gc.isenabled()


def test_off_for_the_whole_publish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the drafts too, before the renderer is called (what the publisher itself holds)."""
    (tmp_path / "mailbot.toml").write_text(
        f'[paths]\ndrafts = "{tmp_path}/drafts"\nstate = "{tmp_path}/state"\nsite = "{tmp_path}/site"\n'
        '[site]\ntitle = "Lettere"\nbase_url = "https://blog.example.org/"\nlanguage = "it"\n'
    )
    config = load_config(tmp_path / "mailbot.toml")
    DraftStore(config.paths.drafts).write(
        Draft(id="20070123-a", status=Status.APPROVED, title="Grazie", author=Person("Tommaso", None),
              forwarders=(), body="Grazie a tutti.", created=WHEN, author_display="Tommaso")
    )  # fmt: skip
    seen: list[bool] = []
    monkeypatch.setattr(Publisher, "_live", _spy(Publisher._live, seen))  # (a function: a method there)
    monkeypatch.setattr(render, "_render_site", _spy(render._render_site, seen))
    assert Publisher.of(config).publish()[0] == ["20070123-a"]
    assert seen == [False, False]
    assert gc.isenabled()


def _spy(function: object, seen: list[bool]) -> object:
    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return function(*args, **kwargs)  # type: ignore[operator]

    return spy
