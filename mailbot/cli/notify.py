"""``mailbot notify``: check the mail settings and send what the outbox holds."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from mailbot.cli.common import State, pass_state, translate
from mailbot.errors import MailbotError, UsageError
from mailbot.outbox import notices
from mailbot.outbox.outbox import Outbox
from mailbot.outbox.smtp import Sender


@click.group("notify")
def notify_group() -> None:
    """Mail from mailbot: test the [smtp] settings, send queued mail now."""


@notify_group.command("test")
@click.argument("address")
@pass_state
def test_cmd(state: State, address: str) -> None:
    """Send one test message to ADDRESS through [smtp] (not through the outbox)."""
    try:
        config = state.mailbox_config  # the SMTP password is read now
        if config.smtp is None:
            raise UsageError("there is no [smtp] section in the config; add one to send mail.")
        if "@" not in address:
            raise UsageError(f"{address!r} is not an e-mail address.")
        notice = notices.test_notice(config, address, datetime.now(UTC).isoformat())
        assert notice is not None
        with Sender(config.smtp) as sender:
            sender.send(notice.message, address)
    except MailbotError as exc:
        raise translate(exc) from exc
    click.echo(f"sent a test message to {address} through {config.smtp.host}:{config.smtp.port}")


@notify_group.command("flush")
@pass_state
def flush_cmd(state: State) -> None:
    """Send the queued mail that is due now (the service does this on its own)."""
    try:
        config = state.mailbox_config
        with Outbox(config.ledger_path, hourly_cap=config.notify.hourly_cap) as outbox:
            report = outbox.flush(config.smtp)
            counts = outbox.counts()
    except MailbotError as exc:
        raise translate(exc) from exc
    click.echo(f"sent {report.sent}, failed {report.failed}, held by the hourly cap {report.deferred}; "
               f"{counts.queued} queued")  # fmt: skip
    if report.failed:
        raise click.exceptions.Exit(1)
