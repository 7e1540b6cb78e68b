"""Stages do not import each other: ingest never imports the site, nor the site ingest.

The import statements are read with ``ast`` (every ``import`` and ``from ... import`` anywhere
in a module, type-checking imports and imports inside functions included), so the rule holds
whatever a module does at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mailbot"


def imported(source: str, module: str) -> set[str]:
    """Every module name that ``source`` (the text of ``module``, dotted) imports, made absolute."""
    names: set[str] = set()
    package = module.split(".")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # A module's own package is everything but its last part; each extra dot goes up one.
                base = ".".join(package[: len(package) - node.level])
                stem = f"{base}.{node.module}" if node.module else base
            else:
                stem = node.module or ""
            names.add(stem)
            # `from mailbot import site` imports the package mailbot.site.
            names.update(f"{stem}.{alias.name}" for alias in node.names)
    return names


def modules_of(package: str) -> dict[str, str]:
    """Dotted name → source text of every module in ``mailbot/<package>``."""
    folder = PACKAGE / package
    found = {}
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path.read_text(encoding="utf-8")
    return found


def crossings(package: str, forbidden: str) -> list[str]:
    """``module imports name`` for each import of ``mailbot.<forbidden>`` from ``mailbot/<package>``."""
    bad = []
    for module, source in modules_of(package).items():
        for name in sorted(imported(source, module)):
            if name == f"mailbot.{forbidden}" or name.startswith(f"mailbot.{forbidden}."):
                bad.append(f"{module} imports {name}")
    return bad


@pytest.mark.parametrize(("package", "forbidden"), [("ingest", "site"), ("site", "ingest")])
def test_ingest_and_the_site_do_not_import_each_other(package: str, forbidden: str) -> None:
    assert modules_of(package), f"mailbot/{package} has no modules: the test would prove nothing"
    assert crossings(package, forbidden) == []


@pytest.mark.parametrize(
    "line",
    [
        "import mailbot.site.wording",
        "from mailbot.site import wording",
        "from mailbot.site.wording import default_intro",
        "from mailbot import site",
        "from ..site import wording",
        "from ..site.render import render_site",
        "def f():\n    from mailbot.site.publishing import Publisher\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mailbot.site\n",
    ],
)
def test_the_reader_sees_every_way_of_importing_the_site(line: str) -> None:
    names = imported(line, "mailbot.ingest.pipeline")
    assert any(n == "mailbot.site" or n.startswith("mailbot.site.") for n in names), names


@pytest.mark.parametrize(
    "line",
    [
        "from mailbot import wording",
        "from mailbot.sources.base import Source",
        "from . import route",
        "import mailbot.sitemap",  # a name that only starts like the package
    ],
)
def test_the_reader_lets_other_imports_through(line: str) -> None:
    names = imported(line, "mailbot.ingest.pipeline")
    assert not any(n == "mailbot.site" or n.startswith("mailbot.site.") for n in names), names
