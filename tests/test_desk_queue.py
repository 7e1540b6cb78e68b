"""The desk's queue looks at the drafts folder once per request, and still sees every hand edit."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from deskkit import EMAIL, PASSWORD, add_reviewer, make_config, poll
from flask.testing import FlaskClient
from mailfactory import letter

from mailbot.config import Config
from mailbot.desk.app import create_app
from mailbot.drafts.index import DraftIndex
from mailbot.drafts.store import DraftStore


@pytest.fixture
def signed_in(tmp_path: Path) -> tuple[Config, FlaskClient]:
    config = make_config(tmp_path)
    poll(config, [letter(1), letter(2)])
    add_reviewer(config)
    app = create_app(config, signin_delay=0)
    app.testing = True
    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    answer = client.post("/signin", data={"email": EMAIL, "password": PASSWORD, "csrf_token": found.group(1)})
    assert answer.status_code == 302
    return config, client


def queue(client: FlaskClient, path: str = "/") -> str:
    answer = client.get(path)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_a_hand_edit_between_two_queue_requests_shows_in_the_second(
    signed_in: tuple[Config, FlaskClient],
) -> None:
    config, client = signed_in
    first = queue(client)
    assert "Lettera numero 1" in first and "Lettera numero 2" in first
    assert ">draft (2)<" in first and ">approved (0)<" in first
    store = DraftStore(config.paths.drafts)
    path = store.path(next(d.id for d in store.all() if d.title == "Lettera numero 1"))
    # A reviewer edits the file in place in an editor (same inode), a second later.
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    text = text.replace('title = "Lettera numero 1"', 'title = "Lettera corretta 1"')
    text = text.replace('status = "draft"', 'status = "approved"')
    with path.open("r+", encoding="utf-8") as fh:
        fh.write(text)
        fh.truncate()
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert path.stat().st_ino == before.st_ino
    second = queue(client)
    assert ">draft (1)<" in second and ">approved (1)<" in second
    assert "Lettera numero 1" not in second and "Lettera numero 2" in second
    approved = queue(client, "/?status=approved")
    assert "Lettera corretta 1" in approved and "Lettera numero 2" not in approved


def test_one_queue_request_looks_at_the_files_once(
    signed_in: tuple[Config, FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    _config, client = signed_in
    syncs: list[Path] = []
    real = DraftIndex.sync

    def counted(index: DraftIndex) -> None:
        syncs.append(index.folder)
        real(index)

    monkeypatch.setattr(DraftIndex, "sync", counted)
    page = queue(client, "/?status=all&q=lettera")
    assert "Lettera numero 1" in page and ">draft (2)<" in page
    assert len(syncs) == 1
    queue(client)
    assert len(syncs) == 2
