"""What every command shares: the state the global options give, and errors on their way out."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mailbot.config import DEFAULT_CONFIG, Config, load_config
from mailbot.drafts.store import DraftStore
from mailbot.errors import MailbotError

if TYPE_CHECKING:  # imported when used: `drafts list` need not load the pipeline or the theme
    from mailbot.site.publishing import Publisher


class OperationFailed(click.ClickException):
    """A MailbotError on its way out: printed as one sentence, exit status 1."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"mailbot: error: {self.format_message()}", err=True)


class BadUsage(OperationFailed):
    """A configuration or usage error: exit status 2."""

    exit_code = 2


def translate(exc: MailbotError) -> OperationFailed:
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
        from mailbot.ingest.ledger import Ledger
        from mailbot.ingest.pipeline import Pipeline

        with Ledger(self.config.ledger_path) as ledger:
            yield Pipeline(self.config, ledger)

    @property
    def publisher(self) -> Publisher:
        from mailbot.site.publishing import Publisher

        return Publisher.of(self.config)

    @property
    def store(self) -> DraftStore:
        return DraftStore(self.config.paths.drafts)


pass_state = click.make_pass_decorator(State)
