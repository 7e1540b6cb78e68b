"""Logging state kept across tests: what tests/conftest.py's autouse fixture restores after each one.

The CLI run in-process (CliRunner) changes levels and handlers of the root and library loggers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class _LoggerState:
    level: int
    handlers: tuple[logging.Handler, ...]
    disabled: bool
    propagate: bool


def _pytests_own(handler: logging.Handler) -> bool:
    """pytest's capture handlers, which it adds to and removes from the root around each phase."""
    return type(handler).__module__.startswith("_pytest")


def _loggers() -> dict[str, logging.Logger]:
    found = {
        name: lg for name, lg in logging.root.manager.loggerDict.items() if isinstance(lg, logging.Logger)
    }
    found[""] = logging.getLogger()
    return found


def _state(logger: logging.Logger) -> _LoggerState:
    return _LoggerState(logger.level, tuple(logger.handlers), logger.disabled, logger.propagate)


@contextmanager
def restored_logging() -> Iterator[None]:
    """Logging as it was before, once the block ends.

    Every logger that existed (the root, mailbot's, the libraries') gets back its level, handlers,
    ``disabled`` and ``propagate``; a logger made in the block loses the level and ``disabled``
    flag it was given (the handlers a module adds when imported stay); ``logging.disable`` is undone.
    """
    before = {name: _state(lg) for name, lg in _loggers().items()}
    disabled_below = logging.root.manager.disable
    try:
        yield
    finally:
        logging.disable(disabled_below)
        for name, logger in _loggers().items():
            state = before.get(name) or _LoggerState(
                logging.NOTSET, tuple(logger.handlers), False, logger.propagate
            )
            if logger.level != state.level:  # setLevel empties every logger's cache: only when needed
                logger.setLevel(state.level)
            logger.disabled = state.disabled
            logger.propagate = state.propagate
            if name == "":  # pytest's handlers of the current phase stay: pytest removes them itself
                kept = [h for h in logger.handlers if _pytests_own(h)]
                logger.handlers = kept + [h for h in state.handlers if not _pytests_own(h)]
            else:
                logger.handlers = list(state.handlers)
