"""Configuration of the people loop: the review desk, outgoing mail, notifications and comments.

Each section has its frozen dataclass and its reader; :func:`mailbot.config.load_config` calls
the readers. Every section is optional: without ``[smtp]`` no mail is sent, without
``[comments] address`` and ``form`` no comments are taken.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .configkeys import Section
from .errors import ConfigError

SECURITY = ("ssl", "starttls", "none")


def read_secret(section: Section, read: bool, what: str) -> str:
    """A password from ``password_env`` or ``password_file`` (its first line); "" if ``read`` is False.

    ``what`` names the password in messages ("IMAP", "SMTP").
    """
    name = section.name
    env_name = section.text("password_env")
    file_path = section.path("password_file", None)
    if env_name and file_path:
        raise ConfigError(f"{name}.password_env and {name}.password_file are both set; keep only one.")
    if (env_name or file_path) and not read:
        return ""
    if env_name:
        value = os.environ.get(env_name)
        if not value:
            raise ConfigError(
                f"{name}.password_env names the environment variable {env_name}, which is not set; "
                f"export {env_name} with the {what} password."
            )
        return value
    if file_path:
        try:
            lines = file_path.read_text(encoding="utf-8").splitlines()
            value = lines[0] if lines else ""  # the first line: comments may follow
        except OSError as exc:
            raise ConfigError(
                f"{name}.password_file {file_path} cannot be read ({exc.strerror}); "
                "check the path and its permissions."
            ) from exc
        if not value:
            raise ConfigError(f"{name}.password_file {file_path} is empty; put the {what} password in it.")
        return value
    raise ConfigError(
        f'[{name}] has no password source; add password_env = "MAILBOT_{what}_PASSWORD" '
        'or password_file = "secret.txt".'
    )


def _url(section: Section, key: str) -> str | None:
    value = section.text(key)
    if value is None:
        return None
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{section.name}.{key} = {value!r} must start with http:// or https://.")
    return value if value.endswith("/") else value + "/"


@dataclass(frozen=True)
class ReviewConfig:
    """``[review]``: the review desk served by ``mailbot serve``."""

    listen: str = "127.0.0.1:8025"
    base_url: str | None = None  # where reviewers reach the desk (links in mails); None: not linked
    language: str | None = None  # None: [site] language
    trust_proxy: bool = False  # honour X-Forwarded-* headers only when true
    session_hours: int = 12


def review(section: Section) -> ReviewConfig:
    listen = section.text("listen", ReviewConfig.listen) or ReviewConfig.listen
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f'review.listen = {listen!r} must be HOST:PORT, like "127.0.0.1:8025".')
    return ReviewConfig(
        listen=listen,
        base_url=_url(section, "base_url"),
        language=section.text("language"),
        trust_proxy=section.boolean("trust_proxy", False),
        session_hours=section.integer("session_hours", ReviewConfig.session_hours, minimum=1),
    )


@dataclass(frozen=True)
class SmtpConfig:
    """``[smtp]``: the server mailbot sends its mail through."""

    host: str
    sender: str  # the From: of every mail mailbot sends (the key is `from`)
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password: str = ""
    ca_file: Path | None = None
    timeout: float = 30.0


def smtp(section: Section, read_secrets: bool) -> SmtpConfig:
    host = section.text("host", required=True)
    sender = section.text("from", required=True)
    assert host is not None and sender is not None
    security = section.choice("security", "starttls", SECURITY)
    port = section.integer("port", 465 if security == "ssl" else 587, minimum=1)
    if port > 65535:
        raise ConfigError(f"smtp.port = {port} is not a port number; use 1-65535.")
    username = section.text("username")
    has_secret = section.data.get("password_env") is not None or section.data.get("password_file") is not None
    password = read_secret(section, read_secrets, "SMTP") if username or has_secret else ""
    return SmtpConfig(
        host=host,
        sender=sender,
        port=port,
        security=security,
        username=username,
        password=password,
        ca_file=section.path("ca_file", None),
        timeout=section.number("timeout", SmtpConfig.timeout),
    )


@dataclass(frozen=True)
class NotifyConfig:
    """``[notify]``: who hears what by mail (nothing is sent without ``[smtp]``)."""

    reviewers: tuple[str, ...] = ()
    thanks: bool = True  # the forwarder hears when their letter became a draft
    quarantined: bool = True  # the forwarder hears why their message was quarantined
    published: bool = True  # forwarders hear the post's link when it is published
    new_drafts: bool = True  # reviewers hear of each new draft
    hourly_cap: int = 20  # at most this many mails an hour to one address; the rest wait
    flush_seconds: int = 60  # the service sends queued mail this often (and after each poll)
    commands: bool = True  # reviewers may answer a draft notice with approve / reject / publish
    token_days: int = 14  # a notice's reply token is good for this many days


def notify(section: Section) -> NotifyConfig:
    return NotifyConfig(
        reviewers=section.str_list("reviewers"),
        thanks=section.boolean("thanks", True),
        quarantined=section.boolean("quarantined", True),
        published=section.boolean("published", True),
        new_drafts=section.boolean("new_drafts", True),
        hourly_cap=section.integer("hourly_cap", NotifyConfig.hourly_cap, minimum=1),
        flush_seconds=section.integer("flush_seconds", NotifyConfig.flush_seconds, minimum=1),
        commands=section.boolean("commands", True),
        token_days=section.integer("token_days", NotifyConfig.token_days, minimum=1),
    )


@dataclass(frozen=True)
class CommentsConfig:
    """``[comments]``: readers' comments by mail (``address``) and by form (``form``)."""

    address: str | None = None
    form: bool = False
    auto_approve: tuple[str, ...] = ()
    max_chars: int = 4000  # the longest comment accepted (after quotes and signature are gone)
    max_links: int = 2  # a form comment with more links than this is refused
    min_seconds: int = 5  # a form sent sooner than this after it was served is refused
    rate_per_hour: int = 5  # form comments accepted per hour from one address
    # Who is told of new pending comments (one mail per batch); None: the reviewers, as for drafts.
    notify: tuple[str, ...] | None = None
    notify_commenter: bool = True  # a commenter who left an address hears when the comment is on the site


def comments(section: Section) -> CommentsConfig:
    address = section.text("address")
    if address is not None and "@" not in address:
        raise ConfigError(f"comments.address = {address!r} is not an e-mail address.")
    return CommentsConfig(
        address=address,
        form=section.boolean("form", False),
        auto_approve=section.str_list("auto_approve"),
        max_chars=section.integer("max_chars", CommentsConfig.max_chars, minimum=1),
        max_links=section.integer("max_links", CommentsConfig.max_links),
        min_seconds=section.integer("min_seconds", CommentsConfig.min_seconds),
        rate_per_hour=section.integer("rate_per_hour", CommentsConfig.rate_per_hour, minimum=1),
        notify=_addresses(section, "notify") if section.data.get("notify") is not None else None,
        notify_commenter=section.boolean("notify_commenter", True),
    )


def _addresses(section: Section, key: str) -> tuple[str, ...]:
    found = section.str_list(key)
    for value in found:
        if "@" not in value:
            raise ConfigError(f"{section.name}.{key} lists {value!r}, which is not an e-mail address.")
    return found


@dataclass(frozen=True)
class PublishConfig:
    """``[publish]``: the deploy step run after each successful publish."""

    # Each command is a program and its arguments (never through a shell); the site folder is
    # appended as the last argument.
    after: tuple[tuple[str, ...], ...] = ()


def publish(section: Section) -> PublishConfig:
    value = section._get("after", list, 'a command, like ["rsync", "-a"], or a list of commands')
    if not value:
        return PublishConfig()
    commands = value if all(isinstance(v, list) for v in value) else [value]
    for command in commands:
        if not command or not all(isinstance(v, str) and v for v in command):
            raise ConfigError(
                f"{section.name}.after must be a command as a list of non-empty strings, like "
                '["rsync", "-a", "--delete"], or a list of such commands; fix it in the config.'
            )
    return PublishConfig(after=tuple(tuple(c) for c in commands))
