"""The review commands through the CLI (click's CliRunner): kinds, warnings, hidden values, history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from mailfactory import letter, maildir

from mailbot.cli import cli
from mailbot.cli import review as cli_drafts
from mailbot.config import Config, load_config
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import Status
from mailbot.sources.local import MaildirInbox

IBAN = "IT60X0542811101000000123456"  # the standard example of a valid Italian IBAN


def plain(n: int) -> bytes:
    """A colleague's own message, not a forward."""
    return (
        f"From: Anna Bianchi <anna.bianchi@napoli.example.org>\nTo: blog@example.org\n"
        f"Subject: Una mia idea {n}\nMessage-ID: <plain{n}@napoli.example.org>\n"
        "Date: Tue, 23 Jan 2007 10:00:00 +0100\n\nScrivo io, non un cliente.\n"
    ).encode()


def with_iban(n: int) -> bytes:
    return letter(n).replace(b"Saluti.", f"Rimborsate sul mio conto {IBAN} per favore. Saluti.".encode())


def make_config(tmp_path: Path, extra: str = "") -> Config:
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org"]\n' + extra + "[paths]\n"
        f'drafts = "{tmp_path}/drafts"\nstate = "{tmp_path}/state"\nsite = "{tmp_path}/site"\n'
        f'[local]\nmaildir = "{tmp_path}/inbox"\n'
    )
    return load_config(tmp_path / "mailbot.toml")


def poll(config: Config, messages: list[bytes]) -> None:
    maildir(config.local.maildir, messages)
    with Ledger(config.ledger_path) as ledger:
        Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))


def mailbot(config: Config, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config.path), *args], input=input)


def publish_first_draft(config: Config) -> str:
    """Approve the first draft `drafts list` shows and publish, through the CLI; its id."""
    post_id = str(json.loads(mailbot(config, "drafts", "list", "--json").output)[0]["id"])
    assert mailbot(config, "drafts", "approve", "--yes", post_id).exit_code == 0
    assert mailbot(config, "publish").exit_code == 0
    return post_id


def test_drafts_record_their_kind_and_the_list_shows_it(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    poll(config, [letter(1), plain(2)])
    listed = json.loads(mailbot(config, "drafts", "list", "--json").stdout)
    kinds = {item["title"]: (item["kind"], item["warnings"]) for item in listed}
    assert kinds == {"Lettera numero 1": ("forward", []), "Una mia idea 2": ("not-forward", [])}
    text = mailbot(config, "drafts", "list").output.splitlines()
    assert text[0].split() == ["ID", "STATUS", "KIND", "MARKS", "AUTHOR", "FORWARDED", "BY", "TITLE"]
    assert any("not-forward" in line and "Una mia idea 2" in line for line in text[1:])
    shown = mailbot(config, "drafts", "show", listed[1]["id"]).output
    assert "kind:         not-forward (no forwarded letter in it" in shown


def test_require_forward_quarantines_the_rest_with_the_reason(tmp_path: Path) -> None:
    config = make_config(tmp_path, "require_forward = true\n")
    maildir(config.local.maildir, [letter(1), plain(2)])
    with Ledger(config.ledger_path) as ledger:
        report = Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
    assert len(report.drafted) == 1
    ((_, reason),) = report.failed
    assert reason.startswith("not a forward (") and "require_forward" in reason
    assert [d.kind for d in DraftStore(config.paths.drafts).all()] == ["forward"]


def test_approving_hidden_values_asks_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_config(tmp_path)
    poll(config, [with_iban(1), letter(2)])
    store = DraftStore(config.paths.drafts)
    flagged, clean = store.all()
    assert flagged.warnings == ("redacted",) and clean.warnings == ()
    assert IBAN not in flagged.body and "[IBAN]" in flagged.body
    rows = {
        line.split()[0]: line.split()[3] for line in mailbot(config, "drafts", "list").output.splitlines()[1:]
    }
    assert rows == {flagged.id: "H", clean.id: "-"}
    # No terminal to ask on: nothing is approved, and the sentence says what to do.
    refused = mailbot(config, "drafts", "approve", "--all")
    assert refused.exit_code == 2
    assert "placeholders like [IBAN]" in refused.output and "--yes" in refused.output
    assert {d.status for d in store.all()} == {Status.DRAFT}
    # At a terminal the reviewer is asked; "no" changes nothing.
    monkeypatch.setattr(cli_drafts, "_interactive", lambda: True)
    assert mailbot(config, "drafts", "approve", flagged.id, input="n\n").exit_code == 1
    assert store.read(flagged.id).status is Status.DRAFT
    assert mailbot(config, "drafts", "approve", flagged.id, input="y\n").exit_code == 0
    assert store.read(flagged.id).status is Status.APPROVED
    # A draft with nothing hidden is approved without a question; --yes skips it for the rest.
    monkeypatch.setattr(cli_drafts, "_interactive", lambda: False)
    assert mailbot(config, "drafts", "approve", clean.id).exit_code == 0
    store.transition([flagged.id], "unapprove")
    assert mailbot(config, "drafts", "approve", "--all", "--yes").exit_code == 0
    assert {d.status for d in store.all()} == {Status.APPROVED}


def test_the_demo_approves_with_yes() -> None:
    makefile = (Path(__file__).parent.parent / "Makefile").read_text()
    assert "drafts approve --all --yes" in makefile


def test_one_broken_draft_stops_no_command(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    poll(config, [letter(1), letter(2)])
    store = DraftStore(config.paths.drafts)
    good, bad = store.all()
    store.transition([good.id, bad.id], "approve")
    path = store.path(bad.id)
    text = path.read_text()
    assert text.split("\n")[3] == 'title = "Lettera numero 2"'  # line 4
    path.write_text(text.replace('title = "Lettera numero 2"', 'title = "Lettera numero 2'))
    (config.paths.drafts / "README.md").write_text("Notes about this folder.\n")
    listed = mailbot(config, "drafts", "list")
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.output.splitlines() if line.startswith(bad.id))
    assert row.split()[1] == "broken" and "line 4" in row
    items = {i["id"]: i for i in json.loads(mailbot(config, "drafts", "list", "--json").stdout)}
    assert items[bad.id]["status"] == "broken" and items[bad.id]["line"] == 4
    assert items[good.id]["status"] == "approved" and "README" not in items
    assert mailbot(config, "status").exit_code == 0
    assert mailbot(config, "preview").exit_code == 0
    published = mailbot(config, "publish")
    assert published.exit_code == 0, published.output
    assert f"published {good.id}" in published.stdout and bad.id not in published.stdout
    assert store.read(good.id).status is Status.PUBLISHED
    shown = mailbot(config, "drafts", "show", bad.id)
    assert shown.exit_code == 1 and f"{bad.id}.md has invalid front matter at line 4" in shown.output


def test_review_transitions_are_checked_and_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "rita")
    monkeypatch.setenv("USER", "rita")
    config = make_config(tmp_path)
    poll(config, [letter(1), letter(2), letter(3)])
    store = DraftStore(config.paths.drafts)
    one, two, three = (d.id for d in store.all())
    assert (one, two, three) == (
        "20070122-lettera-numero-1",
        "20070122-lettera-numero-2",
        "20070122-lettera-numero-3",
    )
    ambiguous = mailbot(config, "drafts", "approve", "20070122-lettera")
    assert ambiguous.exit_code == 2 and f"could be any of {one}, {two}, {three}" in ambiguous.output
    # Rejected, then approved only with --force; the rejection stays in the history.
    assert mailbot(config, "drafts", "reject", two, "--reason", "già pubblicata").exit_code == 0
    refused = mailbot(config, "drafts", "approve", two)
    assert (
        refused.exit_code == 2
        and "was rejected (già pubblicata)" in refused.output
        and "--force" in refused.output
    )
    assert store.read(two).status is Status.REJECTED
    assert mailbot(config, "drafts", "approve", two, "--force").exit_code == 0
    # Unapprove moves an approved draft back; a draft cannot be unapproved.
    assert mailbot(config, "drafts", "approve", one).exit_code == 0
    assert mailbot(config, "drafts", "unapprove", one).output == f"{one} is a draft again\n"
    assert store.read(one).status is Status.DRAFT
    assert mailbot(config, "drafts", "unapprove", one).exit_code == 2
    history = json.loads(mailbot(config, "drafts", "history", two, "--json").stdout)
    assert [(h["who"], h["action"]) for h in history] == [
        ("mailbot", "create"),
        ("rita", "reject"),
        ("rita", "approve"),
    ]
    assert history[1]["detail"] == "draft → rejected; reason: già pubblicata"
    assert history[2]["detail"] == "rejected → approved"
    text = mailbot(config, "drafts", "history", two[:-1] + "2").output.splitlines()
    assert len(text) == 3 and text[1].split()[1:3] == ["rita", "reject"]


def test_delete_removes_the_file_and_images_but_not_the_ledger_row(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    poll(config, [letter(1), letter(2)])
    store = DraftStore(config.paths.drafts)
    one, two = (d.id for d in store.all())
    (config.paths.drafts / f"{one}.assets").mkdir()
    (config.paths.drafts / f"{one}.assets" / f"{one}-1.jpg").write_bytes(b"\xff\xd8")
    assert mailbot(config, "drafts", "delete", one).exit_code == 2  # no terminal to confirm on
    assert store.exists(one)
    assert mailbot(config, "drafts", "delete", one, "--yes").exit_code == 0
    assert not store.exists(one) and not (config.paths.drafts / f"{one}.assets").exists()
    # The same message again, and the same letter from another colleague: never drafted again.
    again = tmp_path / "again"
    twin = letter(1, sender="marco@milano.example.org", message_id="<other@milano.example.org>")
    maildir(again, [letter(1), twin])
    with Ledger(config.ledger_path) as ledger:
        report = Pipeline(config, ledger).run(MaildirInbox(again))
    assert (report.drafted, report.duplicates, report.credited) == ([], 2, 0)
    assert [d.id for d in store.all()] == [two]
    actions = [h["action"] for h in json.loads(mailbot(config, "drafts", "history", one, "--json").stdout)]
    assert actions == ["create", "delete"]
    # A post on the site is retracted before it can be deleted.
    store.transition([two], "approve")
    assert mailbot(config, "publish").exit_code == 0
    refused = mailbot(config, "drafts", "delete", two, "--yes")
    assert refused.exit_code == 2 and "retract it first" in refused.output


def test_the_list_has_a_header_and_cuts_names_between_words() -> None:
    assert cli_drafts._fit("i colleghi di Napoli, Marco, Giulia", 24) == "i colleghi di Napoli…"
    assert cli_drafts._fit("Visita-www.evil.example.com", 10) == "Visita-ww…"  # one word: no choice
    assert cli_drafts._fit("Tommaso", 20) == "Tommaso"


def test_a_pending_amendment_is_shown_marked_and_decided_by_a_reviewer(tmp_path: Path) -> None:
    from test_pipeline import evil_twin

    config = make_config(tmp_path)
    poll(config, [letter(5), letter(6)])
    store = DraftStore(config.paths.drafts)
    five, six = (d.id for d in store.all())
    assert mailbot(config, "drafts", "approve", five, six).exit_code == 0
    assert mailbot(config, "publish").exit_code == 0
    poll(config, [evil_twin(5), evil_twin(6)])
    rows = {
        line.split()[0]: line.split()[3] for line in mailbot(config, "drafts", "list").output.splitlines()[1:]
    }
    assert rows == {five: "P", six: "P"}
    shown = mailbot(config, "drafts", "show", five).output
    assert "pending amendment, not published" in shown
    assert "+ Visita-www.evil.example <visita@roma.example.org>: ACQUISTA ORA su www.evil.example" in shown
    assert "Anna Bianchi <anna.bianchi@napoli.example.org>: Vi giro la lettera numero 5." in shown
    accepted = mailbot(config, "drafts", "accept", five)
    assert accepted.output == f"accepted the amendment of {five}; it is approved\n"
    assert mailbot(config, "drafts", "discard", six).output == f"discarded the amendment of {six}\n"
    assert mailbot(config, "drafts", "discard", six).exit_code == 2
    assert "published" in mailbot(config, "publish").output
    history = json.loads(mailbot(config, "drafts", "history", five, "--json").stdout)
    assert [h["action"] for h in history] == [
        "create",
        "approve",
        "publish",
        "credit-pending",
        "accept",
        "publish",
    ]
    assert history[4]["detail"] == "forwarders visita@roma.example.org; was published, now approved"
    six_history = [
        h["action"] for h in json.loads(mailbot(config, "drafts", "history", six, "--json").stdout)
    ]
    assert six_history == ["create", "approve", "publish", "credit-pending", "discard"]
    retracted = mailbot(config, "retract", six, "--reason", "ritirata")
    assert retracted.exit_code == 0, retracted.output
    last = json.loads(mailbot(config, "drafts", "history", six, "--json").stdout)[-1]
    assert (last["action"], last["detail"]) == ("retract", "published → retracted; reason: ritirata")


def test_restoring_a_hidden_value_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "rita")
    monkeypatch.setenv("USER", "rita")
    config = make_config(tmp_path)
    poll(config, [with_iban(1)])
    (draft,) = DraftStore(config.paths.drafts).all()
    number = next(i for i, r in enumerate(draft.redactions, 1) if r.kind == "iban")
    assert mailbot(config, "drafts", "restore", draft.id, str(number)).exit_code == 0
    assert IBAN in DraftStore(config.paths.drafts).read(draft.id).body
    last = json.loads(mailbot(config, "drafts", "history", draft.id, "--json").stdout)[-1]
    assert (last["who"], last["action"], last["detail"]) == (
        "rita",
        "restore",
        f"iban in body (number {number})",
    )


def test_commands_take_an_unambiguous_prefix(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    poll(config, [letter(1, subject="Grazie di cuore"), letter(2, subject="Reclamo")])
    assert mailbot(config, "drafts", "show", "20070122-g").output.startswith(
        "id:           20070122-grazie-di-cuore\n"
    )
    assert mailbot(config, "drafts", "approve", "20070122-r").output == "approved 20070122-reclamo\n"
    assert mailbot(config, "publish").exit_code == 0
    assert mailbot(config, "retract", "20070122-r").exit_code == 0
    assert DraftStore(config.paths.drafts).read("20070122-reclamo").status is Status.RETRACTED
    ambiguous = mailbot(config, "drafts", "show", "20070122")
    assert ambiguous.exit_code == 2
    assert (
        "could be any of 20070122-grazie-di-cuore, 20070122-reclamo; give more of the id" in ambiguous.output
    )
