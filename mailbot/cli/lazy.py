"""The group's commands, each imported the first time it is used.

``mailbot drafts list`` then loads the drafts modules and nothing else: not the pipeline, the
outbox, the comments, Flask or Jinja. ``mailbot --help`` still shows every command (it asks each
for its help, which imports them all), and ``cli.commands`` still maps every name to its command.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping

import click


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name: ``{"drafts": "mailbot.cli.review:drafts_group"}``, imported on use."""

    def __init__(self, where: Mapping[str, str]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, _, attribute = self._where[name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command) or command.name != name:
                raise TypeError(f"{self._where[name]} is not the command {name!r}")
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._where.pop(name, None)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._loaded and name not in self._where:
            raise KeyError(name)
        self._loaded.pop(name, None)
        self._where.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter({**self._where, **self._loaded})

    def __len__(self) -> int:
        return len({**self._where, **self._loaded})

    def loaded(self) -> set[str]:
        """The names of the commands imported so far."""
        return set(self._loaded)
