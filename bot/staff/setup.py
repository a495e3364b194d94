"""Who works where: shops, their staff chats, who may act, and how cards are viewed.

Built once from the settings; validated at start-up so a shop without a staff chat fails with
a `ConfigError` naming `TELEGRAM_STAFF_CHAT_ID` instead of a notification stuck later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import ShopConfig, TelegramSettings
from bot.errors import ConfigError
from bot.staff.cards import View
from bot.staff.texts import Texts


@dataclass(frozen=True, slots=True)
class ConsoleSetup:
    texts: Texts
    shops: Mapping[str, ShopConfig]
    default_chat: int | None
    staff_users: frozenset[int]
    """Who may press buttons and relay; empty: every member of a staff chat."""
    owner: str | None
    warn_window: timedelta
    clock: Callable[[], datetime]

    @classmethod
    def create(
        cls,
        telegram: TelegramSettings,
        shops: Mapping[str, ShopConfig],
        *,
        warn_window: timedelta,
        clock: Callable[[], datetime],
    ) -> ConsoleSetup:
        setup = cls(
            texts=Texts(telegram.language),
            shops=shops,
            default_chat=telegram.staff_chat_id,
            staff_users=telegram.staff_user_ids,
            owner=(telegram.owner_username or "").lstrip("@") or None,
            warn_window=warn_window,
            clock=clock,
        )
        for shop_id in shops:
            setup.chat_of(shop_id)
        return setup

    def chat_of(self, shop_id: str) -> int:
        shop = self.shops.get(shop_id)
        chat = shop.staff_chat_id if shop and shop.staff_chat_id else self.default_chat
        if chat is None:
            raise ConfigError("TELEGRAM_STAFF_CHAT_ID", f"no staff chat for shop {shop_id!r}")
        return chat

    @property
    def staff_chats(self) -> frozenset[int]:
        return frozenset(self.chat_of(shop_id) for shop_id in self.shops)

    def shops_in(self, chat_id: int) -> list[ShopConfig]:
        return [shop for shop in self.shops.values() if self.chat_of(shop.id) == chat_id]

    def allowed(self, chat_id: int | None, user_id: int | None) -> bool:
        """Only the staff chats count, and in them only the listed staff (or anyone there)."""
        if chat_id not in self.staff_chats or user_id is None:
            return False
        return not self.staff_users or user_id in self.staff_users

    def shop_name(self, shop_id: str) -> str:
        shop = self.shops.get(shop_id)
        return shop.name if shop else shop_id

    def view(self, shop_id: str) -> View:
        shop = self.shops.get(shop_id)
        return View(
            texts=self.texts,
            now=self.clock(),
            zone=shop.hours.zone if shop else UTC,
            shop_name=self.shop_name(shop_id),
            warn_window=self.warn_window,
        )
