"""The pipeline over a local Maildir: exactly once, quarantine, dedup, crash at every step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mailfactory import letter, maildir

from mailbot.config import Config, load_config
from mailbot.drafts.store import DraftStore
from mailbot.errors import UsageError
from mailbot.ingest.ledger import DRAFTED, FAILED, Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import Status
from mailbot.site.draftpage import render_preview
from mailbot.site.publishing import Publisher
from mailbot.sources.local import MaildirInbox, import_sources


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org", "*@example.org"]\n'
        '[attribution.labels]\n"napoli.example.org" = "i colleghi di Napoli"\n'
    )
    return load_config(tmp_path / "mailbot.toml")


def poll(config: Config) -> Any:
    with Ledger(config.ledger_path) as ledger:
        return Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))


def test_poll_drafts_each_letter_and_moves_it(config: Config) -> None:
    box = maildir(config.local.maildir, [letter(i) for i in range(3)])
    report = poll(config)
    assert len(report.drafted) == 3 and not report.failed
    assert not list((box / "new").iterdir())
    assert sorted(p.name.split(":")[1] for p in (box / "cur").iterdir()) == ["2,S"] * 3
    drafts = DraftStore(config.paths.drafts).all()
    assert {d.title for d in drafts} == {"Lettera numero 0", "Lettera numero 1", "Lettera numero 2"}
    first = drafts[0]
    assert first.status is Status.DRAFT
    assert first.forwarded_by == ("i colleghi di Napoli",)
    assert first.author_display == "Cliente"
    # The forwarder's note is internal: kept for the reviewer, never the public intro, which
    # starts as the editors' sentence made from the attribution (the test site is English).
    assert first.intro == "Thanks to i colleghi di Napoli for passing on this letter from Cliente."
    assert first.forwarders[0].note is not None and first.forwarders[0].note.startswith("Vi giro la lettera")
    # a second run changes nothing
    again = poll(config)
    assert again.seen == 0
    assert len(DraftStore(config.paths.drafts).all()) == 3


def test_unknown_sender_and_garbage_are_quarantined_and_the_run_goes_on(config: Config) -> None:
    box = maildir(
        config.local.maildir, [letter(1, sender="mallory@evil.example.com"), b"\x00\xff" * 10, letter(2)]
    )
    report = poll(config)
    assert len(report.drafted) == 1
    reasons = sorted(r for _, r in report.failed)
    assert len(reasons) == 2
    assert any("mallory@evil.example.com is not in [senders] allow" in r for r in reasons)
    assert len(list((box / ".Failed" / "cur").iterdir())) == 2
    with Ledger(config.ledger_path) as ledger:
        assert ledger.counts() == {DRAFTED: 1, FAILED: 2}


def test_same_message_imported_twice_gives_one_draft(config: Config, tmp_path: Path) -> None:
    eml = tmp_path / "a.eml"
    eml.write_bytes(letter(7))
    copy = tmp_path / "copy.eml"
    copy.write_bytes(letter(7, message_id="<other@x>"))  # same bytes but for the Message-ID
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        for _ in range(2):
            for source in import_sources([eml]):
                pipeline.run(source)
        assert len(DraftStore(config.paths.drafts).all()) == 1
        # the same Message-ID through another path is a duplicate too
        moved = tmp_path / "sub"
        moved.mkdir()
        (moved / "a.eml").write_bytes(eml.read_bytes())
        report = pipeline.run(import_sources([moved / "a.eml"])[0])
        assert report.duplicates == 1
    assert len(DraftStore(config.paths.drafts).all()) == 1


class Crash(Exception):
    pass


@pytest.mark.parametrize("same_title", [False, True], ids=["titles-differ", "same-title"])
@pytest.mark.parametrize(
    "step",
    [
        "store.write#1",
        "store.write#2",
        "ledger.find_many#2",
        "ledger.twins#3",
        "ledger.record_drafted#1",
        "source.done#1",
        "source.done#2",
        "store.write#3",
        "ledger.record_drafted#2",
        "source.done#3",
    ],
)
def test_a_crash_at_any_step_then_a_rerun_gives_each_letter_exactly_once(
    config: Config, step: str, same_title: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same title and date means the same id base: the rerun must tell the drafts apart by hash.
    subject = "Stesso titolo" if same_title else None
    box = maildir(config.local.maildir, [letter(i, subject=subject) for i in range(3)])
    monkeypatch.setattr("mailbot.ingest.pipeline.GROUP_SIZE", 2)  # two groups: crashes between them too
    target, nth = step.split("#")
    owner_name, method = target.split(".")
    calls = {"n": 0}

    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        source = MaildirInbox(box)
        owner = {"ledger": ledger, "store": pipeline.store, "source": source}[owner_name]
        original = getattr(owner, method)

        def crashing(*args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == int(nth):
                raise Crash(step)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, method, crashing)
        with pytest.raises(Crash):
            pipeline.run(source)
    report = poll(config)  # a fresh process, in effect
    drafts = DraftStore(config.paths.drafts).all()
    assert len(drafts) == 3
    assert sorted(d.body.split("lettera ")[1][0] for d in drafts) == ["0", "1", "2"]
    assert not list((box / "new").iterdir())
    assert len(list((box / "cur").iterdir())) == 3
    assert report.duplicates == 0


def test_publish_marks_approved_drafts_published_and_keeps_slugs(config: Config) -> None:
    maildir(config.local.maildir, [letter(i) for i in range(2)])
    poll(config)
    store = DraftStore(config.paths.drafts)
    first, second = store.all()
    store.transition([first.id], "approve")
    newly, _ = Publisher.of(config).publish()
    assert newly == [first.id]
    published = store.read(first.id)
    assert published.status is Status.PUBLISHED and published.slug == "lettera-numero-0"
    assert store.read(second.id).status is Status.DRAFT
    assert "Lettera numero 0" in (config.paths.site / "index.html").read_text()
    assert "Lettera numero 1" not in (config.paths.site / "index.html").read_text()
    again, _ = Publisher.of(config).publish()
    assert again == [] and store.read(first.id).slug == "lettera-numero-0"


def test_the_same_letter_forwarded_by_two_colleagues_is_one_draft_crediting_both(config: Config) -> None:
    from_anna = letter(5)
    from_marco = (
        letter(5, sender="marco.verdi@milano.example.org")
        .replace(b"Anna Bianchi", b"Marco Verdi")
        .replace(b"Vi giro la lettera numero 5.", b"Anche a Milano e' arrivata questa.")
    )
    maildir(config.local.maildir, [from_anna, from_marco])
    report = poll(config)
    assert (len(report.drafted), report.credited, report.duplicates) == (1, 1, 0)
    (draft,) = DraftStore(config.paths.drafts).all()
    assert [f.address for f in draft.forwarders] == [
        "anna.bianchi@napoli.example.org",
        "marco.verdi@milano.example.org",
    ]
    assert draft.forwarded_by == ("i colleghi di Napoli", "Marco")
    # Neither note became public: the intro is still the sentence made when the draft was new.
    assert draft.intro == "Thanks to i colleghi di Napoli for passing on this letter from Cliente."
    notes = ["Vi giro la lettera numero 5.", "Anche a Milano e' arrivata questa."]
    assert [f.note for f in draft.forwarders] == notes
    # A third copy from Anna again adds nobody.
    maildir(config.local.maildir, [letter(5, message_id="<again@napoli.example.org>")])
    poll(config)
    (same,) = DraftStore(config.paths.drafts).all()
    assert len(same.forwarders) == 2


def test_different_letters_from_one_author_stay_separate(config: Config) -> None:
    maildir(config.local.maildir, [letter(1), letter(2)])
    assert len(poll(config).drafted) == 2


def test_retract_takes_a_post_off_the_site_and_keeps_the_draft(config: Config) -> None:
    maildir(config.local.maildir, [letter(1), letter(2)])
    poll(config)
    store = DraftStore(config.paths.drafts)
    first, second = store.all()
    store.transition([first.id, second.id], "approve")
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        Publisher.of(pipeline.config, clock=pipeline.clock).publish()
        Publisher.of(pipeline.config, clock=pipeline.clock).retract([first.id], "consent withdrawn")
        with pytest.raises(UsageError, match="only published posts can be retracted"):
            Publisher.of(pipeline.config, clock=pipeline.clock).retract([first.id])
    site_text = "\n".join(p.read_text(errors="replace") for p in config.paths.site.rglob("*") if p.is_file())
    assert "Lettera numero 1" not in site_text and "lettera-numero-1" not in site_text
    assert "Lettera numero 2" in site_text
    kept = store.read(first.id)
    assert (kept.status, kept.reason) == (Status.RETRACTED, "consent withdrawn")


def test_preview_renders_drafts_elsewhere_and_touches_nothing(config: Config) -> None:
    maildir(config.local.maildir, [letter(1)])
    poll(config)
    store = DraftStore(config.paths.drafts)
    before = {p.name: p.read_bytes() for p in config.paths.drafts.glob("*.md")}
    render_preview(Publisher.of(config))
    index = (config.paths.preview / "index.html").read_text()
    assert "Lettera numero 1" in index and "noindex" in index
    assert not config.paths.site.exists()
    assert {p.name: p.read_bytes() for p in config.paths.drafts.glob("*.md")} == before
    assert store.all()[0].status is Status.DRAFT


def test_a_file_replaced_by_another_message_is_imported_again(config: Config, tmp_path: Path) -> None:
    eml = tmp_path / "message.eml"
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        first = letter(1, subject="Primo")
        eml.write_bytes(first)
        pipeline.run(import_sources([eml])[0])
        eml.write_bytes(letter(2, subject="Secondo"))
        report = pipeline.run(import_sources([eml])[0])
        assert len(report.drafted) == 1 and report.resumed == 0
        eml.write_bytes(first)  # the first one again, byte for byte: already known
        again = pipeline.run(import_sources([eml])[0])
        assert (len(again.drafted), again.duplicates, again.resumed) == (0, 1, 0)
    assert sorted(d.title for d in DraftStore(config.paths.drafts).all()) == ["Primo", "Secondo"]


def test_retract_publishes_nothing_new(config: Config) -> None:
    maildir(config.local.maildir, [letter(1), letter(2)])
    poll(config)
    store = DraftStore(config.paths.drafts)
    first, second = store.all()
    store.transition([first.id], "approve")
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        Publisher.of(pipeline.config, clock=pipeline.clock).publish()
        store.transition([second.id], "approve")
        Publisher.of(pipeline.config, clock=pipeline.clock).retract([first.id])
    assert store.read(second.id).status is Status.APPROVED  # still waiting for `mailbot publish`
    assert "Lettera numero 2" not in (config.paths.site / "index.html").read_text()


def test_a_draft_broken_by_hand_does_not_stop_the_inbox(config: Config) -> None:
    maildir(config.local.maildir, [letter(5)])
    poll(config)
    (draft,) = DraftStore(config.paths.drafts).all()
    path = DraftStore(config.paths.drafts).path(draft.id)
    path.write_text(path.read_text().replace('status = "draft"', "status = draft"))
    twin = (
        letter(5, sender="marco.verdi@milano.example.org")
        .replace(b"Anna Bianchi", b"Marco Verdi")
        .replace(b"Vi giro la lettera numero 5.", b"Anche a Milano.")
    )
    maildir(config.local.maildir, [twin, letter(6)])
    report = poll(config)
    assert report.duplicates == 1 and len(report.drafted) == 1
    assert not list((config.local.maildir / "new").iterdir())


def test_an_undated_letter_gets_the_same_id_on_any_day(config: Config) -> None:
    raw = b"From: Anna <anna@napoli.example.org>\nSubject: Senza data\nMessage-ID: <u@x>\n\nCiao.\n"
    box = maildir(config.local.maildir, [raw])
    days = iter([datetime(2024, 1, 1, 23, 59, tzinfo=UTC), datetime(2024, 1, 2, 0, 0, 5, tzinfo=UTC)])
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger, clock=lambda: next(days))

        def crash(rows: object, also: object = None) -> None:
            raise Crash("after the draft")

        ledger.record_drafted = crash  # type: ignore[method-assign]
        with pytest.raises(Crash):
            pipeline.run(MaildirInbox(box))
    with Ledger(config.ledger_path) as ledger:
        Pipeline(config, ledger, clock=lambda: datetime(2024, 1, 2, tzinfo=UTC)).run(MaildirInbox(box))
    assert [p.name for p in config.paths.drafts.glob("*.md")] == ["undated-senza-data.md"]


def test_two_processes_never_pick_the_same_new_id(config: Config, tmp_path: Path) -> None:
    # A long-lived pipeline (the service) and a separate import that adds a draft meanwhile.
    with Ledger(config.ledger_path) as ledger:
        service = Pipeline(config, ledger)
        maildir(config.local.maildir, [letter(1, subject="Grazie")])
        service.run(MaildirInbox(config.local.maildir))
        other = tmp_path / "x.eml"
        other.write_bytes(letter(2, subject="Grazie"))
        with Ledger(config.ledger_path) as ledger2:
            Pipeline(config, ledger2).run(import_sources([other])[0])
        maildir(config.local.maildir, [letter(3, subject="Grazie")])
        service.run(MaildirInbox(config.local.maildir))
    bodies = sorted(d.body.split("lettera ")[1][0] for d in DraftStore(config.paths.drafts).all())
    assert bodies == ["1", "2", "3"]


def evil_twin(n: int) -> bytes:
    """Letter ``n`` forwarded again by an allowed colleague whose display name is an advert."""
    return (
        letter(n, sender="visita@roma.example.org", message_id=f"<evil{n}@roma.example.org>")
        .replace(b"Anna Bianchi", b"Visita-www.evil.example")
        .replace(f"Vi giro la lettera numero {n}.".encode(), b"ACQUISTA ORA su www.evil.example, sconto 90%!")
    )


def deliver(config: Config, data: bytes, name: str) -> None:
    """One more message in the Maildir's new/, under a key of its own."""
    (config.local.maildir / "new" / f"{name}.M1P1.test").write_bytes(data)


def site_text(config: Config) -> str:
    if not config.paths.site.exists():
        return ""
    return "\n".join(
        p.read_text(errors="replace") for p in sorted(config.paths.site.rglob("*")) if p.is_file()
    )


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_a_letter_forwarded_again_never_changes_what_a_reviewer_decided(config: Config, status: str) -> None:
    from mailbot.drafts.audit import Audit

    maildir(config.local.maildir, [letter(5)])
    poll(config)
    store = DraftStore(config.paths.drafts)
    (draft,) = store.all()
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        if status in ("approved", "published", "retracted"):
            store.transition([draft.id], "approve")
        if status in ("published", "retracted"):
            Publisher.of(pipeline.config, clock=pipeline.clock).publish()
        if status == "retracted":
            Publisher.of(pipeline.config, clock=pipeline.clock).retract([draft.id])
        if status == "rejected":
            store.transition([draft.id], "reject", "not for the blog")
    before = store.read(draft.id)
    site_before = site_text(config)
    deliver(config, evil_twin(5), "2000000001")
    report = poll(config)
    assert (report.credited, report.duplicates, len(report.drafted)) == (1, 0, 0)
    assert "1 credited on an existing draft" in report.summary()
    after = store.read(draft.id)
    with Audit(config.ledger_path) as trail:
        actions = [e.action for e in trail.history(draft.id)]
    if status == "draft":
        # Nobody decided anything yet: credited at once; the reviewer reads it before approving.
        assert [f.address for f in after.forwarders][-1] == "visita@roma.example.org"
        assert after.forwarded_by == ("i colleghi di Napoli", "Visita-www.evil.example")
        assert after.pending_forwarders == () and after.status is Status.DRAFT
        assert actions == ["create", "credit"]
        return
    # Anything else: the draft's public side is as the reviewer left it; the change waits.
    assert (after.status, after.forwarders, after.forwarded_by, after.intro, after.body) == (
        before.status, before.forwarders, before.forwarded_by, before.intro, before.body
    )  # fmt: skip
    (pending,) = after.pending_forwarders
    assert pending.name == "Visita-www.evil.example"
    assert pending.note == "ACQUISTA ORA su www.evil.example, sconto 90%!"
    assert actions[0] == "create" and actions[-1] == "credit-pending"
    Publisher.of(config).publish()  # the next publish, with nobody approving anything
    assert "evil" not in site_text(config) and "ACQUISTA" not in site_text(config)
    if status == "published":
        assert site_text(config) == site_before
    # A second copy from the same colleague is not pending twice.
    deliver(config, evil_twin(5).replace(b"<evil5@", b"<evil5b@"), "2000000002")
    assert poll(config).duplicates == 1
    assert len(store.read(draft.id).pending_forwarders) == 1


def test_an_accepted_amendment_reaches_the_site_only_through_publish(config: Config) -> None:
    maildir(config.local.maildir, [letter(5), letter(6)])
    poll(config)
    store = DraftStore(config.paths.drafts)
    five, six = store.all()
    store.transition([five.id, six.id], "approve")
    Publisher.of(config).publish()
    deliver(config, evil_twin(5), "2000000001")
    deliver(config, evil_twin(6), "2000000002")
    poll(config)
    with Ledger(config.ledger_path) as ledger:
        pipeline = Pipeline(config, ledger)
        (accepted,) = pipeline.accept([five.id], "rita")
        assert accepted.status is Status.APPROVED and accepted.pending_forwarders == ()
        assert accepted.forwarded_by == ("i colleghi di Napoli", "Visita-www.evil.example")
        assert "Visita-www.evil.example" not in site_text(config)  # not before publish
        newly, _ = Publisher.of(pipeline.config, clock=pipeline.clock).publish()
        assert newly == [five.id]
        with pytest.raises(UsageError, match="no pending amendment"):
            pipeline.accept([five.id], "rita")
    assert store.read(five.id).status is Status.PUBLISHED
    assert "Visita-www.evil.example" in site_text(config)
    from mailbot.drafts import review

    (dropped,) = review.discard_pending(store, config.ledger_path, [six.id], who="rita")
    assert dropped.pending_forwarders == () and store.read(six.id).pending_forwarders == ()
    assert len(store.read(six.id).forwarders) == 1


def test_forwarders_notes_stay_internal_on_the_site(config: Config) -> None:
    from_marco = (
        letter(5, sender="marco.verdi@milano.example.org")
        .replace(b"Anna Bianchi", b"Marco Verdi")
        .replace(b"Vi giro la lettera numero 5.", b"He said yes when I rang him this morning")
    )
    maildir(config.local.maildir, [letter(5), from_marco])
    poll(config)
    store = DraftStore(config.paths.drafts)
    (draft,) = store.all()
    store.transition([draft.id], "approve")
    Publisher.of(config).publish()
    published = site_text(config)
    assert "Buongiorno, questa è la lettera 5" in published
    assert "Vi giro la lettera" not in published and "He said yes" not in published


def test_the_authors_surname_follows_author_style_and_can_be_restored(config: Config) -> None:
    from mailbot.drafts.fields import restore_redaction

    raw = (
        letter(5)
        .replace(b"Vi giro la lettera numero 5.", b"Il signor Russo aspetta una risposta.")
        .replace(b"Lettera numero 5", b"Reclamo di Tommaso Russo")
        .replace(b"Saluti.", b"Tommaso vi saluta; il signor Russo ringrazia.")
        .replace(b"Cliente 5", b"Tommaso Russo")
    )
    maildir(config.local.maildir, [raw])
    poll(config)  # author_style is first_name by default
    store = DraftStore(config.paths.drafts)
    (draft,) = store.all()
    assert draft.author.name == "Tommaso Russo" and draft.author_display == "Tommaso"
    assert draft.title == "Reclamo di Tommaso"
    assert draft.body.endswith("Tommaso vi saluta; il signor R. ringrazia.\n\nTommaso")
    assert "Russo" not in draft.body and "Russo" not in draft.id
    assert draft.forwarders[0].note == "Il signor R. aspetta una risposta."
    surnames = [r for r in draft.redactions if r.kind == "surname"]
    assert {(r.field, r.original, r.placeholder) for r in surnames} == {
        ("title", "Tommaso Russo", "Tommaso"),
        ("body", "Russo", "R."),
        ("body", "Tommaso Russo", "Tommaso"),
        ("forwarders[0].note", "Russo", "R."),
    }
    assert draft.warnings == ()  # nothing private hidden behind a placeholder
    # Restoring the sign-off puts the surname back there, not after the first "Tommaso".
    number = next(
        i for i, r in enumerate(draft.redactions, 1) if r.original == "Tommaso Russo" and r.field == "body"
    )
    restore_redaction(draft, number)
    assert draft.body.endswith("Tommaso vi saluta; il signor R. ringrazia.\n\nTommaso Russo")
    number = next(i for i, r in enumerate(draft.redactions, 1) if r.original == "Russo" and r.field == "body")
    restore_redaction(draft, number)
    assert draft.body.endswith("Tommaso vi saluta; il signor Russo ringrazia.\n\nTommaso Russo")


def test_new_draft_ids_are_cut_between_words(config: Config) -> None:
    subject = "Esternalizzazione del call center e qualita del servizio"
    maildir(config.local.maildir, [letter(1, subject=subject)])
    poll(config)
    (draft,) = DraftStore(config.paths.drafts).all()
    # The title part is at most 40 characters and ends with a whole word.
    assert draft.id == "20070122-esternalizzazione-del-call-center-e"


def test_the_default_intro_is_called_and_goes_through_redaction(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, tuple[str, ...]]] = []

    def intro(self: Pipeline, draft: Any) -> str:
        seen.append((draft.author_display, draft.forwarded_by))
        return "Grazie a desk@napoli.example.org per questa lettera di Tommaso Russo."

    monkeypatch.setattr(Pipeline, "_default_intro", intro)
    raw = letter(5).replace(b"Cliente 5", b"Tommaso Russo")
    maildir(config.local.maildir, [raw])
    poll(config)
    (draft,) = DraftStore(config.paths.drafts).all()
    assert seen == [("Tommaso", ("i colleghi di Napoli",))]  # the public names, never a note
    assert draft.intro == "Grazie a [email] per questa lettera di Tommaso."
    assert {(r.kind, r.field) for r in draft.redactions} >= {("email", "intro"), ("surname", "intro")}
