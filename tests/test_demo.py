"""The demo, as `make demo` runs it, against a committed golden copy of its site.

The run uses examples/demo.toml and the sample Maildir, with the clock fixed so
the output is the same every time. Regenerate after an intended change with
`make golden`, and review the diff.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from goldentree import compare_with_golden

from mailbot.config import load_config
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import Status
from mailbot.site.publishing import Publisher
from mailbot.sources.local import MaildirInbox

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).parent / "golden" / "demo_site"


def run_demo(root: Path) -> Path:
    shutil.copytree(EXAMPLES / "maildir", root / "inbox")
    shutil.copy(EXAMPLES / "demo.toml", root / "mailbot.toml")
    config = load_config(root / "mailbot.toml")
    ticks = iter(datetime(2007, 1, 29, 8, 0, tzinfo=UTC) + timedelta(minutes=n) for n in range(1000))
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger, clock=lambda: next(ticks))
        report = pipeline.run(MaildirInbox(config.local.maildir))
        assert not report.failed, report.failed
        store = DraftStore(config.paths.drafts)
        store.transition([d.id for d in store.all(Status.DRAFT)], "approve")
        Publisher.of(pipeline.config, clock=pipeline.clock).publish()
    return config.paths.site


def test_demo_site_matches_the_golden_copy(tmp_path: Path) -> None:
    compare_with_golden(run_demo(tmp_path), GOLDEN)


def test_demo_site_shows_every_sample_with_attribution_and_italian_dates(tmp_path: Path) -> None:
    site = run_demo(tmp_path)
    samples = len(list((EXAMPLES / "maildir" / "new").iterdir()))
    index = (site / "index.html").read_text(encoding="utf-8")
    posts = sorted(site.glob("2007/01/*/index.html"))
    assert len(posts) == samples >= 6
    # The demo dates posts by their letters ([site] post_date = "letter"): the founding letter
    # of Monday 22 January 2007 heads its day, as in the model post.
    assert "lunedì 22 gennaio 2007" in index
    for post in posts:
        html = post.read_text(encoding="utf-8")
        title = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        assert title is not None and title.group(1).strip() in index
        # The editors' intro, or without one the automatic thanks line.
        assert re.search(r'<(div|p) class="(intro|attribution)">', html), post
    founding = (site / "2007/01/esternalizzazione-del-call-center/index.html").read_text(encoding="utf-8")
    assert "Grazie ai colleghi di Napoli che ci hanno girato questa lettera di Tommaso." in founding
    # The forwarder's note is internal: not the intro, not published ([attribution] publish_notes).
    assert "Vi giro questa lettera di un cliente di Roma." not in founding
    assert re.search(
        r"Data della lettera: <time datetime=\"2007-01-22T18:03:00\+01:00\">22 gennaio 2007<", founding
    )
    assert "tommaso.rossi@" not in founding  # the author's address is never published


def test_demo_publishes_the_editors_intro_and_no_forwarders_note(tmp_path: Path) -> None:
    site = run_demo(tmp_path)
    founding = (site / "2007/01/esternalizzazione-del-call-center/index.html").read_text(encoding="utf-8")
    assert "Grazie ai colleghi di Napoli che ci hanno girato questa lettera di Tommaso." in founding
    everything = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*") if p.is_file())
    assert "Vi giro questa lettera di un cliente di Roma." not in everything
