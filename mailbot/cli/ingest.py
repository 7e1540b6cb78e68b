"""Commands that bring mail in: extract (a diagnostic), import, poll, run (the service), status."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mailbot.cli.common import State, pass_state
from mailbot.errors import MailbotError, UsageError
from mailbot.models import RawMessage
from mailbot.sources.base import Source

if TYPE_CHECKING:  # the pipeline is imported by the commands that run it
    from mailbot.ingest.pipeline import RunReport

log = logging.getLogger(__name__)

# -- extract -----------------------------------------------------------------


def _read_input(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except FileNotFoundError as exc:
        raise UsageError(f"{file} does not exist; give the path of an .eml file, or - for stdin.") from exc
    except IsADirectoryError as exc:
        raise UsageError(
            f"{file} is a folder; give one .eml file (use `mailbot import` for folders)."
        ) from exc
    except OSError as exc:
        raise MailbotError(f"{file} cannot be read ({exc.strerror}).") from exc


@click.command("extract")
@click.argument("file")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object: forwarded (true/false); letter (author {name, address}, date, "
    "date_raw, subject, body); forwarders, outermost first (name, address, date, note). "
    "A value not found is null. The README describes each field.",
)
def extract_cmd(file: str, as_json: bool) -> None:
    """Parse one message (FILE, or - for stdin) and print what mailbot sees.

    Nothing is written anywhere. The output is before redaction: it is a
    diagnostic for the operator.
    """
    from mailbot.ingest.pipeline import extract

    found = extract(_read_input(file))
    if as_json:
        click.echo(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
        return
    letter = found.letter
    click.echo(f"forwarded: {'yes' if found.forwarded else 'no'}")
    click.echo(f"author:    {letter.author.name or '?'} <{letter.author.address or '?'}>")
    click.echo(f"date:      {letter.date.isoformat() if letter.date else letter.date_raw or '?'}")
    click.echo(f"subject:   {letter.subject or '?'}")
    for i, f in enumerate(found.forwarders):
        click.echo(
            f"forwarder {i + 1}: {f.name or '?'} <{f.address or '?'}>"
            + (f" — note: {f.note}" if f.note else "")
        )
    click.echo("")
    click.echo(letter.body)


# -- ingestion -----------------------------------------------------------------


def _echo_report(report: RunReport) -> None:
    click.echo(report.summary())
    if logging.getLogger("mailbot.ingest.pipeline").isEnabledFor(logging.WARNING):
        return  # each quarantine and its reason is in the log already, once
    for key, reason in report.failed:
        click.echo(f"quarantined {key}: {reason}", err=True)


def _progress(total: int | None) -> Callable[[RawMessage, str], None] | None:
    """A progress line on stderr for long imports, only when it is a terminal."""
    if not sys.stderr.isatty() or not total or total < 20:
        return None
    done = 0

    def step(message: RawMessage, outcome: str) -> None:
        nonlocal done
        done += 1
        click.echo(f"\r{done}/{total} messages", err=True, nl=done == total)

    return step


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_state
def import_cmd(state: State, paths: tuple[Path, ...]) -> None:
    """Ingest local .eml files, folders of .eml files, Maildir folders or mbox files.

    The messages go through the same pipeline as mail from IMAP; the files are
    only read, never moved. A message already imported is not drafted again.
    Exits 1 if any message had to be quarantined.
    """
    from mailbot.sources.local import import_sources

    sources = import_sources(list(paths))
    failed = 0
    with state.pipeline() as pipeline:
        for source in sources:
            try:
                report = pipeline.run(source, _progress(len(source)))
            finally:
                source.close()
            _echo_report(report)
            failed += len(report.failed)
    if failed:
        raise MailbotError(f"{failed} message(s) could not be drafted; see the reasons above.")


def _source(state: State) -> Source:
    config = state.mailbox_config
    if config.imap is not None:
        from mailbot.sources.imap import ImapSource

        return ImapSource(config.imap, max_bytes=config.service.max_message_bytes)
    from mailbot.sources.local import MaildirInbox

    return MaildirInbox(config.local.maildir)


@click.command("poll")
@click.option("--once", is_flag=True, help="One cycle, then exit (this is what poll always does).")
@pass_state
def poll_cmd(state: State, once: bool) -> None:
    """One ingestion cycle from the configured mailbox, then exit.

    The mailbox is [imap] when configured, else the local Maildir
    ([local] maildir). Handled messages are moved to the processed folder
    (Maildir: from new/ to cur/) only after their draft is on disk.
    """
    source = _source(state)
    with state.pipeline() as pipeline:
        try:
            report = pipeline.run(source)
        finally:
            source.close()
    _echo_report(report)
    if report.failed:
        raise MailbotError(f"{len(report.failed)} message(s) were quarantined; see the reasons above.")


@click.command("run")
@pass_state
def run_cmd(state: State) -> None:
    """Run the background service until SIGTERM or SIGINT.

    Polls on the schedule ([service] interval) and, for IMAP with
    [imap] idle = true, drafts new mail within seconds using IMAP IDLE.
    Publishes approved drafts by itself when [service] publish says so.
    Failures to reach the mailbox, at start-up too, are retried with
    backoff; a refused login stops the service with exit status 1. Only one
    service may run on a state folder. A stop finishes the message in hand.
    """
    from mailbot.service.runlock import service_lock
    from mailbot.service.scheduler import Service

    config = state.mailbox_config  # the password is read now: a missing secret stops us at start
    if logging.getLogger().level == logging.WARNING:  # the default: the service says what it does
        logging.getLogger("mailbot.service").setLevel(logging.INFO)
    with service_lock(config.paths.state), state.pipeline() as pipeline:
        if not config.senders.allow:
            log.warning("[senders] allow is empty: anyone who writes to the mailbox can submit letters")
        code = Service.for_config(pipeline, lambda: _source(state)).run()
    if code:
        raise MailbotError(
            "the service stopped because the IMAP server refused the login; see the log above."
        )


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_state
def status_cmd(state: State, as_json: bool) -> None:
    """Show whether the service runs, the last poll, messages by outcome, drafts and the last error."""
    from mailbot.service import status

    data = status.gather(state.config)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for line in status.lines(data):
        click.echo(line)
