"""Python's cycle collector paused for the length of a big build (a publish, a render).

A build of 10,000 posts keeps some 10^5 objects alive (drafts, posts, their views) and makes
almost no reference cycles. The collector does not know that: it scans the live objects again
every few thousand allocations, 0.4-0.7 s of a 10,000-post publish (bench/README.md, round 6).
:func:`paused` switches it off for the build, and on again after. Objects freed by their
reference counts (nearly all) go at once as usual; the few cycles wait for the next collection.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # builds under way (nested, or in several threads of one process: the review desk)
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """The collector off while the block runs (and any other block paused meanwhile).

    The collector is process-wide: it is switched on again when the last paused block ends,
    and only if it was on when the first began.
    """
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
