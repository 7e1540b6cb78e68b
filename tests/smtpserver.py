"""A throwaway real SMTP server for the tests (aiosmtpd on a loopback port), and its fixture.

Use the ``smtpd`` fixture (imported into ``tests/conftest.py``)::

    def test_something(smtpd):
        config = smtpd.config()          # an SmtpConfig: STARTTLS, AUTH, the test CA
        ... send ...
        assert smtpd.received[0]["Subject"] == "..."

The server speaks plain SMTP on 127.0.0.1, offers STARTTLS with a self-signed certificate
for 127.0.0.1 made with the ``openssl`` command, and requires AUTH (PLAIN/LOGIN, only
after STARTTLS) with ``smtpd.username``/``smtpd.password``. Every accepted message is
kept, parsed, in ``received`` (and its envelope in ``envelopes``). ``stop()`` and
``start()`` take it down and bring it back on the same port (an outage).
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from ports import free_port

from mailbot.featureconfig import SmtpConfig

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:  # pragma: no cover - the test deps install it
    Controller = None  # type: ignore[misc,assignment]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        message = email.message_from_bytes(data, policy=email.policy.default)
        with self.server.lock:
            self.server.received.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpServer:
    username = "mailbot"
    password = "s3cret-smtp"

    def __init__(self, base: Path) -> None:
        self.base = base
        self.ca_file = base / "cert.pem"
        self.key_file = base / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2",
             "-keyout", str(self.key_file), "-out", str(self.ca_file)],
            check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.port = free_port()
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self._controller: Any = None

    def _auth(self, _server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and (data.password.decode() == self.password)
        )
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.ca_file), str(self.key_file))
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=self._auth,
            auth_required=True,
            ready_timeout=10,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.envelopes.clear()

    def config(self, **changes: Any) -> SmtpConfig:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "sender": "Lettere dai clienti <blog@example.org>",
            "port": self.port,
            "security": "starttls",
            "username": self.username,
            "password": self.password,
            "ca_file": self.ca_file,
            "timeout": 5.0,
        }
        values.update(changes)
        return SmtpConfig(**values)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.received if address in str(m["To"])]


def _missing() -> str | None:
    if Controller is None:
        return "aiosmtpd is not installed (pip install aiosmtpd)"
    if shutil.which("openssl") is None:
        return "the openssl command is not installed"
    return None


@pytest.fixture(scope="session")
def _smtp_session() -> Iterator[SmtpServer]:
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    with tempfile.TemporaryDirectory(prefix="mbsmtp") as base:
        server = SmtpServer(Path(base))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def smtpd(_smtp_session: SmtpServer) -> Iterator[SmtpServer]:
    """The session's SMTP server, emptied for this test (and running again after it)."""
    _smtp_session.clear()
    if _smtp_session._controller is None:
        _smtp_session.start()
    yield _smtp_session
    if _smtp_session._controller is None:
        _smtp_session.start()
