"""What the Ozon Seller API answers, as frozen values; parsed once in `bot.ozon.parsing`.

Ids are strings everywhere: Ozon's message and chat ids exceed 2^53 and one documented example
exceeds 2^64 (../shared/ozon/README.md), so nothing here holds an id as a number.

Enums compare case-insensitively and tolerate Ozon's spelling drift (`OPENED` / `Opened`,
`BUYER_SELLER` / `Buyer_Seller`, `Сustomer` with a Cyrillic "С"); a value we do not know becomes
`OTHER` rather than an error, because Ozon adds values without notice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal, Self

# Cyrillic letters that look like Latin ones. Ozon's own examples spell the buyer's `user.type`
# as "Сustomer" with U+0421; folding them keeps the enum match independent of the keyboard.
_LOOKALIKES = str.maketrans("СсЕеОоАаРрХхКкМмТтВН", "CcEeOoAaPpXxKkMmTtBH")


def fold(value: str) -> str:
    """Lower-case `value` with Cyrillic look-alike letters replaced by their Latin twins."""
    return value.strip().translate(_LOOKALIKES).lower()


class _TolerantEnum(StrEnum):
    """A StrEnum whose `parse` ignores case and look-alike letters and falls back to OTHER."""

    @classmethod
    def parse(cls, value: object) -> Self:
        if isinstance(value, str):
            folded = fold(value)
            for member in cls:
                if member.value == folded:
                    return member
        return cls("other")


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


@dataclass(frozen=True, slots=True)
class ChatSummary:
    chat_id: str
    status: ChatStatus
    chat_type: ChatType
    created_at: datetime
    first_unread_message_id: str | None
    last_message_id: str | None
    unread_count: int

    @property
    def is_buyer_chat(self) -> bool:
        return self.chat_type.is_buyer_chat


@dataclass(frozen=True, slots=True)
class ChatPage:
    chats: tuple[ChatSummary, ...]
    cursor: str
    has_next: bool
    total_unread_count: int


@dataclass(frozen=True, slots=True)
class MessageContext:
    order_number: str | None
    sku: str | None


@dataclass(frozen=True, slots=True)
class ChatMessage:
    message_id: str
    created_at: datetime
    user_type: UserType
    user_id: str
    text: str
    """`data[]` joined with a newline; images arrive as Markdown links."""
    is_image: bool
    is_read: bool
    context: MessageContext | None

    @property
    def is_buyer(self) -> bool:
        return self.user_type is UserType.CUSTOMER


@dataclass(frozen=True, slots=True)
class ChatHistory:
    messages: tuple[ChatMessage, ...]
    has_next: bool


# --- postings and returns ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostingProduct:
    sku: str
    name: str
    offer_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Posting:
    posting_number: str
    order_number: str
    scheme: Literal["fbs", "fbo"]
    status: str
    substatus: str
    """Empty for FBO: `/v2/posting/fbo/get` has no substatus."""
    tracking_number: str | None
    in_process_at: datetime | None
    shipment_date: datetime | None
    delivering_date: datetime | None
    delivery_date: date | None
    """Expected delivery day, Moscow time: the end of the FBS delivery window, or for FBO (and
    FBS without a window) Ozon's `client_delivery_date_end`; None when Ozon gives neither."""
    products: tuple[PostingProduct, ...]
    cancel_reason: str | None
    fact_delivery_date: datetime | None = None
    """When the posting actually reached delivery (`fact_delivery_date`, 2026); None if not yet."""
    available_actions: tuple[str, ...] = ()
    """FBS `available_actions`, e.g. `can_create_chat`; empty for FBO and when Ozon sent none."""

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


@dataclass(frozen=True, slots=True)
class PostingsPage:
    """One page of `/v4/posting/fbs/list` or `/v3/posting/fbo/list`."""

    postings: tuple[Posting, ...]
    has_next: bool
    cursor: str | None


@dataclass(frozen=True, slots=True)
class ReturnItem:
    id: str
    posting_number: str
    order_number: str | None
    status: str
    """`visual.status.sys_name`, e.g. `ArrivedAtReturnPlace`."""
    status_name: str
    """`visual.status.display_name` as Ozon shows it (Russian)."""
    sku: str | None
    product_name: str | None
    quantity: int | None
    return_type: str | None
    reason: str | None
    changed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReturnsPage:
    returns: tuple[ReturnItem, ...]
    has_next: bool
    last_id: str | None
    """Pass back as `last_id` to get the next page; None when the page is empty."""


# --- products ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductInfo:
    product_id: str
    sku: str
    offer_id: str
    name: str
    present: int | None
    """Units buyers can order now (present minus reserved, over all stocks); None if unknown."""
    price: str | None
    currency_code: str | None
    visible: bool
    archived: bool


@dataclass(frozen=True, slots=True)
class Attribute:
    id: int
    name: str | None
    """Russian name from `bot.ozon.attributes`, or the name the API sent; None when unknown."""
    name_en: str | None
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Dimensions:
    height: int | None
    depth: int | None
    width: int | None
    dimension_unit: str | None
    weight: int | None
    weight_unit: str | None


@dataclass(frozen=True, slots=True)
class ProductAttributes:
    product_id: str
    sku: str
    offer_id: str
    name: str
    attributes: tuple[Attribute, ...]
    dimensions: Dimensions | None
    description_category_id: str | None = None
    type_id: str | None = None
    """With the category, what `/v1/description-category/attribute` needs for the names."""

    def find(self, name: str) -> Attribute | None:
        """The attribute called `name` in Russian or English (case-insensitive), if any."""
        wanted = fold(name)
        for attribute in self.attributes:
            names = (attribute.name, attribute.name_en)
            if any(n is not None and fold(n) == wanted for n in names):
                return attribute
        return None


@dataclass(frozen=True, slots=True)
class ProductDescription:
    product_id: str
    offer_id: str
    name: str
    description: str


# --- push notifications --------------------------------------------------------------------


class PushKind(_TolerantEnum):
    NEW_MESSAGE = "type_new_message"
    UPDATE_MESSAGE = "type_update_message"
    """The buyer edited a message: re-read it; a reply not yet sent is decided again."""
    MESSAGE_READ = "type_message_read"
    CHAT_CLOSED = "type_chat_closed"
    PING = "type_ping"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Push:
    """A chat push (errors-auth-limits-push.md 5.4): a hint, confirmed through the API."""

    kind: PushKind
    chat_id: str
    chat_type: ChatType
    message_id: str | None
    seller_id: str | None

    @property
    def is_buyer_chat(self) -> bool:
        return self.chat_type.is_buyer_chat


# --- the key and push monitoring -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyRole:
    name: str
    methods: tuple[str, ...]


EXPIRY_WARNING_DAYS = (14, 7, 3, 1)
"""Staff are warned this many days before the key expires (keys live three months)."""


@dataclass(frozen=True, slots=True)
class KeyRoles:
    """`/v1/roles`: what the shop's Api-Key may call, and when it expires."""

    roles: tuple[KeyRole, ...]
    expires_at: datetime | None

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


@dataclass(frozen=True, slots=True)
class PushUrl:
    id: str
    url: str
    enabled: bool
    availability: PushAvailability
    availability_date: datetime | None
    disable_reason: str | None
    """SELLER, AVAILABILITY or ADMIN when the URL is switched off."""
    problematic_type: str | None
    reason_details: str | None
    types: tuple[str, ...]

    @property
    def troubled(self) -> bool:
        """Ozon rates it slow or unavailable, or switched it off for that."""
        unhealthy = self.availability in (PushAvailability.YELLOW, PushAvailability.RED)
        return unhealthy or (not self.enabled and self.disable_reason == "AVAILABILITY")


@dataclass(frozen=True, slots=True)
class PushUrls:
    """`/v1/notification/list`."""

    urls: tuple[PushUrl, ...]
    total_count: int
    thresholds_ms: dict[str, int]

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


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    sku: str
    """Empty when Ozon sent none (the question cannot then be answered: `answer/create` needs
    the SKU)."""
    text: str
    status: QuestionStatus
    published_at: datetime | None
    answers_count: int
    author_name: str
    product_url: str
    question_link: str


@dataclass(frozen=True, slots=True)
class QuestionPage:
    questions: tuple[Question, ...]
    has_next: bool
    last_id: str | None
    """Pass back as `last_id`; None when Ozon sent none."""


@dataclass(frozen=True, slots=True)
class QuestionAnswer:
    id: str
    question_id: str
    sku: str
    text: str
    status: PublicationStatus
    published_at: datetime | None
    author_name: str


@dataclass(frozen=True, slots=True)
class AnswerPage:
    answers: tuple[QuestionAnswer, ...]
    last_id: str | None


@dataclass(frozen=True, slots=True)
class QuestionCount:
    all: int
    new: int
    viewed: int
    processed: int
    unprocessed: int


class ReviewStatus(_TolerantEnum):
    NEW = "new"
    VIEWED = "viewed"
    PROCESSED = "processed"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Review:
    id: str
    sku: str
    text: str
    rating: int | None
    """As Ozon sent it: a value outside 1..5 is kept for the policy to refuse, not clamped."""
    status: ReviewStatus
    order_status: str
    """`DELIVERED` or `CANCELLED` (upper case as Ozon spells it), empty when absent."""
    published_at: datetime | None
    photos_amount: int
    videos_amount: int
    comments_amount: int
    is_rating_participant: bool


@dataclass(frozen=True, slots=True)
class ReviewPage:
    reviews: tuple[Review, ...]
    has_next: bool
    last_id: str | None


@dataclass(frozen=True, slots=True)
class ReviewComment:
    id: str
    text: str
    is_owner: bool
    """Written by the seller (us, or staff in the cabinet)."""
    is_official: bool
    is_published: bool
    is_rejected: bool
    deviation_reason: str
    parent_comment_id: str | None
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class CommentPage:
    """`/v1/review/comment/list` lists comments that passed moderation, and (2026) rejected
    ones with `is_rejected` and `deviation_reason`."""

    comments: tuple[ReviewComment, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class ReviewCount:
    total: int
    new: int
    viewed: int
    processed: int
