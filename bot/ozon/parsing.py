"""JSON from the Seller API → `bot.ozon.schemas` values. The only place that reads Ozon's JSON.

Rules (../shared/ozon/README.md): ids may arrive as numbers or strings and become strings at
once (the body was decoded by Python's json, which keeps big integers exact); `has_next` may be
the string "true"; protobuf-style answers omit empty lists, zeros and false values, so a missing
list or flag is empty/false. A missing *identifying* field or a value of the wrong type is
`OzonMalformedError`; an enum value we do not know is not (it becomes OTHER).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.errors import OzonMalformedError
from bot.ozon import attributes as known
from bot.ozon.schemas import (
    AnswerPage,
    Attribute,
    ChatHistory,
    ChatMessage,
    ChatPage,
    ChatStatus,
    ChatSummary,
    ChatType,
    CommentPage,
    Dimensions,
    KeyRole,
    KeyRoles,
    MessageContext,
    Posting,
    PostingProduct,
    PostingsPage,
    ProductAttributes,
    ProductDescription,
    ProductInfo,
    PublicationStatus,
    Push,
    PushAvailability,
    PushKind,
    PushUrl,
    PushUrls,
    Question,
    QuestionAnswer,
    QuestionCount,
    QuestionPage,
    QuestionStatus,
    ReturnItem,
    ReturnsPage,
    Review,
    ReviewComment,
    ReviewCount,
    ReviewPage,
    ReviewStatus,
    UserType,
)

log = logging.getLogger(__name__)

# Ozon shows buyers delivery days in Moscow time; a UTC date would be a day early at night.
_OZON_ZONE = ZoneInfo("Europe/Moscow")


class Node:
    """One JSON object under parsing; every accessor names the field when it complains."""

    __slots__ = ("_data", "_method", "_where")

    def __init__(self, data: object, method: str, where: str = "$") -> None:
        if not isinstance(data, dict):
            raise OzonMalformedError(method, f"{where}: expected an object")
        self._data = data
        self._method = method
        self._where = where

    def _bad(self, key: str, expected: str) -> OzonMalformedError:
        return OzonMalformedError(self._method, f"{self._where}.{key}: expected {expected}")

    def _get(self, key: str, required: bool) -> object:
        value = self._data.get(key)
        if value is None and required:
            raise self._bad(key, "a value, got nothing")
        return value

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None or isinstance(value, str):
            return value
        raise self._bad(key, "a string")

    def id(self, key: str) -> str | None:
        """An optional id sent as a JSON number or string; "0"/0 means none in protobuf JSON."""
        value = self._get(key, False)
        if isinstance(value, bool) or not isinstance(value, int | str | None):
            raise self._bad(key, "an id (integer or string)")
        return None if value is None or str(value) in ("", "0") else str(value)

    def need_id(self, key: str) -> str:
        value = self.id(key)
        if value is None:
            raise self._bad(key, "a non-empty id")
        return value

    def integer(self, key: str) -> int | None:
        value = self._get(key, False)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise self._bad(key, "an integer")

    def need_integer(self, key: str) -> int:
        value = self.integer(key)
        if value is None:
            raise self._bad(key, "an integer")
        return value

    def flag(self, key: str) -> bool:
        value = self._get(key, False)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise self._bad(key, "a boolean")

    def moment(self, key: str) -> datetime | None:
        value = self.text(key)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self._bad(key, "an RFC 3339 date-time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def need_moment(self, key: str) -> datetime:
        value = self.moment(key)
        if value is None:
            raise self._bad(key, "a date-time")
        return value

    def child(self, key: str) -> Node | None:
        value = self._get(key, False)
        return None if value is None else Node(value, self._method, f"{self._where}.{key}")

    def need(self, key: str) -> Node:
        return Node(self._get(key, True), self._method, f"{self._where}.{key}")

    def children(self, key: str) -> Iterator[Node]:
        value = self._get(key, False)
        if value is None:
            return
        if not isinstance(value, list):
            raise self._bad(key, "an array")
        for index, item in enumerate(value):
            yield Node(item, self._method, f"{self._where}.{key}[{index}]")

    def id_list(self, key: str) -> tuple[str, ...]:
        value = self._get(key, False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(_is_id(v) for v in value):
            raise self._bad(key, "an array of ids")
        return tuple(str(v) for v in value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._get(key, False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._bad(key, "an array of strings")
        return tuple(value)


def _is_id(value: object) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def root(data: object, method: str) -> Node:
    return Node(data, method)


# --- chats ---------------------------------------------------------------------------------


def chat_page(data: object, method: str) -> ChatPage:
    body = root(data, method)
    return ChatPage(
        chats=tuple(_chat_summary(item) for item in body.children("chats")),
        cursor=body.text("cursor") or "",
        has_next=body.flag("has_next"),
        total_unread_count=body.integer("total_unread_count") or 0,
    )


def _chat_summary(item: Node) -> ChatSummary:
    chat = item.need("chat")
    return ChatSummary(
        chat_id=chat.need_id("chat_id"),
        status=ChatStatus.parse(chat.text("chat_status")),
        chat_type=chat_type(chat.text("chat_type")),
        created_at=chat.need_moment("created_at"),
        first_unread_message_id=item.id("first_unread_message_id"),
        last_message_id=item.id("last_message_id"),
        unread_count=item.integer("unread_count") or 0,
    )


def chat_type(value: str | None) -> ChatType:
    """`chat_type` of the chat list or a push; a value we do not know is logged once."""
    parsed = ChatType.parse(value)
    if parsed is ChatType.OTHER:
        _unknown_chat_type(str(value))
    return parsed


@functools.lru_cache(maxsize=64)
def _unknown_chat_type(value: str) -> None:
    # lru_cache makes this log once per spelling (bounded, so a flood of junk cannot grow it).
    log.warning("unknown Ozon chat_type %r: such chats are skipped", value[:60])


def chat_history(data: object, method: str) -> ChatHistory:
    body = root(data, method)
    return ChatHistory(
        messages=tuple(_message(item) for item in body.children("messages")),
        has_next=body.flag("has_next"),
    )


def _message(item: Node) -> ChatMessage:
    user = item.child("user")
    context = item.child("context")
    return ChatMessage(
        message_id=item.need_id("message_id"),
        created_at=item.need_moment("created_at"),
        user_type=UserType.parse(user.text("type") if user else None),
        user_id=(user.id("id") if user else None) or "",
        text="\n".join(item.strings("data")),
        is_image=item.flag("is_image"),
        is_read=item.flag("is_read"),
        context=_context(context) if context else None,
    )


def _context(node: Node) -> MessageContext | None:
    order_number, sku = node.text("order_number") or None, node.id("sku")
    if order_number is None and sku is None:
        return None
    return MessageContext(order_number=order_number, sku=sku)


def unread_count(data: object, method: str) -> int:
    return root(data, method).integer("unread_count") or 0


def started_chat_id(data: object, method: str) -> str:
    return root(data, method).need("result").need_id("chat_id")


def send_result(data: object, method: str) -> None:
    """`{"result": "success"}`; anything else means we cannot tell what happened."""
    result = root(data, method).text("result")
    if result is None or result.lower() != "success":
        raise OzonMalformedError(method, f"$.result: expected 'success', got {result!r}")


# --- postings ------------------------------------------------------------------------------


def posting(data: object, method: str, scheme: Literal["fbs", "fbo"]) -> Posting:
    return _posting(root(data, method).need("result"), scheme)


def postings_page(data: object, method: str, scheme: Literal["fbs", "fbo"]) -> PostingsPage:
    """`/v4/posting/fbs/list`, `/v3/posting/fbo/list`: the postings at the top level (no
    `result` wrapper), each shaped like the answer of the matching `get` method."""
    body = root(data, method)
    return PostingsPage(
        postings=tuple(_posting(item, scheme) for item in body.children("postings")),
        has_next=body.flag("has_next"),
        cursor=body.text("cursor") or None,
    )


def _posting(result: Node, scheme: Literal["fbs", "fbo"]) -> Posting:
    number = result.text("posting_number", required=True) or ""
    analytics = result.child("analytics_data")
    cancellation = result.child("cancellation")
    return Posting(
        posting_number=number,
        order_number=result.text("order_number") or order_number_of(number),
        scheme=scheme,
        status=result.text("status") or "",
        substatus=result.text("substatus") or "",
        tracking_number=result.text("tracking_number") or None,
        in_process_at=result.moment("in_process_at"),
        shipment_date=result.moment("shipment_date"),
        delivering_date=result.moment("delivering_date"),
        delivery_date=_delivery_day(analytics),
        products=tuple(_posting_product(p) for p in result.children("products")),
        cancel_reason=(cancellation.text("cancel_reason") or None) if cancellation else None,
        fact_delivery_date=result.moment("fact_delivery_date"),
        available_actions=result.strings("available_actions"),
    )


def order_number_of(posting_number: str) -> str:
    """`57195475-0050-3` → `57195475-0050`: the order is the posting without its last group."""
    head, sep, _tail = posting_number.rpartition("-")
    return head if sep else posting_number


def _delivery_day(analytics: Node | None) -> date | None:
    """The last day Ozon gives for delivery. FBS: the delivery window `delivery_date_*`; FBO has
    no window, only `client_delivery_date_*` ("the date by which the order is expected to be
    delivered", filled for Ozon Доставка; openapi-2026-10.json), also the FBS fallback."""
    if analytics is None:
        return None
    moment = (
        analytics.moment("delivery_date_end")
        or analytics.moment("delivery_date_begin")
        or analytics.moment("client_delivery_date_end")
        or analytics.moment("client_delivery_date_begin")
    )
    return moment.astimezone(_OZON_ZONE).date() if moment else None


def _posting_product(item: Node) -> PostingProduct:
    return PostingProduct(
        sku=item.need_id("sku"),
        name=item.text("name") or "",
        offer_id=item.text("offer_id") or "",
        quantity=item.integer("quantity") or 0,
    )


# --- returns -------------------------------------------------------------------------------


def returns_page(data: object, method: str) -> ReturnsPage:
    body = root(data, method)
    items = tuple(_return(item) for item in body.children("returns"))
    return ReturnsPage(
        returns=items,
        has_next=body.flag("has_next"),
        last_id=items[-1].id if items else None,
    )


def _return(item: Node) -> ReturnItem:
    product = item.child("product")
    visual = item.child("visual")
    status = visual.child("status") if visual else None
    return ReturnItem(
        id=item.need_id("id"),
        posting_number=item.text("posting_number") or "",
        order_number=item.text("order_number") or None,
        status=(status.text("sys_name") if status else None) or "",
        status_name=(status.text("display_name") if status else None) or "",
        sku=product.id("sku") if product else None,
        product_name=(product.text("name") or None) if product else None,
        quantity=product.integer("quantity") if product else None,
        return_type=item.text("type") or None,
        reason=item.text("return_reason_name") or None,
        changed_at=visual.moment("change_moment") if visual else None,
    )


# --- products ------------------------------------------------------------------------------


def product_infos(data: object, method: str) -> tuple[ProductInfo, ...]:
    return tuple(_product_info(item) for item in root(data, method).children("items"))


def _product_info(item: Node) -> ProductInfo:
    skus = [source.id("sku") for source in item.children("sources")]
    visibility = item.child("visibility_details")
    return ProductInfo(
        product_id=item.need_id("id"),
        sku=next((sku for sku in skus if sku), ""),
        offer_id=item.text("offer_id") or "",
        name=item.text("name") or "",
        present=_available(item.child("stocks")),
        price=item.text("price") or None,
        currency_code=item.text("currency_code") or None,
        visible=bool(visibility and visibility.flag("has_price") and visibility.flag("has_stock")),
        archived=item.flag("is_archived") or item.flag("is_autoarchived"),
    )


def _available(stocks: Node | None) -> int | None:
    """Present minus reserved over every stock; None when Ozon said nothing about stock."""
    if stocks is None:
        return None
    free = (
        (row.integer("present") or 0) - (row.integer("reserved") or 0)
        for row in stocks.children("stocks")
    )
    return sum(max(units, 0) for units in free)


def product_attributes(data: object, method: str) -> tuple[ProductAttributes, ...]:
    return tuple(_product_attributes(item) for item in root(data, method).children("result"))


def _product_attributes(item: Node) -> ProductAttributes:
    return ProductAttributes(
        product_id=item.need_id("id"),
        sku=item.id("sku") or "",
        offer_id=item.text("offer_id") or "",
        name=item.text("name") or "",
        attributes=tuple(_attribute(a) for a in item.children("attributes")),
        dimensions=_dimensions(item),
        description_category_id=item.id("description_category_id"),
        type_id=item.id("type_id"),
    )


def _attribute(item: Node) -> Attribute:
    attribute_id = item.need_integer("id")
    entry = known.by_id(attribute_id)
    sent_name = item.text("name")
    return Attribute(
        id=attribute_id,
        name=entry.name_ru if entry else sent_name,
        name_en=entry.name_en if entry else None,
        values=tuple(value.text("value") or "" for value in item.children("values")),
    )


def _dimensions(item: Node) -> Dimensions | None:
    dims = Dimensions(
        height=item.integer("height"),
        depth=item.integer("depth"),
        width=item.integer("width"),
        dimension_unit=item.text("dimension_unit") or None,
        weight=item.integer("weight"),
        weight_unit=item.text("weight_unit") or None,
    )
    return None if dims == Dimensions(None, None, None, None, None, None) else dims


def product_description(data: object, method: str) -> ProductDescription:
    result = root(data, method).need("result")
    return ProductDescription(
        product_id=result.need_id("id"),
        offer_id=result.text("offer_id") or "",
        name=result.text("name") or "",
        description=result.text("description") or "",
    )


def category_attribute_names(data: object, method: str) -> dict[int, str]:
    """`/v1/description-category/attribute` → attribute id → name (unnamed ones left out)."""
    names: dict[int, str] = {}
    for item in root(data, method).children("result"):
        name = item.text("name")
        if name:
            names[item.need_integer("id")] = name
    return names


# --- push notifications --------------------------------------------------------------------

PUSH = "push"
"""The `method` a malformed push is reported under."""


def push(data: object) -> Push:
    """A chat push's body; `OzonMalformedError` names what is missing. `chat_type` is folded
    (`Buyer_Seller_Select` is `BUYER_SELLER_SELECT`); ids stay strings."""
    body = root(data, PUSH)
    kind = PushKind.parse(body.text("message_type", required=True))
    chat_id = body.text("chat_id") if kind is not PushKind.PING else None
    # A message push without its chat cannot be acted on; other kinds without one are ignored.
    if kind in (PushKind.NEW_MESSAGE, PushKind.UPDATE_MESSAGE) and not chat_id:
        raise OzonMalformedError(PUSH, "$.chat_id: expected a non-empty string")
    return Push(
        kind=kind,
        chat_id=chat_id or "",
        chat_type=chat_type(body.text("chat_type")) if chat_id else ChatType.OTHER,
        message_id=body.id("message_id"),
        seller_id=body.id("seller_id"),
    )


# --- the key and push monitoring -----------------------------------------------------------


def key_roles(data: object, method: str) -> KeyRoles:
    body = root(data, method)
    roles = tuple(
        KeyRole(name=role.text("name") or "", methods=role.strings("methods"))
        for role in body.children("roles")
    )
    return KeyRoles(roles=roles, expires_at=body.moment("expires_at"))


def push_urls(data: object, method: str) -> PushUrls:
    body = root(data, method)
    thresholds = {
        (row.text("status") or "").upper(): row.integer("threshold") or 0
        for row in body.children("availability_status_thresholds")
    }
    urls = tuple(_push_url(item) for item in body.children("urls"))
    return PushUrls(
        urls=urls, total_count=body.integer("total_count") or len(urls), thresholds_ms=thresholds
    )


def _push_url(item: Node) -> PushUrl:
    return PushUrl(
        id=item.need_id("id"),
        url=item.text("url") or "",
        enabled=item.flag("enable"),
        availability=PushAvailability.parse(item.text("availability_status")),
        availability_date=item.moment("availability_status_date"),
        disable_reason=item.text("disable_reason") or None,
        problematic_type=item.text("problematic_type") or None,
        reason_details=item.text("reason_details") or None,
        types=tuple(t.text("type") or "" for t in item.children("types")),
    )


# --- product questions and reviews ---------------------------------------------------------


def question_page(data: object, method: str) -> QuestionPage:
    body = root(data, method)
    return QuestionPage(
        questions=tuple(_question(item) for item in body.children("questions")),
        has_next=body.flag("has_next"),
        last_id=body.text("last_id") or None,
    )


def question(data: object, method: str) -> Question:
    return _question(root(data, method))


def _question(item: Node) -> Question:
    return Question(
        id=item.need_id("id"),
        sku=item.id("sku") or "",
        text=item.text("text") or "",
        status=QuestionStatus.parse(item.text("status")),
        published_at=item.moment("published_at"),
        answers_count=item.integer("answers_count") or 0,
        author_name=item.text("author_name") or "",
        product_url=item.text("product_url") or "",
        question_link=item.text("question_link") or "",
    )


def answer_page(data: object, method: str) -> AnswerPage:
    body = root(data, method)
    return AnswerPage(
        answers=tuple(_answer(item) for item in body.children("answers")),
        last_id=body.text("last_id") or None,
    )


def _answer(item: Node) -> QuestionAnswer:
    return QuestionAnswer(
        id=item.need_id("id"),
        question_id=item.id("question_id") or "",
        sku=item.id("sku") or "",
        text=item.text("text") or "",
        status=PublicationStatus.parse(item.text("status_publication")),
        published_at=item.moment("published_at"),
        author_name=item.text("author_name") or "",
    )


def created_answer_id(data: object, method: str) -> str:
    return root(data, method).need_id("answer_id")


def created_comment_id(data: object, method: str) -> str:
    return root(data, method).need_id("comment_id")


def question_count(data: object, method: str) -> QuestionCount:
    body = root(data, method)
    return QuestionCount(
        all=body.integer("all") or 0,
        new=body.integer("new") or 0,
        viewed=body.integer("viewed") or 0,
        processed=body.integer("processed") or 0,
        unprocessed=body.integer("unprocessed") or 0,
    )


def review_page(data: object, method: str) -> ReviewPage:
    body = root(data, method)
    return ReviewPage(
        reviews=tuple(_review(item) for item in body.children("reviews")),
        has_next=body.flag("has_next"),
        last_id=body.text("last_id") or None,
    )


def review(data: object, method: str) -> Review:
    return _review(root(data, method))


def _review(item: Node) -> Review:
    return Review(
        id=item.need_id("id"),
        sku=item.id("sku") or "",
        text=item.text("text") or "",
        rating=item.integer("rating"),
        status=ReviewStatus.parse(item.text("status")),
        order_status=(item.text("order_status") or "").upper(),
        published_at=item.moment("published_at"),
        photos_amount=item.integer("photos_amount") or 0,
        videos_amount=item.integer("videos_amount") or 0,
        comments_amount=item.integer("comments_amount") or 0,
        is_rating_participant=item.flag("is_rating_participant"),
    )


def comment_page(data: object, method: str) -> CommentPage:
    body = root(data, method)
    return CommentPage(
        comments=tuple(_comment(item) for item in body.children("comments")),
        offset=body.integer("offset") or 0,
    )


def _comment(item: Node) -> ReviewComment:
    return ReviewComment(
        id=item.need_id("id"),
        text=item.text("text") or "",
        is_owner=item.flag("is_owner"),
        is_official=item.flag("is_official"),
        is_published=item.flag("is_published"),
        is_rejected=item.flag("is_rejected"),
        deviation_reason=item.text("deviation_reason") or "",
        parent_comment_id=item.id("parent_comment_id"),
        published_at=item.moment("published_at"),
    )


def review_count(data: object, method: str) -> ReviewCount:
    body = root(data, method)
    return ReviewCount(
        total=body.integer("total") or 0,
        new=body.integer("new") or 0,
        viewed=body.integer("viewed") or 0,
        processed=body.integer("processed") or 0,
    )


def nothing(data: object, method: str) -> None:
    """Methods that answer an empty object on success (`change-status`, deletes)."""
    root(data, method)
