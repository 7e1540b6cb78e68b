"""Benchmark of the review desk at 10,000 drafts: queue page, draft page, publish now.

Run from the repository root::

    .venv/bin/python bench/desk.py                 # 10,000 drafts
    .venv/bin/python bench/desk.py --drafts 2000   # a quicker run

Writes N synthetic Italian drafts into ``build/bench-desk/`` (reused when present), then with the
desk's Flask application (created once, warmed by one request of each kind; requests go through
Flask's test client, so the figures are the application's time without the network):

(a) the queue page ``/`` (first page of status ``draft``), the queue with a text search, and a draft
    page (its preview rendered by the site's code path) — median and worst of 20 requests; then the
    queue with one draft file rewritten in place before each request (as an editor saves it);
(b) publish now of one approved draft (``Publisher.publish(only=[id])``, what the desk's button
    calls) on a site where every other draft is already published (the first full render is made
    beforehand and not timed), against two baselines: ``render_site`` of that one post alone into
    an empty folder, and ``render_site`` adding that post to the whole site already rendered
    (incremental, the posts already in memory: the renderer's own one-post time on this site).
"""

from __future__ import annotations

import argparse
import itertools
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailbot.config import load_config  # noqa: E402
from mailbot.desk.app import create_app  # noqa: E402
from mailbot.desk.auth import Reviewers  # noqa: E402
from mailbot.drafts.fileformat import dumps  # noqa: E402
from mailbot.drafts.store import DraftStore  # noqa: E402
from mailbot.models import Draft, Forwarder, Person, Status  # noqa: E402
from mailbot.site.publishing import Publisher  # noqa: E402
from mailbot.site.render import render_site  # noqa: E402

WORK = ROOT / "build" / "bench-desk"
EMAIL, PASSWORD = "bench@example.org", "bench password"
WORDS = [
    "grazie",
    "operatrice",
    "bolletta",
    "telefono",
    "pazienza",
    "gentile",
    "problema",
    "risolto",
    "cortesia",
    "servizio",
]


def make(n: int) -> None:
    if (WORK / "drafts").is_dir() and len(list((WORK / "drafts").glob("*.md"))) == n:
        return
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "drafts").mkdir(parents=True)
    (WORK / "mailbot.toml").write_text(
        '[review]\nlanguage = "en"\n[paths]\ndrafts = "drafts"\nstate = "state"\nsite = "site"\n'
        '[site]\nlanguage = "it"\ntimezone = "Europe/Rome"\n'
    )
    store = DraftStore(WORK / "drafts")
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(n):
        when = start + timedelta(hours=i)
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(120))
        status = Status.DRAFT if i % 10 == 0 else Status.PUBLISHED
        d = Draft(
            id=f"{when:%Y%m%d}-lettera-{i:05d}",
            status=status,
            title=f"Lettera numero {i}",
            author=Person(f"Cliente {i}", f"cliente{i}@example.it"),
            forwarders=(Forwarder("Anna Bianchi", "anna@napoli.example.org", when, "Vi giro questa."),),
            body=f"Buongiorno,\n\n{words}\n\nSaluti.\n\nCliente {i}",
            intro="Grazie ai colleghi di Napoli.",
            received=when,
            created=when,
            published=when if status is Status.PUBLISHED else None,
            slug=f"lettera-{i:05d}" if status is Status.PUBLISHED else None,
            author_display=f"Cliente {i}",
            forwarded_by=("i colleghi di Napoli",),
        )
        store.write(d, text=dumps(d), sync_dir=False)
    config = load_config(WORK / "mailbot.toml")
    with Reviewers(config.ledger_path) as reviewers:
        reviewers.add("Bench", EMAIL, PASSWORD)


def timed(get: object, path: str, runs: int = 20) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        answer = get(path)  # type: ignore[operator]
        times.append(time.perf_counter() - t)
        assert answer.status_code == 200, (path, answer.status_code)
    return statistics.median(times) * 1000, max(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drafts", type=int, default=10_000)
    args = parser.parse_args()
    t = time.perf_counter()
    make(args.drafts)
    print(f"{args.drafts} drafts ready in {time.perf_counter() - t:.1f} s")
    config = load_config(WORK / "mailbot.toml")
    app = create_app(config, signin_delay=0)
    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/signin", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    store = DraftStore(config.paths.drafts)
    one = next(d for d in store.all(Status.DRAFT))
    for path in ("/", f"/drafts/{one.id}"):
        client.get(path)  # warm: the drafts index, templates, the preview's theme
    for label, path in (
        ("queue (status draft, page 1)", "/"),
        ("queue, text search", "/?status=all&q=pazienza+gentile"),
        ("draft page (with its preview)", f"/drafts/{one.id}"),
    ):
        median, worst = timed(client.get, path)
        print(f"{label:<32} median {median:6.1f} ms   worst {worst:6.1f} ms")
    # A reviewer's editor saves a draft in place before each request: the queue parses that file again.
    drafted = store.path(one.id)
    original = drafted.read_text(encoding="utf-8")
    texts = itertools.cycle(
        [original.replace(f'title = "{one.title}"', f'title = "{one.title} (bis)"'), original]
    )

    def edit_then_get(path: str) -> object:
        with drafted.open("r+", encoding="utf-8") as fh:
            fh.write(next(texts))
            fh.truncate()
        return client.get(path)

    median, worst = timed(edit_then_get, "/")
    drafted.write_text(original, encoding="utf-8")
    print(f"{'queue, a draft edited by hand':<32} median {median:6.1f} ms   worst {worst:6.1f} ms")

    first_views = []
    for d in store.all(Status.DRAFT)[1:21]:
        t = time.perf_counter()
        assert client.get(f"/drafts/{d.id}").status_code == 200
        first_views.append(time.perf_counter() - t)
    print(
        f"{'draft page, first view':<32} median {statistics.median(first_views) * 1000:6.1f} ms"
        f"   worst {max(first_views) * 1000:6.1f} ms"
    )

    publisher = Publisher.of(config)
    t = time.perf_counter()
    publisher.publish()  # the site of every published draft, untimed in the figures below
    print(f"first full render of the site: {time.perf_counter() - t:.1f} s")
    d = store.read(one.id)
    d.status = Status.APPROVED
    store.write(d)
    t = time.perf_counter()
    newly, _report = Publisher.of(config).publish(only=[one.id])  # what the desk's button calls
    publish_now = time.perf_counter() - t
    assert newly == [one.id], newly
    post = publisher.post(store.read(one.id))
    # Baseline 1: render_site of that one post alone into an empty folder.
    with tempfile.TemporaryDirectory() as empty:
        t = time.perf_counter()
        render_site([post], config.site, Path(empty))
        alone = time.perf_counter() - t
    # Baseline 2: render_site adding that post to the whole site, incremental (every other page
    # already there, with its manifest), the posts already in memory: the renderer's own
    # one-post time on this site.
    others = [publisher.post(x) for x in store.all(Status.PUBLISHED) if x.id != one.id]
    with tempfile.TemporaryDirectory() as folder:
        render_site(others, config.site, Path(folder))
        t = time.perf_counter()
        render_site([*others, post], config.site, Path(folder))
        incremental = time.perf_counter() - t
    published = len(store.all(Status.PUBLISHED))
    print(
        f"publish now of one post on a {published}-post site: {publish_now * 1000:.0f} ms; "
        f"render_site of that post alone: {alone * 1000:.0f} ms (ratio {publish_now / alone:.1f}x); "
        f"render_site adding it to the whole site: {incremental * 1000:.0f} ms "
        f"(ratio {publish_now / incremental:.1f}x)"
    )
    d = store.read(one.id)  # back to draft for the next run
    d.status, d.slug, d.published = Status.DRAFT, None, None
    store.write(d)


if __name__ == "__main__":
    main()
