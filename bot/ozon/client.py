"""The Ozon Seller API client: one aiohttp session per process, one rate limiter per Client-Id.

    http = OzonHttp(timeout_s=10, observer=metrics)      # owns the ClientSession
    ozon = http.client(base_url=..., client_id=..., api_key=...)
    page = await ozon.list_chats(unread_only=True)
    await http.close()                                   # or `async with OzonHttp() as http:`

Failures are typed at the edge (`bot.ozon.failures`): a key, permission or subscription problem
carries its `cause` and `fix` in words; a 429 pauses the Client-Id's `Limiter` for the capped
`Retry-After`, and `Ratelimit-Remaining` of 0 slows it down before Ozon refuses.

Reads (chat list and history, postings, returns, products, and `mark_read`, which is
idempotent) are retried with exponential backoff and jitter on retryable errors (429, 5xx,
timeout, malformed answer). Other writes are sent once. `send_message`/`send_file` raise
`OzonUnknownOutcomeError` whenever the request may have reached Ozon without a clear answer
(timeout after sending, connection lost, 5xx, a 200 we cannot read): the caller then looks for
the text in the chat history instead of sending it twice.

Long (~860 lines) because it is the one place that speaks to Ozon: one short method per API method
(37 of them), plus the retry and outcome rules they share; splitting by method family would spread
those rules.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Literal, Protocol, Self, TypeVar

import aiohttp

from bot.config import OzonSettings, ShopConfig
from bot.errors import (
    OzonBadRequestError,
    OzonError,
    OzonMalformedError,
    OzonRateLimitError,
    OzonServerError,
    OzonTimeoutError,
    OzonUnknownOutcomeError,
)
from bot.ozon import parsing
from bot.ozon.attributes import Language, MemoryNameCache, NameCache
from bot.ozon.failures import error_for
from bot.ozon.limiter import Limiter, LimiterFactory, TokenBucket
from bot.ozon.schemas import (
    AnswerPage,
    ChatHistory,
    ChatPage,
    ChatStatus,
    ChatSummary,
    CommentPage,
    Direction,
    KeyRoles,
    Posting,
    PostingsPage,
    ProductAttributes,
    ProductDescription,
    ProductInfo,
    PushAvailability,
    PushUrls,
    Question,
    QuestionCount,
    QuestionPage,
    QuestionStatus,
    ReturnsPage,
    Review,
    ReviewCount,
    ReviewPage,
    ReviewStatus,
)
from bot.waiting import Backoff

log = logging.getLogger(__name__)

T = TypeVar("T")
Json = dict[str, object]

MAX_TEXT = 1000
"""`/v1/chat/send/message`: plain text of 1 to 1000 characters."""
MIN_ANSWER, MAX_ANSWER = 2, 3000
"""`/v1/question/answer/create`: «Текст ответа объёмом от 2 до 3000 символов». Review comments
have no documented limit; the same ceiling keeps them sane."""


class CallObserver(Protocol):
    """Told about every HTTP attempt: method path, status ("200", "429", "timeout", "error")."""

    def __call__(self, method: str, status: str, seconds: float) -> None: ...


class EventObserver(Protocol):
    """Told about rare events worth a counter: `retry_after_capped` (Ozon asked for a longer
    or unreadable wait than `MAX_RETRY_AFTER_S`), `rate_limited` (a 429 arrived)."""

    def __call__(self, event: str, method: str) -> None: ...


USED_METHODS: tuple[str, ...] = (
    "/v3/chat/list",
    "/v3/chat/history",
    "/v1/chat/send/message",
    "/v1/chat/send/file",
    "/v2/chat/read",
    "/v1/chat/start",
    "/v3/posting/fbs/get",
    "/v2/posting/fbo/get",
    "/v1/returns/list",
    "/v3/product/info/list",
    "/v4/product/info/attributes",
    "/v1/product/info/description",
    "/v1/description-category/attribute",
)
"""The methods the bot calls for chats, orders and products: `KeyRoles.missing(USED_METHODS)`
names what the key cannot do (at start-up). `/v1/roles` itself needs no role."""

STREAM_METHODS: tuple[str, ...] = (
    "/v1/question/list",
    "/v1/question/info",
    "/v1/question/change-status",
    "/v1/question/answer/create",
    "/v1/question/answer/list",
    "/v2/review/list",
    "/v2/review/info",
    "/v2/review/change-status",
    "/v1/review/comment/create",
    "/v1/review/comment/list",
)
"""What the question and review streams call (`bot.streams`); a shop with a stream off does not
need them, so they are not part of `USED_METHODS`."""

ATTRIBUTE_NAMES_MEMORY_S = 3600.0
"""How long a process keeps attribute names when no shared cache is wired."""


OZON_RPS_LIMIT = 50.0
"""Ozon's limit: requests per second per Client-Id across all methods (shared/ozon/README.md)."""


def burst_for(rate: float) -> float:
    """How many calls may go at once without waiting for the pace.

    A strict pace (burst 1) makes every call of a quiet shop wait up to 1/rate seconds; a burst
    lets them through. In the worst second the bucket hands out `burst + rate` tokens, so the
    burst is capped to keep that under Ozon's 50."""
    return max(1.0, min(rate, OZON_RPS_LIMIT - rate))


class OzonHttp:
    """Owns the process's one `aiohttp.ClientSession` and the limiters of every Client-Id."""

    def __init__(
        self,
        *,
        timeout_s: float = 10.0,
        observer: CallObserver | None = None,
        limiters: LimiterFactory | None = None,
        events: EventObserver | None = None,
        names: NameCache | None = None,
    ) -> None:
        """`limiters` builds the limiter of a Client-Id (default: a token bucket in this
        process; `bot.state.ratelimit.redis_limiters` shares it between workers); `names`
        caches attribute names (default: in memory; `bot.state.attribute_names.RedisNameCache`)."""
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._observer = observer
        self._events = events
        self._make_limiter = limiters or _local_limiter
        self.names: NameCache = names or MemoryNameCache(ATTRIBUTE_NAMES_MEMORY_S)
        self._session: aiohttp.ClientSession | None = None
        self._limiters: dict[str, Limiter] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def shop_clients(
        self, shops: Iterable[ShopConfig], defaults: OzonSettings
    ) -> dict[str, OzonClient]:
        """One client per shop (shop id → client), the shop's own rate limit over the default."""
        return {
            shop.id: self.client(
                base_url=shop.api_url,
                client_id=shop.client_id,
                api_key=shop.api_key.get_secret_value(),
                rate_limit_rps=shop.rate_limit_rps or defaults.rate_limit_rps,
                read_retries=defaults.read_retries,
            )
            for shop in shops
        }

    def client(
        self,
        *,
        base_url: str,
        client_id: str,
        api_key: str,
        rate_limit_rps: float = 20.0,
        read_retries: int = 4,
        backoff_s: float = 0.5,
        backoff_max_s: float = 8.0,
    ) -> OzonClient:
        """A client for one shop; clients of the same Client-Id share one rate limiter."""
        limiter = self._limiters.get(client_id)
        if limiter is None:
            limiter = self._limiters[client_id] = self._make_limiter(client_id, rate_limit_rps)
        return OzonClient(
            http=self,
            base_url=base_url,
            client_id=client_id,
            api_key=api_key,
            limiter=limiter,
            read_retries=read_retries,
            backoff=(backoff_s, backoff_max_s),
        )

    def session(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop, as aiohttp requires.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    def observe(self, method: str, status: str, seconds: float) -> None:
        if self._observer is not None:
            self._observer(method, status, seconds)

    def event(self, event: str, method: str) -> None:
        if self._events is not None:
            self._events(event, method)


def _local_limiter(client_id: str, rate: float) -> Limiter:
    return TokenBucket(rate, burst=burst_for(rate))


class _AttemptFailed(Exception):
    """One HTTP attempt failed with `error`; `reached` is False only when Ozon surely never
    acted on the request (no connection, 429, another 4xx)."""

    def __init__(self, error: OzonError, *, reached: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.reached = reached


class OzonClient:
    """The Seller API methods of one shop (one Client-Id). Build it with `OzonHttp.client`."""

    def __init__(
        self,
        *,
        http: OzonHttp,
        base_url: str,
        client_id: str,
        api_key: str,
        limiter: Limiter,
        read_retries: int,
        backoff: tuple[float, float],
    ) -> None:
        self.client_id = client_id
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._headers = {
            "Client-Id": client_id,
            "Api-Key": api_key,
            "Content-Type": "application/json",
        }
        self._limiter = limiter
        self._retries = read_retries
        self._backoff, self._backoff_max = backoff

    # --- chats -------------------------------------------------------------------------------

    async def list_chats(
        self,
        *,
        unread_only: bool = False,
        status: ChatStatus | None = ChatStatus.OPENED,
        limit: int = 100,
        cursor: str | None = None,
    ) -> ChatPage:
        """One page of chats; `status=None` lists every status."""
        method = "/v3/chat/list"
        _check_range(method, "limit", limit, 1, 100)
        if status is ChatStatus.OTHER:
            raise OzonBadRequestError(method, "status filter must be OPENED, CLOSED or None (all)")
        # README: the v3 filter takes ALL/OPENED/CLOSED.
        chat_status = "ALL" if status is None else status.value.upper()
        payload: Json = {"filter": {"chat_status": chat_status, "unread_only": unread_only}}
        payload["limit"] = limit
        if cursor:
            payload["cursor"] = cursor
        return await self._read(method, payload, parsing.chat_page)

    async def iter_chats(
        self,
        *,
        unread_only: bool = False,
        status: ChatStatus | None = ChatStatus.OPENED,
        limit: int = 100,
    ) -> AsyncIterator[ChatSummary]:
        """Every chat matching the filters, following the cursor until `has_next` is false."""
        cursor: str | None = None
        while True:
            page = await self.list_chats(
                unread_only=unread_only, status=status, limit=limit, cursor=cursor
            )
            for chat in page.chats:
                yield chat
            # A cursor that does not move would loop forever; stop instead.
            if not page.has_next or not page.cursor or page.cursor == cursor:
                return
            cursor = page.cursor

    async def chat_history(
        self,
        chat_id: str,
        *,
        direction: Direction = Direction.BACKWARD,
        from_message_id: str | None = None,
        limit: int = 100,
    ) -> ChatHistory:
        """Messages of a chat, newest first (Backward) or oldest first from `from_message_id`."""
        method = "/v3/chat/history"
        _check_range(method, "limit", limit, 1, 1000)
        if direction is Direction.FORWARD and from_message_id is None:
            raise OzonBadRequestError(method, "from_message_id is required for Forward")
        payload: Json = {"chat_id": chat_id, "direction": direction.value, "limit": limit}
        if from_message_id is not None:
            # uint64 in the request schema: a JSON number, kept exact by Python's int and json.
            payload["from_message_id"] = _as_number(method, from_message_id)
        return await self._read(method, payload, parsing.chat_history)

    async def send_message(self, chat_id: str, text: str) -> None:
        method = "/v1/chat/send/message"
        if not 1 <= len(text) <= MAX_TEXT:
            raise OzonBadRequestError(method, f"text must be 1..{MAX_TEXT} characters")
        await self._send(method, {"chat_id": chat_id, "text": text})

    async def send_file(self, chat_id: str, name: str, content: bytes) -> None:
        method = "/v1/chat/send/file"
        if not name or not content:
            raise OzonBadRequestError(method, "a file needs a name and content")
        encoded = base64.b64encode(content).decode("ascii")
        await self._send(method, {"chat_id": chat_id, "name": name, "base64_content": encoded})

    async def mark_read(self, chat_id: str, from_message_id: str) -> int:
        """Marks the message and every one before it read; returns the chat's unread count.
        Idempotent, so it is retried like a read."""
        method = "/v2/chat/read"
        payload: Json = {"chat_id": chat_id, "from_message_id": _as_number(method, from_message_id)}
        return await self._read(method, payload, parsing.unread_count)

    async def start_chat(self, posting_number: str, *, posting: Posting | None = None) -> str:
        """Opens (or finds) the buyer chat of a posting and returns its id. Sent once.

        Only when Ozon allows it: an FBS/rFBS posting's `available_actions` must hold
        `can_create_chat` (the posting is read first unless given); on FBO only the buyer may
        start a chat. Otherwise `OzonBadRequestError` (problem `chat_not_allowed`), no call."""
        method = "/v1/chat/start"
        if posting is None:
            posting = await self.fbs_posting(posting_number)
        if not posting.can_create_chat:
            raise OzonBadRequestError(
                method,
                f"Ozon does not allow a seller to open a chat for {posting_number}",
                problem="chat_not_allowed",
                cause="the posting's available_actions lack can_create_chat (FBO, or outside "
                "72 hours after payment or delivery)",
            )
        data = await self._write(method, {"posting_number": posting_number})
        return parsing.started_chat_id(data, method)

    # --- postings and returns ----------------------------------------------------------------

    async def fbs_posting(self, posting_number: str) -> Posting:
        method = "/v3/posting/fbs/get"
        payload: Json = {"posting_number": posting_number, "with": {"analytics_data": True}}
        return await self._read(method, payload, _posting_parser("fbs"))

    async def fbo_posting(self, posting_number: str) -> Posting:
        method = "/v2/posting/fbo/get"
        payload: Json = {"posting_number": posting_number, "with": {"analytics_data": True}}
        return await self._read(method, payload, _posting_parser("fbo"))

    async def fbs_postings_of_orders(
        self, order_numbers: Sequence[str], *, since: datetime, to: datetime, limit: int = 50
    ) -> PostingsPage:
        """Every FBS/rFBS posting of the orders (`filter.order_numbers`), one page. Ozon requires
        a period (`since`..`to`, at most a year) even with order numbers."""
        method = "/v4/posting/fbs/list"
        _check_range(method, "limit", limit, 1, 100)
        _check_range(method, "order_numbers", len(order_numbers), 1, 100)
        if not timedelta(0) <= to - since <= timedelta(days=365):
            raise OzonBadRequestError(method, "the period must be 0..365 days")
        payload: Json = {
            "filter": {
                "order_numbers": list(order_numbers),
                "since": _utc_moment(since),
                "to": _utc_moment(to),
            },
            "limit": limit,
            "with": {"analytics_data": True},
        }
        return await self._read(method, payload, _postings_parser("fbs"))

    async def fbo_postings_of_orders(
        self, order_numbers: Sequence[str], *, limit: int = 50
    ) -> PostingsPage:
        """Every FBO posting of the orders (`filter.order_numbers`), one page."""
        method = "/v3/posting/fbo/list"
        _check_range(method, "limit", limit, 1, 100)
        _check_range(method, "order_numbers", len(order_numbers), 1, 100)
        payload: Json = {
            "filter": {"order_numbers": list(order_numbers)},
            "limit": limit,
            "with": {"analytics_data": True},
        }
        return await self._read(method, payload, _postings_parser("fbo"))

    async def returns(
        self, *, posting_numbers: Sequence[str] = (), limit: int = 100, last_id: str | None = None
    ) -> ReturnsPage:
        method = "/v1/returns/list"
        _check_range(method, "limit", limit, 1, 500)
        _check_range(method, "posting_numbers", len(posting_numbers), 0, 50)
        payload: Json = {"limit": limit}
        if posting_numbers:
            payload["filter"] = {"posting_numbers": list(posting_numbers)}
        if last_id is not None:
            payload["last_id"] = _as_number(method, last_id)
        return await self._read(method, payload, parsing.returns_page)

    # --- products ----------------------------------------------------------------------------

    async def product_info(
        self,
        *,
        skus: Sequence[str] = (),
        offer_ids: Sequence[str] = (),
        product_ids: Sequence[str] = (),
    ) -> tuple[ProductInfo, ...]:
        """Products by SKU, offer id or product id (unknown ones are simply absent)."""
        method = "/v3/product/info/list"
        payload = _id_filter(method, skus, offer_ids, product_ids)
        return await self._read(method, payload, parsing.product_infos)

    async def product_attributes(
        self,
        *,
        skus: Sequence[str] = (),
        offer_ids: Sequence[str] = (),
        product_ids: Sequence[str] = (),
    ) -> tuple[ProductAttributes, ...]:
        """Products with their attributes named in Russian (`name`) and English (`name_en`)
        from `/v1/description-category/attribute`; see `bot.ozon.attributes`."""
        method = "/v4/product/info/attributes"
        filters = _id_filter(method, skus, offer_ids, product_ids)
        payload: Json = {"filter": {**filters, "visibility": "ALL"}, "limit": 1000}
        cards = await self._read(method, payload, parsing.product_attributes)
        return tuple([await self._named(card) for card in cards])

    async def category_attribute_names(
        self,
        category_id: str,
        type_id: str,
        language: Language = Language.RU,
        *,
        needed: Iterable[int] = (),
    ) -> dict[int, str]:
        """Attribute id → name for a category and type, through the name cache. A cached list
        lacking one of the `needed` ids is stale (Ozon adds attributes to categories) and is
        fetched again."""
        cached = await self._http.names.get(category_id, type_id, language)
        if cached is not None and all(ident in cached for ident in needed):
            return cached
        method = "/v1/description-category/attribute"
        payload: Json = {
            "description_category_id": _as_number(method, category_id),
            "type_id": _as_number(method, type_id),
            "language": language.value,
        }
        names = await self._read(method, payload, parsing.category_attribute_names)
        await self._http.names.put(category_id, type_id, language, names)
        return names

    async def _named(self, card: ProductAttributes) -> ProductAttributes:
        """The card with Ozon's names; the fixed table fills what Ozon's names lack."""
        if not card.description_category_id or not card.type_id:
            return card
        try:
            ids = [attribute.id for attribute in card.attributes]
            ru = await self.category_attribute_names(
                card.description_category_id, card.type_id, needed=ids
            )
            en = await self.category_attribute_names(
                card.description_category_id, card.type_id, Language.EN, needed=ids
            )
        except OzonError as exc:
            log.warning("attribute names unavailable, using the fixed table: %s", exc)
            return card
        named = tuple(
            attribute.model_copy(
                update={
                    "name": ru.get(attribute.id) or attribute.name,
                    "name_en": en.get(attribute.id) or attribute.name_en,
                }
            )
            for attribute in card.attributes
        )
        return card.model_copy(update={"attributes": named})

    # --- product questions (Premium Plus) ----------------------------------------------------

    async def list_questions(
        self,
        *,
        status: QuestionStatus | None = QuestionStatus.NEW,
        last_id: str | None = None,
        limit: int = 100,
    ) -> QuestionPage:
        """One page of questions, oldest first; `status=None` lists every status."""
        method = "/v1/question/list"
        _check_range(method, "limit", limit, 1, 100)
        wanted = "ALL" if status is None else status.value.upper()
        payload: Json = {"filter": {"status": wanted}, "limit": limit, "sort_dir": "ASC"}
        if last_id:
            payload["last_id"] = last_id
        return await self._read(method, payload, parsing.question_page)

    async def question_info(self, question_id: str) -> Question:
        payload: Json = {"question_id": question_id}
        return await self._read("/v1/question/info", payload, parsing.question)

    async def question_count(self) -> QuestionCount:
        return await self._read("/v1/question/count", {}, parsing.question_count)

    async def change_question_status(
        self, question_ids: Sequence[str], status: QuestionStatus
    ) -> None:
        """Setting a status twice changes nothing, so it is retried like a read."""
        method = "/v1/question/change-status"
        _check_range(method, "question_ids", len(question_ids), 1, 100)
        payload: Json = {"question_ids": list(question_ids), "status": status.value.upper()}
        await self._read(method, payload, parsing.nothing)

    async def answer_question(self, question_id: str, sku: str, text: str) -> str:
        """Publishes an answer and returns its id. Sent once: an unclear outcome raises
        `OzonUnknownOutcomeError` and the caller looks in `question_answers` instead."""
        method = "/v1/question/answer/create"
        if not MIN_ANSWER <= len(text) <= MAX_ANSWER:
            raise OzonBadRequestError(method, f"text must be {MIN_ANSWER}..{MAX_ANSWER} characters")
        payload: Json = {
            "question_id": question_id,
            "sku": _as_number(method, sku),
            "text": text,
        }
        return await self._create(method, payload, parsing.created_answer_id)

    async def question_answers(
        self, question_id: str, sku: str, *, last_id: str | None = None
    ) -> AnswerPage:
        """Answers to a question, with their `status_publication`."""
        method = "/v1/question/answer/list"
        payload: Json = {"question_id": question_id, "sku": _as_number(method, sku)}
        if last_id:
            payload["last_id"] = last_id
        return await self._read(method, payload, parsing.answer_page)

    async def delete_question_answer(self, answer_id: str, sku: str) -> None:
        method = "/v1/question/answer/delete"
        payload: Json = {"answer_id": answer_id, "sku": _as_number(method, sku)}
        await self._write(method, payload)

    # --- reviews («Управление отзывами» or Premium Pro) --------------------------------------

    async def list_reviews(
        self,
        *,
        status: ReviewStatus | None = ReviewStatus.NEW,
        last_id: str | None = None,
        limit: int = 100,
    ) -> ReviewPage:
        """One page of reviews, oldest first; `limit` is 20..100 (required by Ozon)."""
        method = "/v2/review/list"
        _check_range(method, "limit", limit, 20, 100)
        wanted = "ALL" if status is None else status.value.upper()
        payload: Json = {"filters": {"status": wanted}, "limit": limit, "sort_dir": "ASC"}
        if last_id:
            payload["last_id"] = last_id
        return await self._read(method, payload, parsing.review_page)

    async def review_info(self, review_id: str) -> Review:
        return await self._read("/v2/review/info", {"review_id": review_id}, parsing.review)

    async def review_count(self) -> ReviewCount:
        return await self._read("/v2/review/count", {}, parsing.review_count)

    async def change_review_status(self, review_ids: Sequence[str], status: ReviewStatus) -> None:
        method = "/v2/review/change-status"
        _check_range(method, "review_ids", len(review_ids), 1, 100)
        payload: Json = {"review_ids": list(review_ids), "status": status.value.upper()}
        await self._read(method, payload, parsing.nothing)

    async def comment_review(
        self, review_id: str, text: str, *, mark_processed: bool = True
    ) -> str:
        """Publishes the seller's comment and returns its id; `mark_processed` sets the review
        PROCESSED in the same call. Sent once, like `answer_question`."""
        method = "/v1/review/comment/create"
        if not text.strip() or len(text) > MAX_ANSWER:
            raise OzonBadRequestError(method, f"text must be 1..{MAX_ANSWER} characters")
        payload: Json = {
            "review_id": review_id,
            "text": text,
            "mark_review_as_processed": mark_processed,
        }
        return await self._create(method, payload, parsing.created_comment_id)

    async def review_comments(
        self, review_id: str, *, limit: int = 100, offset: int = 0
    ) -> CommentPage:
        method = "/v1/review/comment/list"
        _check_range(method, "limit", limit, 20, 100)
        payload: Json = {"review_id": review_id, "limit": limit, "offset": offset}
        return await self._read(method, payload, parsing.comment_page)

    async def delete_review_comment(self, comment_id: str, sku: str) -> None:
        method = "/v2/review/comment/delete"
        payload: Json = {"comment_id": comment_id, "sku": _as_number(method, sku)}
        await self._write(method, payload)

    # --- the key and push monitoring ---------------------------------------------------------

    async def roles(self) -> KeyRoles:
        """The key's roles and methods, and when it expires (`/v1/roles`, no request body)."""
        return await self._read("/v1/roles", {}, parsing.key_roles)

    async def notification_list(
        self, *, statuses: Sequence[PushAvailability] = (), limit: int = 100, offset: int = 0
    ) -> PushUrls:
        """The shop's push URLs and how Ozon rates them (`/v1/notification/list`)."""
        method = "/v1/notification/list"
        _check_range(method, "limit", limit, 1, 1000)
        payload: Json = {"limit": limit, "offset": offset}
        wanted = [s.value.upper() for s in statuses if s is not PushAvailability.OTHER]
        if wanted:
            payload["availability_statuses"] = wanted
        return await self._read(method, payload, parsing.push_urls)

    async def product_description(
        self, *, product_id: str | None = None, offer_id: str | None = None
    ) -> ProductDescription:
        method = "/v1/product/info/description"
        if (product_id is None) == (offer_id is None):
            raise OzonBadRequestError(method, "give exactly one of product_id and offer_id")
        payload: Json = (
            {"product_id": _as_number(method, product_id)}
            if product_id is not None
            else {"offer_id": offer_id}
        )
        return await self._read(method, payload, parsing.product_description)

    # --- transport ---------------------------------------------------------------------------

    async def _read(self, method: str, payload: Json, parse: Callable[[object, str], T]) -> T:
        attempt = 0
        backoff = Backoff(self._backoff, self._backoff_max, jitter=True)
        while True:
            try:
                return parse(await self._attempt(method, payload), method)
            except _AttemptFailed as failed:
                error: OzonError = failed.error
            except OzonMalformedError as malformed:
                error = malformed
            if not error.retryable or attempt >= self._retries:
                raise error
            # A 429 paused the limiter for its Retry-After already: waiting twice helps no one.
            delay = 0.0 if isinstance(error, OzonRateLimitError) else backoff.delay()
            log.warning(
                "ozon %s: %s, retry %d in %.2fs", method, type(error).__name__, attempt + 1, delay
            )
            await asyncio.sleep(delay)
            attempt += 1

    async def _write(self, method: str, payload: Json) -> object:
        try:
            return await self._attempt(method, payload)
        except _AttemptFailed as failed:
            raise failed.error from failed.error.__cause__

    async def _create(self, method: str, payload: Json, parse: Callable[[object, str], T]) -> T:
        """A public answer or comment: never resent here; an unclear outcome is reported as
        `OzonUnknownOutcomeError`, and the caller reconciles against the answer list."""
        try:
            return parse(await self._attempt(method, payload), method)
        except _AttemptFailed as failed:
            if not failed.reached:
                raise failed.error from failed.error.__cause__
            raise _unknown(method, failed.error) from failed.error
        except OzonMalformedError as malformed:
            raise _unknown(method, malformed) from malformed

    async def _send(self, method: str, payload: Json) -> None:
        """A message or file: never resent here; an unclear outcome is reported as such."""
        try:
            data = await self._attempt(method, payload)
            parsing.send_result(data, method)
        except _AttemptFailed as failed:
            if not failed.reached:
                raise failed.error from failed.error.__cause__
            raise _unknown(method, failed.error) from failed.error
        except OzonMalformedError as malformed:
            raise _unknown(method, malformed) from malformed

    async def _attempt(self, method: str, payload: Json) -> object:
        """One HTTP call, observed; returns the decoded 200 body or raises `_AttemptFailed`."""
        await self._limiter.acquire()
        body = json.dumps(payload, ensure_ascii=False).encode()
        started, status = time.monotonic(), "error"
        try:
            async with self._http.session().post(
                self._base_url + method, data=body, headers=self._headers
            ) as response:
                status = str(response.status)
                raw = await response.read()
                headers = response.headers
        except aiohttp.ConnectionTimeoutError as exc:
            status = "timeout"
            raise _failed(
                OzonTimeoutError(method, "connect timed out"), exc, reached=False
            ) from exc
        except TimeoutError as exc:
            status = "timeout"
            raise _failed(OzonTimeoutError(method, "no answer in time"), exc, reached=True) from exc
        except aiohttp.ClientConnectorError as exc:
            raise _failed(
                OzonServerError(method, f"cannot connect: {exc}"), exc, reached=False
            ) from exc
        except aiohttp.ClientError as exc:
            lost = OzonServerError(method, f"connection lost: {type(exc).__name__}")
            raise _failed(lost, exc, reached=True) from exc
        finally:
            self._http.observe(method, status, time.monotonic() - started)
        await self._note_remaining(headers)
        if response.status != 200:
            raise await self._refusal(method, response.status, raw, headers)
        return _decode(method, raw)

    async def _note_remaining(self, headers: Mapping[str, str]) -> None:
        """`Ratelimit-Remaining` near zero: someone else (another integration of the seller)
        spends this Client-Id's budget too, so our limiter slows down before Ozon refuses."""
        remaining = _remaining(headers.get("Ratelimit-Remaining"))
        if remaining is not None and remaining < LOW_REMAINING:
            await self._limiter.note_remaining(remaining)

    async def _refusal(
        self, method: str, status: int, raw: bytes, headers: Mapping[str, str]
    ) -> _AttemptFailed:
        error = error_for(method, status, raw, headers)
        if isinstance(error, OzonRateLimitError):
            self._http.event("rate_limited", method)
            if error.asked_s is not None:
                self._http.event("retry_after_capped", method)
                log.warning(
                    "ozon %s: Retry-After %r cut to %.0fs",
                    method,
                    headers.get("Retry-After"),
                    error.retry_after,
                )
            # Ozon's limit is per Client-Id across methods: every call of this shop waits.
            await self._limiter.penalize(error.retry_after)
        return _AttemptFailed(error, reached=status >= 500)


LOW_REMAINING = 2
"""`Ratelimit-Remaining` below this is passed to the limiter (above it our own pace rules)."""


def _remaining(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return max(int(value.strip()), 0)
    except ValueError:
        return None


def _failed(error: OzonError, cause: BaseException, *, reached: bool) -> _AttemptFailed:
    error.__cause__ = cause
    return _AttemptFailed(error, reached=reached)


def _unknown(method: str, error: OzonError) -> OzonUnknownOutcomeError:
    return OzonUnknownOutcomeError(
        method, f"may have been delivered: {error.message}", status=error.status
    )


_NO_ANSWER = frozenset({"/v1/question/change-status", "/v2/review/change-status"})
"""Methods whose success answer has no documented body (openapi-2026-10.json describes none
for `/v2/review/change-status`): an empty 200 is their success, not a malformed answer."""


def _decode(method: str, raw: bytes) -> object:
    if not raw.strip():
        if method in _NO_ANSWER:
            return {}
        raise _AttemptFailed(OzonMalformedError(method, "empty body", status=200), reached=True)
    try:
        return json.loads(raw)
    except ValueError:
        excerpt = " ".join(raw[:120].decode("utf-8", "replace").split())
        error = OzonMalformedError(method, f"not JSON: {excerpt!r}", status=200)
        raise _AttemptFailed(error, reached=True) from None


def _posting_parser(scheme: Literal["fbs", "fbo"]) -> Callable[[object, str], Posting]:
    def parse(data: object, method: str) -> Posting:
        return parsing.posting(data, method, scheme)

    return parse


def _postings_parser(scheme: Literal["fbs", "fbo"]) -> Callable[[object, str], PostingsPage]:
    def parse(data: object, method: str) -> PostingsPage:
        return parsing.postings_page(data, method, scheme)

    return parse


def _utc_moment(moment: datetime) -> str:
    """RFC 3339 in UTC, as the Seller API's date-time filters take it."""
    if moment.tzinfo is None:
        raise ValueError("a period bound needs a time zone")
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _check_range(method: str, name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise OzonBadRequestError(method, f"{name} must be {low}..{high}, got {value}")


def _as_number(method: str, identifier: str) -> int:
    if not identifier.isdigit():
        raise OzonBadRequestError(method, f"expected a numeric id, got {identifier!r}")
    return int(identifier)


def _id_filter(
    method: str, skus: Sequence[str], offer_ids: Sequence[str], product_ids: Sequence[str]
) -> Json:
    """`sku`/`offer_id`/`product_id` lists (int64 ids as strings, as the schema has them)."""
    total = len(skus) + len(offer_ids) + len(product_ids)
    _check_range(method, "number of ids", total, 1, 1000)
    named = {"sku": skus, "offer_id": offer_ids, "product_id": product_ids}
    return {name: [str(value) for value in values] for name, values in named.items() if values}
