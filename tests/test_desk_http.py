"""The review desk over HTTP (Flask's test client): sessions, CSRF, limiting, headers, one truth."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from deskkit import EMAIL, PASSWORD, add_reviewer, hostile, make_config, poll
from flask import Flask
from flask.testing import FlaskClient
from mailfactory import letter

from mailbot.cli import cli
from mailbot.config import Config
from mailbot.desk.app import create_app
from mailbot.drafts.store import DraftStore
from mailbot.models import Status


@pytest.fixture
def desk(tmp_path: Path) -> tuple[Config, Flask]:
    config = make_config(tmp_path)
    poll(config, [letter(1), hostile(2)])
    add_reviewer(config)
    app = create_app(config, signin_delay=0)
    app.testing = True
    return config, app


def token(client: FlaskClient, path: str = "/signin") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(client: FlaskClient, email: str = EMAIL, password: str = PASSWORD) -> int:
    answer = client.post("/signin", data={"email": email, "password": password, "csrf_token": token(client)})
    return answer.status_code


def draft_ids(config: Config) -> list[str]:
    return [d.id for d in DraftStore(config.paths.drafts).all()]


def test_healthz_answers_without_a_session_and_nothing_else_does(desk: tuple[Config, Flask]) -> None:
    config, app = desk
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    first = draft_ids(config)[0]
    for path in ("/", f"/drafts/{first}", f"/drafts/{first}/site/index.html"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].endswith("/signin")
    # A POST without a session changes nothing, even with a valid CSRF token of an anonymous session.
    answer = client.post(f"/drafts/{first}/do/approve", data={"csrf_token": token(client)})
    assert answer.status_code == 403
    assert DraftStore(config.paths.drafts).read(first).status is Status.DRAFT


def test_sign_in_then_the_queue_lists_the_drafts_escaped(desk: tuple[Config, Flask]) -> None:
    _config, app = desk
    client = app.test_client()
    assert sign_in(client) == 302
    page = client.get("/").get_data(as_text=True)
    assert "Lettera numero 1" in page
    assert "<script>window" not in page
    assert "&lt;script&gt;window.__pwned = 3&lt;/script&gt;" in page
    assert "draft (2)" in page


def test_wrong_or_missing_csrf_token_is_refused_and_changes_nothing(desk: tuple[Config, Flask]) -> None:
    config, app = desk
    client = app.test_client()
    sign_in(client)
    first = draft_ids(config)[0]
    before = (config.paths.drafts / f"{first}.md").read_bytes()
    assert client.post(f"/drafts/{first}/do/approve").status_code == 403
    assert client.post(f"/drafts/{first}/do/approve", data={"csrf_token": "forged"}).status_code == 403
    assert client.post(f"/drafts/{first}/edit", data={"title": "X", "csrf_token": ""}).status_code == 403
    assert (config.paths.drafts / f"{first}.md").read_bytes() == before
    # With the token the same request works: the refusals above were the token's doing.
    answer = client.post(f"/drafts/{first}/do/approve", data={"csrf_token": token(client, "/")})
    assert answer.status_code == 302
    assert DraftStore(config.paths.drafts).read(first).status is Status.APPROVED


def test_a_forged_session_cookie_is_rejected(desk: tuple[Config, Flask], tmp_path: Path) -> None:
    config, app = desk
    # A cookie signed with another key, claiming to be the reviewer.
    (tmp_path / "other").mkdir()
    other = create_app(make_config(tmp_path / "other"), signin_delay=0)
    with other.test_request_context():
        from flask import session

        session["who"] = EMAIL
        session["csrf"] = "t"
        forged = other.session_interface.get_signing_serializer(other).dumps(dict(session))  # type: ignore[attr-defined]
    client = app.test_client()
    client.set_cookie("mailbot_desk", forged)
    assert client.get("/").status_code == 302
    first = draft_ids(config)[0]
    assert client.post(f"/drafts/{first}/do/approve", data={"csrf_token": "t"}).status_code == 403
    assert DraftStore(config.paths.drafts).read(first).status is Status.DRAFT


def test_failed_sign_ins_are_limited_per_account_and_recorded(desk: tuple[Config, Flask]) -> None:
    config, app = desk
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, password="wrong password") == 401
    # The sixth try is refused even with the right password.
    assert sign_in(client) == 429
    # Another address is limited too for this account.
    elsewhere = app.test_client()
    answer = elsewhere.post(
        "/signin",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token(elsewhere)},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert answer.status_code == 429
    history = CliRunner().invoke(cli, ["--config", str(config.path), "drafts", "history", "-", "--json"])
    actions = [e["action"] for e in json.loads(history.output)]
    assert actions.count("sign-in-failed") == 5
    assert "sign-in-refused" in actions


def test_every_answer_carries_the_security_headers(desk: tuple[Config, Flask]) -> None:
    _config, app = desk
    client = app.test_client()
    for answer in (client.get("/signin"), client.get("/healthz")):
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        csp = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
    sign_in(client)
    cookie = client.get_cookie("mailbot_desk")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"


def test_cli_and_desk_share_the_drafts_and_the_audit_trail(desk: tuple[Config, Flask]) -> None:
    config, app = desk
    run = CliRunner()
    base = ["--config", str(config.path)]
    first, second = draft_ids(config)
    assert run.invoke(cli, [*base, "drafts", "approve", first, "--yes"]).exit_code == 0
    client = app.test_client()
    sign_in(client)
    assert "approved (1)" in client.get("/").get_data(as_text=True)
    page = client.get(f"/drafts/{second}").get_data(as_text=True)
    version = re.search(r'name="version" value="([0-9a-f]{64})"', page)
    assert version
    answer = client.post(
        f"/drafts/{second}/edit",
        data={
            "csrf_token": token(client, "/"),
            "version": version.group(1),
            "title": "Un titolo scelto",
            "intro": "Grazie ai colleghi di Napoli.",
            "body": DraftStore(config.paths.drafts).read(second).body,
            "author_style": "custom",
            "author": "Cliente",
            "forwarded_by": "i colleghi di Napoli",
        },
    )
    assert answer.status_code == 302
    listed = json.loads(run.invoke(cli, [*base, "drafts", "list", "--json"]).output)
    assert {d["id"]: d["title"] for d in listed}[second] == "Un titolo scelto"
    history = json.loads(run.invoke(cli, [*base, "drafts", "history", second, "--json"]).output)
    assert [(e["who"], e["action"]) for e in history][-1] == (EMAIL, "edit")
    assert "intro" in history[-1]["detail"] and "title" in history[-1]["detail"]
    history = json.loads(run.invoke(cli, [*base, "drafts", "history", first, "--json"]).output)
    assert history[-1]["action"] == "approve" and history[-1]["who"] != EMAIL


def test_a_stale_save_is_refused_with_both_versions(desk: tuple[Config, Flask]) -> None:
    config, app = desk
    client = app.test_client()
    sign_in(client)
    first = draft_ids(config)[0]
    page = client.get(f"/drafts/{first}").get_data(as_text=True)
    version = re.search(r'name="version" value="([0-9a-f]{64})"', page)
    assert version
    store = DraftStore(config.paths.drafts)
    d = store.read(first)
    d.intro = "Scritto da un altro revisore."
    store.write(d)
    answer = client.post(
        f"/drafts/{first}/edit",
        data={
            "csrf_token": token(client, "/"),
            "version": version.group(1),
            "title": "Il mio titolo",
            "intro": "La mia introduzione.",
        },
    )
    assert answer.status_code == 409
    shown = answer.get_data(as_text=True)
    assert "La mia introduzione." in shown and "Scritto da un altro revisore." in shown
    assert store.read(first).intro == "Scritto da un altro revisore."
    assert store.read(first).title != "Il mio titolo"


def test_the_desk_speaks_the_sites_language_unless_review_language_says_otherwise(tmp_path: Path) -> None:
    italian = create_app(make_config(tmp_path, review=""), signin_delay=0)
    page = italian.test_client().get("/signin").get_data(as_text=True)
    assert '<html lang="it">' in page
    assert ">Accedi</button>" in page and ">Password</label>" in page
    english = create_app(make_config(tmp_path), signin_delay=0)
    page = english.test_client().get("/signin").get_data(as_text=True)
    assert ">Sign in</button>" in page and ">Email</label>" in page


def test_behind_a_trusted_proxy_under_a_prefix_the_cookie_is_secure(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        review='language = "en"\nbase_url = "https://desk.example.org/review/"\ntrust_proxy = true\n',
    )
    add_reviewer(config)
    app = create_app(config, signin_delay=0)
    client = app.test_client()
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "desk.example.org"}
    page = client.get("/review/signin", headers=https).get_data(as_text=True)
    assert 'action="/review/signin"' in page
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    answer = client.post(
        "/review/signin",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": found.group(1)},
        headers=https,
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/review/")
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "Path=/review" in cookie


def test_without_trust_proxy_forwarded_headers_are_ignored(desk: tuple[Config, Flask]) -> None:
    _config, app = desk
    client = app.test_client()
    page = client.get("/signin", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in page.headers["Set-Cookie"]


def test_a_hidden_value_is_put_back_only_after_confirming(desk: tuple[Config, Flask], tmp_path: Path) -> None:
    config, app = desk
    poll(config, [letter(3).replace(b"Saluti.", b"Il mio IBAN: IT60X0542811101000000123456. Saluti.")])
    store = DraftStore(config.paths.drafts)
    d = next(d for d in store.all() if d.redactions)
    assert "IT60X0542811101000000123456" not in d.body
    client = app.test_client()
    sign_in(client)
    page = client.get(f"/drafts/{d.id}").get_data(as_text=True)
    assert "IT60X0542811101000000123456" not in page  # masked on the draft page
    confirm = client.get(f"/drafts/{d.id}/restore/1")
    assert confirm.status_code == 200 and "IT60X0542811101000000123456" in confirm.get_data(as_text=True)
    assert "IT60X0542811101000000123456" not in store.read(d.id).body  # asking changes nothing
    client.post(f"/drafts/{d.id}/restore/1", data={"csrf_token": token(client, "/")})
    assert "IT60X0542811101000000123456" in store.read(d.id).body
    history = json.loads(
        CliRunner().invoke(cli, ["--config", str(config.path), "drafts", "history", d.id, "--json"]).output
    )
    assert (history[-1]["who"], history[-1]["action"]) == (EMAIL, "restore")


def test_publish_and_retract_from_the_desk_change_the_site_and_name_the_reviewer(
    desk: tuple[Config, Flask],
) -> None:
    config, app = desk
    client = app.test_client()
    sign_in(client)
    store = DraftStore(config.paths.drafts)
    first = next(d.id for d in store.all() if d.title == "Lettera numero 1")
    csrf = token(client, "/")
    # Publishing a draft that is not approved is refused: nothing reaches the site.
    client.post(f"/drafts/{first}/do/publish", data={"csrf_token": csrf})
    assert not list(config.paths.site.rglob("lettera-numero-1"))
    client.post(f"/drafts/{first}/do/approve", data={"csrf_token": csrf})
    client.post(f"/drafts/{first}/do/publish", data={"csrf_token": csrf})
    assert store.read(first).status is Status.PUBLISHED
    assert len(list(config.paths.site.rglob("lettera-numero-1/index.html"))) == 1
    client.post(f"/drafts/{first}/do/retract", data={"csrf_token": csrf, "reason": "the customer asked"})
    retracted = store.read(first)
    assert (retracted.status, retracted.reason) == (Status.RETRACTED, "the customer asked")
    assert not list(config.paths.site.rglob("lettera-numero-1/index.html"))
    history = json.loads(
        CliRunner().invoke(cli, ["--config", str(config.path), "drafts", "history", first, "--json"]).output
    )
    mine = [e["action"] for e in history if e["who"] == EMAIL]
    assert mine == ["approve", "publish-now", "retract"]


def test_reviewers_are_managed_from_the_command_line(desk: tuple[Config, Flask]) -> None:
    config, app = desk
    run = CliRunner()
    base = ["--config", str(config.path), "reviewers"]
    added = run.invoke(
        cli, [*base, "add", "Marco", "marco@example.org", "--password-stdin"], input="first pass\n"
    )
    assert added.exit_code == 0, added.output
    assert "marco@example.org" in run.invoke(cli, [*base, "list"]).output
    again = run.invoke(cli, [*base, "add", "Marco", "marco@example.org", "--password-stdin"], input="x" * 9)
    assert again.exit_code == 2 and "already" in again.output
    client = app.test_client()
    assert sign_in(client, "marco@example.org", "first pass") == 302
    changed = run.invoke(
        cli, [*base, "passwd", "marco@example.org", "--password-stdin"], input="second pass\n"
    )
    assert changed.exit_code == 0
    assert sign_in(app.test_client(), "marco@example.org", "first pass") == 401
    assert sign_in(app.test_client(), "marco@example.org", "second pass") == 302
    assert run.invoke(cli, [*base, "remove", "marco@example.org"]).exit_code == 0
    # The removed reviewer's open session stops working at once.
    assert client.get("/").status_code == 302
    assert "marco@example.org" not in run.invoke(cli, [*base, "list"]).output


def test_a_session_expires_after_session_hours(
    desk: tuple[Config, Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    _config, app = desk
    client = app.test_client()
    sign_in(client)
    assert client.get("/").status_code == 200
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 12 * 3600 + 60)  # [review] session_hours = 12
    assert client.get("/").status_code == 302


def test_the_queue_searches_text_and_filters_by_forwarder(desk: tuple[Config, Flask]) -> None:
    config, app = desk
    poll(config, [letter(5, sender="marco.neri@milano.example.org")])
    client = app.test_client()
    sign_in(client)
    page = client.get("/?status=all&forwarder=milano").get_data(as_text=True)
    assert "Lettera numero 5" in page and "Lettera numero 1" not in page
    page = client.get("/?status=all&q=lettera+1.").get_data(as_text=True)
    assert "Lettera numero 1" in page and "Lettera numero 5" not in page
