"""A throwaway real Dovecot IMAP server for the tests, and its pytest fixture.

Use the ``dovecot`` fixture (imported into ``tests/conftest.py``)::

    @pytest.mark.dovecot
    def test_something(dovecot):
        dovecot.append("INBOX", b"Subject: hi\\r\\n\\r\\nbody\\r\\n")
        config = ImapConfig(host=dovecot.host, port=dovecot.imaps_port, username=dovecot.username,
                            password=dovecot.password, ca_file=dovecot.ca_file)

One server runs for the whole session (it starts in ~0.1 s but stops in ~1 s);
every test gets a fresh user, so its mailbox starts empty.  The server listens
on 127.0.0.1 only: ``imap_port`` speaks plain IMAP with STARTTLS offered (and
plain-text LOGIN allowed, so ``security = "none"`` can be tested), ``imaps_port``
speaks implicit TLS.  ``ca_file`` is a self-signed certificate for 127.0.0.1
made at start-up with the ``openssl`` command.

Facts this module is built around (Dovecot 2.3 on Debian, run as root):

* mail processes may not run as uid 0, so users map to ``nobody:nogroup``;
* the auth process runs as ``dovecot`` and must reach the config and passwd
  file, so the base folder is a world-searchable ``/tmp/mbXXXX`` (pytest's
  ``tmp_path`` lives under a 0700 folder);
* unix socket paths must stay under 108 bytes, hence the short ``base_dir``;
* Dovecot's log process keeps the inherited stderr open, so its output goes
  to log files and never through a pipe that we would wait on.
"""

from __future__ import annotations

import contextlib
import grp
import itertools
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient
from ports import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
STOP_TIMEOUT = 5.0
USERS_PER_BLOCK = 200
START_TIMEOUT = 10.0

_CONFIG = """\
# Written by tests/imapserver.py for one test session; removed afterwards.
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot-info.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{base}/cert.pem
ssl_key = <{base}/key.pem
ssl_dh = <{dh}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
# Wrong-password tests would otherwise wait 2 s (and more on repeats).
auth_failure_delay = 0
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
# mdbox is several times faster than maildir for many small messages.
mail_location = mdbox:~/mdbox
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/passwd
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  # No growing penalty for repeated failed logins from 127.0.0.1.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


class DovecotServer:
    """One Dovecot instance under ``/tmp/mbXXXX``; see the module docstring.

    ``username``/``password`` name the current test user (``new_user()``
    switches to a fresh one with an empty mailbox).
    """

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(dir="/tmp", prefix="mb"))
        # The auth process (user dovecot) must be able to walk into the base folder.
        self.base.chmod(0o755)
        self.config_path = self.base / "dovecot.conf"
        self.ca_file = self.base / "cert.pem"
        self.log_file = self.base / "dovecot.log"
        self.imap_port = free_port()
        self.imaps_port = free_port()
        self.uid = pwd.getpwnam("nobody").pw_uid
        self.gid = grp.getgrnam("nogroup").gr_gid
        self.username = ""
        self.password = ""
        self._users = itertools.count(1)
        self._free_users: list[tuple[str, str]] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._setup()

    # -- set-up ---------------------------------------------------------------------------------------

    def _setup(self) -> None:
        """Write certificate, config, passwd file and mail folder (once per server)."""
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2",
             "-keyout", str(self.base / "key.pem"), "-out", str(self.ca_file)],
            check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.ca_file.chmod(0o644)
        dh = Path("/usr/share/dovecot/dh.pem")
        self.config_path.write_text(
            _CONFIG.format(base=self.base, dh=dh, uid=self.uid, gid=self.gid,
                           imap_port=self.imap_port, imaps_port=self.imaps_port),
            encoding="utf-8",
        )  # fmt: skip
        self.config_path.chmod(0o644)
        (self.base / "passwd").write_text("", encoding="utf-8")
        (self.base / "passwd").chmod(0o644)
        mail = self.base / "mail"
        mail.mkdir()
        os.chown(mail, self.uid, self.gid)
        self.new_user()

    def new_user(self) -> str:
        """Switch to the next unused user (empty mailbox); return its name.

        Users are written to the passwd file in blocks ahead of use: Dovecot
        checks the file for changes at most once a second, so a user added
        just before logging in may not be known yet.
        """
        if not self._free_users:
            self._add_users(USERS_PER_BLOCK)
            if self._process is not None:
                time.sleep(1.1)  # let Dovecot's once-a-second check see the new block
        self.username, self.password = self._free_users.pop(0)
        return self.username

    def _add_users(self, count: int) -> None:
        lines = []
        for _ in range(count):
            n = next(self._users)
            name, password = f"user{n}", f"pw-{n}-{os.urandom(6).hex()}"
            home = self.base / "mail" / name
            lines.append(f"{name}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{home}::\n")
            self._free_users.append((name, password))
        with open(self.base / "passwd", "a", encoding="utf-8") as fh:
            fh.writelines(lines)

    # -- life cycle -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start Dovecot in the foreground (-F) as our child and wait for its greeting."""
        if self.running:
            return
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Own process group: if the master does not stop, kill it and its children together.
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._process.poll() is not None:
                self._process = None
                raise RuntimeError(f"dovecot exited at start-up; see {self.log_file}:\n{self._log_tail()}")
            if self._greets():
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dovecot did not greet within {START_TIMEOUT} s:\n{self._log_tail()}")
            time.sleep(0.02)

    def _greets(self) -> bool:
        """True once the IMAP port answers with ``* OK`` and the IMAPS port accepts connections."""
        try:
            with socket.create_connection((self.host, self.imap_port), timeout=1) as sock:
                if not sock.recv(200).startswith(b"* OK"):
                    return False
            with socket.create_connection((self.host, self.imaps_port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """Stop Dovecot (SIGTERM), killing its process group if it is not gone in 5 s."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(STOP_TIMEOUT)
        # Children (log, auth, imap...) left behind by a killed master share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    def restart(self) -> None:
        """Stop and start again on the same ports (clients see their connections dropped)."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"

    # -- helpers for test set-up ----------------------------------------------------------------------

    def ssl_context(self) -> ssl.SSLContext:
        """A client context trusting the server's self-signed certificate."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def client(self) -> IMAPClient:
        """An IMAPClient logged in as the current user over plain IMAP; close it (``with``)."""
        client = IMAPClient(self.host, port=self.imap_port, ssl=False, timeout=10)
        try:
            client.login(self.username, self.password)
        except Exception:
            client.shutdown()
            raise
        return client

    def append(self, folder: str, raw: bytes, flags: tuple[bytes, ...] = ()) -> int:
        """Append ``raw`` to ``folder`` (created if needed); return the new UID."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw, flags=flags)
        # Dovecot answers "[APPENDUID <uidvalidity> <uid>] Append completed."
        text = response.decode() if isinstance(response, bytes) else str(response)
        return int(text.split("]")[0].split()[-1])

    def count(self, folder: str) -> int:
        """How many messages ``folder`` holds (0 if it does not exist)."""
        with self.client() as client:
            if not client.folder_exists(folder):
                return 0
            return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])

    def fetch(self, folder: str) -> dict[int, tuple[tuple[bytes, ...], bytes]]:
        """UID → (flags, exact bytes) of every message in ``folder``, without setting \\Seen."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            data = client.fetch(uids, [b"FLAGS", b"BODY.PEEK[]"]) if uids else {}
            return {uid: (tuple(item[b"FLAGS"]), bytes(item[b"BODY[]"])) for uid, item in data.items()}


def _missing_tools() -> str | None:
    if not os.path.exists(DOVECOT):
        return "dovecot is not installed (apt-get install dovecot-imapd)"
    if shutil.which("openssl") is None:
        return "the openssl command is not installed (apt-get install openssl)"
    if os.geteuid() != 0:
        return "the Dovecot tests start their own server and must run as root"
    return None


_server: DovecotServer | None = None


@pytest.fixture
def dovecot(request: pytest.FixtureRequest) -> DovecotServer:
    """The running Dovecot, switched to a fresh user whose mailbox is empty.

    One server serves the whole session: it is created on first use and stopped
    (its folder removed) when pytest finishes, also after failures. Being a single
    fixture, ``from imapserver import dovecot`` in conftest.py is all it takes.
    Skipped if Dovecot cannot run here, failed instead when ``CI=true``.
    """
    global _server
    problem = _missing_tools()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the IMAP tests need a real Dovecot: {problem}", pytrace=False)
        pytest.skip(f"the IMAP tests need a real Dovecot: {problem}")
    if _server is None:
        _server = DovecotServer()
        request.config.add_cleanup(_cleanup)
    _server.start()  # a no-op unless an earlier test left it stopped
    _server.new_user()
    return _server


def _cleanup() -> None:
    global _server
    if _server is not None:
        _server.cleanup()
        _server = None
