"""Real-browser checks of the rendered site: headless Chromium opens it from disk (file://).

Run with ``.venv/bin/pytest tests/test_browser.py -m browser``. Without
Chromium the tests skip, except on CI (``CI=true``) where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.config import SiteConfig
from mailbot.models import Post
from mailbot.site.render import render_site

pytestmark = pytest.mark.browser

ROME = ZoneInfo("Europe/Rome")
TIMEOUT = 90

SITE = SiteConfig(
    title="Lettere dai clienti",
    base_url="https://lettere.example.it/",
    language="it",
    timezone="Europe/Rome",
    description="Le lettere più belle che ci girano i colleghi",
    posts_per_page=5,
    about=(
        "Questo blog raccoglie le lettere più belle che i clienti scrivono al nostro call center.\n\n"
        "Le girano i colleghi di Napoli, Milano e Bari: noi le pubblichiamo, con il loro permesso."
    ),
)
POSTS = [
    Post(
        id="20070123-0001",
        slug="la-lettera-di-tommaso",
        title="La lettera di Tommaso",
        author="Tommaso",
        forwarded_by=("i colleghi di Napoli",),
        intro=(
            "Grazie ai colleghi di Napoli che ci hanno girato questa lettera di Tommaso.\n\n"
            "Ci ha scritto dopo la terza telefonata: leggetela fino in fondo."
        ),
        body=(
            "Gentili signori,\nvi scrivo per ringraziare l'operatrice che mi ha risposto martedì.\n\n"
            "Avevo un problema con la bolletta da mesi e nessuno riusciva a capirlo. "
            "Lei ha ascoltato con pazienza e in dieci minuti ha risolto tutto.\n\n"
            "Cordiali saluti,\nTommaso"
        ),
        letter_date=datetime(2007, 1, 20, 18, 0, tzinfo=ROME),
        date=datetime(2007, 1, 23, 10, 15, tzinfo=ROME),
    ),
    Post(
        id="20070122-0001",
        slug="una-cartolina",
        title="Una cartolina <da Bari>",
        author="la signora Lina",
        forwarded_by=("Anna", "Marco"),
        intro=None,
        body="Grazie di tutto!\n\nLina",
        letter_date=None,
        date=datetime(2007, 1, 22, 9, 0, tzinfo=ROME),
    ),
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; CI must provide it for the browser tests")
        pytest.skip("chromium is not installed")
    return found


def _run_chromium(tmp_path: Path, *args: str) -> str:
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *args,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within {TIMEOUT} s: {' '.join(command)}")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def site(tmp_path: Path) -> Path:
    out = tmp_path / "site"
    render_site(POSTS, SITE, out)
    return out


def test_front_page_as_a_reader_sees_it(tmp_path: Path, site: Path) -> None:
    dom = _run_chromium(tmp_path, "--dump-dom", (site / "index.html").as_uri())
    assert "<title>Lettere dai clienti</title>" in dom
    assert "martedì 23 gennaio 2007" in dom
    assert "lunedì 22 gennaio 2007" in dom
    assert "Grazie ai colleghi di Napoli che ci hanno girato questa lettera di Tommaso." in dom
    assert "Grazie ad Anna e a Marco che ci hanno girato questa lettera della signora Lina." in dom
    assert "Una cartolina &lt;da Bari&gt;" in dom
    assert dom.index("La lettera di Tommaso") < dom.index("Una cartolina")


def test_post_page_as_a_reader_sees_it(tmp_path: Path, site: Path) -> None:
    page = site / "2007/01/la-lettera-di-tommaso/index.html"
    dom = _run_chromium(tmp_path, "--dump-dom", page.as_uri())
    assert '<h1 class="post-title">La lettera di Tommaso</h1>' in dom
    assert "martedì 23 gennaio 2007" in dom
    assert "Grazie ai colleghi di Napoli che ci hanno girato questa lettera di Tommaso." in dom
    assert "Ci ha scritto dopo la terza telefonata" in dom
    assert "in dieci minuti ha risolto tutto." in dom
    assert '<p class="signoff">Cordiali saluti,<br>' in dom
    assert 'href="../../../index.html"' in dom


def test_post_page_screenshot(tmp_path: Path, site: Path) -> None:
    page = site / "2007/01/la-lettera-di-tommaso/index.html"
    shot = Path(os.environ.get("MAILBOT_SCREENSHOT", tmp_path / "post.png"))
    _run_chromium(
        tmp_path, f"--screenshot={shot}", "--window-size=1000,1200", "--hide-scrollbars", page.as_uri()
    )
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # a blank page compresses to a few kB


def test_about_page_as_a_reader_sees_it(tmp_path: Path, site: Path) -> None:
    dom = _run_chromium(tmp_path, "--dump-dom", (site / "about/index.html").as_uri())
    assert "<title>Chi siamo · Lettere dai clienti</title>" in dom
    assert '<h1 class="page-heading">Chi siamo</h1>' in dom
    assert "<p>Le girano i colleghi di Napoli, Milano e Bari" in dom
    front = _run_chromium(tmp_path, "--dump-dom", (site / "index.html").as_uri())
    assert '<a href="about/index.html">Chi siamo</a>' in front


def test_month_archive_as_a_reader_sees_it(tmp_path: Path, site: Path) -> None:
    dom = _run_chromium(tmp_path, "--dump-dom", (site / "2007/01/index.html").as_uri())
    assert "Post di gennaio 2007" in dom
    assert '<a href="../../2007/01/la-lettera-di-tommaso/index.html">La lettera di Tommaso</a>' in dom
    assert "Una cartolina &lt;da Bari&gt;" in dom
    archives = _run_chromium(tmp_path, "--dump-dom", (site / "archives/index.html").as_uri())
    assert '<a href="../2007/01/index.html">gennaio</a>' in archives


@pytest.mark.parametrize("width", [1000, 400])
@pytest.mark.parametrize(
    "page", ["index.html", "2007/01/la-lettera-di-tommaso/index.html", "about/index.html"]
)
def test_screenshots_desktop_and_narrow(tmp_path: Path, site: Path, page: str, width: int) -> None:
    """Screenshots to look at (set MAILBOT_SCREENSHOT_DIR to keep them): the page is drawn, not blank."""
    folder = Path(os.environ.get("MAILBOT_SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"{page.replace('/', '_').removesuffix('.html')}-{width}.png"
    _run_chromium(
        tmp_path,
        f"--screenshot={shot}",
        f"--window-size={width},1100",
        "--hide-scrollbars",
        (site / page).as_uri(),
    )
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 15_000  # a blank page compresses to a few kB
