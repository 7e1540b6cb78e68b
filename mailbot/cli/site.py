"""Commands that change the site: publish, retract, preview."""

from __future__ import annotations

import click

from mailbot.cli.common import State, pass_state

# -- publish -------------------------------------------------------------------


@click.command("publish")
@click.option(
    "--rebuild", is_flag=True, help="Render every page again (after upgrading Jinja, Babel or the theme)."
)
@pass_state
def publish_cmd(state: State, rebuild: bool) -> None:
    """Render every approved post into the site folder ([paths] site), then run [publish] after."""
    newly, report = state.publisher.publish(rebuild=rebuild)
    if newly:  # (one write: 10,000 lines one by one took 0.06 s)
        click.echo("\n".join(f"published {draft_id}" for draft_id in newly))
    else:
        click.echo(
            "nothing new to publish: no draft is approved (approve one with `mailbot drafts approve ID`)"
        )
    click.echo(
        f"site: {state.config.paths.site / 'index.html'} "
        f"({len(report.written)} file(s) written, {report.unchanged} unchanged)"
    )
    commands = state.config.publish.after
    if commands:
        from mailbot.site.deploy import deploy

        deploy(commands, state.config.paths.site)  # a DeployError: exit status 1, its sentence
        click.echo(f"deployed: {len(commands)} command(s) of [publish] after succeeded")


@click.command("retract")
@click.argument("ids", nargs=-1, required=True)
@click.option("--reason", help="Why (e.g. the customer withdrew consent); kept in the draft file.")
@pass_state
def retract_cmd(state: State, ids: tuple[str, ...], reason: str | None) -> None:
    """Take published posts off every page and feed of the site.

    The drafts are kept, marked retracted, and are never published again
    unless approved anew.
    """
    report = state.publisher.retract(list(ids), reason)
    for draft_id in ids:
        click.echo(f"retracted {draft_id}")
    click.echo(f"site: {len(report.written)} file(s) rewritten, {len(report.removed)} removed")


@click.command("preview")
@click.argument("ids", nargs=-1)
@pass_state
def preview_cmd(state: State, ids: tuple[str, ...]) -> None:
    """Render drafts as the site would show them, into the preview folder.

    Without IDs: every draft in status draft or approved. Each page is marked
    as a preview; the public site is never touched.
    """
    from mailbot.site.draftpage import render_preview

    render_preview(state.publisher, list(ids) or None)
    click.echo(f"preview: {state.config.paths.preview / 'index.html'}")
