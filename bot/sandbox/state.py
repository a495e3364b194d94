"""The emulator's memory: shops keyed by Client-Id, their chats, seeded postings and products,
what sellers sent, and the faults queued by tests. Pure Python, no HTTP: `bot.sandbox.app`
turns requests into calls of this module and its answers into Ozon's JSON.

Every operation is O(messages in the chat) or O(chats in the shop) at worst.

Long (~530 lines): the emulator's whole memory in one place, so the HTTP layer stays a thin
translation.
"""

from __future__ import annotations

import bisect
import time as time_module
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from bot.sandbox.public_board import Board
from bot.sandbox.seed import Seed, SeedPosting, SeedProduct, SeedReturn, parse_seed

FIRST_MESSAGE_ID = 30_000_000_001_280_042_740
"""Above 2^64, like the largest id in Ozon's own examples: no client may squeeze ids into uint64
or float."""
DEFAULT_SHOP = "default"
PREMIUM_METHODS = frozenset(
    {"/v1/chat/send/message", "/v1/chat/send/file", "/v2/chat/read", "/v1/chat/start"}
)
"""Need Premium Plus/Pro (../shared/ozon/README.md). `/v3/chat/history` is added when the state
is built with `premium_gates_history` (the method's description in the OpenAPI file says so)."""
FBO_WINDOW = timedelta(hours=48)
FBS_AFTER_DELIVERY = timedelta(hours=72)


class Author(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    SUPPORT = "support"


class Refusal(Exception):
    """An Ozon-style error answer: HTTP status, gRPC code, message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found(what: str) -> Refusal:
    return Refusal(404, 5, f"{what} not found")


def bad_request(message: str) -> Refusal:
    return Refusal(400, 3, message)


PREMIUM_REFUSAL = Refusal(
    403, 7, "rpc error: code = PermissionDenied desc = not available with existing subscription"
)
"""Ozon's refusal of a method the subscription does not cover, as live sellers see it
(../shared/ozon/README.md): no word "premium" in it."""
INVALID_KEY = Refusal(404, 5, "Invalid Api-Key, please check the key and try again")
"""A wrong or revoked key: HTTP 404 with code 5, as live sellers see it."""
MISSING_ROLE = Refusal(403, 7, "Api-Key is missing a required role for a method")
RATE_LIMITED = Refusal(429, 8, "You have reached request rate limit per second")
OZON_RPS = 50
"""Ozon's limit per Client-Id across all methods; the emulator enforces it per second."""
KEY_LIFETIME = timedelta(days=90)


@dataclass(slots=True)
class Message:
    message_id: int
    created_at: datetime
    author: Author
    user_id: str
    text: str
    is_read: bool
    order_number: str | None = None
    sku: str | None = None
    is_image: bool = False


@dataclass(slots=True)
class Chat:
    chat_id: str
    seq: int
    created_at: datetime
    buyer_id: str
    posting_number: str | None = None
    chat_type: str = "BUYER_SELLER"
    """As `/v3/chat/list` spells it: BUYER_SELLER, BUYER_SELLER_SELECT, SELLER_SUPPORT, ..."""
    closed: bool = False
    messages: list[Message] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    """Message ids in order, for bisecting history requests."""
    unread: int = 0
    last_buyer_at: datetime | None = None

    def append(self, message: Message) -> None:
        self.messages.append(message)
        self.ids.append(message.message_id)
        if message.author is Author.BUYER:
            self.last_buyer_at = message.created_at
            self.unread += not message.is_read

    def first_unread(self) -> int | None:
        for message in self.messages:
            if message.author is Author.BUYER and not message.is_read:
                return message.message_id
        return None

    def mark_read(self, up_to: int) -> None:
        for message in self.messages[: bisect.bisect_right(self.ids, up_to)]:
            if message.author is Author.BUYER and not message.is_read:
                message.is_read = True
                self.unread -= 1

    def page(self, *, forward: bool, start: int | None, limit: int) -> tuple[list[Message], bool]:
        """Up to `limit` messages from `start` (inclusive) in the direction asked."""
        if forward:
            begin = bisect.bisect_left(self.ids, start or 0)
            chosen = self.messages[begin : begin + limit]
            return chosen, begin + limit < len(self.messages)
        end = len(self.ids) if start is None else bisect.bisect_right(self.ids, start)
        chosen = self.messages[max(end - limit, 0) : end][::-1]
        return chosen, end - limit > 0

    def order_numbers(self) -> Iterable[str]:
        return (m.order_number for m in self.messages if m.order_number)


@dataclass(frozen=True, slots=True)
class SentRecord:
    chat_id: str
    text: str
    sent_at: datetime
    client_id: str
    file_name: str | None = None


@dataclass(slots=True)
class Shop:
    client_id: str
    premium: bool = True
    adoptable: bool = False
    """Created by a control call before any Seller API call: the first API caller owns it."""
    chats: dict[str, Chat] = field(default_factory=dict)
    postings: dict[str, SeedPosting] = field(default_factory=dict)
    products: list[SeedProduct] = field(default_factory=list)
    returns: list[tuple[int, SeedReturn]] = field(default_factory=list)
    key_invalid: bool = False
    """Every call is answered like a revoked key (404, code 5)."""
    key_expires_at: datetime | None = None
    """What `/v1/roles` says; None: three months after the shop appeared."""
    missing_methods: frozenset[str] = frozenset()
    """Methods the key has no role for: `/v1/roles` leaves them out, calls are refused."""
    push_urls: list[dict[str, object]] = field(default_factory=list)
    """What `/v1/notification/list` shows (set through /sandbox/push-urls)."""
    window: tuple[int, int] = (0, 0)
    """(second, requests in it): the rate limit's fixed one-second window."""
    public: Board = field(default_factory=Board)
    """Product questions and reviews (`bot.sandbox.public`)."""

    def chat(self, chat_id: str) -> Chat:
        found = self.chats.get(chat_id)
        if found is None:
            raise not_found(f"chat {chat_id}")
        return found

    def posting(self, posting_number: str, scheme: str) -> SeedPosting:
        found = self.postings.get(posting_number)
        if found is None or found.api_scheme != scheme:
            raise not_found(f"posting {posting_number}")
        return found

    def posting_of(self, chat: Chat) -> SeedPosting | None:
        if chat.posting_number:
            return self.postings.get(chat.posting_number)
        orders = set(chat.order_numbers())
        return next((p for p in self.postings.values() if p.order in orders), None)

    def product_ids(self, product: SeedProduct) -> tuple[str, str]:
        """(product_id, offer_id), made up from the SKU when the seed did not give them."""
        index = self.products.index(product)
        return product.product_id or str(
            100_000_000 + index
        ), product.offer_id or f"OF-{product.sku}"

    def find_products(
        self, skus: Iterable[str], offer_ids: Iterable[str], product_ids: Iterable[str]
    ) -> list[SeedProduct]:
        wanted_sku, wanted_offer, wanted_id = set(skus), set(offer_ids), set(product_ids)
        found = []
        for product in self.products:
            product_id, offer_id = self.product_ids(product)
            if product.sku in wanted_sku or offer_id in wanted_offer or product_id in wanted_id:
                found.append(product)
        return found


@dataclass(slots=True)
class Fault:
    kind: str
    remaining: int
    retry_after: float = 1.0
    status: int = 200
    body: str = ""
    content_type: str = "application/json"


FAULT_KINDS = frozenset(
    {
        "429", "500", "timeout", "malformed", "html", "empty", "premium", "circle", "custom",
        "timeout_after_send", "reset_after_send",
    }
)  # fmt: skip
AFTER_KINDS = frozenset({"timeout_after_send", "reset_after_send"})
"""Faults that let the method do its work first, then fail to answer."""


class SandboxState:
    """Everything the emulator knows. Build one, seed it, hand it to `create_app`."""

    def __init__(
        self,
        *,
        credentials: Mapping[str, str] | None = None,
        premium: bool = True,
        premium_gates_history: bool = False,
        reply_windows: bool = False,
        hold_s: float = 30.0,
        clock: Callable[[], datetime] | None = None,
        rate_limit_rps: int = OZON_RPS,
    ) -> None:
        self.credentials = dict(credentials or {})
        self.rate_limit_rps = rate_limit_rps
        """Requests per second per Client-Id before 429 (0: no limit)."""
        self.rate_limited = 0
        """How many 429s the limit gave (benchmarks read it)."""
        self.premium_default = premium
        self.premium_methods = PREMIUM_METHODS | (
            {"/v3/chat/history"} if premium_gates_history else set()
        )
        self.reply_windows = reply_windows
        self.hold_s = hold_s
        """How long a `timeout` fault holds the connection (longer than any client waits)."""
        self._clock = clock or (lambda: datetime.now(UTC))
        self._fixed_now: datetime | None = None
        self._startup_seed: Seed | None = None
        self.synthetic_attributes: dict[str, int] = {}
        """Attribute names unknown to Ozon → their made-up ids (stable for the process)."""
        self.schema_violations: list[str] = []
        """Filled in strict mode (`create_app(spec=...)`): requests or answers off the schema."""
        self.reset()

    def use_clock(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    # --- housekeeping ----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget chats, messages, faults and seeds; keep the start-up seed and settings."""
        self.shops: dict[str, Shop] = {}
        self.sent: list[SentRecord] = []
        self.faults: dict[str, list[Fault]] = {}
        self._next_id = FIRST_MESSAGE_ID
        self._next_seq = 1
        for client_id in self.credentials:
            self._create_shop(client_id)
        if self._startup_seed is not None:
            self.seed(self._startup_seed)

    def now(self) -> datetime:
        return self._fixed_now or self._clock()

    def set_now(self, moment: datetime | None) -> None:
        self._fixed_now = moment

    def seed_from_scenario(self, data: Mapping[str, object], client_id: str | None = None) -> Seed:
        """Adds a scenario's `postings`, `products` and `returns` to a shop (default: the
        default shop). Raises `SeedError` naming the bad field."""
        seed = parse_seed(data)
        self.seed(seed, client_id)
        return seed

    def seed_at_startup(self, data: Mapping[str, object]) -> None:
        """Like `seed_from_scenario`, and applied again after every `reset`."""
        self._startup_seed = self.seed_from_scenario(data)

    def seed(self, seed: Seed, client_id: str | None = None) -> None:
        shop = self.shop_for_control(client_id)
        shop.postings.update((p.posting_number, p) for p in seed.postings)
        known = {p.sku: i for i, p in enumerate(shop.products)}
        for product in seed.products:
            if product.sku in known:
                shop.products[known[product.sku]] = product
            else:
                shop.products.append(product)
        start = len(shop.returns) + 1_000_000_001
        shop.returns.extend(enumerate(seed.returns, start=start))
        for question in seed.questions:
            values = question.model_dump(exclude={"sku", "text"})
            shop.public.add_question(
                shop.client_id, sku=question.sku, text=question.text, now=self.now(), **values
            )
        for review in seed.reviews:
            values = review.model_dump(exclude={"sku", "rating"})
            shop.public.add_review(
                shop.client_id, sku=review.sku, rating=review.rating, now=self.now(), **values
            )

    # --- shops -----------------------------------------------------------------------------

    def _create_shop(self, client_id: str, *, adoptable: bool = False) -> Shop:
        shop = Shop(client_id=client_id, premium=self.premium_default, adoptable=adoptable)
        self.shops[client_id] = shop
        return shop

    def shop_for_control(self, client_id: str | None) -> Shop:
        """The shop a control call means: the one named, else the first one (made if none)."""
        if client_id:
            return self.shops.get(client_id) or self._create_shop(client_id)
        if self.shops:
            return next(iter(self.shops.values()))
        return self._create_shop(DEFAULT_SHOP, adoptable=True)

    def shop_for_api(self, client_id: str, api_key: str) -> Shop:
        """The caller's shop; 401 when credentials are fixed and these are not among them."""
        if not client_id or not api_key:
            raise Refusal(401, 16, "Client-Id and Api-Key headers are required")
        if self.credentials and self.credentials.get(client_id) != api_key:
            raise INVALID_KEY
        shop = self.shops.get(client_id)
        if shop is not None:
            if shop.key_invalid:
                raise INVALID_KEY
            shop.adoptable = False
            return shop
        orphan = next((s for s in self.shops.values() if s.adoptable), None)
        if orphan is None:
            return self._create_shop(client_id)
        # A test that injected messages before the worker's first call meant the worker's shop.
        del self.shops[orphan.client_id]
        orphan.client_id, orphan.adoptable = client_id, False
        self.shops[client_id] = orphan
        return orphan

    # --- limits and the key -----------------------------------------------------------------

    def admit(self, shop: Shop, method: str) -> int:
        """Counts the call in this second's window; returns what is left (Ratelimit-Remaining).
        Raises Ozon's 429 over the limit, and its 403 for a method the key has no role for."""
        if self.rate_limit_rps:
            second = int(time_module.monotonic())
            start, count = shop.window
            count = count + 1 if start == second else 1
            shop.window = (second, count)
            if count > self.rate_limit_rps:
                self.rate_limited += 1
                raise RATE_LIMITED
        if method in shop.missing_methods:
            raise MISSING_ROLE
        return max(self.rate_limit_rps - shop.window[1], 0) if self.rate_limit_rps else 1000

    def key_expiry(self, shop: Shop) -> datetime:
        return shop.key_expires_at or self.now() + KEY_LIFETIME

    # --- faults ----------------------------------------------------------------------------

    def add_fault(self, method: str, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise bad_request(f"unknown fault kind {fault.kind!r}")
        self.faults.setdefault(method, []).append(fault)

    def take_fault(self, method: str) -> Fault | None:
        queue = self.faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    # --- messages --------------------------------------------------------------------------

    def _message_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _ensure_chat(self, shop: Shop, chat_id: str, posting_number: str | None = None) -> Chat:
        chat = shop.chats.get(chat_id)
        if chat is None:
            chat = Chat(
                chat_id=chat_id,
                seq=self._next_seq,
                created_at=self.now(),
                buyer_id=str(115_000 + self._next_seq),
                posting_number=posting_number,
            )
            self._next_seq += 1
            shop.chats[chat_id] = chat
        return chat

    def buyer_message(
        self,
        chat_id: str,
        text: str,
        *,
        order_number: str | None = None,
        sku: str | None = None,
        client_id: str | None = None,
        chat_type: str | None = None,
        author: Author = Author.BUYER,
    ) -> int:
        """A buyer (or Ozon's support) writes: the chat is created if new (and reopened if
        closed); `chat_type` sets the type of a new chat."""
        chat = self._ensure_chat(self.shop_for_control(client_id), chat_id)
        if chat_type:
            chat.chat_type = chat_type
        chat.closed = False
        message = Message(
            message_id=self._message_id(),
            created_at=self.now(),
            author=author,
            user_id=chat.buyer_id,
            text=text,
            is_read=False,
            order_number=order_number,
            sku=sku,
        )
        chat.append(message)
        return message.message_id

    def seller_message(
        self,
        shop: Shop,
        chat: Chat,
        text: str,
        *,
        via: str,
        file_name: str | None = None,
    ) -> int:
        message = Message(
            message_id=self._message_id(),
            created_at=self.now(),
            author=Author.SELLER,
            user_id=shop.client_id,
            text=text,
            is_read=True,
            is_image=file_name is not None and _is_image(file_name),
        )
        chat.append(message)
        if via == "api":
            # /sandbox/sent is what came through the Seller API (the bot, or staff through the
            # bot); a cabinet message is only in the chat's history, as at Ozon.
            record = SentRecord(chat.chat_id, text, message.created_at, shop.client_id, file_name)
            self.sent.append(record)
        return message.message_id

    # --- Seller API operations (the HTTP layer validates shapes; these enforce rules) --------

    def require_premium(self, shop: Shop, method: str) -> None:
        if method in self.premium_methods and not shop.premium:
            raise PREMIUM_REFUSAL

    def send(self, shop: Shop, chat_id: str, text: str, file_name: str | None = None) -> None:
        chat = shop.chat(chat_id)
        if chat.closed:
            raise Refusal(400, 9, f"chat {chat_id} is closed")
        self._check_reply_window(shop, chat)
        self.seller_message(shop, chat, text, via="api", file_name=file_name)

    def start_chat(self, shop: Shop, posting_number: str) -> str:
        if posting_number not in shop.postings:
            raise not_found(f"posting {posting_number}")
        for chat in shop.chats.values():
            if chat.posting_number == posting_number:
                return chat.chat_id
        name = f"{shop.client_id}/{posting_number}"
        chat_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
        return self._ensure_chat(shop, chat_id, posting_number).chat_id

    def list_chats(
        self, shop: Shop, *, status: str, unread_only: bool, after_seq: int | None, limit: int
    ) -> tuple[list[Chat], bool]:
        """Newest chats first; `after_seq` is the cursor (the last chat of the previous page)."""
        chosen: list[Chat] = []
        for chat in sorted(shop.chats.values(), key=lambda c: c.seq, reverse=True):
            if after_seq is not None and chat.seq >= after_seq:
                continue
            if (unread_only and not chat.unread) or not _status_matches(chat, status):
                continue
            if len(chosen) == limit:
                return chosen, True
            chosen.append(chat)
        return chosen, False

    def _check_reply_window(self, shop: Shop, chat: Chat) -> None:
        """Ozon's reply windows (README): FBO 48 h after the buyer's last message; FBS/rFBS
        from payment until 72 h after delivery, then 48 h after the buyer's last message."""
        if not self.reply_windows:
            return
        now = self.now()
        if chat.last_buyer_at is not None and now - chat.last_buyer_at <= FBO_WINDOW:
            return
        posting = shop.posting_of(chat)
        if posting is not None and posting.api_scheme == "fbs":
            delivered = delivered_at(posting)
            if delivered is None or now <= delivered + FBS_AFTER_DELIVERY:
                return
        raise Refusal(400, 9, "the reply window of this chat is closed")


def _status_matches(chat: Chat, status: str) -> bool:
    if status == "all":
        return True
    return (status == "closed") == chat.closed


def delivered_at(posting: SeedPosting) -> datetime | None:
    if posting.delivered_at is not None:
        return posting.delivered_at
    if posting.status == "delivered" and posting.delivery_date is not None:
        return datetime.combine(posting.delivery_date, time(18, 0), tzinfo=UTC)
    return None


def _is_image(name: str) -> bool:
    return name.lower().rsplit(".", 1)[-1] in ("jpg", "jpeg", "png", "gif", "webp", "heic")
