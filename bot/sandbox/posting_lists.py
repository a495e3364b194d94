"""The emulator's posting lists: `/v4/posting/fbs/list` and `/v3/posting/fbo/list`.

The two methods that list every posting of an order (`filter.order_numbers`, FBS also
`filter.order_id`), which replace probing `<order>-1`, `-2`, ... with single-posting lookups
(openapi-2026-10.json; ../shared/ozon/README.md). Kept apart from `seller.py`, whose twelve
methods are those of openapi-subset.json. Answers have no `result` wrapper; each posting has the
shape of the matching `get` answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import cast

from bot.sandbox import render
from bot.sandbox.request import Node
from bot.sandbox.seed import SeedPosting
from bot.sandbox.seller import Operation
from bot.sandbox.state import SandboxState, Shop, bad_request

Json = dict[str, object]

MAX_PERIOD = timedelta(days=365)
"""FBS: "the period must not be longer than a year" (`PERIOD_IS_TOO_LONG` beyond it)."""


def fbs_list(state: SandboxState, shop: Shop, body: Node) -> Json:
    filters = body.child("filter")
    if filters is None:
        raise bad_request("filter is required")
    since, to = filters.moment("since"), filters.moment("to")
    if since is None or to is None:
        raise bad_request("filter.since and filter.to are required")
    if to - since > MAX_PERIOD:
        raise bad_request("PERIOD_IS_TOO_LONG")
    wanted = _order_filter(filters)
    chosen = [
        p
        for p in _matching(shop, "fbs", filters, wanted)
        if p.in_process_at is None or since <= p.in_process_at <= to
    ]
    return _page(chosen, _limit(body), lambda p: _listed(render.fbs_posting(shop, p)))


def fbo_list(state: SandboxState, shop: Shop, body: Node) -> Json:
    filters = body.child("filter")
    wanted = _order_filter(filters) if filters is not None else None
    chosen = _matching(shop, "fbo", filters, wanted)
    return _page(chosen, _limit(body), lambda p: _listed(render.fbo_posting(shop, p)))


def _listed(answer: Json) -> Json:
    """A `get` answer's posting as the lists show it: the product price is a money object."""
    # Rendered by `render` a moment ago: the shapes are known.
    result = cast(Json, answer["result"])
    products = cast(list[Json], result.get("products", []))
    priced = [
        {**item, "price": {"amount": str(item.get("price") or "0"), "currency": "RUB"}}
        for item in products
    ]
    return {**result, "products": priced}


def _order_filter(filters: Node) -> tuple[set[str], str | None] | None:
    """(order numbers, order id) asked for; None when the filter names no order."""
    numbers = set(filters.strings("order_numbers"))
    order_id = filters.id("order_id")
    return (numbers, order_id) if numbers or order_id else None


def _matching(
    shop: Shop,
    scheme: str,
    filters: Node | None,
    wanted: tuple[set[str], str | None] | None,
) -> list[SeedPosting]:
    postings = filters.strings("posting_numbers") if filters is not None else ()
    found = []
    for posting in shop.postings.values():
        if posting.api_scheme != scheme:
            continue
        if postings and posting.posting_number not in postings:
            continue
        if wanted is not None and not _in_orders(posting, *wanted):
            continue
        found.append(posting)
    return sorted(found, key=lambda p: p.posting_number)


def _in_orders(posting: SeedPosting, numbers: set[str], order_id: str | None) -> bool:
    by_id = order_id is not None and str(render.order_id(posting.order)) == order_id
    return posting.order in numbers or by_id


def _limit(body: Node) -> int:
    limit = body.integer("limit")
    if limit is None or not 1 <= limit <= 100:
        raise bad_request("limit must be 1..100")
    return limit


def _page(chosen: list[SeedPosting], limit: int, shape: Callable[[SeedPosting], object]) -> Json:
    return {
        "postings": [shape(posting) for posting in chosen[:limit]],
        "has_next": len(chosen) > limit,
        "cursor": "",
    }


OPERATIONS: dict[str, Operation] = {
    "/v4/posting/fbs/list": fbs_list,
    "/v3/posting/fbo/list": fbo_list,
}
