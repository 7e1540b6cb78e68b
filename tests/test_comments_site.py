"""Comments on the site (mailbot.site.comments and the theme): the model post's seven comments in
Italian, hostile comments as inert text, counts on the lists, and incremental rewrites."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from mailbot.config import SiteConfig
from mailbot.models import CommentLinks, Post, PostComment
from mailbot.site.render import render_site

GOLDEN = Path(__file__).parent / "golden" / "comments_it.html"

SITE = SiteConfig(
    title="Lettere dai clienti",
    base_url="https://lettere.example.it/",
    language="it",
    timezone="Europe/Rome",
    posts_per_page=2,
)
SITE_EN = dataclasses.replace(SITE, language="en", timezone="Europe/London")
POST_ID = "20070123-la-lettera"
LINKS = CommentLinks(
    address=f"lettere+c-{POST_ID}@example.it", subject=f"Re: La lettera di Tommaso [c-{POST_ID}]"
)


def utc(day: int, hour: int, minute: int) -> datetime:
    return datetime(2007, 1, day, hour, minute, tzinfo=UTC)


# In the spirit of the model post: colleagues and customers answering the letter (times in UTC;
# Rome is one hour ahead in January).
SEVEN = (
    PostComment(1, "Marco", "Che bella lettera. L'ho letta ad alta voce in pausa pranzo.", utc(23, 10, 2)),
    PostComment(2, "", "Grazie Tommaso, ci dai speranza.\nQui a Roma non è sempre facile.", utc(23, 11, 30)),
    PostComment(
        3,
        "Giulia del turno di notte",
        "Anche a noi è capitato un cliente così.\n\nCi ha chiamati solo per dire grazie.",
        utc(23, 22, 45),
    ),
    PostComment(
        4, "", "Io invece ho aspettato 40 minuti <in linea> & nessuno mi ha risposto.", utc(23, 23, 10)
    ),
    PostComment(5, "Codex", "Lettere così andrebbero appese in bacheca.", utc(24, 8, 0)),
    PostComment(
        6, "Il team di Napoli", "Gliela giriamo noi, al collega che ha risposto quel giorno.", utc(25, 15, 20)
    ),
    PostComment(7, "Tommaso", "Non pensavo che l'avreste pubblicata. Grazie a voi.", utc(26, 7, 5)),
)


def post(n: int = 0, comments: tuple[PostComment, ...] = (), links: CommentLinks | None = LINKS) -> Post:
    return Post(
        id=POST_ID if n == 0 else f"2007010{n}-altra",
        slug="la-lettera-di-tommaso" if n == 0 else f"altra-{n}",
        title="La lettera di Tommaso" if n == 0 else f"Altra lettera {n}",
        author="Tommaso",
        forwarded_by=("i colleghi di Napoli",),
        intro=None,
        body="Cari signori,\nvi ringrazio.\n\nTommaso",
        letter_date=None,
        date=utc(23, 9, 15) if n == 0 else utc(n, 9, 0),
        comments=comments,
        comment_links=links,
    )


def section(page: str) -> str:
    m = re.search(r'<section class="comments".*?</section>\n', page, re.S)
    assert m, "no comments section"
    return m.group()


def test_the_model_posts_seven_comments_in_italian(tmp_path: Path) -> None:
    render_site([post(comments=SEVEN)], SITE, tmp_path)
    page = (tmp_path / "2007/01/la-lettera-di-tommaso/index.html").read_text()
    assert section(page) == GOLDEN.read_text()
    front = (tmp_path / "index.html").read_text()
    assert 'href="2007/01/la-lettera-di-tommaso/index.html#comments">7 commenti</a>' in front


def test_one_comment_is_singular_and_english_says_said(tmp_path: Path) -> None:
    one = (PostComment(3, "", "Thanks!", utc(23, 10, 0)),)
    render_site([post(comments=one)], SITE, tmp_path / "it")
    assert "1 commento</a>" in (tmp_path / "it/index.html").read_text()
    render_site([post(comments=one)], SITE_EN, tmp_path / "en")
    page = (tmp_path / "en/2007/01/la-lettera-di-tommaso/index.html").read_text()
    assert '<p class="comment-author">Anonymous said...</p>' in page
    assert "1 comment</h2>" in page
    assert "Comment by e-mail</a>" in page


def test_without_comments_and_links_the_pages_are_as_before(tmp_path: Path) -> None:
    render_site([post(links=None)], SITE, tmp_path)
    for rel in ("index.html", "2007/01/la-lettera-di-tommaso/index.html"):
        text = (tmp_path / rel).read_text()
        assert "comment" not in text


def test_hostile_comments_publish_as_inert_text_and_feeds_stay_valid(tmp_path: Path) -> None:
    hostile = (
        PostComment(1, "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", utc(23, 10, 0)),
        PostComment(2, "Eve\u202egnp.exe", '<a href="javascript:alert(1)">clic</a>', utc(23, 10, 1)),
        PostComment(
            3, "{{ config }}", "{% for x in range(9) %}{{ x }}{% endfor %} \x00\x1b[31m fine", utc(23, 10, 2)
        ),
    )
    render_site([post(comments=hostile)], SITE, tmp_path)
    page = section((tmp_path / "2007/01/la-lettera-di-tommaso/index.html").read_text())
    assert "<script" not in page and "<img" not in page and '<a href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ha detto..." in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Evegnp.exe ha detto..." in page  # the right-to-left override is gone
    assert "{{ config }} ha detto..." in page  # Jinja syntax is text, never evaluated
    assert "{% for x in range(9) %}{{ x }}{% endfor %}  fine" in page.replace("[31m", "")
    assert "\x00" not in page and "\x1b" not in page
    for feed in ("feed.xml", "rss.xml"):
        ET.parse(tmp_path / feed)  # well-formed


def manifest(root: Path) -> dict[str, object]:
    names = [p for p in root.iterdir() if p.name.startswith(".") and p.suffix == ".json"]
    assert names, "no manifest"
    data: dict[str, object] = json.loads(names[0].read_text())
    return data


def test_a_new_comment_rewrites_its_page_and_the_pages_with_its_count(tmp_path: Path) -> None:
    posts = [post(n) for n in range(1, 6)] + [post()]
    render_site(posts, SITE, tmp_path)
    posts[-1] = post(comments=SEVEN[:1])
    report = render_site(posts, SITE, tmp_path)
    # The post's page, the month's archive is not a list with counts; the front page and its
    # numbered page show the count.
    assert sorted(report.written) == sorted(
        ["2007/01/la-lettera-di-tommaso/index.html", "index.html", "page/3/index.html"]
    )
    # A deleted comment disappears from every page.
    posts[-1] = post()
    report = render_site(posts, SITE, tmp_path)
    assert "2007/01/la-lettera-di-tommaso/index.html" in report.written
    assert "Marco" not in (tmp_path / "2007/01/la-lettera-di-tommaso/index.html").read_text()
    assert "0 commenti</a>" in (tmp_path / "index.html").read_text()


def test_a_retracted_post_takes_its_comments_with_it(tmp_path: Path) -> None:
    render_site([post(1), post(comments=SEVEN)], SITE, tmp_path)
    render_site([post(1)], SITE, tmp_path)
    assert not (tmp_path / "2007/01/la-lettera-di-tommaso").exists()
    for page in tmp_path.rglob("*.html"):
        assert "Marco" not in page.read_text()
