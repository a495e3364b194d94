"""Configuration fails at start-up with a message that names the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.models import Intent, Mode

BASE = {"OZON_CLIENT_ID": "123", "OZON_API_KEY": "secret-key"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("OZON", "REDIS_", "RASA_", "TELEGRAM_")) or name == "TIMEZONE":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def use(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_a_single_shop_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, **BASE)
    settings = load_settings()
    assert [s.client_id for s in settings.shops] == ["123"]
    assert settings.shops[0].api_key.get_secret_value() == "secret-key"
    assert "secret-key" not in repr(settings)


@pytest.mark.parametrize("missing", ["OZON_CLIENT_ID", "OZON_API_KEY"])
def test_missing_credentials_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    use(monkeypatch, **{k: v for k, v in BASE.items() if k != missing})
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert error.value.variable == missing


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OZONBOT_POLL_INTERVAL_S", "soon"),
        ("OZONBOT_CONCURRENCY", "0"),
        ("TELEGRAM_STAFF_CHAT_ID", "staff"),
        ("TIMEZONE", "Mars/Olympus"),
        ("OZON_RATE_LIMIT_RPS", "60"),
    ],
)
def test_malformed_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    use(monkeypatch, **BASE, **{variable: value})
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert error.value.variable == variable


def test_staff_user_ids_are_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, **BASE, TELEGRAM_STAFF_USER_IDS="11, 22 33")
    assert load_settings().telegram.staff_user_ids == frozenset({11, 22, 33})


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("OZON_CLIENT_ID=777\nOZON_API_KEY=k\n")
    assert load_settings().shops[0].client_id == "777"


def test_accounts_file_with_env_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    accounts = tmp_path / "accounts.yml"
    accounts.write_text(
        """
shops:
  - id: north
    name: North
    client_id: "1"
    api_key: ${NORTH_KEY}
    hours: {timezone: Asia/Yekaterinburg, weekly: {mon: "10:00-19:00"}}
    modes: {after_hours: {delivery_status: draft}}
  - id: south
    name: South
    client_id: "2"
    api_key: plain
"""
    )
    use(monkeypatch, OZONBOT_ACCOUNTS=str(accounts), NORTH_KEY="from-env")
    settings = load_settings()
    north = settings.shop("north")
    assert north.api_key.get_secret_value() == "from-env"
    assert north.mode_for(Intent.DELIVERY_STATUS, working=False) is Mode.DRAFT
    assert north.mode_for(Intent.DELIVERY_STATUS, working=True) is Mode.AUTO
    assert [s.id for s in settings.shops] == ["north", "south"]


def test_accounts_file_refuses_auto_answering_disputes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = tmp_path / "accounts.yml"
    shop = "{id: a, name: A, client_id: '1', api_key: k, modes: {working: {defective_item: auto}}}"
    accounts.write_text(f"shops:\n  - {shop}\n")
    use(monkeypatch, OZONBOT_ACCOUNTS=str(accounts))
    with pytest.raises(ConfigError, match="never auto-answered"):
        load_settings()


def test_accounts_file_with_a_missing_env_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = tmp_path / "accounts.yml"
    accounts.write_text("shops:\n  - {id: a, name: A, client_id: '1', api_key: '${NOPE_KEY}'}\n")
    use(monkeypatch, OZONBOT_ACCOUNTS=str(accounts))
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert error.value.variable == "NOPE_KEY"


def test_the_documented_accounts_example_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path as _Path

    example = _Path(__file__).resolve().parents[2] / "docs" / "accounts.example.yml"
    use(monkeypatch, OZONBOT_ACCOUNTS=str(example), OZON_API_KEY_NORTH="a", OZON_API_KEY_SOUTH="b")
    settings = load_settings()
    assert [s.id for s in settings.shops] == ["north", "south"]
    assert settings.shop("north").draft_auto_send_min == 30


def test_an_empty_telegram_token_means_no_staff_console() -> None:
    """`TELEGRAM_BOT_TOKEN=` left empty in a .env: the worker runs without Telegram."""
    from pydantic import SecretStr

    from bot.config import TelegramSettings

    assert not TelegramSettings(_env_file=None, bot_token=SecretStr("  ")).enabled
    assert TelegramSettings(_env_file=None, bot_token=SecretStr("1:abc")).enabled
