"""Shared pytest fixtures for the mailbot tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from imapserver import dovecot  # noqa: F401
from logstate import restored_logging
from smtpserver import _smtp_session, smtpd  # noqa: F401


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Each test starts with the logging of the one before it undone (levels, handlers, flags)."""
    with restored_logging():
        yield
