"""XSS: hostile markup in every field of a message never becomes markup on the site or in the feeds.

The corpus (tests/data/xss/vectors.txt) is our own. Each vector is put into the subject, the
forwarder's name and note, the letter author's name, the letter text, an attachment's file name,
and (in a second message) raw into an HTML-only letter. The messages go through the real pipeline
(Maildir → drafts → approve all → publish) and every output file is parsed.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from mailfactory import maildir

from mailbot.config import Config, load_config
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.site.publishing import Publisher
from mailbot.sources.local import MaildirInbox

VECTORS_FILE = Path(__file__).parent / "data" / "xss" / "vectors.txt"
BAD_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "applet", "frame", "frameset",
            "form", "input", "button", "textarea", "select", "base", "xmp", "plaintext", "noscript",
            "template", "details", "marquee", "isindex", "video", "audio", "source", "x"}  # fmt: skip
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "data", "srcset",
             "srcdoc", "content", "to"}  # fmt: skip
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


def vectors() -> list[str]:
    out = []
    for line in VECTORS_FILE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("# "):
            continue
        out.append(line.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r").replace("\\0", "\0"))
    return out


def test_the_corpus_is_big_enough() -> None:
    assert len(vectors()) >= 60


def _words(text: str) -> str:
    """RFC 2047 encoded words: any text can go into a header this way."""
    text = text.replace("\n", " ").replace("\r", " ")
    chunks = [text[i : i + 30] for i in range(0, len(text), 30)] or [""]
    return " ".join(f"=?utf-8?b?{base64.b64encode(c.encode()).decode()}?=" for c in chunks)


def _b64(text: str) -> str:
    return base64.encodebytes(text.encode("utf-8")).decode("ascii")


def text_message(n: int, vector: str) -> bytes:
    letter = (
        f"Vi giro questa lettera {n}: {vector}\n\n"
        "---------- Messaggio inoltrato ---------\n"
        f"Da: {vector.replace(chr(10), ' ')} <cliente{n}@example.it>\n"
        "Date: lun 22 gen 2007 alle ore 18:03\n"
        f"Subject: Lettera {n} {vector.replace(chr(10), ' ')}\n"
        "To: <servizio@example.org>\n\n"
        f"Buongiorno, questa è la lettera {n}.\n{vector}\n\nancora {vector} qui.\n\nSaluti.\n\nCliente {n}\n"
    )
    filename = quote(f"{vector}.txt".replace("\0", ""), safe="")
    return (
        f"From: {_words(vector)} <anna.bianchi@napoli.example.org>\n"
        "To: blog@example.org\n"
        f"Subject: I: {_words(f'Lettera {n} {vector}')}\n"
        "Date: Tue, 23 Jan 2007 09:12:00 +0100\n"
        f"Message-ID: <xss-text-{n}@napoli.example.org>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b0undary"\n\n'
        "--b0undary\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        f"{_b64(letter)}"
        "--b0undary\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n"
        f"Content-Disposition: attachment; filename*=utf-8''{filename}\n\n"
        f"{_b64(vector)}"
        "--b0undary--\n"
    ).encode()


def html_message(n: int, vector: str) -> bytes:
    html = (
        f"<html><head><title>{vector}</title></head><body><p>Vi giro la lettera {n} {vector}</p>"
        "<div>---------- Messaggio inoltrato ---------<br>"
        f"Da: Cliente {n} &lt;cliente{n}@example.it&gt;<br>Date: lun 22 gen 2007 alle ore 18:03<br>"
        f"Subject: Lettera HTML {n}<br>To: &lt;servizio@example.org&gt;<br><br>"
        f"<p>Buongiorno, lettera html {n}.</p>{vector}<p>Saluti.</p><p>Cliente {n}</p></div></body></html>"
    )
    return (
        "From: Anna Bianchi <anna.bianchi@napoli.example.org>\n"
        "To: blog@example.org\n"
        f"Subject: I: Lettera HTML {n}\n"
        "Date: Tue, 23 Jan 2007 09:12:00 +0100\n"
        f"Message-ID: <xss-html-{n}@napoli.example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        f"{_b64(html)}"
    ).encode()


class Checker(HTMLParser):
    """Collects every element that would run code or load something hostile."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BAD_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRS and value:
                compact = "".join(ch for ch in value if ch > " ").lower()
                if compact.startswith(BAD_SCHEMES) or (
                    name in ("content", "to") and "javascript:" in compact
                ):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def check_html(text: str) -> list[str]:
    checker = Checker()
    checker.feed(text)
    checker.close()
    return checker.problems


def check_feed(text: str) -> list[str]:
    """Feeds: the document must be XML, and every HTML payload inside it must be clean too."""
    problems = check_html(text)
    root = ET.fromstring(text)
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        html_payload = element.get("type") in ("html", "xhtml") or tag in ("description", "encoded")
        if html_payload and element.text:
            problems += [f"inside <{tag}>: {p}" for p in check_html(element.text)]
    return problems


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org", "*@example.org"]\n'
        '[attribution]\nauthor_style = "full_name"\n'
        '[attribution.labels]\n"anna.bianchi@napoli.example.org" = "<b onmouseover=alert(1)>Napoli</b>"\n'
    )
    return load_config(tmp_path / "mailbot.toml")


def test_no_vector_becomes_markup_on_the_site_or_in_the_feeds(config: Config) -> None:
    corpus = vectors()
    messages = [text_message(n, v) for n, v in enumerate(corpus)]
    messages += [html_message(n, v) for n, v in enumerate(corpus)]
    maildir(config.local.maildir, messages)
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        report = pipeline.run(MaildirInbox(config.local.maildir))
        assert all(reason for _, reason in report.failed)
        # Nearly everything must get through, or the test would prove little.
        assert len(report.drafted) >= 0.9 * len(messages), report.failed[:5]
        store = DraftStore(config.paths.drafts)
        store.transition([d.id for d in store.all()], "approve")
        Publisher.of(pipeline.config, clock=pipeline.clock).publish()
    site = config.paths.site
    pages = sorted(site.rglob("*.html"))
    feeds = sorted(site.rglob("*.xml"))
    assert len(pages) > len(report.drafted) and feeds
    problems = {}
    for path in pages:
        found = check_html(path.read_text(encoding="utf-8"))
        if found:
            problems[str(path.relative_to(site))] = found[:3]
    for path in feeds:
        found = check_feed(path.read_text(encoding="utf-8"))
        if found:
            problems[str(path.relative_to(site))] = found[:3]
    assert not problems
    # The vectors are there, as text: the letter was published, not dropped.
    sample = next(p for p in pages if "lettera-0" in str(p) or "Lettera 0" in p.read_text(encoding="utf-8"))
    assert "&lt;script&gt;" in sample.read_text(encoding="utf-8")


def test_the_checker_catches_what_it_looks_for() -> None:
    assert check_html('<a href=" JaVa\tScript:x()">x</a>')
    assert check_html("<img src=x onerror=alert(1)>")
    assert check_html("<svg><script>1</script></svg>")
    assert not check_html("<p>&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1)</p>")
    assert check_feed('<feed><content type="html">&lt;script&gt;x&lt;/script&gt;</content></feed>')


def test_no_vector_in_notes_alt_text_markers_or_languages_becomes_markup(tmp_path: Path) -> None:
    """The parts a post gained (forwarders' notes, pictures' alt text and markers, the language)
    carry every vector straight into the renderer; nothing may become markup or break a feed."""
    import dataclasses
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from mailbot.config import SiteConfig
    from mailbot.models import Post
    from mailbot.site.render import render_site

    picture = tmp_path / "p.jpg"
    picture.write_bytes(b"\xff\xd8 not really a jpeg")
    start = datetime(2007, 1, 1, 9, 0, tzinfo=ZoneInfo("Europe/Rome"))
    posts = []
    for n, vector in enumerate(vectors()):
        line = vector.replace("\n", " ").replace("\r", " ")
        post = Post(
            id=f"xss-{n}",
            slug=f"lettera-{n}",
            title=f"Lettera {n}",
            author="Tommaso",
            forwarded_by=("Anna",),
            intro=None if n % 2 else vector,
            body=(
                f"Buongiorno {n},\n[[image:foto-1.jpg|{line}]]\n[[image:{line}]]\n[[image:{line}|{line}]]\n\n"
                f"{vector}\n\n[[image:foto-2.jpg]]\n\nSaluti"
            ),
            letter_date=None,
            date=start + timedelta(hours=n),
            assets=(
                ("foto-1.jpg", picture, vector),
                ("foto-2.jpg", picture, vector),
                ("foto-3.jpg", picture, vector),
            ),
            notes=(vector, f"nota {n}: {vector}"),
            lang=vector,
        )
        posts.append(post)
        posts.append(dataclasses.replace(post, id=f"xss-lang-{n}", slug=f"lingua-{n}", lang=f"fr-{line}"))
    site = SiteConfig(title="XSS", base_url="https://example.org/", language="it", timezone="Europe/Rome")
    out = tmp_path / "site"
    report = render_site(posts, site, out)
    assert report.skipped == []
    problems = {}
    for path in sorted(out.rglob("*.html")):
        found = check_html(path.read_text(encoding="utf-8"))
        if found:
            problems[str(path.relative_to(out))] = found[:3]
    for path in sorted(out.rglob("*.xml")):
        found = check_feed(path.read_text(encoding="utf-8"))
        if found:
            problems[str(path.relative_to(out))] = found[:3]
    assert not problems
    # No language attribute other than the site's: none of the vectors is a language tag.
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert text.count(' lang="') == text.count('<html lang="it">')
    # The notes and the alt text are there, as text.
    sample = (out / "2007/01/lettera-0/index.html").read_text(encoding="utf-8")
    assert sample.count('<div class="note">') == 2 and sample.count("<figure") == 3
