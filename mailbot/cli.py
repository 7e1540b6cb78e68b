"""The command line: each command is a few lines over a library call.

Errors: every :class:`~mailbot.errors.MailbotError` becomes one sentence on
stderr and its exit status (1 operation failed, 2 bad usage or config); a
traceback only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import __version__, logguard
from .cli_drafts import drafts_group
from .config import DEFAULT_CONFIG, Config, load_config
from .drafts import DraftStore
from .errors import MailbotError, UsageError
from .ledger import Ledger
from .models import RawMessage
from .pipeline import Pipeline, RunReport, extract

log = logging.getLogger(__name__)


class OperationFailed(click.ClickException):
    """A MailbotError on its way out: printed as one sentence, exit status 1."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"mailbot: error: {self.format_message()}", err=True)


class BadUsage(OperationFailed):
    """A configuration or usage error: exit status 2."""

    exit_code = 2


def _translate(exc: MailbotError) -> OperationFailed:
    return BadUsage(str(exc)) if exc.exit_code == 2 else OperationFailed(str(exc))


class State:
    """What the group's options give every command: the config, loaded on first use."""

    def __init__(self, config_path: Path | None, debug: bool, quiet: bool = False) -> None:
        self.config_path = config_path
        self.debug = debug
        self.quiet = quiet
        self._config: Config | None = None
        self._mailbox_config: Config | None = None
        self._said_defaults = False

    @property
    def config(self) -> Config:
        """The configuration without the IMAP password: enough for every command that never connects."""
        if self._config is None:
            self._config = self._loaded(load_config(self.config_path, read_secrets=False))
        return self._config

    @property
    def mailbox_config(self) -> Config:
        """The configuration with the IMAP password read (an unreadable secret fails here, exit 2)."""
        if self._mailbox_config is None:
            self._mailbox_config = self._config = self._loaded(load_config(self.config_path))
        return self._mailbox_config

    def _loaded(self, config: Config) -> Config:
        """Say once, on stderr, when no config file was found and the defaults are in use."""
        if config.path is None and not self._said_defaults and not self.quiet:
            self._said_defaults = True
            click.echo(
                f"mailbot: no config file found (looked for {DEFAULT_CONFIG.absolute()}); using built-in "
                f"defaults: the local Maildir {config.local.maildir}, and drafts, state and site folders "
                f"in {config.paths.drafts.parent}. Pass --config or set MAILBOT_CONFIG to use a file.",
                err=True,
            )
        return config

    @contextmanager
    def pipeline(self) -> Any:
        with Ledger(self.config.ledger_path) as ledger:
            yield Pipeline(self.config, ledger)

    @property
    def store(self) -> DraftStore:
        return DraftStore(self.config.paths.drafts)


class MailbotGroup(click.Group):
    """Translates MailbotError (and crashes) into one sentence and an exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MailbotError as exc:
            state = ctx.find_object(State)
            if state is not None and state.debug:
                raise
            raise _translate(exc) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, BrokenPipeError):
            raise  # BrokenPipeError: the reader went away (`| head`); main() ends quietly
        except Exception as exc:
            state = ctx.find_object(State)
            if state is not None and state.debug:
                raise
            raise OperationFailed(
                f"unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback)"
            ) from exc


def _setup_logging(verbose: int, quiet: bool, debug: bool) -> None:
    level = logging.DEBUG if debug or verbose > 1 else logging.INFO if verbose else logging.WARNING
    if quiet:
        level = logging.ERROR
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # Mail libraries log message bytes (imaplib's trace, header values): never at any level.
    logguard.install()
    if level > logging.DEBUG:
        logging.getLogger("imapclient").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.group(cls=MailbotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="MAILBOT_CONFIG",
    help="Config file (env MAILBOT_CONFIG; default ./mailbot.toml, or built-in defaults if absent).",
)
@click.option("-v", "--verbose", count=True, help="Log what is done (-vv: debug detail; never letter text).")
@click.option("-q", "--quiet", is_flag=True, help="Only log errors.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(__version__, prog_name="mailbot")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int, quiet: bool, debug: bool) -> None:
    """mailbot turns customer letters forwarded to a mailbox into draft posts,
    and approved drafts into a static blog.

    \b
    Typical cycle:
      mailbot poll --once          fetch new mail, write drafts
      mailbot drafts list          see what arrived
      mailbot drafts approve ID    (after reading it: mailbot drafts show ID)
      mailbot publish              render approved posts into the site folder
    """
    _setup_logging(verbose, quiet, debug)
    ctx.obj = State(config_path, debug, quiet)


pass_state = click.make_pass_decorator(State)


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


@cli.command("extract")
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
    if logging.getLogger("mailbot.pipeline").isEnabledFor(logging.WARNING):
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


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_state
def import_cmd(state: State, paths: tuple[Path, ...]) -> None:
    """Ingest local .eml files, folders of .eml files, Maildir folders or mbox files.

    The messages go through the same pipeline as mail from IMAP; the files are
    only read, never moved. A message already imported is not drafted again.
    Exits 1 if any message had to be quarantined.
    """
    from .sources.local import import_sources

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


def _source(state: State) -> Any:
    config = state.mailbox_config
    if config.imap is not None:
        from .sources.imap import ImapSource

        return ImapSource(config.imap, max_bytes=config.service.max_message_bytes)
    from .sources.local import MaildirInbox

    return MaildirInbox(config.local.maildir)


@cli.command("poll")
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


@cli.command("run")
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
    from .runlock import service_lock
    from .service import Service, describe_mailbox

    config = state.mailbox_config  # the password is read now: a missing secret stops us at start
    if logging.getLogger().level == logging.WARNING:  # the default: the service says what it does
        logging.getLogger("mailbot.service").setLevel(logging.INFO)
    with service_lock(config.paths.state), state.pipeline() as pipeline:
        if not config.senders.allow:
            log.warning("[senders] allow is empty: anyone who writes to the mailbox can submit letters")
        service = Service(
            pipeline,
            lambda: _source(state),
            interval=config.service.interval,
            idle=config.imap is not None and config.imap.idle,
            publish=config.service.publish,
            mailbox=describe_mailbox(config),
        )
        code = service.run()
    if code:
        raise MailbotError(
            "the service stopped because the IMAP server refused the login; see the log above."
        )


@cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_state
def status_cmd(state: State, as_json: bool) -> None:
    """Show whether the service runs, the last poll, messages by outcome, drafts and the last error."""
    from . import status

    data = status.gather(state.config)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for line in status.lines(data):
        click.echo(line)


# -- review: the `drafts` group lives in mailbot/cli_drafts.py --------------------


cli.add_command(drafts_group)


# -- publish -------------------------------------------------------------------


@cli.command("publish")
@pass_state
def publish_cmd(state: State) -> None:
    """Render every approved post into the site folder ([paths] site)."""
    with state.pipeline() as pipeline:
        newly, report = pipeline.publish()
    for draft_id in newly:
        click.echo(f"published {draft_id}")
    if not newly:
        click.echo(
            "nothing new to publish: no draft is approved (approve one with `mailbot drafts approve ID`)"
        )
    click.echo(
        f"site: {state.config.paths.site / 'index.html'} "
        f"({len(report.written)} file(s) written, {report.unchanged} unchanged)"
    )


@cli.command("retract")
@click.argument("ids", nargs=-1, required=True)
@click.option("--reason", help="Why (e.g. the customer withdrew consent); kept in the draft file.")
@pass_state
def retract_cmd(state: State, ids: tuple[str, ...], reason: str | None) -> None:
    """Take published posts off every page and feed of the site.

    The drafts are kept, marked retracted, and are never published again
    unless approved anew.
    """
    with state.pipeline() as pipeline:
        report = pipeline.retract(list(ids), reason)
    for draft_id in ids:
        click.echo(f"retracted {draft_id}")
    click.echo(f"site: {len(report.written)} file(s) rewritten, {len(report.removed)} removed")


@cli.command("preview")
@click.argument("ids", nargs=-1)
@pass_state
def preview_cmd(state: State, ids: tuple[str, ...]) -> None:
    """Render drafts as the site would show them, into the preview folder.

    Without IDs: every draft in status draft or approved. Each page is marked
    as a preview; the public site is never touched.
    """
    with state.pipeline() as pipeline:
        pipeline.preview(list(ids) or None)
    click.echo(f"preview: {state.config.paths.preview / 'index.html'}")


def main() -> None:
    """Console-script entry point.

    When the reader of the output goes away (``mailbot drafts list | head -1``),
    the command ends quietly with status 1: no traceback, no error sentence.
    Click's standalone mode catches the broken pipe of a command (the group lets
    it through); this catches one from anywhere else, once.
    """
    try:
        cli(prog_name="mailbot")
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError):  # the interpreter's last flush must not fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
