"""What the Ozon Seller API answers, as frozen values; parsed once in `bot.ozon.parsing`.

Ids are strings everywhere: Ozon's message and chat ids exceed 2^53 and one documented example
exceeds 2^64 (../shared/ozon/README.md), so nothing here holds an id as a number.

Enums compare case-insensitively and tolerate Ozon's spelling drift (`OPENED` / `Opened`,
`BUYER_SELLER` / `Buyer_Seller`, `Сustomer` with a Cyrillic "С"); a value we do not know becomes
`OTHER` rather than an error, because Ozon adds values without notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
    BUYER_SELLER = "buyer_seller"
    SELLER_SUPPORT = "seller_support"
    OTHER = "other"


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
    """Expected delivery day (end of the FBS delivery window, Moscow time); None for FBO."""
    products: tuple[PostingProduct, ...]
    cancel_reason: str | None

    @property
    def skus(self) -> tuple[str, ...]:
        return tuple(product.sku for product in self.products)


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
