"""Configuration: read once from TOML, validated, returned as a frozen object.

``load_config(path)`` is the only way in. Every problem is a
:class:`~mailbot.errors.ConfigError` whose message names the key and the fix.
Relative paths are resolved against the folder of the config file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import featureconfig
from .configkeys import KNOWN_KEYS, first_unknown, unknown_section_message
from .configkeys import Section as _Section
from .errors import ConfigError
from .featureconfig import CommentsConfig, NotifyConfig, PublishConfig, ReviewConfig, SmtpConfig

DEFAULT_CONFIG = Path("mailbot.toml")


@dataclass(frozen=True)
class ImapConfig:
    host: str
    username: str
    password: str = field(repr=False)
    port: int = 993
    security: str = "ssl"
    ca_file: Path | None = None
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    failed_folder: str = "Failed"
    timeout: float = 30.0
    batch_size: int = 50
    idle: bool = True


@dataclass(frozen=True)
class LocalConfig:
    maildir: Path


@dataclass(frozen=True)
class PathsConfig:
    drafts: Path
    state: Path
    site: Path
    preview: Path


@dataclass(frozen=True)
class SendersConfig:
    allow: tuple[str, ...] = ()
    # Quarantine messages that are not forwards (replies, colleagues' own letters) instead of
    # drafting them flagged as "not-forward".
    require_forward: bool = False
    # Accept a message only with a passing DKIM/SPF/DMARC verdict in an
    # Authentication-Results header added by one of these trusted servers.
    require_authentication: bool = False
    trusted_authserv_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Letters from our customers"
    base_url: str = "https://blog.example.org/"
    language: str = "en"
    timezone: str = "UTC"
    description: str = ""
    author: str = ""
    posts_per_page: int = 10
    templates: Path | None = None
    # Plain text (blank lines separate paragraphs) for about/index.html; empty means no about page.
    about: str = ""
    # Which date a post carries: "published" (when it was published) or "letter" (the letter's
    # own date, for importing an archive of old letters).
    post_date: str = "published"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class AttributionConfig:
    author_style: str = "first_name"
    labels: tuple[tuple[str, str], ...] = ()
    # Forwarders' notes are internal; publish them under the intro only when this is true.
    publish_notes: bool = False


@dataclass(frozen=True)
class ServiceConfig:
    interval: int = 300
    max_message_bytes: int = 25 * 1024 * 1024
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_attachments: int = 20
    # Seconds one message may spend in parse + extract before it is quarantined.
    message_seconds: float = 10.0
    # When approved drafts reach the site: "manual", "on-approve" or "every N minutes".
    publish: str = "manual"


@dataclass(frozen=True)
class CleanupConfig:
    """Extra paragraphs to drop from notes and letters (disclaimers, signatures)."""

    drop_patterns: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class RedactionConfig:
    """Site-specific patterns to hide (customer or contract numbers), by name."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    path: Path | None
    imap: ImapConfig | None
    local: LocalConfig
    paths: PathsConfig
    senders: SendersConfig
    site: SiteConfig
    attribution: AttributionConfig
    service: ServiceConfig
    cleanup: CleanupConfig = CleanupConfig()
    redaction: RedactionConfig = RedactionConfig()
    review: ReviewConfig = field(default_factory=ReviewConfig)
    smtp: SmtpConfig | None = None
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    comments: CommentsConfig = field(default_factory=CommentsConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)

    @property
    def ledger_path(self) -> Path:
        return self.paths.state / "ledger.sqlite3"


AUTHOR_STYLES = ("full_name", "first_name", "initials", "anonymous")
SECURITY = ("ssl", "starttls", "none")
POST_DATES = ("published", "letter")
_EVERY = re.compile(r"every (\d+) minutes?")


def _publish_mode(section: _Section) -> str:
    mode = section.text("publish", "manual") or "manual"
    if mode in ("manual", "on-approve"):
        return mode
    m = _EVERY.fullmatch(mode)
    if m is None or int(m.group(1)) < 1:
        raise ConfigError(
            f'service.publish = {mode!r} is not valid; use "manual", "on-approve" or "every N minutes".'
        )
    return mode


def _read_secret(section: _Section, read: bool) -> str:
    """The IMAP password from its source; with ``read`` False only the source is checked."""
    return featureconfig.read_secret(section, read, "IMAP")


def _imap(section: _Section, read_secrets: bool) -> ImapConfig:
    host = section.text("host", required=True)
    username = section.text("username", required=True)
    assert host is not None and username is not None
    security = section.choice("security", "ssl", SECURITY)
    default_port = 993 if security == "ssl" else 143
    port = section.integer("port", default_port, minimum=1)
    if port > 65535:
        raise ConfigError(f"imap.port must be a TCP port (1-65535), not {port}; fix it in the config.")
    ca_file = section.path("ca_file", None)
    if ca_file is not None and not ca_file.is_file():
        raise ConfigError(f"imap.ca_file {ca_file} does not exist; give the path of a PEM CA certificate.")
    password = _read_secret(section, read_secrets)
    folders = {
        k: section.text(k, d)
        for k, d in (("folder", "INBOX"), ("processed_folder", "Processed"), ("failed_folder", "Failed"))
    }
    config = ImapConfig(
        host=host,
        username=username,
        password=password,
        port=port,
        security=security,
        ca_file=ca_file,
        folder=folders["folder"] or "INBOX",
        processed_folder=folders["processed_folder"] or "Processed",
        failed_folder=folders["failed_folder"] or "Failed",
        timeout=section.number("timeout", 30.0),
        batch_size=section.integer("batch_size", 50, minimum=1),
        idle=section.boolean("idle", True),
    )
    if config.folder in (config.processed_folder, config.failed_folder):
        raise ConfigError("imap.folder must differ from imap.processed_folder and imap.failed_folder.")
    return config


def _site(section: _Section) -> SiteConfig:
    from .langdetect import is_locale

    language = section.text("language", "en") or "en"
    if not is_locale(language):
        raise ConfigError(
            f'site.language = {language!r} is not a known locale; use a code like "it" or "en".'
        )
    timezone = section.text("timezone", "UTC") or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f'site.timezone = {timezone!r} is not a known time zone; use a name like "Europe/Rome".'
        ) from exc
    base_url = section.text("base_url", SiteConfig.base_url) or SiteConfig.base_url
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"site.base_url = {base_url!r} must start with http:// or https://.")
    if not base_url.endswith("/"):
        base_url += "/"
    return SiteConfig(
        title=section.text("title", SiteConfig.title) or SiteConfig.title,
        base_url=base_url,
        language=language,
        timezone=timezone,
        description=section.text("description", "") or "",
        author=section.text("author", "") or "",
        posts_per_page=section.integer("posts_per_page", 10, minimum=1),
        templates=section.path("templates", None),
        about=section.text("about", "") or "",
        post_date=section.choice("post_date", "published", POST_DATES),
    )


def _attribution(section: _Section) -> AttributionConfig:
    style = section.choice("author_style", "first_name", AUTHOR_STYLES)
    labels = section.table("labels")
    for key, value in labels.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"attribution.labels.{key} must be a non-empty string; fix it in the config.")
    return AttributionConfig(
        author_style=style,
        labels=tuple((k.lower(), v) for k, v in labels.items()),
        publish_notes=section.boolean("publish_notes", False),
    )


KNOWN_SECTIONS = tuple(KNOWN_KEYS)


def load_config(path: Path | None = None, *, read_secrets: bool = True) -> Config:
    """Read and validate the configuration.

    ``path`` None means the default ``./mailbot.toml`` if it exists, else all
    defaults (a local Maildir ``./inbox``). With ``read_secrets`` False the IMAP
    password source is checked but not read (``ImapConfig.password`` is then
    empty): for commands that never connect, such as reviewing and publishing.
    """
    data: dict[str, Any] = {}
    if path is None:
        path = DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None
    if path is not None:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(
                f"config file {path} does not exist; create it from config.example.toml or pass --config."
            ) from exc
        except OSError as exc:
            raise ConfigError(
                f"config file {path} cannot be read ({exc.strerror}); check its permissions."
            ) from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} is not valid TOML ({exc}); fix the syntax.") from exc
    base = (path.parent if path is not None else Path(".")).absolute()

    unknown = sorted(set(data) - set(KNOWN_SECTIONS))
    if unknown:
        raise ConfigError(unknown_section_message(unknown[0]))
    try:
        return _build(path, data, base, read_secrets)
    except ConfigError as exc:
        # A misspelt key is the likelier cause (a misspelt password_env reads as "no password source").
        typo = first_unknown(data)
        if typo is not None and typo != str(exc):
            raise ConfigError(typo) from exc
        raise


def _build(path: Path | None, data: dict[str, Any], base: Path, read_secrets: bool) -> Config:
    sections = {name: _Section(name, data.get(name, {}), base) for name in KNOWN_SECTIONS}
    imap = _imap(sections["imap"], read_secrets) if "imap" in data else None
    local = LocalConfig(maildir=sections["local"].path("maildir", "inbox") or base / "inbox")
    p = sections["paths"]
    paths = PathsConfig(
        drafts=p.path("drafts", "drafts") or base / "drafts",
        state=p.path("state", "state") or base / "state",
        site=p.path("site", "site") or base / "site",
        preview=p.path("preview", "preview") or base / "preview",
    )
    sn = sections["senders"]
    senders = SendersConfig(
        allow=sn.str_list("allow"),
        require_forward=sn.boolean("require_forward", False),
        require_authentication=sn.boolean("require_authentication", False),
        trusted_authserv_ids=tuple(x.lower() for x in sn.str_list("trusted_authserv_ids")),
    )
    if senders.require_authentication and not senders.trusted_authserv_ids:
        raise ConfigError(
            "senders.require_authentication is on but senders.trusted_authserv_ids is empty; "
            "list the authserv-id your mail server writes in Authentication-Results, "
            'e.g. ["mx.example.org"].'
        )
    red = sections["redaction"]
    patterns = red.table("patterns")
    for name, value in patterns.items():
        if not isinstance(value, str) or not value:
            raise ConfigError(f"redaction.patterns.{name} must be a regular expression in a string.")
    redaction = RedactionConfig(
        patterns=tuple((n, red.regex(f"patterns.{n}", v)) for n, v in patterns.items())
    )
    cleanup = CleanupConfig(drop_patterns=sections["cleanup"].regex_list("drop_patterns"))
    site = _site(sections["site"])
    attribution = _attribution(sections["attribution"])
    s = sections["service"]
    service = ServiceConfig(
        interval=s.integer("interval", 300, minimum=1),
        max_message_bytes=s.integer("max_message_bytes", ServiceConfig.max_message_bytes, minimum=1024),
        max_attachment_bytes=s.integer("max_attachment_bytes", ServiceConfig.max_attachment_bytes, minimum=1),
        max_attachments=s.integer("max_attachments", ServiceConfig.max_attachments, minimum=0),
        message_seconds=s.number("message_seconds", ServiceConfig.message_seconds),
        publish=_publish_mode(s),
    )
    review = featureconfig.review(sections["review"])
    smtp = featureconfig.smtp(sections["smtp"], read_secrets) if "smtp" in data else None
    notify = featureconfig.notify(sections["notify"])
    comments = featureconfig.comments(sections["comments"])
    publish = featureconfig.publish(sections["publish"])
    for section in sections.values():
        section.finish()
    return Config(
        path=path,
        imap=imap,
        local=local,
        paths=paths,
        senders=senders,
        site=site,
        attribution=attribution,
        service=service,
        cleanup=cleanup,
        redaction=redaction,
        review=review,
        smtp=smtp,
        notify=notify,
        comments=comments,
        publish=publish,
    )
