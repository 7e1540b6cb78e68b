"""ImapSource against a real Dovecot (see tests/imapserver.py)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import imapserver
import pytest
from imapclient import IMAPClient
from imapserver import DovecotServer
from ports import free_port

from mailbot.config import ImapConfig
from mailbot.errors import AuthenticationError, SourceError, TransientSourceError
from mailbot.models import RawMessage
from mailbot.netutil import is_loopback
from mailbot.sources import imap
from mailbot.sources.imap import COPIED_KEYWORD, ImapSource, check

pytestmark = pytest.mark.dovecot

MakeSource = Callable[..., ImapSource]


def letter(n: int, size: int = 0) -> bytes:
    """A small RFC 822 message with 8-bit text, CRLF line ends, padded to about ``size`` bytes."""
    head = (
        f"From: Cliente {n} <c{n}@example.org>\r\n"
        f"To: letters@example.org\r\n"
        f"Subject: Lettera {n}\r\n"
        f"Message-ID: <m{n}@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode()
    body = f"Grazie di tutto, è stato un piacere ({n}).\r\n".encode()
    while len(head) + len(body) < size:
        body += b"x" * 70 + b"\r\n"
    return head + body


def imap_config(server: DovecotServer, security: str = "ssl", **changes: Any) -> ImapConfig:
    port = server.imaps_port if security == "ssl" else server.imap_port
    values: dict[str, Any] = {
        "host": server.host,
        "username": server.username,
        "password": server.password,
        "port": port,
        "security": security,
        "ca_file": server.ca_file,
        "timeout": 5.0,
    }
    values.update(changes)
    return ImapConfig(**values)


@pytest.fixture
def make_source(dovecot: DovecotServer) -> Iterator[MakeSource]:
    """Build ImapSources for the test's user; all are closed afterwards."""
    made: list[ImapSource] = []

    def make(security: str = "ssl", *, max_bytes: int = imap.DEFAULT_MAX_BYTES, **changes: Any) -> ImapSource:
        source = ImapSource(imap_config(dovecot, security, **changes), max_bytes=max_bytes)
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


def flags_of(server: DovecotServer, folder: str) -> list[tuple[bytes, ...]]:
    return [flags for flags, _data in server.fetch(folder).values()]


# -- connecting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["ssl", "starttls", "none"])
def test_connects_with_each_security_mode_and_never_logs_the_password(
    dovecot: DovecotServer, make_source: MakeSource, security: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dovecot.append("INBOX", letter(1))
    source = make_source(security)
    assert source.name == f"imap://{dovecot.username}@127.0.0.1:{source.config.port}/INBOX"
    assert [m.data for m in source.messages()] == [letter(1)]
    assert source.uidvalidity is not None
    source.close()
    check(imap_config(dovecot, security))
    assert "Logged in as" in caplog.text  # the login was logged at DEBUG, without its arguments
    assert not [r for r in caplog.records if r.name == "imapclient.imaplib"]  # no protocol trace
    assert dovecot.password not in caplog.text
    # Loopback: no warning about plain text for security = "none".
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_plain_text_to_a_remote_host_is_warned_about() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert is_loopback("127.8.9.10") and is_loopback("[::1]")
    assert not is_loopback("mail.example.org") and not is_loopback("192.0.2.1")


def test_wrong_password_is_an_authentication_error_without_the_password(dovecot: DovecotServer) -> None:
    wrong = "not-the-password-" + dovecot.password
    started = time.monotonic()
    with pytest.raises(AuthenticationError) as info:
        check(imap_config(dovecot, password=wrong))
    assert time.monotonic() - started < 2
    message = str(info.value)
    assert f"refused the login for {dovecot.username}" in message
    assert "[imap] username and the password source" in message
    assert wrong not in message and dovecot.password not in message


def test_nothing_listening_is_transient_and_quick(dovecot: DovecotServer) -> None:
    started = time.monotonic()
    with pytest.raises(TransientSourceError, match="refused the connection"):
        check(imap_config(dovecot, port=free_port()))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_untrusted_certificate_names_ca_file(dovecot: DovecotServer, security: str) -> None:
    with pytest.raises(SourceError) as info:
        check(imap_config(dovecot, security, ca_file=None))
    assert not isinstance(info.value, TransientSourceError)
    assert "imap.ca_file" in str(info.value)


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_a_certificate_for_another_name_says_to_use_that_name(dovecot: DovecotServer, security: str) -> None:
    # The harness's certificate is for IP 127.0.0.1 only (CN and subjectAltName); "localhost" is not on it.
    with pytest.raises(SourceError) as info:
        check(imap_config(dovecot, security, host="localhost"))
    text = str(info.value)
    assert not isinstance(info.value, TransientSourceError)
    assert "not issued for the name 'localhost'" in text
    assert "set imap.host to the name on the certificate (127.0.0.1)" in text
    assert "set imap.ca_file" not in text and "does not need to change" in text
    # ...and with that name it connects.
    check(imap_config(dovecot, security, host="127.0.0.1"))


def test_tls_to_a_plain_port_is_a_clear_error(dovecot: DovecotServer) -> None:
    with pytest.raises(SourceError, match=r"imap\.security"):
        check(imap_config(dovecot, "ssl", port=dovecot.imap_port))


def test_missing_folder_names_the_setting(dovecot: DovecotServer) -> None:
    with pytest.raises(SourceError, match=r"imap\.folder"):
        check(imap_config(dovecot, folder="NoSuchFolder"))


# -- reading ----------------------------------------------------------------------------------------


def test_messages_yields_exact_bytes_with_uid_keys_and_leaves_them_unseen(
    dovecot: DovecotServer, make_source: MakeSource
) -> None:
    raws = [letter(n) for n in range(7)]
    uids = [dovecot.append("INBOX", raw) for raw in raws]
    source = make_source(batch_size=3)
    got = list(source.messages())
    assert [m.data for m in got] == raws
    assert [m.key for m in got] == [f"{source.uidvalidity}:{uid}" for uid in uids]
    assert {m.source for m in got} == {source.name}
    assert source.skipped == []
    assert all(b"\\Seen" not in flags for flags in flags_of(dovecot, "INBOX"))
    # Nothing was handled, so a second scan sees the same messages.
    assert [m.key for m in source.messages()] == [m.key for m in got]


def test_empty_folder_yields_nothing(make_source: MakeSource) -> None:
    assert list(make_source().messages()) == []


def test_large_message_is_quarantined_without_being_downloaded(
    dovecot: DovecotServer,
    make_source: MakeSource,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    small, big = letter(1), letter(2, size=5000)
    dovecot.append("INBOX", small)
    big_uid = dovecot.append("INBOX", big)
    requested: list[tuple[list[int], list[bytes]]] = []
    real_fetch = IMAPClient.fetch

    def spy(client: IMAPClient, messages: Any, data: Any, *args: Any, **kwargs: Any) -> Any:
        requested.append((list(messages), list(data)))
        return real_fetch(client, messages, data, *args, **kwargs)

    monkeypatch.setattr(IMAPClient, "fetch", spy)
    source = make_source(max_bytes=2000)
    got = list(source.messages())
    assert [m.data for m in got] == [small]
    key = f"{source.uidvalidity}:{big_uid}"
    assert source.skipped == [(key, f"message too large: {len(big)} bytes (limit 2000)")]
    assert not any(big_uid in uids and b"BODY.PEEK[]" in data for uids, data in requested)
    assert "message too large" in caplog.text
    monkeypatch.undo()
    assert [data for _flags, data in dovecot.fetch("Failed").values()] == [big]
    assert dovecot.count("INBOX") == 1
    # skipped describes the last scan only.
    list(source.messages())
    assert source.skipped == []


# -- handling ---------------------------------------------------------------------------------------


def test_done_moves_to_processed_and_is_idempotent(dovecot: DovecotServer, make_source: MakeSource) -> None:
    raws = [letter(n) for n in range(4)]
    for raw in raws:
        dovecot.append("INBOX", raw)
    source = make_source(batch_size=2)
    got = []
    for message in source.messages():  # done() between yields, as the pipeline does
        source.done(message)
        got.append(message)
    assert dovecot.count("INBOX") == 0
    assert sorted(data for _flags, data in dovecot.fetch("Processed").values()) == sorted(raws)
    for message in got:  # again, as after a crash before the ledger recorded the move
        source.done(message)
    source.flush()
    assert dovecot.count("Processed") == 4
    # A new connection (the next run) does not mind either.
    again = make_source()
    again.done(got[0])
    again.close()
    assert dovecot.count("Processed") == 4
    with dovecot.client() as client:
        assert b"Processed" in [name.encode() for _f, _d, name in client.list_sub_folders()]


def test_quarantine_moves_to_failed(dovecot: DovecotServer, make_source: MakeSource) -> None:
    dovecot.append("INBOX", letter(1))
    dovecot.append("INBOX", letter(2))
    source = make_source()
    first, second = source.messages()
    source.quarantine(first, "cannot parse")
    source.quarantine(first, "cannot parse")
    source.done(second)
    source.flush()
    assert dovecot.count("INBOX") == 0
    assert [data for _flags, data in dovecot.fetch("Failed").values()] == [letter(1)]
    assert [data for _flags, data in dovecot.fetch("Processed").values()] == [letter(2)]


def test_without_move_copies_then_expunges_only_that_message(
    dovecot: DovecotServer, make_source: MakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = IMAPClient.has_capability
    monkeypatch.setattr(IMAPClient, "has_capability", lambda self, cap: cap != "MOVE" and real(self, cap))
    dovecot.append("INBOX", letter(1))
    # Someone else marked this one \Deleted without expunging: it must survive our moves.
    dovecot.append("INBOX", letter(2), flags=(b"\\Deleted",))
    source = make_source()
    first, _flagged_by_someone = source.messages()
    source.done(first)
    source.flush()
    source.done(first)
    source.flush()
    assert [data for _flags, data in dovecot.fetch("Processed").values()] == [letter(1)]
    assert [data for _flags, data in dovecot.fetch("INBOX").values()] == [letter(2)]


def test_without_move_an_interrupted_move_is_finished_not_repeated(
    dovecot: DovecotServer, make_source: MakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = IMAPClient.has_capability
    monkeypatch.setattr(IMAPClient, "has_capability", lambda self, cap: cap != "MOVE" and real(self, cap))
    uid = dovecot.append("INBOX", letter(1))
    dovecot.append("INBOX", letter(2))
    with dovecot.client() as client:  # a run that crashed after COPY and the keyword
        client.select_folder("INBOX")
        client.create_folder("Processed")
        client.copy([uid], "Processed")
        client.add_flags([uid], [COPIED_KEYWORD])
    source = make_source()
    assert [m.data for m in source.messages()] == [letter(2)]
    assert dovecot.count("Processed") == 1
    assert dovecot.count("INBOX") == 1


def test_done_moves_a_batch_in_one_command_and_close_moves_the_rest(
    dovecot: DovecotServer, make_source: MakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(5):
        dovecot.append("INBOX", letter(n))
    moves: list[list[int]] = []
    real = IMAPClient.move

    def move(self: IMAPClient, uids: list[int], folder: str) -> Any:
        moves.append(list(uids))
        return real(self, uids, folder)

    monkeypatch.setattr(IMAPClient, "move", move)
    source = make_source(batch_size=2)
    for message in source.messages():
        source.done(message)
        if len(moves) == 0:
            assert dovecot.count("Processed") == 0  # queued, not yet moved
    assert [len(m) for m in moves] == [2, 2, 1]
    source.done(RawMessage(source.name, f"{source.uidvalidity}:999", b""))  # gone already: skipped
    source.close()
    assert (dovecot.count("INBOX"), dovecot.count("Processed")) == (0, 5)


def test_changed_uidvalidity_leaves_the_message_alone(
    dovecot: DovecotServer, make_source: MakeSource
) -> None:
    dovecot.append("INBOX", letter(1))
    source = make_source()
    (message,) = source.messages()
    assert source.uidvalidity is not None
    stale = RawMessage(source.name, f"{source.uidvalidity + 1}:{message.key.split(':')[1]}", message.data)
    with pytest.raises(SourceError, match="UIDVALIDITY"):
        source.done(stale)
    assert dovecot.count("INBOX") == 1


# -- waiting ----------------------------------------------------------------------------------------


def append_later(server: DovecotServer, delay: float) -> threading.Timer:
    timer = threading.Timer(delay, server.append, ("INBOX", letter(99)))
    timer.start()
    return timer


@pytest.mark.parametrize("idle", [True, False])
def test_wait_for_new_wakes_up_when_mail_arrives(
    dovecot: DovecotServer, make_source: MakeSource, idle: bool
) -> None:
    source = make_source(idle=idle)
    source.poll_interval = 0.1
    assert list(source.messages()) == []
    timer = append_later(dovecot, 0.3)
    try:
        started = time.monotonic()
        assert source.wait_for_new(5) is True
        assert time.monotonic() - started < 3
    finally:
        timer.join()
    assert [m.data for m in source.messages()] == [letter(99)]


@pytest.mark.parametrize("idle", [True, False])
def test_wait_for_new_times_out(dovecot: DovecotServer, make_source: MakeSource, idle: bool) -> None:
    dovecot.append("INBOX", letter(1))
    source = make_source(idle=idle)
    source.poll_interval = 0.1
    list(source.messages())  # the waiting letter is not new any more
    started = time.monotonic()
    assert source.wait_for_new(0.5) is False
    assert 0.4 < time.monotonic() - started < 2


def test_wait_for_new_before_any_scan_reports_waiting_mail(
    dovecot: DovecotServer, make_source: MakeSource
) -> None:
    dovecot.append("INBOX", letter(1))
    assert make_source().wait_for_new(5) is True


def test_idle_is_renewed(dovecot: DovecotServer, make_source: MakeSource) -> None:
    source = make_source()
    source.idle_max_seconds = 0.2
    list(source.messages())
    timer = append_later(dovecot, 0.7)
    try:
        assert source.wait_for_new(5) is True
    finally:
        timer.join()


def test_dropped_connection_is_transient_and_the_next_call_reconnects(
    dovecot: DovecotServer, make_source: MakeSource
) -> None:
    source = make_source()
    list(source.messages())
    restarter = threading.Timer(0.3, dovecot.restart)
    restarter.start()
    try:
        with pytest.raises(TransientSourceError):
            source.wait_for_new(10)
    finally:
        restarter.join()
    dovecot.append("INBOX", letter(1))
    assert [m.data for m in source.messages()] == [letter(1)]


def test_close_swallows_errors_of_a_dead_connection(make_source: MakeSource) -> None:
    source = make_source()
    source.connect()
    source._client.shutdown()  # the connection dies under us
    source.close()
    source.close()


def test_a_server_that_never_answers_times_out_as_transient(dovecot: DovecotServer) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts into the backlog, never greets
        started = time.monotonic()
        with pytest.raises(TransientSourceError, match=r"did not answer within 0\.3 s"):
            check(imap_config(dovecot, "none", port=silent.getsockname()[1], timeout=0.3))
        assert time.monotonic() - started < 2


def test_idle_responses_are_read_for_new_mail_and_goodbyes(dovecot: DovecotServer) -> None:
    source = ImapSource(imap_config(dovecot))
    source._exists = 2
    assert source._saw_new([(b"OK", b"Still here"), (1, b"EXPUNGE")]) is False
    assert source._saw_new([(2, b"EXISTS"), (0, b"RECENT")]) is True
    with pytest.raises(TransientSourceError, match="Server shutting down"):
        source._saw_new([(b"BYE", b"Server", b"shutting", b"down.")])


def test_harness_reports_a_missing_dovecot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imapserver, "DOVECOT", "/nonexistent/dovecot")
    assert "dovecot is not installed" in (imapserver._missing_tools() or "")
