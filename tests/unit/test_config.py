"""Settings come from the environment; a bad value stops the program with one line naming it."""

import re
from pathlib import Path

import pytest

from bot.config import TELEGRAM_API_URL, ConfigError, load_settings

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"


def test_defaults_when_nothing_is_set() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.token is None
    assert settings.bot_api_url == TELEGRAM_API_URL
    assert settings.db_path == Path("chibo.db")
    assert settings.admins == frozenset()
    assert settings.timezone.key == "Asia/Ho_Chi_Minh"
    assert settings.locale == "vi"


def test_values_are_read() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "CHIBO_BOT_API_URL": "http://127.0.0.1:8081/bot",
            "CHIBO_DB": "/tmp/x.db",
            "CHIBO_ADMINS": "11, 22,33",
            "CHIBO_TIMEZONE": "Europe/Paris",
            "CHIBO_LOCALE": "EN",
        },
        env_file=None,
    )
    assert settings.token == TOKEN
    assert settings.admins == {11, 22, 33}
    assert settings.bot_api_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.timezone.key == "Europe/Paris"
    assert settings.locale == "en"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHIBO_ADMINS", "12,abc"),
        ("CHIBO_TIMEZONE", "Mars/Olympus"),
        ("CHIBO_LOCALE", "fr"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("CHIBO_BOT_API_URL", "ftp://x"),
        ("CHIBO_INVITATION_DAYS", "0"),
        ("CHIBO_WEBHOOK_SECRET", "has spaces"),
        ("CHIBO_QUIET_HOURS", "21:00"),
        ("CHIBO_QUIET_HOURS", "never"),
    ],
)
def test_a_malformed_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value}, env_file=None)
    assert str(caught.value).startswith(name)
    assert "\n" not in str(caught.value)


def test_quiet_hours_by_default_and_none_when_off() -> None:
    default = load_settings({}, env_file=None)
    assert (f"{default.quiet_start:%H:%M}", f"{default.quiet_end:%H:%M}", default.quiet_hours) == (
        "21:00",
        "07:00",
        True,
    )
    for off in ("off", "OFF", "none", "00:00-00:00"):
        assert not load_settings({"CHIBO_QUIET_HOURS": off}, env_file=None).quiet_hours
    assert load_settings({"CHIBO_QUIET_HOURS": "22:30-06:00"}, env_file=None).quiet_hours


def test_env_file_fills_what_the_environment_lacks(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("CHIBO_ADMINS=5\nCHIBO_LOCALE=en\n")
    settings = load_settings({"CHIBO_LOCALE": "vi"}, env_file=env)
    assert settings.admins == {5}
    assert settings.locale == "vi"


def test_cli_prints_one_line_for_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHIBO_ADMINS", "x")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("chibo: CHIBO_ADMINS")
    assert len(err.splitlines()) == 1


def test_every_setting_is_in_the_readme_table() -> None:
    root = Path(__file__).resolve().parents[2]
    read = set(re.findall(r'get\("([A-Z_]+)"\)', (root / "bot" / "config.py").read_text(encoding="utf-8")))
    table = set(re.findall(r"^\| `([A-Z_]+)` \|", (root / "README.md").read_text(encoding="utf-8"), re.M))
    assert "CHIBO_QUIET_HOURS" in read
    assert read - table == set(), "settings read by bot/config.py but missing from the README's table"
