"""The wheel users install holds the whole program: code, theme, catalogs and licence."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import mailbot

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_templates_catalogs_licence_and_one_version(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("mailbot-*.whl")
    assert wheel.name.startswith(f"mailbot-{mailbot.__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = ROOT / "mailbot" / "site" / "templates"
    shipped = [t for t in theme.rglob("*") if t.is_file()]
    assert any(t.name == "post.html" for t in shipped) and any(t.suffix == ".css" for t in shipped)
    for template in shipped:
        assert f"mailbot/site/templates/{template.relative_to(theme).as_posix()}" in names
    catalogs = [n for n in names if n.startswith("mailbot/site/locale/") and n.endswith(".po")]
    assert {n.split("/")[3] for n in catalogs} >= {"it", "fr", "de", "es"}
    # The top-level templates/ folder is a link to the package's, for people browsing the repository.
    assert (ROOT / "templates").resolve() == theme.resolve()
    assert {"mailbot/forwards/vocabulary/en.toml", "mailbot/forwards/vocabulary/it.toml"} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert f"Version: {mailbot.__version__}\n" in text
    assert not any(n.startswith(("tests/", "bench/", "examples/")) for n in names)
