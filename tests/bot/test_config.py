from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_need_no_configuration(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/var/engage.db"
    assert settings.default_locale == "de"
    assert settings.timezone == "Europe/Berlin"
    assert settings.operators == frozenset()


def test_plain_urls_and_operators_are_understood() -> None:
    settings = load_settings(
        {
            "ENGAGE_DATABASE_URL": "postgresql://engage@db/engage",
            "ENGAGE_OPERATORS": "telegram:12345, matrix:@anna:example.org",
            "ENGAGE_DEFAULT_LOCALE": "en",
        }
    )
    assert settings.database_url == "postgresql+asyncpg://engage@db/engage"
    assert settings.is_operator("matrix", "@anna:example.org")
    assert settings.is_operator("telegram", "12345")
    assert not settings.is_operator("telegram", "1")


def test_every_bad_value_is_reported_on_its_own_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {
                "ENGAGE_DATABASE_URL": "mysql://x",
                "ENGAGE_DEFAULT_LOCALE": "xx",
                "ENGAGE_TIMEZONE": "Mars/Olympus",
                "ENGAGE_OPERATORS": "telegram:1,fax:2,nocolon",
                "ENGAGE_DEMO_DATA": "maybe",
                "ENGAGE_LOG_LEVEL": "loud",
            }
        )
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "ENGAGE_DATABASE_URL",
        "ENGAGE_DEFAULT_LOCALE",
        "ENGAGE_TIMEZONE",
        "ENGAGE_OPERATORS",
        "ENGAGE_OPERATORS",
        "ENGAGE_DEMO_DATA",
        "ENGAGE_LOG_LEVEL",
    ]
    assert all("\n" not in p for p in problems)
