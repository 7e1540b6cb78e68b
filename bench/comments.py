"""Benchmark: one new comment on a 10,000-post site publishes in about the time of one new post.

Run from the repository root::

    .venv/bin/python bench/comments.py              # 10,000 posts
    .venv/bin/python bench/comments.py --posts 2000 # a quicker run

The posts are bench/site.py's synthetic Italian blog, with comments open (a "Commenta via
e-mail" link on every page) and seven approved comments on one post in ten. In one run, each
step in a fresh process (start-up included) calling ``render_site`` on posts loaded from a pickle:

1. the full build into an empty folder;
2. **one new post** (what ``mailbot publish`` does after one approval): the baseline;
3. **one new comment** on a post in the middle of the site;
4. **one new comment** on the newest post (its page, the front page and the newest numbered page);
5. one comment deleted again.

It prints each time, the files written, and the ratio of (3) and (4) to (2).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import pickle
import shutil
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailbot.models import CommentLinks, Post, PostComment  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_site", ROOT / "bench" / "site.py")
assert _spec is not None and _spec.loader is not None
site_bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_site"] = site_bench
_spec.loader.exec_module(site_bench)

WORK = ROOT / "build" / "bench-comments"


def with_comments(post: Post, count: int, first: int) -> Post:
    comments = tuple(
        PostComment(first + i, "" if i % 3 == 1 else f"Lettore {i}", f"Commento {i}: grazie!\nA presto.",
                    post.date + timedelta(hours=i + 1))
        for i in range(count)
    )  # fmt: skip
    links = CommentLinks(address=f"blog+c-{post.id}@example.org", subject=f"Re: {post.title} [c-{post.id}]")
    return dataclasses.replace(post, comments=comments, comment_links=links)


def step(label: str, posts: list[Post], out: Path) -> float:
    pickled = WORK / "posts.pickle"
    with open(pickled, "wb") as fh:
        pickle.dump((posts, site_bench.SITE), fh)
    run, output = site_bench.mailbot_publish(pickled, out)
    written = output.splitlines()[0]
    print(f"{label:<38} {run.seconds:7.2f} s  {run.peak_mib:6.0f} MiB  {written}")
    return float(run.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=10_000)
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    site_bench.__dict__["WORK"] = WORK  # its measure() writes its log there
    made = site_bench.make_posts(args.posts + 1)
    posts = [with_comments(p, 7 if n % 10 == 0 else 0, n * 10) for n, p in enumerate(made[:-1])]
    newest = with_comments(made[-1], 0, 0)
    out = WORK / "site"
    print(f"{args.posts} posts, {sum(len(p.comments) for p in posts)} comments")
    step("full build", posts, out)
    posts = [*posts, newest]
    one_post = step("one new post (baseline)", posts, out)
    middle = len(posts) // 2
    old = posts[middle]
    posts[middle] = dataclasses.replace(
        old,
        comments=(*old.comments, PostComment(10**9, "Anna", "Bella lettera.", old.date + timedelta(days=1))),
    )
    mid = step("one new comment, middle post", posts, out)
    posts[-1] = dataclasses.replace(
        newest, comments=(PostComment(10**9 + 1, "", "Prima!", newest.date + timedelta(hours=1)),)
    )
    new = step("one new comment, newest post", posts, out)
    posts[middle] = old
    step("one comment deleted", posts, out)
    print(f"ratio to one new post: middle post {mid / one_post:.2f}, newest post {new / one_post:.2f}")


if __name__ == "__main__":
    main()
