"""Authentication-Results: parsing (RFC 8601), the trust rule, and the pipeline's use of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from mailfactory import letter, maildir

from mailbot.config import Config, load_config
from mailbot.drafts.store import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.safety import authres
from mailbot.sources.local import MaildirInbox

MX = "mx.example.org"
FROM = "anna.bianchi@napoli.example.org"


def ar(text: str) -> tuple[str, str]:
    return ("Authentication-Results", text)


RECEIVED = ("Received", "from mail.napoli.example.org by mx.example.org; Tue, 23 Jan 2007 09:12:01 +0100")


def test_parse_a_typical_header() -> None:
    parsed = authres.parse(
        "mx.example.org; dkim=pass (2048-bit key; unprotected) header.d=napoli.example.org "
        "header.s=sel header.b=abc; spf=pass (sender SPF authorized) smtp.mailfrom=anna@napoli.example.org;"
        " dmarc=pass (p=reject dis=none) header.from=napoli.example.org"
    )
    assert parsed is not None
    assert parsed.authserv_id == MX
    assert [(r.method, r.result) for r in parsed.results] == [
        ("dkim", "pass"),
        ("spf", "pass"),
        ("dmarc", "pass"),
    ]
    assert parsed.results[0].props["header.d"] == "napoli.example.org"
    assert parsed.results[1].props["smtp.mailfrom"] == "anna@napoli.example.org"


def test_parse_versions_comments_quotes_case_and_spacing() -> None:
    parsed = authres.parse(
        '(comment (nested) first) MX.Example.Org. 1; DKIM/1 = Pass reason="good; really" '
        'header.i=@napoli.example.org; spf = SoftFail smtp.mailfrom="x@y.example"'
    )
    assert parsed is not None
    assert parsed.authserv_id == MX
    assert [(r.method, r.result) for r in parsed.results] == [("dkim", "pass"), ("spf", "softfail")]
    assert parsed.results[0].reason == "good; really"
    assert parsed.results[1].props["smtp.mailfrom"] == "x@y.example"


@pytest.mark.parametrize("value", ["", "   ", "; dkim=pass", "dkim=pass", "(only a comment)"])
def test_junk_is_not_a_header(value: str) -> None:
    parsed = authres.parse(value)
    assert parsed is None or not parsed.results


def test_none_has_no_results() -> None:
    parsed = authres.parse("mx.example.org; none")
    assert parsed is not None and parsed.results == ()


def verdict(*headers: tuple[str, str], sender: str = FROM) -> authres.Verdict:
    return authres.evaluate(list(headers), (MX,), sender)


def test_dkim_or_spf_pass_from_the_trusted_server_is_enough() -> None:
    assert verdict(ar(f"{MX}; dkim=pass header.d=napoli.example.org"), RECEIVED).ok
    assert verdict(ar(f"{MX}; spf=pass smtp.mailfrom=anna@napoli.example.org"), RECEIVED).ok
    assert verdict(ar(f"{MX}; dkim=fail; spf=pass smtp.mailfrom=example.org"), RECEIVED).ok


def test_nothing_passing_or_no_header_is_refused_with_the_reason() -> None:
    missing = verdict(RECEIVED)
    assert not missing.ok
    assert "no passing DKIM/SPF result from a trusted server (mx.example.org)" in missing.reason
    failing = verdict(ar(f"{MX}; dkim=fail; spf=softfail"), RECEIVED)
    assert not failing.ok and "dkim=fail" in failing.reason and "spf=softfail" in failing.reason
    assert not verdict(ar(f"{MX}; none")).ok


def test_dmarc_must_pass_where_present() -> None:
    assert not verdict(ar(f"{MX}; dkim=pass header.d=napoli.example.org; dmarc=fail")).ok
    assert verdict(ar(f"{MX}; dkim=pass header.d=napoli.example.org; dmarc=pass")).ok


def test_a_server_we_do_not_trust_does_not_count() -> None:
    assert not verdict(ar("mx.evil.example; dkim=pass; spf=pass; dmarc=pass"), RECEIVED).ok


def test_forged_headers_below_our_hop_are_ignored() -> None:
    forged = ar(f"{MX}; dkim=pass header.d=napoli.example.org; spf=pass; dmarc=pass")
    ours = ar(f"{MX}; dkim=none; spf=fail smtp.mailfrom=mallory@evil.example")
    # Our server's header is on top; the attacker's copy came with the message, below a Received.
    assert not verdict(ours, RECEIVED, forged).ok
    # Whatever is above our header (added later, on our side) does not change that.
    assert not verdict(("Received", "by mx.example.org"), ours, ("Received", "from x"), forged).ok


def test_several_headers_of_our_server_in_the_top_block_combine() -> None:
    # OpenDKIM and OpenDMARC each add a header with the same authserv-id.
    assert verdict(
        ar(f"{MX}; dmarc=pass header.from=napoli.example.org"),
        ar(f"{MX}; dkim=pass header.d=napoli.example.org"),
        RECEIVED,
    ).ok
    assert not verdict(
        ar(f"{MX}; dmarc=fail header.from=napoli.example.org"),
        ar(f"{MX}; dkim=pass header.d=napoli.example.org"),
        RECEIVED,
    ).ok


def test_conflicting_spf_answers_in_one_hop_do_not_pass() -> None:
    assert not verdict(ar(f"{MX}; spf=fail"), ar(f"{MX}; spf=pass")).ok


def test_a_pass_for_another_domain_is_not_a_pass_for_the_sender() -> None:
    assert not verdict(ar(f"{MX}; dkim=pass header.d=evil.example")).ok
    assert not verdict(ar(f"{MX}; spf=pass smtp.mailfrom=bounce@evil.example")).ok
    # Relaxed alignment: a parent or child domain is fine.
    assert verdict(ar(f"{MX}; dkim=pass header.d=example.org")).ok


# -- the pipeline ------------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["*@*.example.org"]\nrequire_authentication = true\n'
        'trusted_authserv_ids = ["mx.example.org"]\n'
    )
    return load_config(tmp_path / "mailbot.toml")


def with_headers(data: bytes, *lines: str) -> bytes:
    return "".join(line + "\n" for line in lines).encode() + data


def test_the_pipeline_quarantines_unauthenticated_mail(config: Config) -> None:
    good = with_headers(
        letter(1),
        f"Authentication-Results: {MX}; dkim=pass header.d=napoli.example.org; dmarc=pass",
        "Received: from mail.napoli.example.org by mx.example.org",
    )
    forged = with_headers(
        letter(2),
        f"Authentication-Results: {MX}; dkim=none; spf=fail smtp.mailfrom=mallory@evil.example",
        "Received: from mail.evil.example by mx.example.org",
        f"Authentication-Results: {MX}; dkim=pass header.d=napoli.example.org; dmarc=pass",
    )
    bare = letter(3)
    failing = with_headers(letter(4), f"Authentication-Results: {MX}; dkim=fail; spf=fail")
    maildir(config.local.maildir, [good, forged, bare, failing])
    with Ledger(config.ledger_path) as ledger:
        report = Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
    assert len(report.drafted) == 1
    assert [d.title for d in DraftStore(config.paths.drafts).all()] == ["Lettera numero 1"]
    reasons = [reason for _, reason in report.failed]
    assert len(reasons) == 3
    assert all("no passing DKIM/SPF result from a trusted server (mx.example.org)" in r for r in reasons)
    assert (config.local.maildir / ".Failed").is_dir()


def test_authentication_is_not_checked_unless_required(tmp_path: Path) -> None:
    (tmp_path / "mailbot.toml").write_text('[senders]\nallow = ["*@*.example.org"]\n')
    config = load_config(tmp_path / "mailbot.toml")
    maildir(config.local.maildir, [letter(1)])
    with Ledger(config.ledger_path) as ledger:
        report = Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
    assert len(report.drafted) == 1


# -- issue 10: only what our server wrote above the first Received header; real alignment --------


def test_a_forged_header_below_a_received_header_is_not_trusted() -> None:
    # Our server added no header at all (its Received is on top); the sender wrote the rest.
    forged = ar(f"{MX}; dkim=pass header.d=napoli.example.org; spf=pass smtp.mailfrom={FROM}; dmarc=pass")
    refused = verdict(RECEIVED, forged)
    assert not refused.ok
    assert refused.reason == (
        "no passing DKIM/SPF result from a trusted server (mx.example.org): "
        "no Authentication-Results header from it"
    )
    # The same header above the Received header is our server's own: it counts.
    assert verdict(forged, RECEIVED).ok


def test_only_the_headers_above_the_first_received_count() -> None:
    ours = ar(f"{MX}; dkim=pass header.d=napoli.example.org")
    assert not verdict(("Received", "by mx.example.org with LMTP"), ours, RECEIVED).ok
    # Below the first Received, even a failing header of ours changes nothing (it is not ours).
    assert verdict(ours, RECEIVED, ar(f"{MX}; dkim=fail; dmarc=fail")).ok


def test_a_pass_without_a_domain_is_not_aligned() -> None:
    assert not verdict(ar(f"{MX}; dkim=pass"), RECEIVED).ok
    assert not verdict(ar(f"{MX}; dkim=pass header.s=sel"), RECEIVED).ok
    assert not verdict(ar(f"{MX}; spf=pass"), RECEIVED).ok
    assert not verdict(ar(f"{MX}; spf=pass smtp.helo=mail.napoli.example.org"), RECEIVED).ok
    # header.i names the domain when header.d is missing.
    assert verdict(ar(f"{MX}; dkim=pass header.i=@napoli.example.org"), RECEIVED).ok
    # No From address: nothing to align with.
    assert not verdict(ar(f"{MX}; dkim=pass header.d=napoli.example.org"), RECEIVED, sender="").ok


@pytest.mark.parametrize(
    ("signer", "aligned"),
    [
        ("napoli.example.org", True),
        ("example.org", True),  # the organizational domain itself
        ("mail.example.org", True),  # a sibling under the same organizational domain
        ("Napoli.Example.ORG.", True),
        ("org", False),  # a public suffix is aligned with nothing
        ("example.net", False),
        ("evil-example.org", False),
        ("napoli.example.org.evil.example", False),
    ],
)
def test_alignment_uses_the_public_suffix_list(signer: str, aligned: bool) -> None:
    assert verdict(ar(f"{MX}; dkim=pass header.d={signer}"), RECEIVED).ok is aligned
    assert verdict(ar(f"{MX}; spf=pass smtp.mailfrom=bounce@{signer}"), RECEIVED).ok is aligned


def test_multi_label_and_private_suffixes() -> None:
    uk = "anna@napoli.example.co.uk"
    assert verdict(ar(f"{MX}; dkim=pass header.d=example.co.uk"), RECEIVED, sender=uk).ok
    assert not verdict(ar(f"{MX}; dkim=pass header.d=co.uk"), RECEIVED, sender=uk).ok
    # blogspot.com is a (private) public suffix: two blogs are two organizations.
    blog = "anna@anna.blogspot.com"
    assert not verdict(ar(f"{MX}; dkim=pass header.d=blogspot.com"), RECEIVED, sender=blog).ok
    assert not verdict(ar(f"{MX}; dkim=pass header.d=mallory.blogspot.com"), RECEIVED, sender=blog).ok


@pytest.mark.parametrize(
    ("domain", "organization"),
    [("napoli.example.org", "example.org"), ("example.org", "example.org"), ("org", None), ("co.uk", None),
     ("a.b.example.co.uk", "example.co.uk"), ("", None), ("a..b.org", None)],
)  # fmt: skip
def test_organizational_domain(domain: str, organization: str | None) -> None:
    assert authres.organizational_domain(domain) == organization


def test_the_pipeline_quarantines_a_forged_header_below_our_received(config: Config) -> None:
    forged = with_headers(
        letter(1),
        "Received: from mail.evil.example by mx.example.org",
        f"Authentication-Results: {MX}; dkim=pass header.d=napoli.example.org; dmarc=pass",
    )
    maildir(config.local.maildir, [forged])
    with Ledger(config.ledger_path) as ledger:
        report = Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
    assert report.drafted == []
    assert [reason for _, reason in report.failed] == [
        "no passing DKIM/SPF result from a trusted server (mx.example.org): "
        "no Authentication-Results header from it"
    ]
