"""The emulator's key, category and push-monitoring methods (openapi-2026-10.json).

`/v1/roles` answers the key's roles (every emulated method but those the control API took away)
and `expires_at`; `/v1/description-category/attribute` names the attribute ids
`/v4/product/info/attributes` sends; `/v1/notification/list` shows the push URLs set through
`/sandbox/push-urls`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.sandbox import render
from bot.sandbox.request import Node
from bot.sandbox.state import SandboxState, Shop, bad_request

Json = dict[str, object]
Operation = Callable[[SandboxState, Shop, Node], Json]

_LANGUAGES = frozenset({"DEFAULT", "RU", "EN", "TR", "ZH_HANS"})


def roles_for(state: SandboxState, shop: Shop, methods: Iterable[str]) -> Json:
    granted = sorted(set(methods) - shop.missing_methods)
    return {
        "roles": [{"name": "Admin", "methods": granted}],
        "expires_at": render.moment(state.key_expiry(shop)),
    }


def category_attributes(state: SandboxState, shop: Shop, body: Node) -> Json:
    category, type_id = body.integer("description_category_id"), body.integer("type_id")
    if category is None or type_id is None:
        raise bad_request("description_category_id and type_id are required")
    language = (body.text("language") or "DEFAULT").upper()
    if language not in _LANGUAGES:
        raise bad_request(f"unknown language {language}")
    if (category, type_id) != (render.DESCRIPTION_CATEGORY_ID, render.TYPE_ID):
        return {"result": []}
    return render.category_attributes(state.synthetic_attributes, language)


def notification_list(state: SandboxState, shop: Shop, body: Node) -> Json:
    wanted = {status.upper() for status in body.strings("availability_statuses")}
    urls = [u for u in shop.push_urls if not wanted or u["availability_status"] in wanted]
    offset, limit = body.integer("offset") or 0, body.integer("limit") or 100
    return {
        "urls": urls[offset : offset + limit],
        "total_count": len(urls),
        "availability_status_thresholds": [
            {"status": "GREEN", "threshold": 1500},
            {"status": "YELLOW", "threshold": 2500},
            {"status": "RED", "threshold": 2500},
        ],
    }


def push_url(
    url: str, *, availability: str, enabled: bool, disable_reason: str, created_at: str
) -> Json:
    """One `urls[]` row with every field the schema requires."""
    return {
        "id": 1,
        "url": url,
        "enable": enabled,
        "types": [
            {"type": kind, "description": ""}
            for kind in (
                "TYPE_NEW_MESSAGE",
                "TYPE_UPDATE_MESSAGE",
                "TYPE_MESSAGE_READ",
                "TYPE_CHAT_CLOSED",
            )
        ],
        "created_at": created_at,
        "availability_status": availability,
        "availability_status_date": created_at,
        "disable_reason": disable_reason,
        "reason_details": "",
        "problematic_type": "TYPE_NEW_MESSAGE" if availability != "GREEN" else "",
    }


OPERATIONS: dict[str, Operation] = {
    "/v1/description-category/attribute": category_attributes,
    "/v1/notification/list": notification_list,
}
"""`/v1/roles` is added by `bot.sandbox.app`, which knows every method the emulator serves."""
