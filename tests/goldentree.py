"""Golden-output comparison of a whole folder, shared by the site and demo tests.

After an intended change to templates or renderer, regenerate the expected
trees and review the diff with git::

    make golden        # = MAILBOT_REGEN_GOLDEN=1 pytest tests/test_publish.py tests/test_demo.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its relative POSIX path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def compare_with_golden(actual: Path, golden: Path) -> None:
    """Fail with a readable diff unless ``actual`` equals ``golden`` byte for byte."""
    if os.environ.get("MAILBOT_REGEN_GOLDEN") == "1":
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(actual, golden)
    assert golden.is_dir(), f"{golden} is missing; run `make golden`"
    got, want = tree(actual), tree(golden)
    assert sorted(got) == sorted(want)
    for rel, data in got.items():
        if data != want[rel]:
            diff = difflib.unified_diff(
                want[rel].decode("utf-8", "replace").splitlines(),
                data.decode("utf-8", "replace").splitlines(),
                f"golden/{rel}",
                f"rendered/{rel}",
                lineterm="",
            )
            pytest.fail(
                f"{rel} differs from the golden copy (run `make golden` if intended):\n"
                + "\n".join(list(diff)[:60])
            )
