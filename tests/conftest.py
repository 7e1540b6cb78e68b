"""Shared pytest fixtures for the mailbot tests."""

from imapserver import dovecot  # noqa: F401
from smtpserver import _smtp_session, smtpd  # noqa: F401
