"""The logging state every test gets back (tests/logstate.py, used by an autouse fixture in conftest)."""

from __future__ import annotations

import logging

import pytest
from logstate import restored_logging


def test_levels_handlers_and_flags_of_existing_loggers_come_back() -> None:
    root, library, own = (
        logging.getLogger(),
        logging.getLogger("imapclient"),
        logging.getLogger("mailbot.service"),
    )

    def now() -> tuple[object, ...]:
        return (
            root.level,
            list(root.handlers),
            library.level,
            own.level,
            own.disabled,
            own.propagate,
            list(own.handlers),
            logging.root.manager.disable,
        )

    before = now()
    extra = logging.NullHandler()
    with restored_logging():
        root.setLevel(7)
        root.addHandler(extra)
        library.setLevel(logging.WARNING + 1)
        own.setLevel(5)
        own.disabled = True
        own.propagate = False
        own.addHandler(extra)
        logging.disable(logging.CRITICAL)
        assert now() != before
    assert now() == before
    assert extra not in root.handlers and extra not in own.handlers


def test_a_logger_made_inside_loses_its_level_and_disabled_flag() -> None:
    name = "mailbot.made-inside-the-block"
    assert name not in logging.root.manager.loggerDict
    with restored_logging():
        made = logging.getLogger(name)
        made.setLevel(logging.ERROR)
        made.disabled = True
    assert made.level == logging.NOTSET and not made.disabled


def test_pytests_capture_handler_of_the_running_test_stays(caplog: pytest.LogCaptureFixture) -> None:
    extra = logging.NullHandler()
    with restored_logging():
        logging.getLogger().addHandler(extra)
    assert extra not in logging.getLogger().handlers
    with caplog.at_level(logging.INFO, logger="mailbot.probe"):
        logging.getLogger("mailbot.probe").info("still captured")
    assert "still captured" in caplog.text
