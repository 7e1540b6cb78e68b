"""The command line, thin: each command parses its options, calls one library function, maps errors.

The group and its global options live here; the commands in ingest.py, review.py and site.py.
Errors: every :class:`~mailbot.errors.MailbotError` becomes one sentence on
stderr and its exit status (1 operation failed, 2 bad usage or config); a
traceback only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from mailbot import __version__, logguard
from mailbot.cli.common import OperationFailed, State, translate
from mailbot.cli.lazy import LazyCommands
from mailbot.errors import MailbotError


class MailbotGroup(click.Group):
    """Translates MailbotError (and crashes) into one sentence and an exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MailbotError as exc:
            state = ctx.find_object(State)
            if state is not None and state.debug:
                raise
            raise translate(exc) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, BrokenPipeError):
            raise  # BrokenPipeError: the reader went away (`| head`); main() ends quietly
        except Exception as exc:
            state = ctx.find_object(State)
            if state is not None and state.debug:
                raise
            raise OperationFailed(
                f"unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback)"
            ) from exc


def _setup_logging(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """Logs to this invocation's stderr until the command ends (also when run in-process, as tests do)."""
    level = logging.DEBUG if debug or verbose > 1 else logging.INFO if verbose else logging.WARNING
    if quiet:
        level = logging.ERROR
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    chatty = [logging.getLogger("imapclient"), logging.getLogger("apscheduler")]
    previous = [(logger, logger.level) for logger in (root, *chatty)]
    root.addHandler(handler)
    root.setLevel(level)

    def restore() -> None:
        root.removeHandler(handler)
        for logger, old_level in previous:
            logger.setLevel(old_level)

    ctx.call_on_close(restore)
    # Mail libraries log message bytes (imaplib's trace, header values): never at any level.
    logguard.install()
    if level > logging.DEBUG:
        for logger in chatty:
            logger.setLevel(logging.WARNING)


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
    _setup_logging(ctx, verbose, quiet, debug)
    ctx.obj = State(config_path, debug, quiet)


# Each command is imported when it is used (`mailbot drafts list` loads no pipeline, Flask or Jinja).
cli.commands = LazyCommands(
    {
        "extract": "mailbot.cli.ingest:extract_cmd",
        "import": "mailbot.cli.ingest:import_cmd",
        "poll": "mailbot.cli.ingest:poll_cmd",
        "run": "mailbot.cli.ingest:run_cmd",
        "status": "mailbot.cli.ingest:status_cmd",
        "drafts": "mailbot.cli.review:drafts_group",
        "publish": "mailbot.cli.site:publish_cmd",
        "retract": "mailbot.cli.site:retract_cmd",
        "preview": "mailbot.cli.site:preview_cmd",
        "comments": "mailbot.cli.comments:comments_group",
        "serve": "mailbot.cli.desk:serve_cmd",
        "reviewers": "mailbot.cli.desk:reviewers_group",
        "notify": "mailbot.cli.notify:notify_group",
    }
)


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
