"""Config: loaded once, validated, and every error names the key and the fix."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import tomli_w

from mailbot.config import (
    KNOWN_SECTIONS,
    AttributionConfig,
    CleanupConfig,
    PathsConfig,
    RedactionConfig,
    SendersConfig,
    ServiceConfig,
    SiteConfig,
    load_config,
)
from mailbot.configkeys import KNOWN_KEYS
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
        config.site = None  # type: ignore[misc, assignment]


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


# -- the example's "defaults" are the real defaults --------------------------------------------------

EXAMPLE = ROOT / "config.example.toml"
KEY_LINE = re.compile(r'^(\s*)("[^"]*"|[A-Za-z0-9_]+)\s*=')
# Values the example writes that are deliberately not defaults: what a real setup has to write.
# Each is marked "example" on its line in config.example.toml, which names the default.
NOT_DEFAULTS = {
    ("imap", "host"), ("imap", "username"), ("imap", "password_env"),
    ("senders", "allow"), ("site", "title"), ("site", "language"), ("site", "timezone"),
    ("attribution", "labels"),
}  # fmt: skip
MINIMAL_IMAP = {"host": "h.example.org", "username": "u", "password_env": "MAILBOT_TEST_PW"}


def test_the_example_with_every_key_commented_out_is_the_defaults(tmp_path: Path) -> None:
    lines = []
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        # [imap] is the one section whose mere presence changes things (IMAP instead of the
        # local Maildir, and host, username and a password source become required).
        if KEY_LINE.match(line) or line.strip() == "[imap]":
            line = "# " + line
        lines.append(line)
    commented = load_config(write(tmp_path, "\n".join(lines) + "\n"))
    empty = load_config(write(tmp_path, ""))
    assert commented == empty
    # ...and the loader's defaults are the dataclasses' own.
    assert commented.imap is None
    assert commented.local.maildir == tmp_path / "inbox"
    assert commented.paths == PathsConfig(tmp_path / "drafts", tmp_path / "state", tmp_path / "site",
                                          tmp_path / "preview")  # fmt: skip
    assert commented.senders == SendersConfig()
    assert commented.site == SiteConfig()
    assert commented.attribution == AttributionConfig()
    assert commented.service == ServiceConfig()
    assert commented.cleanup == CleanupConfig() and commented.redaction == RedactionConfig()


def _example_values() -> list[tuple[str, str, object]]:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    return [(section, key, value) for section, table in data.items() for key, value in table.items()]


@pytest.mark.parametrize(("section", "key", "value"), _example_values(), ids=lambda x: str(x)[:30])
def test_each_value_in_the_example_is_the_default_unless_marked(
    tmp_path: Path, section: str, key: str, value: object
) -> None:
    if section == "imap" and key in MINIMAL_IMAP:  # required: there is no default to compare with
        assert (section, key) in NOT_DEFAULTS
        assert re.search(rf"^{key} = .*#\s*example\b", EXAMPLE.read_text(encoding="utf-8"), re.M)
        return
    base: dict[str, dict[str, object]] = {"imap": dict(MINIMAL_IMAP)} if section == "imap" else {}
    with_value = {name: dict(table) for name, table in base.items()}
    with_value.setdefault(section, {})[key] = value
    without = {
        name: {k: v for k, v in table.items() if (name, k) != (section, key)} for name, table in base.items()
    }
    # The same file written twice, so relative paths resolve alike.
    loaded_with = load_config(write(tmp_path, tomli_w.dumps(with_value)), read_secrets=False)
    is_default = loaded_with == load_config(write(tmp_path, tomli_w.dumps(without)), read_secrets=False)
    marked = any(
        (m := KEY_LINE.match(line)) and m.group(2).strip('"') == key and re.search(r"#\s*example\b", line)
        for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
    )
    if (section, key) in NOT_DEFAULTS:
        assert not is_default, f"{section}.{key} is listed as not a default, but it is one"
        if key != "labels":  # a table: its entries carry the mark
            assert marked, f"{section}.{key} is not marked 'example' in config.example.toml"
    else:
        assert is_default, f"config.example.toml gives {section}.{key} = {value!r}, which is not the default"


def test_every_known_key_is_in_the_example_and_nothing_else() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    documented: dict[str, set[str]] = {}
    section, table = "", ""
    for line in text.splitlines():
        bare = line.lstrip("# ").rstrip()
        if re.fullmatch(r"\[[a-z_.]+\]", bare):
            section, _, table = bare[1:-1].partition(".")
            if table:  # [attribution.labels]: one key of [attribution], its entries are the user's
                documented.setdefault(section, set()).add(table)
        elif (m := KEY_LINE.match(bare)) and section and not table:
            documented.setdefault(section, set()).add(m.group(2))
    assert {s: set(keys) for s, keys in KNOWN_KEYS.items()} == documented
    assert tuple(KNOWN_KEYS) == KNOWN_SECTIONS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[imap]\nhost = "h"\nusername = "u"\npasword_env = "X"\n',
         "unknown key imap.pasword_env; did you mean password_env?"),
        ('[site]\nlanguag = "it"\n', "unknown key site.languag; did you mean language?"),
        ("[servce]\ninterval = 60\n", "unknown section [servce]; did you mean [service]?"),
        ('[paths]\nzzz = "d"\n', "unknown key paths.zzz; check its spelling against config.example.toml."),
    ],
)  # fmt: skip
def test_a_misspelt_key_is_named_with_the_likely_one(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert str(info.value) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[review]\nlisten = "8025"\n', "review.listen = '8025' must be HOST:PORT"),
        ('[review]\nbase_url = "review.example.org"\n', "review.base_url = 'review.example.org' must start"),
        ('[smtp]\nhost = "127.0.0.1"\n', 'smtp.from is required; add from = "..." to [smtp]'),
        (
            '[smtp]\nhost = "h"\nfrom = "b@example.org"\nusername = "b"\npassword_env = "NO_SUCH_VAR_X"\n',
            "smtp.password_env names the environment variable NO_SUCH_VAR_X, which is not set",
        ),
        ('[smtp]\nhost = "h"\nfrom = "b@example.org"\nusername = "b"\n', "[smtp] has no password source"),
        ('[comments]\naddress = "blog"\n', "comments.address = 'blog' is not an e-mail address"),
    ],
)
def test_people_loop_sections_fail_with_the_key_and_the_fix(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert needle in str(info.value)


def test_people_loop_sections_read_their_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PW_TEST", "s3cret")
    text = (
        '[review]\nlisten = "0.0.0.0:9000"\nbase_url = "https://desk.example.org"\nlanguage = "en"\n'
        '[smtp]\nhost = "127.0.0.1"\nsecurity = "ssl"\nusername = "blog@example.org"\n'
        'password_env = "SMTP_PW_TEST"\nfrom = "Blog <blog@example.org>"\n'
        '[notify]\nreviewers = ["lead@example.org"]\n'
        '[comments]\naddress = "blog@example.org"\nform = true\n'
    )
    config = load_config(write(tmp_path, text))
    assert (config.review.listen, config.review.base_url, config.review.language) == (
        "0.0.0.0:9000", "https://desk.example.org/", "en",
    )  # fmt: skip
    assert config.smtp is not None
    assert (config.smtp.port, config.smtp.password, config.smtp.sender) == (
        465,
        "s3cret",
        "Blog <blog@example.org>",
    )
    assert config.notify.reviewers == ("lead@example.org",)
    assert (config.comments.address, config.comments.form) == ("blog@example.org", True)
    assert load_config(write(tmp_path, "")).smtp is None
