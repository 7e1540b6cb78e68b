"""The deploy step: ``[publish] after`` commands run after each successful publish.

Each command is run directly (never through a shell) with the site folder appended as its last
argument; what it prints is logged line by line, and a failure is reported as a
:class:`~mailbot.errors.DeployError`: the publish itself stays done.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Sequence
from pathlib import Path

from mailbot.errors import PublishError

log = logging.getLogger(__name__)

TIMEOUT = 3600.0  # seconds: an upload of a whole site may be slow, a hung one must not block forever


class DeployError(PublishError):
    """A deploy command failed; the site folder is published, the copy elsewhere is not."""


def deploy(commands: Sequence[Sequence[str]], site: Path, *, timeout: float = TIMEOUT) -> int:
    """Run every command in turn with ``site`` as its last argument; returns how many ran.

    Stops at the first failure (a later command may depend on an earlier one) and raises
    :class:`DeployError` naming the command and how it failed.
    """
    for command in commands:
        argv = [*command, str(site)]
        name = command[0]
        log.info("deploying: running %s", " ".join(argv))
        try:
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except FileNotFoundError as exc:
            raise DeployError(
                f"the deploy command {name!r} was not found; the site is published in {site} but not "
                "deployed: fix [publish] after (a program and its arguments) and publish again."
            ) from exc
        except PermissionError as exc:
            raise DeployError(
                f"the deploy command {name!r} cannot be run ({exc.strerror}); the site is published in "
                f"{site} but not deployed: make it executable and publish again."
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise DeployError(
                f"the deploy command {name!r} took longer than {timeout:.0f} s and was stopped; the site "
                f"is published in {site} but not deployed."
            ) from exc
        level = logging.INFO if done.returncode == 0 else logging.WARNING
        for line in done.stdout.decode("utf-8", "replace").splitlines():
            log.log(level, "%s: %s", name, line)
        if done.returncode != 0:
            how = f"exit status {done.returncode}" if done.returncode > 0 else f"signal {-done.returncode}"
            raise DeployError(
                f"the deploy command {name!r} failed ({how}); the site is published in {site} but not "
                "deployed: see its output in the log above, fix it and publish again."
            )
    return len(commands)
