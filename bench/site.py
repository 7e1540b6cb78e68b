"""Benchmark of the publish stage against Pelican, on the same synthetic Italian blog.

Run from the repository root::

    .venv/bin/python bench/site.py              # 10,000 posts
    .venv/bin/python bench/site.py --posts 2000 # a quicker run
    .venv/bin/python bench/site.py --skip-pelican

In one run it measures, each in a fresh process so start-up is included:

(a) mailbot building the whole site into an empty folder;
(b) mailbot re-publishing the same site with no change, then with one new
    post (what ``mailbot publish`` does after one approval);
(c) Pelican building the same posts, written as Markdown files, from scratch;
(d) Pelican adding one post with its content cache on (``CACHE_CONTENT`` and
    ``LOAD_CONTENT_CACHE``, the default ``CONTENT_CACHING_LAYER = "reader"``).

mailbot's runs load the posts from a pickle prepared beforehand (standing in for
the drafts folder) and call ``render_site``. Pelican runs from its own virtual
environment, ``build/venv-pelican``, created on first use with pinned versions.
Work folders live under ``build/bench/``. Peak memory is each child's maximum
resident set size (``wait4``).
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailbot.config import SiteConfig  # noqa: E402
from mailbot.models import Post  # noqa: E402
from mailbot.textutil import slugify  # noqa: E402

WORK = ROOT / "build" / "bench"
PELICAN_VENV = ROOT / "build" / "venv-pelican"
PELICAN_PINS = ["pelican==4.12.0", "markdown==3.11.3"]
ROME = ZoneInfo("Europe/Rome")

SITE = SiteConfig(
    title="Lettere dai clienti",
    base_url="https://blog.example.org/",
    language="it",
    timezone="Europe/Rome",
    description="Le lettere dei nostri clienti, girate dai colleghi.",
    author="Il call center",
    posts_per_page=10,
    about="Questo blog raccoglie le lettere dei clienti.\n\nLe girano i colleghi del call center.",
)

# ---------------------------------------------------------------------------
# Synthetic posts: deterministic, realistic length, Italian
# ---------------------------------------------------------------------------

_OPENINGS = [
    "Gentili signori,",
    "Buongiorno,",
    "Spettabile servizio clienti,",
    "Cari ragazzi del call center,",
]
_CLOSINGS = ["Cordiali saluti,", "Grazie ancora,", "Un caro saluto,", "Distinti saluti,"]
_NAMES = ["Tommaso", "Lucia", "Giulia", "Marco", "Anna", "Paolo", "Chiara", "Rosa", "Franco", "Elena"]
_TEAMS = ["i colleghi di Napoli", "i colleghi di Milano", "Laura", "Sofia", "Dario", "la sede di Bari"]
_SUBJECTS = [
    "la bolletta",
    "il tecnico",
    "l'attesa al telefono",
    "il contratto",
    "la linea",
    "il rimborso",
    "la vostra operatrice",
    "il trasloco",
    "la fattura di marzo",
    "il nuovo modem",
]
_TITLES = ["Grazie per", "A proposito di", "Una lettera su", "Ancora su"]
_PROSE = """
ho chiamato più volte e finalmente qualcuno mi ha ascoltato con pazienza e gentilezza
la signora al telefono ha capito subito il problema della mia linea e lo ha risolto
vorrei ringraziare tutto il servizio per la cortesia dimostrata in questi mesi difficili
non è stato facile ma alla fine avete fatto un ottimo lavoro e ve ne sono grato
mio figlio dice che dovevo scrivervi prima e forse ha ragione come sempre
il tecnico è arrivato puntuale nonostante la pioggia e ha lavorato fino a sera
"""
_WORDS = _PROSE.split()


def _sentence(rng: random.Random) -> str:
    words = rng.choices(_WORDS, k=rng.randint(9, 22))
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "!"])


def make_posts(count: int, seed: int = 2007) -> list[Post]:
    """``count`` posts, oldest first, about five hours apart, the same for every run."""
    rng = random.Random(seed)
    when = datetime(2012, 1, 2, 9, 0, tzinfo=ROME)
    taken: set[str] = set()
    posts: list[Post] = []
    for n in range(count):
        when += timedelta(minutes=rng.randint(120, 480))
        author = rng.choice(_NAMES)
        title = f"{rng.choice(_TITLES)} {rng.choice(_SUBJECTS)}"
        title = f"{title} ({n + 1})" if rng.random() < 0.5 else title
        slug = slugify(title, taken)
        taken.add(slug)
        paragraphs = [
            " ".join(_sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(2, 5))
        ]
        body = "\n\n".join([rng.choice(_OPENINGS), *paragraphs, f"{rng.choice(_CLOSINGS)}\n{author}"])
        forwarders = tuple(rng.sample(_TEAMS, k=rng.choice([1, 1, 1, 2])))
        posts.append(
            Post(
                id=f"{when:%Y%m%d}-{n:05d}",
                slug=slug,
                title=title,
                author=author,
                forwarded_by=forwarders,
                intro=_sentence(rng) if rng.random() < 0.4 else None,
                body=body,
                letter_date=when - timedelta(days=rng.randint(1, 9)),
                date=when,
            )
        )
    return posts


# ---------------------------------------------------------------------------
# Measuring a child process
# ---------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_mib: float


def measure(command: list[str], cwd: Path | None = None) -> Run:
    """Run ``command``, failing loudly on error; wall time and the child's peak RSS."""
    start = time.perf_counter()
    with open(WORK / "last-run.log", "w") as log:
        child = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{(WORK / 'last-run.log').read_text()[-3000:]}")
    return Run(elapsed, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


_MAILBOT_CHILD = textwrap.dedent(
    """
    import pickle, sys, time
    from mailbot.site.render import render_site
    with open(sys.argv[1], "rb") as fh:
        posts, site = pickle.load(fh)
    report = render_site(posts, site, __import__("pathlib").Path(sys.argv[2]))
    print(f"written={len(report.written)} rendered={report.rendered} unchanged={report.unchanged}")
    print("written:", *sorted(report.written)[:12])
    """
)


def mailbot_publish(pickled: Path, out: Path) -> tuple[Run, str]:
    run = measure([sys.executable, "-c", _MAILBOT_CHILD, str(pickled), str(out)], cwd=ROOT)
    return run, (WORK / "last-run.log").read_text().strip()


# ---------------------------------------------------------------------------
# Pelican
# ---------------------------------------------------------------------------

_PELICAN_CONF = """\
# Written by bench/site.py: the same site as mailbot's, as close as Pelican allows.
AUTHOR = "Il call center"
SITENAME = "Lettere dai clienti"
SITEURL = "https://blog.example.org"
PATH = "content"
TIMEZONE = "Europe/Rome"
DEFAULT_LANG = "it"
DEFAULT_DATE_FORMAT = "%A %d %B %Y"
DEFAULT_PAGINATION = 10
RELATIVE_URLS = False
ARTICLE_URL = "{date:%Y}/{date:%m}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{date:%m}/{slug}/index.html"
MONTH_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/index.html"
ARCHIVES_SAVE_AS = "archives/index.html"
# mailbot has no categories, tags or author pages: do not make Pelican write them either.
CATEGORY_SAVE_AS = CATEGORIES_SAVE_AS = TAG_SAVE_AS = TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = AUTHORS_SAVE_AS = ""
FEED_ALL_ATOM = "feed.xml"
FEED_ALL_RSS = "rss.xml"
CATEGORY_FEED_ATOM = AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 20
# Pelican's content cache, as its settings document it.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
CHECK_MODIFIED_METHOD = "mtime"
CACHE_PATH = "cache"
"""


def ensure_pelican() -> Path:
    python = PELICAN_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {PELICAN_VENV.relative_to(ROOT)} with {' '.join(PELICAN_PINS)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PELICAN_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PELICAN_PINS], check=True)
    return PELICAN_VENV / "bin" / "pelican"


def write_markdown(post: Post, folder: Path) -> None:
    meta = [
        f"Title: {post.title}",
        f"Date: {post.date:%Y-%m-%d %H:%M}",
        f"Slug: {post.slug}",
        f"Author: {post.author}",
        "Category: Lettere",  # the default theme expects one; no category pages are written
        f"Summary: {post.intro or post.title}",
    ]
    paragraphs = post.body.split("\n\n")
    # Markdown needs two trailing spaces for the line breaks mailbot keeps.
    body = "\n\n".join("> " + p.replace("\n", "  \n> ") for p in paragraphs)
    text = "\n".join(meta) + "\n\n" + (f"{post.intro}\n\n" if post.intro else "") + body + "\n"
    (folder / f"{post.id}.md").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=10_000, help="posts in the site (default 10000)")
    parser.add_argument("--skip-pelican", action="store_true", help="measure mailbot only")
    args = parser.parse_args()
    count = args.posts

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    posts = make_posts(count + 1)
    base, new = posts[:count], posts[count]
    for name, chunk in (("posts.pickle", base), ("posts-plus-one.pickle", posts)):
        with open(WORK / name, "wb") as fh:
            pickle.dump((chunk, SITE), fh, protocol=pickle.HIGHEST_PROTOCOL)
    words = sum(len(p.body.split()) for p in base) / max(count, 1)
    print(f"{count} posts, {words:.0f} words per letter on average; the new post: {new.slug}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")

    site = WORK / "mailbot-site"
    full, log = mailbot_publish(WORK / "posts.pickle", site)
    show("(a)  mailbot full build", full, f"{sum(1 for p in site.rglob('*') if p.is_file())} files")
    same, log = mailbot_publish(WORK / "posts.pickle", site)
    show("(b0) mailbot no-change publish", same, log.splitlines()[0])
    one, log = mailbot_publish(WORK / "posts-plus-one.pickle", site)
    show("(b)  mailbot add one post", one, log.splitlines()[0])
    print("     " + log.splitlines()[1])

    pelican_full = pelican_one = None
    if not args.skip_pelican:
        pelican = ensure_pelican()
        project = WORK / "pelican"
        content = project / "content"
        content.mkdir(parents=True)
        (project / "pelicanconf.py").write_text(_PELICAN_CONF, encoding="utf-8")
        for post in base:
            write_markdown(post, content)
        command = [str(pelican), "content", "-o", "output", "-s", "pelicanconf.py", "-q"]
        pelican_full = measure(command, cwd=project)
        files = sum(1 for p in (project / "output").rglob("*") if p.is_file())
        show("(c)  Pelican full build", pelican_full, f"{files} files")
        write_markdown(new, content)
        pelican_one = measure(command, cwd=project)
        show("(d)  Pelican add one (cache on)", pelican_one, "")

    print()
    print(f"mailbot add-one / mailbot full:     {one.seconds / full.seconds:7.1%}  (goal < 10%)")
    if pelican_full and pelican_one:
        print(
            f"Pelican full / mailbot full:        {pelican_full.seconds / full.seconds:7.1f}x  (goal >= 5x)"
        )
        print(f"Pelican add-one / mailbot add-one:  {pelican_one.seconds / one.seconds:7.1f}x  (goal >= 20x)")


def show(label: str, run: Run, note: str) -> None:
    print(f"{label:<33}{run.seconds:8.2f} s   peak {run.peak_mib:5.0f} MiB   {note}", flush=True)


if __name__ == "__main__":
    main()
