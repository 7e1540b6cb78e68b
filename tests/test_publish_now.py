"""Publishing just the given drafts ("publish now") and the cache of published posts."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mailbot.config import Config, SiteConfig, load_config
from mailbot.drafts.fileformat import dumps
from mailbot.drafts.store import DraftStore
from mailbot.errors import PublishError, UsageError
from mailbot.models import Draft, Forwarder, Person, Post, Status
from mailbot.site.plan import post_fingerprint
from mailbot.site.postcache import CACHE_NAME
from mailbot.site.publishing import Publisher
from mailbot.site.render import render_site

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def home(root: Path, extra: str = "") -> Config:
    root.mkdir()
    (root / "mailbot.toml").write_text(
        f'[paths]\ndrafts = "{root}/drafts"\nstate = "{root}/state"\nsite = "{root}/site"\n'
        '[site]\ntitle = "Lettere"\nbase_url = "https://blog.example.org/"\nlanguage = "it"\n'
        'timezone = "Europe/Rome"\nposts_per_page = 2\n' + extra
    )
    return load_config(root / "mailbot.toml")


def draft(i: int, status: Status) -> Draft:
    when = START + timedelta(days=i)
    return Draft(
        id=f"{when:%Y%m%d}-lettera-{i}",
        status=status,
        title=f"Lettera numero {i}",
        author=Person(f"Cliente {i}", None),
        forwarders=(Forwarder("Anna Bianchi", "anna@napoli.example.org", when, f"Nota di Anna {i}."),),
        body=f"Buongiorno,\n\ngrazie per la pazienza, lettera {i}.\n\nCliente {i}",
        intro=None,
        created=when,
        author_display=f"Cliente {i}",
        forwarded_by=("i colleghi di Napoli",),
    )


def write(config: Config, *drafts: Draft) -> None:
    config.paths.drafts.mkdir(parents=True, exist_ok=True)
    for d in drafts:
        (config.paths.drafts / f"{d.id}.md").write_text(dumps(d), encoding="utf-8")


def publisher(config: Config) -> Publisher:
    return Publisher.of(config, clock=lambda: NOW)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_publish_now_publishes_only_the_given_draft_and_makes_the_site_a_full_publish_makes(
    tmp_path: Path,
) -> None:
    config = home(tmp_path / "a")
    write(config, *(draft(i, Status.APPROVED) for i in range(5)))
    assert sorted(publisher(config).publish()[0]) == [draft(i, Status.DRAFT).id for i in range(5)]
    write(config, draft(5, Status.APPROVED), draft(6, Status.APPROVED))

    newly, report = publisher(config).publish(only=[draft(5, Status.DRAFT).id])

    assert newly == ["20260307-lettera-5"]
    store = DraftStore(config.paths.drafts)
    assert store.read("20260307-lettera-5").status is Status.PUBLISHED
    assert store.read("20260308-lettera-6").status is Status.APPROVED  # not asked for: left alone
    assert "2026/11/lettera-numero-5/index.html" in report.written
    assert not any("lettera-numero-6" in rel for rel in report.written)
    # The same drafts published at once into an empty folder: the same files, byte for byte.
    other = home(tmp_path / "b")
    shutil.copytree(config.paths.drafts, other.paths.drafts)
    (other.paths.drafts / "20260308-lettera-6.md").unlink()
    for name in (".index.sqlite3", ".index.sqlite3-wal", ".index.sqlite3-shm", ".lock"):
        (other.paths.drafts / name).unlink(missing_ok=True)
    publisher(other).publish()
    incremental, full = tree(config.paths.site), tree(other.paths.site)
    assert sorted(incremental) == sorted(full)
    assert [rel for rel in sorted(full) if incremental[rel] != full[rel]] == []
    front = (config.paths.site / "index.html").read_text(encoding="utf-8")
    assert "Lettera numero 5" in front and "Lettera numero 6" not in front


def test_publish_now_refuses_a_draft_that_is_not_approved(tmp_path: Path) -> None:
    config = home(tmp_path / "a")
    write(config, draft(0, Status.APPROVED), draft(1, Status.DRAFT))
    with pytest.raises(UsageError, match="20260303-lettera-1 is not approved"):
        publisher(config).publish(only=["20260303-lettera-1"])
    store = DraftStore(config.paths.drafts)
    assert store.read("20260302-lettera-0").status is Status.APPROVED  # nothing happened
    assert not (config.paths.site / "index.html").exists()


def test_a_published_draft_edited_by_hand_is_read_again_not_taken_from_the_cache(tmp_path: Path) -> None:
    config = home(tmp_path / "a")
    write(config, *(draft(i, Status.APPROVED) for i in range(3)))
    publisher(config).publish()
    assert (config.paths.state / CACHE_NAME).is_file()
    path = config.paths.drafts / "20260303-lettera-1.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Lettera numero 1", "Lettera ritoccata"))
    publisher(config).publish()
    page = config.paths.site / "2026/11/lettera-numero-1/index.html"
    assert "Lettera ritoccata" in page.read_text(encoding="utf-8")
    assert "Lettera numero 1" not in (config.paths.site / "index.html").read_text(encoding="utf-8")


def test_the_cache_of_another_configuration_or_a_damaged_one_is_not_used(tmp_path: Path) -> None:
    config = home(tmp_path / "a")
    write(config, draft(0, Status.APPROVED))
    publisher(config).publish()
    page = config.paths.site / "2026/11/lettera-numero-0/index.html"
    assert "Nota di Anna 0." not in page.read_text(encoding="utf-8")  # notes are internal
    # The same folders with the forwarders' notes published: the cached post has none.
    (tmp_path / "a" / "mailbot.toml").write_text(
        (tmp_path / "a" / "mailbot.toml").read_text() + "[attribution]\npublish_notes = true\n"
    )
    noted = load_config(tmp_path / "a" / "mailbot.toml")
    publisher(noted).publish()
    assert "Nota di Anna 0." in page.read_text(encoding="utf-8")
    # A damaged cache is made again; the site stays right.
    (config.paths.state / CACHE_NAME).write_bytes(b"\xdamaged")
    path = config.paths.drafts / "20260302-lettera-0.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Lettera numero 0", "Lettera corretta"))
    publisher(noted).publish()
    assert "Lettera corretta" in page.read_text(encoding="utf-8")
    assert "Nota di Anna 0." in page.read_text(encoding="utf-8")


def test_a_retracted_post_leaves_the_cache_and_the_site(tmp_path: Path) -> None:
    config = home(tmp_path / "a")
    write(config, *(draft(i, Status.APPROVED) for i in range(3)))
    publisher(config).publish()
    publisher(config).retract(["20260303-lettera-1"], "withdrawn")
    assert not (config.paths.site / "2026/11/lettera-numero-1/index.html").exists()
    cache = (config.paths.state / CACHE_NAME).read_bytes()
    assert b"20260303-lettera-1" not in cache and b"20260302-lettera-0" in cache
    publisher(config).publish()
    assert not (config.paths.site / "2026/11/lettera-numero-1/index.html").exists()


def test_a_site_that_cannot_be_rendered_puts_the_new_posts_back_to_approved_with_their_slugs(
    tmp_path: Path,
) -> None:
    root = tmp_path / "a"
    config = home(root, f'templates = "{root}/theme"\n')
    (root / "theme").mkdir()
    (root / "theme" / "post.html").write_text("{% if %}broken\n")
    write(config, draft(0, Status.APPROVED), draft(1, Status.APPROVED))
    with pytest.raises(PublishError, match=r"post\.html"):
        publisher(config).publish()
    assert not (config.paths.site / "index.html").exists()
    store = DraftStore(config.paths.drafts)
    back = {d.id: (d.status, d.slug, d.published) for d in store.all()}
    assert back == {
        "20260302-lettera-0": (Status.APPROVED, "lettera-numero-0", NOW),
        "20260303-lettera-1": (Status.APPROVED, "lettera-numero-1", NOW),
    }
    # The theme mended, the next publish uses the slugs and dates stored then.
    (root / "theme" / "post.html").unlink()
    assert sorted(publisher(config).publish()[0]) == ["20260302-lettera-0", "20260303-lettera-1"]
    assert (config.paths.site / "2026/11/lettera-numero-1/index.html").is_file()


def test_a_template_changed_between_two_runs_of_one_process_is_compiled_again(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "post.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Prima: {{ post.title }}</h1>{% endblock %}\n'
    )
    site = SiteConfig(language="it", timezone="Europe/Rome", templates=theme)
    post = Post(id="p", slug="p", title="Titolo", author="Anna", forwarded_by=(), intro=None,
                body="Testo.", letter_date=None, date=START)  # fmt: skip
    render_site([post], site, tmp_path / "site")
    page = tmp_path / "site/2026/03/p/index.html"
    assert "<h1>Prima: Titolo</h1>" in page.read_text(encoding="utf-8")
    (theme / "post.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Dopo: {{ post.title }}</h1>{% endblock %}\n'
    )
    render_site([post], site, tmp_path / "site")
    assert "<h1>Dopo: Titolo</h1>" in page.read_text(encoding="utf-8")


def test_post_fingerprints_are_remembered_by_object_not_by_value() -> None:
    ten = datetime(2026, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    a = Post(id="p", slug="p", title="T", author="A", forwarded_by=(), intro=None, body="b",
             letter_date=None, date=ten)  # fmt: skip
    b = dataclasses.replace(a, date=datetime(2026, 1, 1, 9, 0, tzinfo=UTC))
    assert a == b  # the same instant: equal posts, but a site without a time zone shows 10:00 and 9:00
    assert post_fingerprint(a) != post_fingerprint(b)
    assert post_fingerprint(a) == post_fingerprint(a)
