"""Everything the actions need, built in one place from `Settings` and closed on shutdown.

One `OzonHttp` (one aiohttp session) for the process, one `OzonClient` per shop, the knowledge
snippets loaded once. The worker can embed the action endpoint and pass its own `OzonHttp`:
then these deps do not own (and do not close) it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from bot.config import Settings, ShopConfig
from bot.knowledge import Knowledge
from bot.ozon.client import OzonHttp
from bot.ozon.schemas import (
    Posting,
    PostingsPage,
    ProductAttributes,
    ProductInfo,
    ReturnsPage,
)

DEFAULT_KNOWLEDGE_DIR = Path("knowledge")


class OzonReader(Protocol):
    """The read-only part of `bot.ozon.client.OzonClient` the actions use."""

    async def fbs_posting(self, posting_number: str) -> Posting: ...

    async def fbo_posting(self, posting_number: str) -> Posting: ...

    async def fbs_postings_of_orders(
        self, order_numbers: Sequence[str], *, since: datetime, to: datetime, limit: int = 50
    ) -> PostingsPage: ...

    async def fbo_postings_of_orders(
        self, order_numbers: Sequence[str], *, limit: int = 50
    ) -> PostingsPage: ...

    async def returns(
        self, *, posting_numbers: Sequence[str] = (), limit: int = 100, last_id: str | None = None
    ) -> ReturnsPage: ...

    async def product_info(
        self,
        *,
        skus: Sequence[str] = (),
        offer_ids: Sequence[str] = (),
        product_ids: Sequence[str] = (),
    ) -> tuple[ProductInfo, ...]: ...

    async def product_attributes(
        self,
        *,
        skus: Sequence[str] = (),
        offer_ids: Sequence[str] = (),
        product_ids: Sequence[str] = (),
    ) -> tuple[ProductAttributes, ...]: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ActionDeps:
    knowledge: Knowledge
    shops: Mapping[str, ShopConfig]
    ozon: Mapping[str, OzonReader]
    """Shop id → that shop's Ozon client."""
    clock: Callable[[], datetime] = _utc_now
    http: OzonHttp | None = field(default=None, repr=False)
    """Closed by `close()` when these deps opened it."""

    def shop(self, shop_id: str | None) -> ShopConfig | None:
        """The shop a turn belongs to; a single-shop deployment needs no id."""
        if shop_id is None:
            return next(iter(self.shops.values())) if len(self.shops) == 1 else None
        return self.shops.get(shop_id)

    def today(self, shop: ShopConfig) -> date:
        return self.clock().astimezone(shop.hours.zone).date()

    def api_urls(self) -> dict[str, str]:
        return {shop.id: shop.api_url for shop in self.shops.values()}

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()


def build_action_deps(
    settings: Settings,
    *,
    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR,
    http: OzonHttp | None = None,
) -> ActionDeps:
    """Load knowledge and open the Ozon clients; call inside the running event loop.

    With `http` given (the worker's own), the deps share it and leave closing it to its owner.
    """
    knowledge = Knowledge.load(knowledge_dir)
    owned = http is None
    session = OzonHttp(timeout_s=settings.ozon.timeout_s) if http is None else http
    clients: dict[str, OzonReader] = dict(session.shop_clients(settings.shops, settings.ozon))
    return ActionDeps(
        knowledge=knowledge,
        shops={shop.id: shop for shop in settings.shops},
        ozon=clients,
        http=session if owned else None,
    )
