"""Ingest benchmark: N letters in a real Dovecot → drafts, against a floor measured in the same run.

The floor is the least any IMAP-to-drafts tool must do: fetch every message
with ``BODY.PEEK[]`` (same batch size) and parse it with the stdlib ``email``
package, nothing else. mailbot does that plus forward extraction, the ledger,
a durable draft file per letter and a MOVE to the processed folder.

    .venv/bin/python bench/ingest.py              # 2,000 letters (needs dovecot, as root)
    .venv/bin/python bench/ingest.py --letters 500 --json

Prints messages per second for each and the ratio mailbot / floor (goal: ≤ 2).
The floor is measured before and after mailbot and the faster one kept, so
noise on this shared machine does not flatter the ratio.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import resource
import ssl
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from imapclient import IMAPClient  # noqa: E402
from imapserver import DovecotServer  # noqa: E402
from mailfactory import letter  # noqa: E402

from mailbot.config import load_config  # noqa: E402
from mailbot.ingest.ledger import Ledger  # noqa: E402
from mailbot.ingest.pipeline import Pipeline  # noqa: E402
from mailbot.sources.imap import ImapSource  # noqa: E402

BATCH = 50


def fill(server: DovecotServer, n: int) -> None:
    with server.client() as client:
        for i in range(n):
            client.append("INBOX", letter(i, subject=f"Lettera di prova {i}"))


def floor(server: DovecotServer) -> tuple[float, int]:
    """Seconds to fetch and parse every message in INBOX with the stdlib; messages seen."""
    context = ssl.create_default_context(cafile=str(server.ca_file))
    started = time.perf_counter()
    seen = 0
    with IMAPClient(server.host, port=server.imaps_port, ssl=True, ssl_context=context) as client:
        client.login(server.username, server.password)
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        for i in range(0, len(uids), BATCH):
            for data in client.fetch(uids[i : i + BATCH], ["BODY.PEEK[]"]).values():
                msg = email.message_from_bytes(data[b"BODY[]"], policy=email.policy.default)
                body = msg.get_body(("plain", "html"))
                if body is not None:
                    body.get_content()
                seen += 1
    return time.perf_counter() - started, seen


def mailbot(server: DovecotServer, work: Path) -> tuple[float, int]:
    (work / "mailbot.toml").write_text(
        "[imap]\n"
        f'host = "{server.host}"\nport = {server.imaps_port}\nusername = "{server.username}"\n'
        f'password_env = "BENCH_IMAP_PASSWORD"\nca_file = "{server.ca_file}"\nbatch_size = {BATCH}\n'
        '[senders]\nallow = ["example.org"]\n'
    )
    import os

    os.environ["BENCH_IMAP_PASSWORD"] = server.password
    config = load_config(work / "mailbot.toml")
    assert config.imap is not None
    started = time.perf_counter()
    with Ledger(config.ledger_path) as ledger:
        source = ImapSource(config.imap)
        try:
            report = Pipeline(config, ledger).run(source)
        finally:
            source.close()
    elapsed = time.perf_counter() - started
    assert not report.failed, report.failed[:3]
    return elapsed, len(report.drafted)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    server = DovecotServer()
    try:
        server.start()
        t0 = time.perf_counter()
        fill(server, args.letters)
        fill_s = time.perf_counter() - t0
        floor_before, n_floor = floor(server)
        with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as tmp:
            mailbot_s, n_drafts = mailbot(server, Path(tmp))
            drafts = len(list((Path(tmp) / "drafts").glob("*.md")))
        # The messages are in Processed now; put fresh copies back for the second floor run.
        with server.client() as client:
            client.select_folder("Processed")
            client.move(client.search("ALL"), "INBOX")
        floor_after, _ = floor(server)
    finally:
        server.cleanup()
    floor_s = min(floor_before, floor_after)
    result = {
        "letters": args.letters,
        "drafts": drafts,
        "fill_seconds": round(fill_s, 2),
        "floor_seconds": round(floor_s, 3),
        "floor_runs": [round(floor_before, 3), round(floor_after, 3)],
        "floor_msgs_per_s": round(n_floor / floor_s, 1),
        "mailbot_seconds": round(mailbot_s, 3),
        "mailbot_msgs_per_s": round(n_drafts / mailbot_s, 1),
        "ratio_mailbot_to_floor": round(mailbot_s / floor_s, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"letters:          {args.letters} (appended in {fill_s:.1f} s)")
        rate = result["floor_msgs_per_s"]
        print(f"floor (stdlib):   {floor_s:.2f} s  {rate:>8} msg/s  runs {result['floor_runs']}")
        print(
            f"mailbot:          {mailbot_s:.2f} s  {result['mailbot_msgs_per_s']:>8} msg/s  ({drafts} drafts)"
        )
        print(f"ratio:            {result['ratio_mailbot_to_floor']}x the floor (goal ≤ 2x)")
        print(f"peak RSS:         {result['peak_rss_mib']} MiB (benchmark process)")
    return 0 if drafts == args.letters else 1


if __name__ == "__main__":
    sys.exit(main())
