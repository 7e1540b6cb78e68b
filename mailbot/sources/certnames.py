"""The names a TLS certificate is issued for, to tell a user which imap.host to write."""

from __future__ import annotations

import contextlib
import ssl

from imapclient import IMAPClient

from mailbot.config import ImapConfig
from mailbot.logguard import quiet_imap_trace


def certificate_names(config: ImapConfig, context: ssl.SSLContext) -> list[str]:
    """The DNS names and IP addresses a server's (trusted) certificate is issued for.

    Connects once more without checking the name, only to read them for an error
    message; the chain is still verified. Empty if that fails too.
    """
    context.check_hostname = False
    client = None
    try:
        client = IMAPClient(config.host, port=config.port, ssl=config.security == "ssl",
                            ssl_context=context, timeout=min(config.timeout, 10.0))  # fmt: skip
        quiet_imap_trace(client)
        if config.security == "starttls":
            client.starttls(context)
        cert = client.socket().getpeercert() or {}
    except Exception:  # only a better error message was at stake
        return []
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()
    names = [str(value) for kind, value in cert.get("subjectAltName", ()) if kind in ("DNS", "IP Address")]
    if not names:
        names = [str(v) for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"]
    return list(dict.fromkeys(names))
