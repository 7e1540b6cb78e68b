"""The `comments` command group: list, show, approve, reject, delete readers' comments."""

from __future__ import annotations

import json

import click

from mailbot.cli.common import State, pass_state
from mailbot.comments import moderation
from mailbot.comments.model import CommentStatus
from mailbot.comments.store import CommentStore


def _store(state: State) -> CommentStore:
    return CommentStore(state.config.paths.drafts, state.config.ledger_path)


@click.group("comments")
def comments_group() -> None:
    """Readers' comments: nothing is shown on the site until a moderator approves it."""


@comments_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of comments.")
@click.option("--status", type=click.Choice([s.value for s in CommentStatus]), help="Only this status.")
@click.option("--post", help="Only the comments of this post id.")
@pass_state
def list_cmd(state: State, as_json: bool, status: str | None, post: str | None) -> None:
    """List comments, oldest first."""
    found = _store(state).all(post, CommentStatus(status) if status else None)
    if as_json:
        click.echo(json.dumps([c.to_json() for c in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("no comments")
    for c in found:
        first = c.text.splitlines()[0] if c.text else ""
        click.echo(f"{c.id:>5}  {c.status.value:<8}  {c.post}  {c.name or '-'}: {first[:60]}")


@comments_group.command("show")
@click.argument("number")
@pass_state
def show_cmd(state: State, number: str) -> None:
    """Show one comment whole, with the private values hidden in it."""
    c = _store(state).get(moderation.parse_ids([number])[0])
    click.echo(f"comment {c.id} on {c.post} ({c.status.value}, by {c.via})")
    click.echo(f"name:     {c.name or '(anonymous)'}")
    click.echo(f"email:    {c.email or '-'}")
    click.echo(f"received: {c.received.isoformat(timespec='seconds')}")
    for i, r in enumerate(c.redactions, 1):
        click.echo(f"hidden {i}: {r.kind} as {r.placeholder}{' (restored)' if r.restored else ''}")
    click.echo("")
    click.echo(c.text)


@comments_group.command("approve")
@click.argument("numbers", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Approve every pending comment.")
@pass_state
def approve_cmd(state: State, numbers: tuple[str, ...], every: bool) -> None:
    """Approve comments: the next `mailbot publish` shows them under their posts."""
    if every == bool(numbers):
        raise click.UsageError("give comment numbers or --all (not both).")
    store = _store(state)
    done = (
        moderation.approve_all(store, config=state.config)
        if every
        else moderation.approve(store, moderation.parse_ids(numbers), config=state.config)
    )
    for c in done:
        click.echo(f"approved comment {c.id} on {c.post}")
    if not done:
        click.echo("nothing to approve")


@comments_group.command("reject")
@click.argument("numbers", nargs=-1, required=True)
@pass_state
def reject_cmd(state: State, numbers: tuple[str, ...]) -> None:
    """Reject comments: kept in their files, never shown."""
    for c in moderation.reject(_store(state), moderation.parse_ids(numbers)):
        click.echo(f"rejected comment {c.id} on {c.post}")


@comments_group.command("delete")
@click.argument("numbers", nargs=-1, required=True)
@pass_state
def delete_cmd(state: State, numbers: tuple[str, ...]) -> None:
    """Delete comments for good; the next `mailbot publish` takes them off every page."""
    for c in moderation.delete(_store(state), moderation.parse_ids(numbers), config=state.config):
        click.echo(f"deleted comment {c.id} on {c.post}")


@comments_group.command("restore")
@click.argument("number")
@click.argument("which", type=int)
@pass_state
def restore_cmd(state: State, number: str, which: int) -> None:
    """Put hidden value WHICH (as `comments show` lists it) back into a comment's text, deliberately."""
    c = moderation.restore(_store(state), moderation.parse_ids([number])[0], which)
    click.echo(f"restored hidden value {which} of comment {c.id}")
