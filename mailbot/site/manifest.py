"""The site's manifest: every file mailbot generated, with the fingerprint of its inputs.

``<site>/.mailbot-manifest.json`` records, for every generated file, a fingerprint of everything
its bytes depend on and its size (:mod:`mailbot.site.render` skips a file whose fingerprint
is unchanged, and never deletes a file the manifest does not list).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from mailbot.errors import PublishError

MANIFEST_NAME = ".mailbot-manifest.json"
VERSION = 2

# rel -> [fingerprint, size]; version 1 manifests (a plain list) have no fingerprints.
Manifest = dict[str, list[Any]]


def read_manifest(root: Path) -> Manifest:
    """The manifest of the site folder ``root`` (empty when there is none yet)."""
    path = root / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PublishError(
            f"the manifest {path} is unreadable"
            f" ({exc}); restore it, or empty the site folder and publish again."
        ) from exc
    files = data.get("files") if isinstance(data, dict) else None
    if isinstance(files, list) and all(isinstance(f, str) for f in files):
        return {f: ["", -1] for f in files}
    if isinstance(files, dict) and all(
        isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int)
        for v in files.values()
    ):
        return cast(Manifest, files)
    raise PublishError(
        f"the manifest {path} is not a mailbot manifest;"
        " restore it, or empty the site folder and publish again."
    )


def manifest_bytes(files: Manifest) -> bytes:
    """The manifest file's bytes for ``files``."""
    body = json.dumps(dict(sorted(files.items())), separators=(",", ":"))
    # One file per line, so a reviewer can read the diff of a golden manifest. Outside
    # strings only, '],"' separates two entries: inside a JSON string '"' is always escaped.
    body = "{\n" + body[1:-1].replace('],"', '],\n"') + "\n}"
    return f'{{"version":{VERSION},"files":{body}}}\n'.encode()
