"""The real commands against the renderer, Pelican and the IMAP ingest, in one run (issue 11, point 4).

Run from the repository root (as root for the IMAP part: it starts its own Dovecot)::

    .venv/bin/python bench/commands.py                          # 10,000 drafts, 3,000 .eml files
    .venv/bin/python bench/commands.py --drafts 2000 --letters 500 --skip-pelican
    .venv/bin/python bench/commands.py --tree /tmp/old-checkout # the same, for another mailbot

Every timed step is a fresh process, start-up included. ``--tree`` names the folder whose
``mailbot`` package the commands run (default: this checkout), so one script measures the code
before and after a change. The figures, each with its baseline from the same run:

1. the first ``mailbot publish`` of N approved drafts against ``render_site`` building the same
   posts into an empty folder (the renderer alone, as ``bench/site.py`` runs it), in
   ``--rounds`` pairs ordered renderer-publish, publish-renderer, ... (each publish with a
   home of its own, the same drafts), the fastest run of each side taken (this file system
   moves one build's time by a factor of two between runs); every build starts after a
   ``sync`` and a pause of 5 s, so none pays for the writes of the step before;
2. ``mailbot publish`` after one more approval against the renderer adding the same post;
3. ``mailbot drafts list`` on the N drafts (index warm, as after any earlier command; the median
   of five runs with Python's bytecode cache, as an installed mailbot starts, and one compiling
   mailbot's modules, as this machine's PYTHONDONTWRITEBYTECODE=1 made every earlier run do);
4. ``mailbot import`` of M ``.eml`` files against ``bench/ingest.py``'s mailbot rate over IMAP
   (Dovecot, the same letters); and Pelican's full build and cached add-one, for scale.

The drafts carry the posts' own dates as their publication dates, so both builds make the same
site; their slugs are left to ``mailbot publish``, as after a real approval.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from mailfactory import letter  # noqa: E402

from mailbot.drafts.fileformat import dumps  # noqa: E402
from mailbot.models import Draft, Forwarder, Person, Post, Status  # noqa: E402

WORK = ROOT / "build" / "bench-commands"


def _bench_site() -> ModuleType:
    """bench/site.py (its name would clash with the standard library's ``site`` on import)."""
    spec = importlib.util.spec_from_file_location("bench_site", ROOT / "bench" / "site.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_site"] = module
    spec.loader.exec_module(module)
    return module


bench_site = _bench_site()


def draft_of(post: Post) -> Draft:
    return Draft(
        id=post.id,
        status=Status.APPROVED,
        title=post.title,
        author=Person(post.author, None),
        forwarders=tuple(Forwarder(name, None, None, None) for name in post.forwarded_by),
        body=post.body,
        intro=post.intro,
        letter_date=post.letter_date,
        created=post.date,
        published=post.date,
        author_display=post.author,
        forwarded_by=post.forwarded_by,
    )


CONFIG = """\
[paths]
drafts = "drafts"
state = "state"
site = "site"
[senders]
allow = ["*@*.example.org", "*@example.org"]
[site]
title = "Lettere dai clienti"
base_url = "https://blog.example.org/"
language = "it"
timezone = "Europe/Rome"
description = "Le lettere dei nostri clienti, girate dai colleghi."
author = "Il call center"
posts_per_page = 10
about = "Questo blog raccoglie le lettere dei clienti."
"""


class Runner:
    def __init__(self, tree: Path) -> None:
        self.env = dict(os.environ, PYTHONPATH=str(tree))
        self.env.pop("PYTHONSAFEPATH", None)

    def run(self, args: list[str], cwd: Path, ok: tuple[int, ...] = (0,), *, cached: bool = False) -> float:
        """Seconds of one command in a fresh process (run from ``cwd``, never the checkout).

        ``cached``: with Python's bytecode cache (``__pycache__``) written and read, as an installed
        mailbot runs, even where the environment says PYTHONDONTWRITEBYTECODE (a tree without
        ``__pycache__`` then compiles every module again at each start: about 0.1 s of mailbot's).
        """
        env = {k: v for k, v in self.env.items() if k != "PYTHONDONTWRITEBYTECODE"} if cached else self.env
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        elapsed = time.perf_counter() - started
        if done.returncode not in ok:
            sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
        return elapsed

    def mailbot(self, home: Path, *args: str, cached: bool = False) -> float:
        return self.run(
            ["-m", "mailbot", "--config", str(home / "mailbot.toml"), *args], cwd=home, cached=cached
        )

    def median(self, home: Path, *args: str, runs: int = 5) -> float:
        """The median of a few runs of a short command (one run of 0.2 s is mostly the machine's noise)."""
        return sorted(self.mailbot(home, *args, cached=True) for _ in range(runs))[runs // 2]


RENDER = """
import pickle, sys
from pathlib import Path
from mailbot.site.render import render_site
with open(sys.argv[1], "rb") as fh:
    posts, site = pickle.load(fh)
render_site(posts, site, Path(sys.argv[2]))
"""


def settle(seconds: float = 5.0) -> None:
    """Before a timed build: what earlier steps wrote or deleted is on disk, then a pause."""
    os.sync()
    time.sleep(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--drafts", type=int, default=10_000)
    parser.add_argument("--letters", type=int, default=3000, help=".eml files for import and IMAP")
    parser.add_argument("--tree", type=Path, default=ROOT, help="folder holding the mailbot package to run")
    parser.add_argument(
        "--rounds", type=int, default=2, help="renderer and first-publish pairs (the fastest of each taken)"
    )
    parser.add_argument("--skip-pelican", action="store_true")
    parser.add_argument("--skip-imap", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--work",
        type=Path,
        default=WORK,
        help="folder for the homes, sites and letters (its file system is what the builds write to)",
    )
    args = parser.parse_args()
    work = args.work.resolve()
    trash = work.parent / f"{work.name}-trash"  # earlier runs' work, moved aside
    tree = args.tree.resolve()
    runner = Runner(tree)
    if work.exists():
        # The last run's 100,000 files are moved aside, not deleted. On ext4 without a journal (this
        # machine's root file system) a new file's inode is found only after checking every inode
        # of its group freed in the last 60 s, 360 s while that part of the inode table is not yet
        # on disk (ext4's recently_deleted()): after such a deletion the site's 11,000 files took
        # 8 s instead of 1 s. Delete the trash when the machine is idle.
        trash.mkdir(parents=True, exist_ok=True)
        work.rename(trash / time.strftime("%Y%m%d-%H%M%S"))
        print(f"(the last run's files are in {trash}: delete them when the machine is idle)", flush=True)
    work.mkdir(parents=True)
    print(
        f"mailbot from {tree}; {args.drafts} drafts, {args.letters} letters; {os.cpu_count()} CPUs",
        flush=True,
    )
    figures: dict[str, float] = {}

    def show(key: str, label: str, seconds: float, note: str = "") -> None:
        figures[key] = round(seconds, 3)
        print(f"{label:<44}{seconds:8.2f} s  {note}", flush=True)

    # -- the site: renderer and real command, same posts ----------------------------------
    posts = bench_site.make_posts(args.drafts + 1)
    base = posts[: args.drafts]
    for name, chunk in (("posts.pickle", base), ("posts-plus-one.pickle", posts)):
        with open(work / name, "wb") as fh:
            pickle.dump((chunk, bench_site.SITE), fh, protocol=pickle.HIGHEST_PROTOCOL)
    homes = [work / ("home" if k == 0 else f"home-{k + 1}") for k in range(args.rounds)]
    for home in homes:
        (home / "drafts").mkdir(parents=True, mode=0o700)
        (home / "mailbot.toml").write_text(CONFIG, encoding="utf-8")
        for post in base:
            (home / "drafts" / f"{post.id}.md").write_text(dumps(draft_of(post)), encoding="utf-8")
        # The drafts were written here, not by mailbot: one listing reads them all once, as the
        # reviewer's own commands would have (untimed; mailbot's writes keep the index up to date).
        figures["cold_list"] = round(runner.mailbot(home, "drafts", "list", cached=True), 3)
    print(f"    (untimed warm-up: first drafts list {figures['cold_list']:.2f} s)", flush=True)
    render = ["-c", RENDER]
    renders: list[float] = []
    publishes: list[float] = []
    for k, home in enumerate(homes):
        # Renderer then publish, publish then renderer, and so on: neither side gets the later
        # slots (this file system gets faster or slower over minutes).
        for step in ("render", "publish") if k % 2 == 0 else ("publish", "render"):
            settle()
            if step == "render":
                output = work / f"r{k or ''}"
                renders.append(runner.run([*render, str(work / "posts.pickle"), str(output)], work))
            else:
                publishes.append(runner.mailbot(home, "publish"))
        print(
            f"(1) round {k + 1}: renderer full build {renders[-1]:6.2f} s, mailbot publish, first"
            f" {publishes[-1]:6.2f} s ({publishes[-1] / renders[-1]:.2f}x)",
            flush=True,
        )
    runs = {"renderer_full_runs": renders, "publish_first_runs": publishes}
    show("renderer_full", "(1) renderer: full build", min(renders), f"fastest of {len(renders)}")
    show("publish_first", "(1) mailbot publish, first", min(publishes), f"fastest of {len(publishes)}")
    home = homes[0]
    show("publish_again", "    mailbot publish, nothing new", runner.mailbot(home, "publish"))
    show(
        "renderer_one",
        "(2) renderer: one new post",
        runner.run([*render, str(work / "posts-plus-one.pickle"), str(work / "r")], work),
    )
    new = posts[args.drafts]
    (home / "drafts" / f"{new.id}.md").write_text(dumps(draft_of(new)), encoding="utf-8")
    show("publish_one", "(2) mailbot publish, one new post", runner.mailbot(home, "publish"))
    # Median of 5, with the bytecode cache (Runner.run); then one run compiling mailbot's modules.
    show("drafts_list", "(3) mailbot drafts list", runner.median(home, "drafts", "list"), "median of 5")
    show(
        "drafts_list_status",
        "    mailbot drafts list --status published",
        runner.median(home, "drafts", "list", "--status", "published"),
        "median of 5",
    )
    # As this machine's environment ran it before (PYTHONDONTWRITEBYTECODE=1 and no __pycache__
    # in the tree): a copy of the package without its bytecode, every module compiled at start.
    bare = work / "tree-without-bytecode"
    shutil.copytree(tree / "mailbot", bare / "mailbot", ignore=shutil.ignore_patterns("__pycache__"))
    show(
        "drafts_list_compiling",
        "    mailbot drafts list, compiling mailbot",
        Runner(bare).mailbot(home, "drafts", "list"),
        "one run",
    )

    # -- ingest: import of .eml files against IMAP -------------------------------------------
    emls = work / "eml"
    emls.mkdir()
    for i in range(args.letters):
        (emls / f"{i:05d}.eml").write_bytes(letter(i, subject=f"Lettera di prova {i}"))
    home2 = work / "import-home"
    home2.mkdir()
    (home2 / "mailbot.toml").write_text(CONFIG, encoding="utf-8")
    # Each ingest step starts with nothing left to write back (the site steps above wrote
    # thousands of files, and the .eml files were just written): an fsync then waits for its
    # own files only, as it does in the IMAP run.
    figures["load_before_import"] = round(os.getloadavg()[0], 2)
    os.sync()
    seconds = runner.mailbot(home2, "import", str(emls))
    drafted = len(list((home2 / "drafts").glob("*.md")))
    show(
        "import_seconds",
        "(4) mailbot import",
        seconds,
        f"{drafted / seconds:.0f} letters/s ({drafted} drafts)",
    )
    figures["import_rate"] = round(drafted / seconds, 1)
    # The same files named one by one, as a shell glob gives them (`mailbot import eml/*.eml`).
    home3 = work / "import-files-home"
    home3.mkdir()
    (home3 / "mailbot.toml").write_text(CONFIG, encoding="utf-8")
    os.sync()
    seconds = runner.mailbot(home3, "import", *sorted(str(p) for p in emls.glob("*.eml")))
    drafted = len(list((home3 / "drafts").glob("*.md")))
    note = f"{drafted / seconds:.0f} letters/s ({drafted} drafts)"
    show("import_files_seconds", "(4) mailbot import eml/*.eml", seconds, note)
    figures["import_files_rate"] = round(drafted / seconds, 1)
    if not args.skip_imap:
        os.sync()
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "ingest.py"), "--letters", str(args.letters), "--json"],
            cwd=work,
            env=runner.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"bench/ingest.py failed:\n{(done.stdout + done.stderr)[-3000:]}")
        imap = json.loads(done.stdout)
        figures["imap_rate"] = imap["mailbot_msgs_per_s"]
        note = f"{imap['mailbot_msgs_per_s']:.0f} letters/s (run took {time.perf_counter() - started:.0f} s)"
        show("imap_seconds", "(4) IMAP ingest (bench/ingest.py)", imap["mailbot_seconds"], note)

    # -- Pelican, for scale --------------------------------------------------------------------
    if not args.skip_pelican:
        pelican = bench_site.ensure_pelican()
        bench_site.WORK.mkdir(parents=True, exist_ok=True)
        project = work / "pelican"
        content = project / "content"
        content.mkdir(parents=True)
        (project / "pelicanconf.py").write_text(bench_site._PELICAN_CONF, encoding="utf-8")
        for post in base:
            bench_site.write_markdown(post, content)
        command = [str(pelican), "content", "-o", "output", "-s", "pelicanconf.py", "-q"]
        show("pelican_full", "    Pelican full build", bench_site.measure(command, cwd=project).seconds)
        bench_site.write_markdown(new, content)
        show(
            "pelican_one", "    Pelican add one (cache on)", bench_site.measure(command, cwd=project).seconds
        )

    f = figures
    print()
    first, one = f["publish_first"] / f["renderer_full"], f["publish_one"] / f["renderer_one"]
    print(f"first publish / renderer full build:  {first:5.2f}x  (goal <= 1.3x; the fastest run of each)")
    print(f"one new post / renderer one post:     {one:5.2f}x  (goal <= 1.5x)")
    print(f"drafts list:                          {figures['drafts_list']:5.2f} s  (goal <= 0.3 s)")
    if "imap_rate" in figures:
        share = figures["import_rate"] / figures["imap_rate"]
        print(f"import rate / IMAP ingest rate:       {share:5.0%}  (goal >= 80%)")
        print(f"  load average (1 min) before import: {figures['load_before_import']:5.2f}")
        share = figures["import_files_rate"] / figures["imap_rate"]
        print(f"  the same, files one by one:         {share:5.0%}")
    if "pelican_one" in figures:
        print(
            f"Pelican add-one / mailbot one post:   {figures['pelican_one'] / figures['publish_one']:5.1f}x"
        )
    if args.json:
        every = {**figures, **{key: [round(x, 3) for x in values] for key, values in runs.items()}}
        args.json.write_text(json.dumps(every, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
