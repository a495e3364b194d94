"""Command parsing, the console's set-up checks, backoff and token scrubbing (no Telegram)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot.config import ShopConfig, TelegramSettings
from bot.errors import CommandUsageError, ConfigError
from bot.models import Mode
from bot.staff.commands import ModeCommand, parse_mode_command, resolve_until
from bot.staff.setup import ConsoleSetup
from bot.staff.telegram import scrub
from bot.waiting import Backoff

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=MSK)
SHOPS = ("main", "second")


def shop(shop_id: str, chat: int | None = None) -> ShopConfig:
    return ShopConfig(
        id=shop_id, name=shop_id, client_id="1", api_key=SecretStr("k"), staff_chat_id=chat
    )


def setup(users: frozenset[int] = frozenset(), **shops: int | None) -> ConsoleSetup:
    telegram = TelegramSettings(staff_chat_id=-100, staff_user_ids=users, owner_username="@boss")
    return ConsoleSetup.create(
        telegram,
        {name: shop(name, chat) for name, chat in shops.items()},
        warn_window=timedelta(hours=2),
        clock=lambda: NOW,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ModeCommand(mode=None)),
        (["second"], ModeCommand(mode=None, shop="second")),
        (["reset"], ModeCommand(mode=None, reset=True)),
        (["reset", "main"], ModeCommand(mode=None, reset=True, shop="main")),
        (["draft"], ModeCommand(mode=Mode.DRAFT)),
        (["OFF", "for", "2h", "main"], ModeCommand(mode=Mode.OFF, when=("for", "2h"), shop="main")),
        (["auto", "until", "18:30"], ModeCommand(mode=Mode.AUTO, when=("until", "18:30"))),
    ],
)
def test_mode_arguments_are_read(args: list[str], expected: ModeCommand) -> None:
    assert parse_mode_command(args, SHOPS) == expected


@pytest.mark.parametrize("args", [["fast"], ["auto", "soon"], ["auto", "for"], ["auto", "x", "y"]])
def test_unreadable_mode_arguments_are_refused(args: list[str]) -> None:
    with pytest.raises(CommandUsageError):
        parse_mode_command(args, SHOPS)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (("until", "18:30"), NOW.replace(hour=18, minute=30)),
        (("until", "09:00"), NOW.replace(hour=9) + timedelta(days=1)),
        (("for", "2h"), NOW + timedelta(hours=2)),
        (("for", "90m"), NOW + timedelta(minutes=90)),
        (("for", "1h30m"), NOW + timedelta(minutes=90)),
    ],
)
def test_mode_end_times_resolve_in_the_shop_zone(when: tuple[str, str], expected: datetime) -> None:
    assert resolve_until(when, NOW, MSK) == expected


@pytest.mark.parametrize("when", [("until", "24:00"), ("until", "7"), ("for", "0h"), ("for", "x")])
def test_bad_end_times_are_refused(when: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match=when[1]):
        resolve_until(when, NOW, MSK)


def test_a_shop_uses_its_own_chat_or_the_global_one() -> None:
    console = setup(main=None, second=-200)
    assert console.chat_of("main") == -100
    assert console.chat_of("second") == -200
    assert [s.id for s in console.shops_in(-200)] == ["second"]
    assert console.owner == "boss"


def test_a_shop_without_any_staff_chat_fails_at_start_up() -> None:
    telegram = TelegramSettings(staff_chat_id=None)
    with pytest.raises(ConfigError, match="TELEGRAM_STAFF_CHAT_ID"):
        ConsoleSetup.create(
            telegram, {"main": shop("main")}, warn_window=timedelta(0), clock=lambda: NOW
        )


def test_without_a_staff_list_every_member_of_a_staff_chat_may_act() -> None:
    console = setup(main=None)
    assert console.allowed(-100, 5)
    assert not console.allowed(-999, 5)
    assert not console.allowed(-100, None)


def test_with_a_staff_list_only_those_people_may_act() -> None:
    console = setup(frozenset({5}), main=None)
    assert console.allowed(-100, 5)
    assert not console.allowed(-100, 6)


def test_backoff_doubles_up_to_its_cap_and_honours_retry_after() -> None:
    backoff = Backoff(first_s=1, cap_s=5)
    assert [backoff.delay() for _ in range(5)] == [1, 2, 4, 5, 5]
    assert backoff.delay(30) == 30
    backoff.reset()
    assert backoff.delay() == 1


def test_the_token_is_scrubbed_from_error_text() -> None:
    token = "123:secretpart"  # noqa: S105  # a made-up token to scrub
    assert scrub(f"POST /bot{token}/getMe failed; secretpart", token) == (
        "POST /bot<token>/getMe failed; <token>"
    )
