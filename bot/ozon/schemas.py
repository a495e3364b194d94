"""What the Ozon Seller API answers, as frozen pydantic models that read Ozon's JSON themselves.

`bot.ozon.parsing` validates a body with these models; this module says what each field is and
which of Ozon's traps applies to it (the field types of `bot.ozon.fields`). A field Ozon promises
(an id, a date a message cannot be without) is required; the rest default to empty, because
protobuf JSON leaves out empty values. A field that Ozon nests (`chat.chat_id`, `visual.status`)
is read through its path, so the values keep the flat shape the rest of the bot uses, and they
can still be constructed by their own field names (fakes, tests).

Ids are strings everywhere: Ozon's message and chat ids exceed 2^53 and one documented example
exceeds 2^64 (../shared/ozon/README.md), so nothing here holds an id as a number.

Enums compare case-insensitively and tolerate Ozon's spelling drift (`OPENED` / `Opened`,
`BUYER_SELLER` / `Buyer_Seller`, `Сustomer` with a Cyrillic "С"); a value we do not know becomes
`OTHER` rather than an error, because Ozon adds values without notice, and is logged once.

The module is long (~800 lines) because it is the whole answer contract of 30 methods in one place,
read top to bottom like the OpenAPI file; the models are declarative (a field, its type, where
Ozon puts it), and the few validators only derive a value from Ozon's nesting.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, Self, cast
from zoneinfo import ZoneInfo

from pydantic import (
    AliasPath,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    PlainValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from bot.ozon.fields import (
    Count,
    Flag,
    Id,
    IdOrEmpty,
    Integer,
    Lines,
    Many,
    Moment,
    NeedText,
    OptCount,
    OptId,
    OptMoment,
    OptText,
    OzonModel,
    Strings,
    Text,
    moment,
)

log = logging.getLogger(__name__)

# Cyrillic letters that look like Latin ones. Ozon's own examples spell the buyer's `user.type`
# as "Сustomer" with U+0421; folding them keeps the enum match independent of the keyboard.
_LOOKALIKES = str.maketrans("СсЕеОоАаРрХхКкМмТтВН", "CcEeOoAaPpXxKkMmTtBH")

# Ozon shows buyers delivery days in Moscow time; a UTC date would be a day early at night.
_OZON_ZONE = ZoneInfo("Europe/Moscow")


def spelling_key(value: str) -> str:
    """How Ozon's spellings of one name compare: stripped, lower case, Cyrillic look-alike
    letters replaced by their Latin twins (`Delivered`, `DELIVERED`, `dеlivered` with a Cyrillic
    е are one status)."""
    return value.strip().translate(_LOOKALIKES).lower()


class _TolerantEnum(StrEnum):
    """A StrEnum whose `parse` ignores case and look-alike letters and falls back to OTHER.

    As a pydantic field type it reads Ozon's string the same way; a value that is not a string
    at all is malformed."""

    @classmethod
    def parse(cls, value: object) -> Self:
        if isinstance(value, str):
            return cast(Self, _member(cls, value))
        return cls("other")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(cls._from_ozon)

    @classmethod
    def _from_ozon(cls, value: object) -> Self:
        if value is not None and not isinstance(value, str):
            raise ValueError("expected a string")
        return value if isinstance(value, cls) else cls.parse(value)


@functools.lru_cache(maxsize=512)
def _member(enum: type[_TolerantEnum], value: str) -> _TolerantEnum:
    # Cached per spelling, so an unknown one is logged once (bounded, so a flood of junk cannot
    # grow it); Ozon's own values are few.
    folded = spelling_key(value)
    for member in enum:
        if member.value == folded:
            return member
    if folded:
        log.warning("unknown Ozon %s %r: taken as OTHER", enum.__name__, value[:60])
    return enum("other")


class ChatStatus(_TolerantEnum):
    OPENED = "opened"
    CLOSED = "closed"
    OTHER = "other"


class ChatType(_TolerantEnum):
    """`ChatInfoChatTypeEnum` of openapi-2026-10.json; pushes spell the same values in mixed
    case (`Buyer_Seller_Select`), which `parse` folds."""

    BUYER_SELLER = "buyer_seller"
    BUYER_SELLER_SELECT = "buyer_seller_select"
    """A buyer of an Ozon Select order: a buyer chat like any other."""
    SELLER_SUPPORT = "seller_support"
    SELLER_NOTIFICATION = "seller_notification"
    SELLER_API_UPDATES = "seller_api_updates"
    SELLER_API_NOTIFICATIONS = "seller_api_notifications"
    SELLER_NOTIFICATION_LOGISTICS = "seller_notification_logistics"
    SELLER_NOTIFICATION_UPDATE_CONTENT = "seller_notification_update_content"
    SELLER_PERSONAL_MANAGER_UNITY_CRM = "seller_personal_manager_unity_crm"
    SELLER_BUSINESS_DEVELOPMENT_GROUP = "seller_business_development_group"
    UNSPECIFIED = "unspecified"
    OTHER = "other"

    @property
    def is_buyer_chat(self) -> bool:
        """A chat with a buyer, the only kind the bot answers (CHANGES-2026-10.md §1)."""
        return self in _BUYER_CHATS


_BUYER_CHATS = frozenset({ChatType.BUYER_SELLER, ChatType.BUYER_SELLER_SELECT})


class UserType(_TolerantEnum):
    CUSTOMER = "customer"
    SELLER = "seller"
    SUPPORT = "support"
    CRM = "crm"
    COURIER = "courier"
    NOTIFICATION_USER = "notificationuser"
    OTHER = "other"


class Direction(StrEnum):
    FORWARD = "Forward"
    BACKWARD = "Backward"


# --- chats ---------------------------------------------------------------------------------


class ChatSummary(OzonModel):
    """An item of `/v3/chat/list`; the chat's own fields come from its `chat` object."""

    chat_id: Id = Field(validation_alias=AliasPath("chat", "chat_id"))
    status: ChatStatus = Field(ChatStatus.OTHER, validation_alias=AliasPath("chat", "chat_status"))
    chat_type: ChatType = Field(ChatType.OTHER, validation_alias=AliasPath("chat", "chat_type"))
    created_at: Moment = Field(validation_alias=AliasPath("chat", "created_at"))
    first_unread_message_id: OptId = None
    last_message_id: OptId = None
    unread_count: Count = 0

    @property
    def is_buyer_chat(self) -> bool:
        return self.chat_type.is_buyer_chat


class ChatPage(OzonModel):
    chats: Many[ChatSummary] = ()
    cursor: Text = ""
    has_next: Flag = False
    total_unread_count: Count = 0


class MessageContext(OzonModel):
    """The order and product a buyer wrote from; kept with the message in Redis as well."""

    order_number: OptText = None
    sku: OptId = None


class MessageUser(OzonModel):
    id: IdOrEmpty = ""
    type: UserType = UserType.OTHER


class ChatMessage(OzonModel):
    message_id: Id
    created_at: Moment
    user: MessageUser | None = None
    text: Lines = Field("", validation_alias="data")
    """`data[]` joined with a newline; images arrive as Markdown links."""
    is_image: Flag = False
    is_read: Flag = False
    context: MessageContext | None = None

    @field_validator("context")
    @classmethod
    def _empty_context_is_none(cls, context: MessageContext | None) -> MessageContext | None:
        # Ozon sends `{"order_number": "", "sku": 0}` for a chat not opened from an order.
        return context if context and (context.order_number or context.sku) else None

    @property
    def user_type(self) -> UserType:
        return self.user.type if self.user else UserType.OTHER

    @property
    def user_id(self) -> str:
        return self.user.id if self.user else ""

    @property
    def is_buyer(self) -> bool:
        return self.user_type is UserType.CUSTOMER


class ChatHistory(OzonModel):
    messages: Many[ChatMessage] = ()
    has_next: Flag = False


# --- postings and returns ------------------------------------------------------------------


class PostingProduct(OzonModel):
    sku: Id
    name: Text = ""
    offer_id: Text = ""
    quantity: Count = 0


def order_number_of(posting_number: str) -> str:
    """`57195475-0050-3` → `57195475-0050`: the order is the posting without its last group."""
    head, sep, _tail = posting_number.rpartition("-")
    return head if sep else posting_number


def _delivery_day(value: object) -> date | None:
    """The last day Ozon gives for delivery, from `analytics_data`. FBS: the delivery window
    `delivery_date_*`; FBO has no window, only `client_delivery_date_*` ("the date by which the
    order is expected to be delivered", filled for Ozon Доставка; openapi-2026-10.json), also
    the FBS fallback."""
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    for key in _DELIVERY_KEYS:
        try:
            end = moment(value.get(key))
        except ValueError:
            raise ValueError(f"{key}: expected an RFC 3339 date-time") from None
        if end is not None:
            return end.astimezone(_OZON_ZONE).date()
    return None


_DELIVERY_KEYS = (
    "delivery_date_end",
    "delivery_date_begin",
    "client_delivery_date_end",
    "client_delivery_date_begin",
)


class Posting(OzonModel):
    """`result` of `/v3/posting/fbs/get` or `/v2/posting/fbo/get`, or an item of the posting
    lists; `scheme` is not in the JSON, `bot.ozon.parsing` passes it as validation context."""

    posting_number: NeedText
    order_number: Text = Field("", validate_default=True)
    """As Ozon sent it, else the posting number without its last group."""
    scheme: Literal["fbs", "fbo"]
    status: Text = ""
    substatus: Text = ""
    """Empty for FBO: `/v2/posting/fbo/get` has no substatus."""
    tracking_number: OptText = None
    in_process_at: OptMoment = None
    shipment_date: OptMoment = None
    delivering_date: OptMoment = None
    delivery_date: Annotated[date | None, PlainValidator(_delivery_day)] = Field(
        None, validation_alias="analytics_data"
    )
    """Expected delivery day, Moscow time: the end of the FBS delivery window, or for FBO (and
    FBS without a window) Ozon's `client_delivery_date_end`; None when Ozon gives neither."""
    products: Many[PostingProduct] = ()
    cancel_reason: OptText = Field(
        None, validation_alias=AliasPath("cancellation", "cancel_reason")
    )
    fact_delivery_date: OptMoment = None
    """When the posting actually reached delivery (`fact_delivery_date`, 2026); None if not yet."""
    available_actions: Strings = ()
    """FBS `available_actions`, e.g. `can_create_chat`; empty for FBO and when Ozon sent none."""

    @model_validator(mode="before")
    @classmethod
    def _scheme_of_the_method(cls, data: object, info: ValidationInfo) -> object:
        scheme = info.context.get("scheme") if isinstance(info.context, dict) else None
        return {**data, "scheme": scheme} if scheme and isinstance(data, dict) else data

    @field_validator("order_number")
    @classmethod
    def _order_of_the_posting(cls, order_number: str, info: ValidationInfo) -> str:
        return order_number or order_number_of(info.data.get("posting_number", ""))

    @property
    def skus(self) -> tuple[str, ...]:
        return tuple(product.sku for product in self.products)

    @property
    def can_create_chat(self) -> bool:
        """Whether `/v1/chat/start` may open a chat for it (FBS `available_actions`)."""
        return self.scheme == "fbs" and "can_create_chat" in self.available_actions


FBS_AFTER_DELIVERY = timedelta(hours=72)
BUYER_REPLY_WINDOW = timedelta(hours=48)


def reply_window_end(posting: Posting | None, last_buyer_at: datetime | None) -> datetime | None:
    """Until when a seller may write (openapi-2026-10.json, /v1/chat/send/message): 48 hours
    after the buyer's last message; for FBS/rFBS also until 72 hours after delivery, counted
    from `fact_delivery_date` when Ozon sent it, else from the end of the delivery day of a
    delivered posting. None when
    neither applies (no buyer message, nothing delivered: FBS may write from payment on)."""
    ends: list[datetime] = []
    if last_buyer_at is not None:
        ends.append(last_buyer_at + BUYER_REPLY_WINDOW)
    if posting is not None and posting.scheme == "fbs":
        delivered = posting.fact_delivery_date or (
            _end_of(posting.delivery_date) if posting.status == "delivered" else None
        )
        if delivered is None:
            return None  # before delivery an FBS seller may write at any time
        ends.append(delivered + FBS_AFTER_DELIVERY)
    return max(ends) if ends else None


def _end_of(day: date | None) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


class PostingsPage(OzonModel):
    """One page of `/v4/posting/fbs/list` or `/v3/posting/fbo/list`: the postings at the top
    level (no `result` wrapper), each shaped like the answer of the matching `get` method."""

    postings: Many[Posting] = ()
    has_next: Flag = False
    cursor: OptText = None


class ReturnItem(OzonModel):
    id: Id
    posting_number: Text = ""
    order_number: OptText = None
    status: Text = Field("", validation_alias=AliasPath("visual", "status", "sys_name"))
    """`visual.status.sys_name`, e.g. `ArrivedAtReturnPlace`."""
    status_name: Text = Field("", validation_alias=AliasPath("visual", "status", "display_name"))
    """`visual.status.display_name` as Ozon shows it (Russian)."""
    sku: OptId = Field(None, validation_alias=AliasPath("product", "sku"))
    product_name: OptText = Field(None, validation_alias=AliasPath("product", "name"))
    quantity: OptCount = Field(None, validation_alias=AliasPath("product", "quantity"))
    return_type: OptText = Field(None, validation_alias="type")
    reason: OptText = Field(None, validation_alias="return_reason_name")
    changed_at: OptMoment = Field(None, validation_alias=AliasPath("visual", "change_moment"))


class ReturnsPage(OzonModel):
    returns: Many[ReturnItem] = ()
    has_next: Flag = False
    last_id: OptId = Field(None, validate_default=True)
    """Pass back as `last_id` to get the next page (the last return's id); None when the page
    is empty."""

    @field_validator("last_id")
    @classmethod
    def _last_of_the_page(cls, last_id: str | None, info: ValidationInfo) -> str | None:
        returns: tuple[ReturnItem, ...] = info.data.get("returns", ())
        return last_id or (returns[-1].id if returns else None)


# --- products ------------------------------------------------------------------------------


class ProductSource(OzonModel):
    sku: OptId = None


class StockRow(OzonModel):
    present: Count = 0
    reserved: Count = 0


class ProductStocks(OzonModel):
    stocks: Many[StockRow] = ()

    @property
    def available(self) -> int:
        """Present minus reserved over every stock."""
        return sum(max(row.present - row.reserved, 0) for row in self.stocks)


class Visibility(OzonModel):
    has_price: Flag = False
    has_stock: Flag = False


class ProductInfo(OzonModel):
    """An item of `/v3/product/info/list`. `sources`, `stocks`, `visibility_details` and
    `autoarchived` are Ozon's raw parts; the bot reads what is derived from them."""

    product_id: Id = Field(validation_alias="id")
    sources: Many[ProductSource] = Field((), repr=False)
    sku: IdOrEmpty = Field("", validate_default=True)
    """Ozon's `sku` (2026), else the first SKU of `sources`; empty when neither has one."""
    offer_id: Text = ""
    name: Text = ""
    stocks: ProductStocks | None = Field(None, repr=False)
    present: OptCount = Field(None, validate_default=True)
    """Units buyers can order now (present minus reserved, over all stocks); None if unknown."""
    price: OptText = None
    currency_code: OptText = None
    visibility_details: Visibility | None = Field(None, repr=False)
    visible: Flag = Field(False, validate_default=True)
    """Ozon shows it to buyers: it has a price and stock."""
    autoarchived: Flag = Field(False, validation_alias="is_autoarchived", repr=False)
    archived: Flag = Field(False, validation_alias="is_archived", validate_default=True)
    """Archived by the seller or by Ozon (`is_archived`, `is_autoarchived`)."""

    @field_validator("sku")
    @classmethod
    def _sku_of_a_source(cls, sku: str, info: ValidationInfo) -> str:
        sources: tuple[ProductSource, ...] = info.data.get("sources", ())
        return sku or next((source.sku for source in sources if source.sku), "")

    @field_validator("present")
    @classmethod
    def _available_stock(cls, present: int | None, info: ValidationInfo) -> int | None:
        stocks: ProductStocks | None = info.data.get("stocks")
        return stocks.available if present is None and stocks is not None else present

    @field_validator("visible")
    @classmethod
    def _priced_and_stocked(cls, visible: bool, info: ValidationInfo) -> bool:
        shown: Visibility | None = info.data.get("visibility_details")
        return visible or bool(shown and shown.has_price and shown.has_stock)

    @field_validator("archived")
    @classmethod
    def _archived_either_way(cls, archived: bool, info: ValidationInfo) -> bool:
        return archived or bool(info.data.get("autoarchived"))


def _each(key: str) -> BeforeValidator:
    """Ozon's `[{key: value}, ...]` read as `[value, ...]` (plain values pass as they are)."""

    def pick(value: object) -> object:
        if not isinstance(value, list):
            return () if value is None else value
        return [item.get(key) if isinstance(item, dict) else item for item in value]

    return BeforeValidator(pick)


class Attribute(OzonModel):
    id: Integer
    name: OptText = None
    """Ozon's Russian name, else the fixed table's (`bot.ozon.attributes`); None when unknown."""
    name_en: OptText = None
    values: Annotated[tuple[Text, ...], _each("value")] = ()


class Dimensions(OzonModel):
    height: OptCount = None
    depth: OptCount = None
    width: OptCount = None
    dimension_unit: OptText = None
    weight: OptCount = None
    weight_unit: OptText = None


class ProductAttributes(OzonModel):
    """An item of `/v4/product/info/attributes`; the size and weight sit at its top level."""

    product_id: Id = Field(validation_alias="id")
    sku: IdOrEmpty = ""
    offer_id: Text = ""
    name: Text = ""
    attributes: Many[Attribute] = ()
    dimensions: Dimensions | None = None
    description_category_id: OptId = None
    type_id: OptId = None
    """With the category, what `/v1/description-category/attribute` needs for the names."""

    @model_validator(mode="before")
    @classmethod
    def _dimensions_from_the_top_level(cls, data: object) -> object:
        if isinstance(data, dict) and "dimensions" not in data:
            return {**data, "dimensions": data}
        return data

    @field_validator("dimensions")
    @classmethod
    def _no_dimensions_is_none(cls, dimensions: Dimensions | None) -> Dimensions | None:
        return None if dimensions == _NO_DIMENSIONS else dimensions

    def find(self, name: str) -> Attribute | None:
        """The attribute called `name` in Russian or English (case-insensitive), if any."""
        wanted = spelling_key(name)
        for attribute in self.attributes:
            names = (attribute.name, attribute.name_en)
            if any(n is not None and spelling_key(n) == wanted for n in names):
                return attribute
        return None


_NO_DIMENSIONS = Dimensions()


class ProductDescription(OzonModel):
    product_id: Id = Field(validation_alias="id")
    offer_id: Text = ""
    name: Text = ""
    description: Text = ""


# --- push notifications --------------------------------------------------------------------


class PushKind(_TolerantEnum):
    NEW_MESSAGE = "type_new_message"
    UPDATE_MESSAGE = "type_update_message"
    """The buyer edited a message: re-read it; a reply not yet sent is decided again."""
    MESSAGE_READ = "type_message_read"
    CHAT_CLOSED = "type_chat_closed"
    PING = "type_ping"
    OTHER = "other"


_MESSAGE_PUSHES = frozenset({PushKind.NEW_MESSAGE, PushKind.UPDATE_MESSAGE})


class Push(OzonModel):
    """A chat push (errors-auth-limits-push.md 5.4): a hint, confirmed through the API. A message
    push without its chat cannot be acted on and is malformed; other kinds without one are
    ignored, and a ping has none. `chat_type` is folded (`Buyer_Seller_Select`)."""

    kind: PushKind = Field(validation_alias="message_type")
    chat_id: IdOrEmpty = Field("", validate_default=True)
    chat_type: ChatType = Field(ChatType.OTHER, validate_default=True)
    message_id: OptId = None
    seller_id: OptId = None

    @field_validator("chat_id")
    @classmethod
    def _chat_of_a_message(cls, chat_id: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind in _MESSAGE_PUSHES and not chat_id:
            raise ValueError("expected a non-empty chat id")
        return "" if kind is PushKind.PING else chat_id

    @field_validator("chat_type")
    @classmethod
    def _only_with_a_chat(cls, chat_type: ChatType, info: ValidationInfo) -> ChatType:
        return chat_type if info.data.get("chat_id") else ChatType.OTHER

    @property
    def is_buyer_chat(self) -> bool:
        return self.chat_type.is_buyer_chat


# --- the key and push monitoring -----------------------------------------------------------


class KeyRole(OzonModel):
    name: Text = ""
    methods: Strings = ()


EXPIRY_WARNING_DAYS = (14, 7, 3, 1)
"""Staff are warned this many days before the key expires (keys live three months)."""


class KeyRoles(OzonModel):
    """`/v1/roles`: what the shop's Api-Key may call, and when it expires."""

    roles: Many[KeyRole] = ()
    expires_at: OptMoment = None

    @property
    def methods(self) -> frozenset[str]:
        return frozenset(method for role in self.roles for method in role.methods)

    def missing(self, needed: Iterable[str]) -> tuple[str, ...]:
        """The methods of `needed` no role of the key covers, in the order given."""
        have = self.methods
        return tuple(method for method in needed if method not in have)

    def seconds_left(self, now: datetime) -> float | None:
        return None if self.expires_at is None else (self.expires_at - now).total_seconds()

    def warning_due(self, now: datetime) -> int | None:
        """The tightest of `EXPIRY_WARNING_DAYS` the key is within (1 when one day or less is
        left, also after expiry); None while more than 14 days remain or expiry is unknown.
        The caller remembers which threshold it announced, so each is told once."""
        left = self.seconds_left(now)
        if left is None:
            return None
        due = [days for days in EXPIRY_WARNING_DAYS if left <= days * 86400]
        return min(due) if due else None


class PushAvailability(_TolerantEnum):
    GREEN = "green"
    YELLOW = "yellow"
    """Unstable: answers between 1.5 and 2.5 s."""
    RED = "red"
    """Unavailable: three days of this and Ozon switches the URL off."""
    OTHER = "other"


class PushUrl(OzonModel):
    id: Id
    url: Text = ""
    enabled: Flag = Field(False, validation_alias="enable")
    availability: PushAvailability = Field(
        PushAvailability.OTHER, validation_alias="availability_status"
    )
    availability_date: OptMoment = Field(None, validation_alias="availability_status_date")
    disable_reason: OptText = None
    """SELLER, AVAILABILITY or ADMIN when the URL is switched off."""
    problematic_type: OptText = None
    reason_details: OptText = None
    types: Annotated[tuple[Text, ...], _each("type")] = ()

    @property
    def troubled(self) -> bool:
        """Ozon rates it slow or unavailable, or switched it off for that."""
        unhealthy = self.availability in (PushAvailability.YELLOW, PushAvailability.RED)
        return unhealthy or (not self.enabled and self.disable_reason == "AVAILABILITY")


class PushThreshold(OzonModel):
    status: Text = ""
    threshold: Count = 0


class PushUrls(OzonModel):
    """`/v1/notification/list`."""

    urls: Many[PushUrl] = ()
    total_count: Count = Field(0, validate_default=True)
    thresholds: Many[PushThreshold] = Field((), validation_alias="availability_status_thresholds")

    @field_validator("total_count")
    @classmethod
    def _at_least_the_urls(cls, total_count: int, info: ValidationInfo) -> int:
        return total_count or len(info.data.get("urls", ()))

    @property
    def thresholds_ms(self) -> dict[str, int]:
        """Availability status (upper case) → its response-time threshold in milliseconds."""
        return {row.status.upper(): row.threshold for row in self.thresholds}

    @property
    def troubled(self) -> tuple[PushUrl, ...]:
        return tuple(url for url in self.urls if url.troubled)


# --- product questions and reviews (openapi-2026-10.json, Questions&Answers, ReviewAPI) ------


class QuestionStatus(_TolerantEnum):
    """`status` of a question; `UNPROCESSED` appears in filters and answers alike."""

    NEW = "new"
    VIEWED = "viewed"
    PROCESSED = "processed"
    UNPROCESSED = "unprocessed"
    OTHER = "other"


class PublicationStatus(_TolerantEnum):
    """`status_publication` of a seller's answer to a question. Ozon's own example sends an
    empty string, which becomes OTHER: not yet known, so the answer is watched further."""

    PUBLISHED = "published"
    AWAITING_MODERATION = "awaiting_moderation"
    MODERATION_FAILED = "moderation_failed"
    DUPLICATE = "duplicate"
    OTHER = "other"

    @property
    def refused(self) -> bool:
        """Ozon will not show the answer: staff must hear of it."""
        return self in (PublicationStatus.MODERATION_FAILED, PublicationStatus.DUPLICATE)


class Question(OzonModel):
    id: Id
    sku: IdOrEmpty = ""
    """Empty when Ozon sent none (the question cannot then be answered: `answer/create` needs
    the SKU)."""
    text: Text = ""
    status: QuestionStatus = QuestionStatus.OTHER
    published_at: OptMoment = None
    answers_count: Count = 0
    author_name: Text = ""
    product_url: Text = ""
    question_link: Text = ""


class QuestionPage(OzonModel):
    questions: Many[Question] = ()
    has_next: Flag = False
    last_id: OptText = None
    """Pass back as `last_id`; None when Ozon sent none."""


class QuestionAnswer(OzonModel):
    id: Id
    question_id: IdOrEmpty = ""
    sku: IdOrEmpty = ""
    text: Text = ""
    status: PublicationStatus = Field(
        PublicationStatus.OTHER, validation_alias="status_publication"
    )
    published_at: OptMoment = None
    author_name: Text = ""


class AnswerPage(OzonModel):
    answers: Many[QuestionAnswer] = ()
    last_id: OptText = None


class QuestionCount(OzonModel):
    all: Count = 0
    new: Count = 0
    viewed: Count = 0
    processed: Count = 0
    unprocessed: Count = 0


class ReviewStatus(_TolerantEnum):
    NEW = "new"
    VIEWED = "viewed"
    PROCESSED = "processed"
    OTHER = "other"


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


class Review(OzonModel):
    id: Id
    sku: IdOrEmpty = ""
    text: Text = ""
    rating: OptCount = None
    """As Ozon sent it: a value outside 1..5 is kept for the policy to refuse, not clamped."""
    status: ReviewStatus = ReviewStatus.OTHER
    order_status: Annotated[Text, BeforeValidator(_upper)] = ""
    """`DELIVERED` or `CANCELLED` (upper case as Ozon spells it), empty when absent."""
    published_at: OptMoment = None
    photos_amount: Count = 0
    videos_amount: Count = 0
    comments_amount: Count = 0
    is_rating_participant: Flag = False


class ReviewPage(OzonModel):
    reviews: Many[Review] = ()
    has_next: Flag = False
    last_id: OptText = None


class ReviewComment(OzonModel):
    id: Id
    text: Text = ""
    is_owner: Flag = False
    """Written by the seller (us, or staff in the cabinet)."""
    is_official: Flag = False
    is_published: Flag = False
    is_rejected: Flag = False
    deviation_reason: Text = ""
    parent_comment_id: OptId = None
    published_at: OptMoment = None


class CommentPage(OzonModel):
    """`/v1/review/comment/list` lists comments that passed moderation, and (2026) rejected
    ones with `is_rejected` and `deviation_reason`."""

    comments: Many[ReviewComment] = ()
    offset: Count = 0


class ReviewCount(OzonModel):
    total: Count = 0
    new: Count = 0
    viewed: Count = 0
    processed: Count = 0
