"""Shared pytest fixtures for the mailbot tests."""

from imapserver import dovecot  # noqa: F401
