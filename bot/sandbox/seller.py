"""The twelve Seller API methods of the emulator: a request body in, Ozon's answer body out.

Each operation reads the request with `bot.sandbox.request.Node` (whose
complaints become Ozon's 400 / code 3), applies Ozon's rules through `SandboxState`, and renders
the answer with `bot.sandbox.render`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from bot.ozon.schemas import spelling_key
from bot.sandbox import render
from bot.sandbox.request import Node
from bot.sandbox.state import (
    FBS_AFTER_DELIVERY,
    SandboxState,
    Shop,
    bad_request,
    delivered_at,
    not_found,
)

Json = dict[str, object]
Operation = Callable[[SandboxState, Shop, Node], Json]

MAX_TEXT = 1000


def _limit(body: Node, *, default: int | None, high: int) -> int:
    limit = body.integer("limit")
    if limit is None:
        if default is None:
            raise bad_request("limit is required")
        return default
    if not 1 <= limit <= high:
        raise bad_request(f"limit must be 1..{high}")
    return limit


def _required(body: Node, key: str) -> str:
    value = body.text(key)
    if not value:
        raise bad_request(f"{key} is required")
    return value


def _ids(body: Node | None, key: str) -> list[str]:
    """An id list; Ozon takes int64 ids as strings or numbers alike."""
    return list(body.id_list(key)) if body is not None else []


# --- chats ---------------------------------------------------------------------------------


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        kind, _, seq = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "seq" and seq.isdigit():
            return int(seq)
    except (binascii.Error, UnicodeDecodeError):
        pass
    raise bad_request("invalid cursor")


def list_chats(state: SandboxState, shop: Shop, body: Node) -> Json:
    filters = body.child("filter")
    status = spelling_key((filters.text("chat_status") if filters else None) or "all")
    if status not in ("all", "opened", "closed"):
        raise bad_request("chat_status must be ALL, OPENED or CLOSED")
    chats, has_next = state.list_chats(
        shop,
        status=status,
        unread_only=bool(filters and filters.flag("unread_only")),
        after_seq=_decode_cursor(body.text("cursor")),
        limit=_limit(body, default=None, high=100),  # CHANGES-2026-10: 1000 → 100
    )
    cursor = _encode_cursor(chats[-1].seq) if chats else body.text("cursor") or ""
    total = sum(chat.unread for chat in shop.chats.values())
    return render.chat_list(chats, cursor=cursor, has_next=has_next, total_unread=total)


def chat_history(state: SandboxState, shop: Shop, body: Node) -> Json:
    chat = shop.chat(_required(body, "chat_id"))
    direction = spelling_key(body.text("direction") or "Backward")
    if direction not in ("forward", "backward"):
        raise bad_request("direction must be Forward or Backward")
    start = body.integer("from_message_id")
    if direction == "forward" and start is None:
        raise bad_request("from_message_id is required for Forward")
    limit = _limit(body, default=50, high=1000)
    messages, has_next = chat.page(forward=direction == "forward", start=start, limit=limit)
    return render.history(messages, has_next=has_next)


def send_message(state: SandboxState, shop: Shop, body: Node) -> Json:
    chat_id, text = _required(body, "chat_id"), body.text("text") or ""
    if not 1 <= len(text) <= MAX_TEXT:
        raise bad_request(f"text must be 1..{MAX_TEXT} characters")
    state.send(shop, chat_id, text)
    return {"result": "success"}


def send_file(state: SandboxState, shop: Shop, body: Node) -> Json:
    chat_id, name = _required(body, "chat_id"), _required(body, "name")
    try:
        content = base64.b64decode(_required(body, "base64_content"), validate=True)
    except binascii.Error:
        raise bad_request("base64_content is not base64") from None
    if not content:
        raise bad_request("the file is empty")
    state.send(shop, chat_id, f"[{name}]", file_name=name)
    return {"result": "success"}


def mark_read(state: SandboxState, shop: Shop, body: Node) -> Json:
    chat = shop.chat(_required(body, "chat_id"))
    up_to = body.integer("from_message_id")
    chat.mark_read(chat.ids[-1] if up_to is None and chat.ids else up_to or 0)
    return {"unread_count": chat.unread}


def start_chat(state: SandboxState, shop: Shop, body: Node) -> Json:
    return {"result": {"chat_id": state.start_chat(shop, _required(body, "posting_number"))}}


# --- postings and returns ------------------------------------------------------------------


def fbs_posting(state: SandboxState, shop: Shop, body: Node) -> Json:
    posting = shop.posting(_required(body, "posting_number"), "fbs")
    answer = render.fbs_posting(shop, posting)
    result = answer["result"]
    assert isinstance(result, dict)  # noqa: S101 - render.fbs_posting always builds one
    delivered = delivered_at(posting)
    if delivered is not None:
        result["fact_delivery_date"] = render.moment(delivered)
    # Ozon: a seller may open an FBS/rFBS chat until 72 hours after delivery.
    if delivered is None or state.now() <= delivered + FBS_AFTER_DELIVERY:
        result["available_actions"] = ["can_create_chat"]
    return answer


def fbo_posting(state: SandboxState, shop: Shop, body: Node) -> Json:
    return render.fbo_posting(shop, shop.posting(_required(body, "posting_number"), "fbo"))


def returns_list(state: SandboxState, shop: Shop, body: Node) -> Json:
    limit = _limit(body, default=None, high=500)
    filters = body.child("filter")
    wanted = set(filters.strings("posting_numbers")) if filters else set()
    if len(wanted) > 50:
        raise bad_request("pass at most 50 posting numbers")
    after = body.integer("last_id") or 0
    matching = [
        (ident, item)
        for ident, item in shop.returns
        if ident > after and (not wanted or item.posting_number in wanted)
    ]
    return render.returns(matching[:limit], has_next=len(matching) > limit)


# --- products ------------------------------------------------------------------------------


def product_info(state: SandboxState, shop: Shop, body: Node) -> Json:
    skus, offers, ids = _ids(body, "sku"), _ids(body, "offer_id"), _ids(body, "product_id")
    if not 1 <= len(skus) + len(offers) + len(ids) <= 1000:
        raise bad_request("pass 1..1000 of sku, offer_id and product_id in total")
    return render.product_info_list(shop, shop.find_products(skus, offers, ids))


def product_attributes(state: SandboxState, shop: Shop, body: Node) -> Json:
    filters = body.child("filter")
    skus, offers = _ids(filters, "sku"), _ids(filters, "offer_id")
    ids = _ids(filters, "product_id")
    chosen = shop.find_products(skus, offers, ids) if skus or offers or ids else shop.products
    limit = _limit(body, default=1000, high=1000)
    return render.product_attributes(shop, chosen[:limit], state.synthetic_attributes)


def product_description(state: SandboxState, shop: Shop, body: Node) -> Json:
    product_id, offer_id = body.integer("product_id"), body.text("offer_id")
    if product_id is None and not offer_id:
        raise bad_request("product_id or offer_id is required")
    ids = [str(product_id)] if product_id is not None else []
    found = shop.find_products([], [offer_id] if offer_id else [], ids)
    if not found:
        raise not_found(f"product {product_id or offer_id}")
    return render.product_description(shop, found[0])


OPERATIONS: dict[str, Operation] = {
    "/v3/chat/list": list_chats,
    "/v3/chat/history": chat_history,
    "/v1/chat/send/message": send_message,
    "/v1/chat/send/file": send_file,
    "/v2/chat/read": mark_read,
    "/v1/chat/start": start_chat,
    "/v3/posting/fbs/get": fbs_posting,
    "/v2/posting/fbo/get": fbo_posting,
    "/v1/returns/list": returns_list,
    "/v3/product/info/list": product_info,
    "/v4/product/info/attributes": product_attributes,
    "/v1/product/info/description": product_description,
}
"""Every Seller API path the emulator serves (the same twelve the client calls)."""
