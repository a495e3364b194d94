"""TRANSLATE_URL / TRANSLATE_API_KEY / TRANSLATE_TIMEOUT_S: off by default, bad values named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import load_accounts, load_settings
from bot.errors import ConfigError

BASE = {"OZON_CLIENT_ID": "123", "OZON_API_KEY": "secret-key"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("OZON", "REDIS_", "RASA_", "TELEGRAM_", "TRANSLATE_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    for name, value in BASE.items():
        monkeypatch.setenv(name, value)


def test_translation_is_off_by_default() -> None:
    settings = load_settings()
    assert not settings.translate.enabled
    assert settings.shops[0].confirm_translated_replies


def test_the_engine_url_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSLATE_URL", "http://translate:5000/")
    monkeypatch.setenv("TRANSLATE_API_KEY", "lt-key")
    translate = load_settings().translate
    assert translate.enabled
    assert translate.url == "http://translate:5000"
    assert translate.api_key is not None
    assert "lt-key" not in repr(translate)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("TRANSLATE_URL", "translate:5000"), ("TRANSLATE_TIMEOUT_S", "0")],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert error.value.variable == variable


def test_a_shop_may_send_translations_without_confirmation(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yml"
    accounts.write_text(
        "shops:\n"
        "  - {id: trusted, name: T, client_id: '1', api_key: k,"
        " confirm_translated_replies: false}\n"
        "  - {id: careful, name: C, client_id: '2', api_key: k}\n",
        encoding="utf-8",
    )
    trusted, careful = load_accounts(accounts)
    assert not trusted.confirm_translated_replies
    assert careful.confirm_translated_replies
