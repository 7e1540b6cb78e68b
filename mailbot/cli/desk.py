"""`mailbot serve` (the review desk) and `mailbot reviewers` (who may sign in to it)."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import click

from mailbot.cli.common import State, pass_state
from mailbot.errors import ConfigError, UsageError


def _split_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f'--listen {listen!r} must be HOST:PORT, like "127.0.0.1:8025".')
    return host.strip("[]"), int(port)


@click.command("serve")
@click.option(
    "--listen", metavar="HOST:PORT", help="Where to listen (default: [review] listen, 127.0.0.1:8025)."
)
@pass_state
def serve_cmd(state: State, listen: str | None) -> None:
    """Run the review desk (a web application for reviewers) until SIGTERM or SIGINT."""
    import waitress

    from mailbot.desk.app import create_app

    config = state.config
    host, port = _split_listen(listen or config.review.listen)
    app = create_app(config)
    try:
        server = waitress.create_server(app, host=host, port=port, threads=4, ident="mailbot")
    except OSError as exc:
        raise ConfigError(
            f"the desk cannot listen on {host}:{port} ({exc.strerror}); choose another --listen."
        ) from exc

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # even when started with SIGINT ignored (a background job)
    click.echo(f"mailbot: the review desk listens on http://{host}:{port}/ (stop with Ctrl-C)", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo("mailbot: the review desk stopped", err=True)


@click.group("reviewers")
def reviewers_group() -> None:
    """Who may sign in to the review desk."""


def _password(stdin: bool, prompt: str = "Password") -> str:
    if stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    value: str = click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return value


@reviewers_group.command("add")
@click.argument("name")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_state
def reviewers_add(state: State, name: str, email: str, password_stdin: bool) -> None:
    """Add a reviewer (asks for a password, or reads it with --password-stdin)."""
    from mailbot.desk.auth import Reviewers

    password = _password(password_stdin)
    with Reviewers(state.config.ledger_path) as reviewers:
        added = reviewers.add(name, email, password)
    click.echo(f"added the reviewer {added.name} <{added.email}>")


@reviewers_group.command("list")
@pass_state
def reviewers_list(state: State) -> None:
    """List the reviewers who may sign in to the desk."""
    from mailbot.desk.auth import Reviewers

    with Reviewers(state.config.ledger_path) as reviewers:
        for r in reviewers.list():
            click.echo(f"{r.email}  {r.name}  (since {r.created})")


@reviewers_group.command("remove")
@click.argument("email")
@pass_state
def reviewers_remove(state: State, email: str) -> None:
    """Remove a reviewer: their sessions end at their next request."""
    from mailbot.desk.auth import Reviewers

    with Reviewers(state.config.ledger_path) as reviewers:
        reviewers.remove(email)
    click.echo(f"removed the reviewer {email}")


@reviewers_group.command("passwd")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_state
def reviewers_passwd(state: State, email: str, password_stdin: bool) -> None:
    """Change a reviewer's password (asks for it, or --password-stdin)."""
    from mailbot.desk.auth import Reviewers

    password = _password(password_stdin, "New password")
    with Reviewers(state.config.ledger_path) as reviewers:
        reviewers.passwd(email, password)
    click.echo(f"changed the password of {email}")
