"""ENGAGE_PUBLIC_URL: the address calendar links are built on."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


def test_public_url_is_optional_and_loses_its_trailing_slash() -> None:
    assert load_settings({}).public_url is None
    settings = load_settings({"ENGAGE_PUBLIC_URL": " https://engage.example.org/ "})
    assert settings.public_url == "https://engage.example.org"
    prefixed = load_settings({"ENGAGE_PUBLIC_URL": "https://example.org/engage/"})
    assert prefixed.public_url == "https://example.org/engage"


@pytest.mark.parametrize(
    "value",
    [
        "engage.example.org",
        "ftp://example.org",
        "https://",
        "https://a b.org",
        "https://x.org/?q=1",
    ],
)
def test_a_bad_public_url_is_reported(value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"ENGAGE_PUBLIC_URL": value})
    assert error.value.problems[0].startswith("ENGAGE_PUBLIC_URL:")
