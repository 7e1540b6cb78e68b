"""Config: loaded once, validated, and every error names the key and the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailbot.config import load_config
from mailbot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mailbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_and_documents_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_IMAP_PASSWORD", "s3cret")
    config = load_config(ROOT / "config.example.toml")
    assert config.imap is not None
    assert config.imap.host == "imap.example.org"
    assert config.imap.password == "s3cret"
    assert config.site.language == "it"
    assert config.paths.drafts == ROOT / "drafts"
    assert ("napoli.example.org", "i colleghi di Napoli") in config.attribution.labels


def test_no_file_means_defaults_and_local_maildir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.imap is None
    assert config.local.maildir == tmp_path / "inbox"
    assert config.site.language == "en"


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    config = load_config(write(tmp_path / "etc", '[paths]\ndrafts = "../d"\nsite = "/srv/site"\n'))
    assert config.paths.drafts == tmp_path / "etc" / ".." / "d"
    assert config.paths.site == Path("/srv/site")


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    with pytest.raises(AttributeError):
        config.site = None  # type: ignore[misc]


def test_secret_from_file_and_never_in_repr(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("hunter2\n")
    config = load_config(
        write(tmp_path, '[imap]\nhost = "h"\nusername = "u"\npassword_file = "secret.txt"\n')
    )
    assert config.imap is not None and config.imap.password == "hunter2"
    assert "hunter2" not in repr(config)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[imap]\nhost = "h"\nusername = "u"\n', "no password source"),
        ('[imap]\nusername = "u"\npassword_env = "X"\n', "imap.host is required"),
        ('[imap]\nhost = "h"\nusername = "u"\npassword_env = "MAILBOT_TEST_UNSET"\n', "MAILBOT_TEST_UNSET"),
        ('[imap]\nhost = "h"\nusername = "u"\npassword_file = "nope.txt"\n', "imap.password_file"),
        ('[imap]\nhost = "h"\nusername = "u"\npassword_env = "X"\nsecurity = "tls"\n', "imap.security"),
        ('[imap]\nhost = "h"\nusername = "u"\npassword_env = "X"\nport = "993"\n', "imap.port must be"),
        ('[imap]\nhost = "h"\nusername = "u"\npassword_env = "X"\nport = 70000\n', "imap.port"),
        ('[imap]\nhost = "h"\nusername = "u"\npassword_env = "X"\nidle = "yes"\n', "imap.idle"),
        ('[paths]\ndrafs = "d"\n', "unknown key paths.drafs"),
        ("[sitee]\n", "unknown section [sitee]"),
        ('[site]\nlanguage = "xx-notalocale"\n', "site.language"),
        ('[site]\ntimezone = "Mars/Olympus"\n', "site.timezone"),
        ('[site]\nbase_url = "blog.example.org"\n', "site.base_url"),
        ('[senders]\nallow = "*@example.org"\n', "senders.allow must be a list"),
        ('[attribution]\nauthor_style = "nickname"\n', "attribution.author_style"),
        ("[service]\ninterval = 0\n", "service.interval"),
        ("[paths\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    monkeypatch.setenv("X", "pw")
    monkeypatch.delenv("MAILBOT_TEST_UNSET", raising=False)
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert expected in str(info.value)
    assert info.value.exit_code == 2


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml")


def test_base_url_gets_a_trailing_slash(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[site]\nbase_url = "https://b.example.org/blog"\n'))
    assert config.site.base_url == "https://b.example.org/blog/"


def test_safety_and_cleanup_keys(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[senders]\nrequire_authentication = true\ntrusted_authserv_ids = ["MX.example.org"]\n'
            '[cleanup]\ndrop_patterns = ["^ACME S\\\\.p\\\\.A\\\\."]\n'
            '[redaction.patterns]\ncustomer = "CL-\\\\d{6}"\n'
            "[service]\nmax_attachments = 3\n",
        )
    )
    assert config.senders.trusted_authserv_ids == ("mx.example.org",)
    assert config.cleanup.drop_patterns[0].search("acme s.p.a. sede legale")
    assert config.redaction.patterns[0][0] == "customer"
    assert config.service.max_attachments == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[senders]\nrequire_authentication = true\n", "senders.trusted_authserv_ids is empty"),
        ('[cleanup]\ndrop_patterns = ["(unclosed"]\n', "cleanup.drop_patterns[0] is not a valid regular"),
        ('[redaction.patterns]\nx = "[a-"\n', "redaction.patterns.x is not a valid regular"),
        ("[redaction.patterns]\nx = 5\n", "redaction.patterns.x must be"),
    ],
)
def test_bad_safety_keys(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_config(write(tmp_path, text))


def test_about_text(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[site]\nabout = "Chi siamo.\\n\\nPerché questo blog."\n'))
    assert config.site.about == "Chi siamo.\n\nPerché questo blog."


def test_password_file_first_line_only(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("hunter2\n# rotated 2026-11\n")
    config = load_config(
        write(tmp_path, '[imap]\nhost = "h"\nusername = "u"\npassword_file = "secret.txt"\n')
    )
    assert config.imap is not None and config.imap.password == "hunter2"


def test_secrets_need_not_be_read(tmp_path: Path) -> None:
    text = '[imap]\nhost = "h"\nusername = "u"\npassword_env = "MAILBOT_TEST_UNSET"\n'
    config = load_config(write(tmp_path, text), read_secrets=False)
    assert config.imap is not None and config.imap.password == ""
    with pytest.raises(ConfigError, match="no password source"):
        load_config(write(tmp_path, '[imap]\nhost = "h"\nusername = "u"\n'), read_secrets=False)
