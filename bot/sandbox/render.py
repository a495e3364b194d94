"""State → the JSON bodies Ozon answers, shaped by ../shared/ozon/openapi-subset.json.

Ozon's traps are reproduced on purpose (README "Changes and traps"): `/v3/chat/list` spells
enums in upper case; every other buyer message says `Сustomer` with a Cyrillic "С"; message
ids exceed 2^64 and are sent as numbers in the chat list and as strings in the history (as in
Ozon's own example); `has_next` is the string "true" in the chat list when more pages follow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from bot.ozon import attributes as known
from bot.sandbox.seed import SeedPosting, SeedProduct, SeedReturn
from bot.sandbox.state import Author, Chat, Message, Shop

Json = dict[str, object]

_USER_TYPES = {Author.SELLER: "Seller", Author.SUPPORT: "Support"}
_CYRILLIC_CUSTOMER = "\u0421ustomer"
_RETURN_NAMES = {
    "DisputeOpened": "Открыт спор с покупателем",
    "OnSellerApproval": "На согласовании у продавца",
    "ArrivedAtReturnPlace": "В пункте выдачи",
    "MovingToSeller": "Возврат на пути к продавцу",
    "ReceivedBySeller": "Продавец получил возврат",
    "ReturnMoneyApproved": "Одобрен возврат денег",
    "MoneyReturned": "Покупателю вернули всю сумму",
    "Rejected": "Заявка отклонена",
    "Approved": "Заявка одобрена продавцом",
}


def moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- chats ---------------------------------------------------------------------------------


def chat_list(chats: Iterable[Chat], *, cursor: str, has_next: bool, total_unread: int) -> Json:
    body: Json = {
        "chats": [_chat_info(chat) for chat in chats],
        "total_unread_count": total_unread,
        "cursor": cursor,
        # README: has_next sometimes arrives as the string "true".
        "has_next": "true" if has_next else False,
    }
    return body


def _chat_info(chat: Chat) -> Json:
    info: Json = {
        "chat": {
            "chat_id": chat.chat_id,
            "chat_status": "CLOSED" if chat.closed else "OPENED",
            "chat_type": chat.chat_type,
            "created_at": moment(chat.created_at),
        },
        "unread_count": chat.unread,
    }
    first_unread = chat.first_unread()
    if first_unread is not None:
        info["first_unread_message_id"] = first_unread
    if chat.ids:
        info["last_message_id"] = chat.ids[-1]
    return info


def history(messages: Iterable[Message], *, has_next: bool) -> Json:
    return {"has_next": has_next, "messages": [_message(m) for m in messages]}


def _message(message: Message) -> Json:
    body: Json = {
        "message_id": str(message.message_id),
        "created_at": moment(message.created_at),
        "data": [message.text],
        "is_image": message.is_image,
        "is_read": message.is_read,
        "user": {"id": message.user_id, "type": _user_type(message)},
    }
    if message.order_number or message.sku:
        body["context"] = {"order_number": message.order_number or "", "sku": message.sku or ""}
    return body


def _user_type(message: Message) -> str:
    if message.author is Author.BUYER:
        # Deterministic mix of Ozon's spellings: Cyrillic "Сustomer" on every even id.
        return _CYRILLIC_CUSTOMER if message.message_id % 2 == 0 else "Customer"
    return _USER_TYPES[message.author]


# --- postings ------------------------------------------------------------------------------


def fbs_posting(shop: Shop, posting: SeedPosting) -> Json:
    result = _posting_common(shop, posting)
    result.update(
        substatus=posting.substatus,
        tracking_number=posting.tracking_number or "",
        analytics_data=_fbs_analytics(posting),
        cancellation=_cancellation(posting),
    )
    for key in ("shipment_date", "delivering_date"):
        value = getattr(posting, key)
        if value is not None:
            result[key] = moment(value)
    return {"result": result}


def fbo_posting(shop: Shop, posting: SeedPosting) -> Json:
    result = _posting_common(shop, posting)
    result["analytics_data"] = _fbo_analytics(posting)
    if posting.cancel_reason:
        result["cancel_reason_id"] = 0
    return {"result": result}


def _posting_common(shop: Shop, posting: SeedPosting) -> Json:
    result: Json = {
        "posting_number": posting.posting_number,
        "order_number": posting.order,
        "order_id": order_id(posting.order),
        "status": posting.status,
        "products": [_posting_product(shop, item.sku, item.quantity) for item in posting.items],
    }
    if posting.in_process_at is not None:
        result["in_process_at"] = moment(posting.in_process_at)
    return result


def order_id(order_number: str) -> int:
    digits = "".join(ch for ch in order_number if ch.isdigit())
    return int(digits or 0)


def _posting_product(shop: Shop, sku: str, quantity: int) -> Json:
    product = next((p for p in shop.products if p.sku == sku), None)
    offer_id = shop.product_ids(product)[1] if product else f"OF-{sku}"
    return {
        "sku": _int_or_zero(sku),
        "name": product.name if product else "",
        "offer_id": offer_id,
        "price": product.price or "0" if product else "0",
        "quantity": quantity,
    }


def _fbs_analytics(posting: SeedPosting) -> Json:
    analytics: Json = {"delivery_type": "Courier" if posting.scheme == "rfbs" else "PVZ"}
    if posting.delivery_date is not None:
        # A delivery window of 10:00-21:00 Moscow time (07:00-18:00 UTC) on the seeded day.
        analytics["delivery_date_begin"] = moment(_on(posting.delivery_date, time(7, 0)))
        analytics["delivery_date_end"] = moment(_on(posting.delivery_date, time(18, 0)))
    return analytics


def _fbo_analytics(posting: SeedPosting) -> Json:
    """FBO has no delivery window; Ozon fills `client_delivery_date_*` (the day by which the
    order is expected) for Ozon Доставка, and leaves them out otherwise."""
    analytics: Json = {"delivery_type": "PVZ"}
    if posting.delivery_date is None:
        return analytics
    analytics["client_delivery_date_begin"] = moment(_on(posting.delivery_date, time(7, 0)))
    analytics["client_delivery_date_end"] = moment(_on(posting.delivery_date, time(18, 0)))
    return analytics


def _cancellation(posting: SeedPosting) -> Json:
    if not posting.cancel_reason:
        return {}
    return {"cancel_reason": posting.cancel_reason, "cancellation_initiator": "Клиент"}


def _on(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=UTC)


def _int_or_zero(value: str) -> int:
    return int(value) if value.isdigit() else 0


# --- returns -------------------------------------------------------------------------------


def returns(items: Iterable[tuple[int, SeedReturn]], *, has_next: bool) -> Json:
    return {"returns": [_return(ident, item) for ident, item in items], "has_next": has_next}


def _return(ident: int, item: SeedReturn) -> Json:
    product: Json = {"name": item.product_name or "", "quantity": item.quantity}
    if item.sku:
        product["sku"] = _int_or_zero(item.sku)
    body: Json = {
        "id": ident,
        "posting_number": item.posting_number,
        "order_number": item.posting_number.rpartition("-")[0],
        "type": item.return_type,
        "schema": "FBS",  # as Ozon spells it (FBS / FBO), not "Fbs"
        "return_reason_name": item.reason or "",
        "visual": {
            "status": {
                "id": 0,
                "sys_name": item.status,
                "display_name": item.status_name or _RETURN_NAMES.get(item.status, item.status),
            }
        },
        "product": product,
    }
    return body


# --- products ------------------------------------------------------------------------------


def product_info_list(shop: Shop, products: Iterable[SeedProduct]) -> Json:
    return {"items": [_product_info(shop, p) for p in products]}


def _product_info(shop: Shop, product: SeedProduct) -> Json:
    product_id, offer_id = shop.product_ids(product)
    item: Json = {
        "id": int(product_id),
        "name": product.name,
        "offer_id": offer_id,
        "currency_code": "RUB",
        "price": product.price or "",
        "old_price": product.old_price or "",
        "is_archived": product.archived,
        "sources": [{"sku": _int_or_zero(product.sku), "source": "SDS"}],
        "visibility_details": {"has_price": bool(product.price), "has_stock": bool(product.stock)},
    }
    if product.stock is not None:
        row = {"present": product.stock, "reserved": 0, "sku": _int_or_zero(product.sku)}
        item["stocks"] = {"has_stock": product.stock > 0, "stocks": [row | {"source": "fbo"}]}
    return item


def product_attributes(
    shop: Shop, products: Iterable[SeedProduct], synthetic: dict[str, int]
) -> Json:
    result = [_product_attributes(shop, p, synthetic) for p in products]
    return {"result": result, "total": str(len(result)), "last_id": ""}


def _product_attributes(shop: Shop, product: SeedProduct, synthetic: dict[str, int]) -> Json:
    product_id, offer_id = shop.product_ids(product)
    body: Json = {
        "id": int(product_id),
        "name": product.name,
        "offer_id": offer_id,
        "sku": product.sku,
        "description_category_id": DESCRIPTION_CATEGORY_ID,
        "type_id": TYPE_ID,
        "attributes": [_attribute(name, product, synthetic) for name in product.attributes],
    }
    if product.dimensions is not None:
        dims = product.dimensions.model_dump(exclude_none=True)
        body.update(dims)
    return body


def _attribute(name: str, product: SeedProduct, synthetic: dict[str, int]) -> Json:
    values = [{"dictionary_value_id": 0, "value": v} for v in product.values(name)]
    # Ids only, like Ozon: the names come from /v1/description-category/attribute.
    return {"id": attribute_id(name, synthetic), "complex_id": 0, "values": values}


def attribute_id(name: str, synthetic: dict[str, int]) -> int:
    """The Ozon id of a scenario's attribute name; a name Ozon's table lacks gets a stable id
    from the reserved range, named in the category's attribute list."""
    entry = known.by_name(name)
    if entry is not None:
        return entry.id
    # From the name itself, not the order names were seen in: a worker or action server keeps
    # names cached by id across emulator restarts (one per simulate run), so an id must keep
    # meaning the same name everywhere.
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:6], "big")
    return synthetic.setdefault(name, known.SYNTHETIC_ID_START + digest % 10**12)


DESCRIPTION_CATEGORY_ID = 17028922
TYPE_ID = 91565
"""Every emulated product is in one category and type (values from Ozon's own examples)."""


def category_attributes(synthetic: dict[str, int], language: str) -> Json:
    """`/v1/description-category/attribute`: the known table in the language asked (RU is also
    the DEFAULT), and every scenario-made attribute under the name the scenario used."""
    english = language == "EN"
    rows = [
        _category_attribute(a.id, a.name_en if english else a.name_ru)
        for a in known.KNOWN_ATTRIBUTES
    ]
    rows += [_category_attribute(ident, name) for name, ident in synthetic.items()]
    return {"result": rows}


def _category_attribute(ident: int, name: str) -> Json:
    return {
        "id": ident,
        "name": name,
        "description": "",
        "type": "String",
        "is_collection": False,
        "is_required": False,
        "is_aspect": False,
        "group_id": 0,
        "group_name": "",
        "dictionary_id": 0,
        "category_dependent": False,
        "attribute_complex_id": 0,
        "max_value_count": 0,
        "complex_is_collection": False,
    }


def product_description(shop: Shop, product: SeedProduct) -> Json:
    product_id, offer_id = shop.product_ids(product)
    return {
        "result": {
            "id": int(product_id),
            "offer_id": offer_id,
            "name": product.name,
            "description": product.description,
        }
    }
