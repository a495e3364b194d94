"""A stand-in for Ozon's product-question and review methods, written from Ozon's documents,
not from our emulator (bot/sandbox): the sibling of `ozon_standin.py` for the public streams.

Sources, cited next to each shape below:
- [spec] /work/shared/ozon/openapi-2026-10.json (copied in tests/contract): request and response
  schemas and their `example`s of `/v1/question/*`, `/v2/review/*`, `/v1/review/comment/*`,
  `/v3/product/info/list`, `/v4/product/info/attributes`, `/v1/description-category/attribute`;
- [changes] /work/shared/ozon/CHANGES-2026-10.md §5 "Methods not in the old subset";
- [errors] /work/shared/ozon/errors-auth-limits-push.md §4.1 (error schemas per method) and
  §4.2 (the `/v2/review/list` subscription error);
- [readme] /work/shared/ozon/README.md ("What live sellers see", the 403 code 7 refusal).

It holds one product, questions and reviews added by the test, the answers and comments
posted, and counts every call. Requests are checked as the documents state them (required
fields, `limit` ranges, answer length): a request the documents do not allow is refused with
the method's documented error schema, and listed in `refused` so a test can see it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

Json = dict[str, Any]

# [errors] §4.2, `/v2/review/list`: «`not available with existing subscription` — Метод
# недоступен. Подключите подписку…»; §4.1: the `/v2/review/*` methods answer 403 «Доступ
# запрещён» with `rpcStatus` {code, message, details[]}, `/v1/review/comment/*` the same schema
# as `default`; [readme]: the refusal is HTTP 403 with gRPC code 7 (PermissionDenied).
REVIEWS_REFUSED = {
    "code": 7,
    "message": "not available with existing subscription",
    "details": [],
}
# [spec] `/v2/review/*` and `/v1/review/comment/*` descriptions: «Доступно для продавцов с
# подпиской Управление отзывами или Premium Pro» — every review method is refused alike.
REVIEW_METHODS = (
    "/v2/review/list",
    "/v2/review/change-status",
    "/v1/review/comment/create",
    "/v1/review/comment/list",
)
QUESTION_METHODS = (
    "/v1/question/list",
    "/v1/question/info",
    "/v1/question/change-status",
    "/v1/question/answer/create",
    "/v1/question/answer/list",
)
PRODUCT_METHODS = (
    "/v3/product/info/list",
    "/v4/product/info/attributes",
    "/v1/description-category/attribute",
)
QUESTION_PAGE = 10
"""[changes] §5: «The response schema has `questions` `maxItems: 10` (left as in the source)»;
[spec] v1QuestionListResponse.questions `maxItems: 10`. Pages are never longer."""

# The product, shaped as the [spec] examples of the three product methods (trimmed to the
# fields the examples carry that matter here). Category and type ids are the example's.
SKU = 423434534
CATEGORY, TYPE = 71107562, 124572394
ATTRIBUTE_NAMES = {
    # [spec] `/v1/description-category/attribute` answers `result[]{id, name, ...}`.
    85: "Бренд",
    5076: "Рекомендовано для",
    10096: "Цвет товара",
    4975: "Материал",
}
ATTRIBUTES = [
    # [spec] `/v4/product/info/attributes` example: `attributes[]{complex_id, id, values[]{
    # dictionary_value_id, value}}`; ids only, names come from the method above.
    {"complex_id": 0, "id": 85, "values": [{"dictionary_value_id": 971034861, "value": "Brand"}]},
    {
        "complex_id": 0,
        "id": 5076,
        "values": [{"dictionary_value_id": 39638, "value": "Xiaomi Redmi Note 10 Pro 5G"}],
    },
    {"complex_id": 0, "id": 10096, "values": [{"dictionary_value_id": 0, "value": "прозрачный"}]},
    {"complex_id": 0, "id": 4975, "values": [{"dictionary_value_id": 0, "value": "гидрогель"}]},
]
PRODUCT_NAME = "Пленка защитная для Xiaomi Redmi Note 10 Pro 5G"


@dataclass
class PublicStandin:
    reviews_subscription: bool = True
    """False: the seller has neither «Управление отзывами» nor Premium Pro."""
    questions: dict[str, Json] = field(default_factory=dict)
    answers: dict[str, list[Json]] = field(default_factory=dict)
    reviews: dict[str, Json] = field(default_factory=dict)
    comments: dict[str, list[Json]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(method, why) of every request the documents do not allow."""
    url: str = ""

    # --- seeding ------------------------------------------------------------------------

    def ask(self, text: str, sku: int = SKU) -> str:
        # [spec] v1QuestionListResponseQuestions and the `/v1/question/list` example.
        question_id = f"019294ff-6888-7009-89d8-{len(self.questions):012d}"
        self.questions[question_id] = {
            "answers_count": 0,
            "author_name": "Пользователь OZON",
            "id": question_id,
            "product_url": f"https://www.ozon.ru/product/{sku}/",
            "published_at": "2026-10-14T12:02:01.889Z",
            "question_link": f"https://www.ozon.ru/product/{sku}/questions/?qid={question_id}",
            "sku": sku,
            "status": "NEW",
            "text": text,
        }
        return question_id

    def review(self, rating: int, text: str, sku: int = SKU) -> str:
        # [spec] review.v2.ReviewListV2Response.Review and the `/v2/review/list` example, whose
        # `sku` is a string although the schema says int64: kept as the example has it.
        review_id = f"017c0d1c-66d3-b838-3d29-{len(self.reviews):012d}"
        self.reviews[review_id] = {
            "comments_amount": 0,
            "id": review_id,
            "is_rating_participant": True,
            "order_status": "DELIVERED",
            "photos_amount": 0,
            "published_at": "2026-10-10T07:23:55.970Z",
            "rating": rating,
            "sku": str(sku),
            "status": "NEW",
            "text": text,
            "videos_amount": 0,
        }
        return review_id

    # --- the HTTP side ------------------------------------------------------------------

    def handler(self, method: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        answer = self._answers()[method]

        async def handle(request: web.Request) -> web.Response:
            self.calls[method] += 1
            body = await request.json()
            if method in REVIEW_METHODS and not self.reviews_subscription:
                return web.json_response(REVIEWS_REFUSED, status=403)
            try:
                return web.json_response(answer(body))
            except _Refused as refused:
                self.refused.append((method, refused.why))
                return web.json_response(refused.body(method), status=400)

        return handle

    def _answers(self) -> dict[str, Callable[[Json], Json]]:
        return {
            "/v1/question/list": self._question_list,
            "/v1/question/info": self._question_info,
            "/v1/question/change-status": self._question_status,
            "/v1/question/answer/create": self._answer_create,
            "/v1/question/answer/list": self._answer_list,
            "/v2/review/list": self._review_list,
            "/v2/review/change-status": self._review_status,
            "/v1/review/comment/create": self._comment_create,
            "/v1/review/comment/list": self._comment_list,
            "/v3/product/info/list": self._product_info,
            "/v4/product/info/attributes": self._product_attributes,
            "/v1/description-category/attribute": self._attribute_names,
        }

    # --- questions [spec] `/v1/question/*`, [changes] §5 "Questions" ------------------------

    def _question_list(self, body: Json) -> Json:
        # `filter.status` NEW/ALL/VIEWED/PROCESSED/UNPROCESSED; `limit` ≤ 100; paging by `last_id`.
        limit = body.get("limit", QUESTION_PAGE)
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            raise _Refused("limit must be at most 100")
        wanted = (body.get("filter") or {}).get("status", "ALL")
        matching = [q for q in self.questions.values() if _status_matches(q["status"], wanted)]
        if body.get("sort_dir", "DESC") == "DESC":
            matching.reverse()
        start = _after(matching, body.get("last_id") or "")
        page = matching[start : start + min(limit, QUESTION_PAGE)]
        has_next = start + len(page) < len(matching)
        return {"questions": page, "has_next": has_next, "last_id": page[-1]["id"] if page else ""}

    def _question_info(self, body: Json) -> Json:
        question = self._question(body)
        # The [spec] `/v1/question/info` example sends `answers_count` as a string ("0").
        return {**question, "answers_count": str(question["answers_count"])}

    def _question_status(self, body: Json) -> Json:
        # Required `question_ids`, `status` (NEW/VIEWED/PROCESSED); the 200 schema is `{}`.
        ids, status = body.get("question_ids"), body.get("status")
        if not ids or status not in ("NEW", "VIEWED", "PROCESSED"):
            raise _Refused("question_ids and status NEW/VIEWED/PROCESSED are required")
        for question_id in ids:
            if question_id in self.questions:
                self.questions[question_id]["status"] = status
        return {}

    def _answer_create(self, body: Json) -> Json:
        # Required `question_id`, `sku` (int64), `text` «от 2 до 3000 символов»; → `answer_id`.
        question = self._question(body)
        text = body.get("text")
        if not isinstance(body.get("sku"), int) or body["sku"] != question["sku"]:
            raise _Refused("sku must be the question's SKU, a number")
        if not isinstance(text, str) or not 2 <= len(text) <= 3000:
            raise _Refused("text must be 2..3000 characters")
        answer_id = f"0192e7ce-e12c-7a74-afc7-{sum(map(len, self.answers.values())):012d}"
        self.answers.setdefault(question["id"], []).append(
            {
                "author_name": "Продавец",
                "id": answer_id,
                "published_at": "2026-10-14T13:00:00.000Z",
                "question_id": question["id"],
                "sku": question["sku"],
                # PUBLISHED / AWAITING_MODERATION / MODERATION_FAILED / DUPLICATE ([changes] §5).
                "status_publication": "AWAITING_MODERATION",
                "text": text,
            }
        )
        question["answers_count"] += 1
        return {"answer_id": answer_id}

    def _answer_list(self, body: Json) -> Json:
        # Required `question_id` and `sku`; → `answers[]`, `last_id`.
        question = self._question(body)
        if not isinstance(body.get("sku"), int):
            raise _Refused("sku is required, a number")
        listed = self.answers.get(question["id"], [])
        return {"answers": listed, "last_id": listed[-1]["id"] if listed else ""}

    def _question(self, body: Json) -> Json:
        question = self.questions.get(str(body.get("question_id") or ""))
        if question is None:
            raise _Refused("question_id is required and must exist")
        return question

    # --- reviews [spec] `/v2/review/*`, `/v1/review/comment/*`, [changes] §5 "Reviews" ------

    def _review_list(self, body: Json) -> Json:
        # `limit` is required, 20..100; `filters.status` ALL/NEW/VIEWED/PROCESSED.
        limit = body.get("limit")
        if not isinstance(limit, int) or not 20 <= limit <= 100:
            raise _Refused("limit is required, 20..100")
        wanted = (body.get("filters") or {}).get("status", "ALL")
        matching = [r for r in self.reviews.values() if wanted in ("ALL", r["status"])]
        if body.get("sort_dir") == "DESC":
            matching.reverse()
        start = _after(matching, body.get("last_id") or "")
        page = matching[start : start + limit]
        has_next = start + len(page) < len(matching)
        return {"reviews": page, "has_next": has_next, "last_id": page[-1]["id"] if page else ""}

    def _review_status(self, body: Json) -> Json:
        # `review_ids` 1..100, `status` NEW/VIEWED/PROCESSED. The 200 answer («Статус изменён»)
        # has no schema in the spec; an empty object is what the question twin documents.
        ids, status = body.get("review_ids"), body.get("status")
        if not ids or len(ids) > 100 or status not in ("NEW", "VIEWED", "PROCESSED"):
            raise _Refused("review_ids 1..100 and status NEW/VIEWED/PROCESSED are required")
        for review_id in ids:
            if review_id in self.reviews:
                self.reviews[review_id]["status"] = status
        return {}

    def _comment_create(self, body: Json) -> Json:
        # Required `review_id`, `text`; optional `mark_review_as_processed` («`true` — статус
        # изменится на `Processed`»), `parent_comment_id`; → `comment_id`.
        review = self.reviews.get(str(body.get("review_id") or ""))
        text = body.get("text")
        if review is None or not isinstance(text, str) or not text:
            raise _Refused("review_id and text are required")
        comment_id = f"1234-{sum(map(len, self.comments.values())):04d}"
        self.comments.setdefault(review["id"], []).append(
            {
                "id": comment_id,
                "is_official": True,
                "is_owner": True,
                # Moderated later: «Метод возвращает информацию по комментариям на отзывы,
                # которые прошли модерацию» (`/v1/review/comment/list`).
                "is_published": False,
                "is_rejected": False,
                "likes_amount": 0,
                "dislikes_amount": 0,
                "published_at": "2026-10-10T08:00:00.000Z",
                "text": text,
            }
        )
        review["comments_amount"] += 1
        if body.get("mark_review_as_processed"):
            review["status"] = "PROCESSED"
        return {"comment_id": comment_id}

    def _comment_list(self, body: Json) -> Json:
        # `limit` required, «Минимум — 20. Максимум — 100»; `review_id` or `filter.sku`.
        limit = body.get("limit")
        if not isinstance(limit, int) or not 20 <= limit <= 100:
            raise _Refused("limit is required, 20..100")
        review_id = body.get("review_id")
        if not review_id and not (body.get("filter") or {}).get("sku"):
            raise _Refused("review_id or filter.sku is required")
        moderated = [c for c in self.comments.get(str(review_id), []) if c["is_published"]]
        offset = int(body.get("offset") or 0)
        page = moderated[offset : offset + limit]
        return {"comments": page, "offset": offset + len(page)}

    def moderate(self) -> None:
        """Ozon's moderators pass every comment (they become listed)."""
        for comments in self.comments.values():
            for comment in comments:
                comment["is_published"] = True

    # --- the product [spec] product methods' examples ------------------------------------

    def _product_info(self, body: Json) -> Json:
        wanted = {str(s) for s in body.get("sku") or []}
        if str(SKU) not in wanted:
            return {"items": []}
        return {
            "items": [
                {
                    "id": 213761435,
                    "sku": SKU,
                    "offer_id": "21470",
                    "name": PRODUCT_NAME,
                    "description_category_id": CATEGORY,
                    "type_id": TYPE,
                    "is_archived": False,
                    "is_autoarchived": False,
                    "currency_code": "RUB",
                    "price": "299.00",
                    "stocks": {
                        "has_stock": True,
                        "stocks": [{"present": 50, "reserved": 5, "sku": SKU, "source": "fbo"}],
                    },
                    "visibility_details": {"has_price": True, "has_stock": True},
                }
            ]
        }

    def _product_attributes(self, body: Json) -> Json:
        wanted = {str(s) for s in (body.get("filter") or {}).get("sku") or []}
        if str(SKU) not in wanted:
            return {"result": [], "total": 0, "last_id": ""}
        card = {
            "attributes": ATTRIBUTES,
            "complex_attributes": [],
            "description_category_id": CATEGORY,
            "id": 213761435,
            "name": PRODUCT_NAME,
            "offer_id": "21470",
            "sku": SKU,
            "type_id": TYPE,
        }
        return {"result": [card], "total": 1, "last_id": ""}

    def _attribute_names(self, body: Json) -> Json:
        if (body.get("description_category_id"), body.get("type_id")) != (CATEGORY, TYPE):
            return {"result": []}
        return {"result": [{"id": i, "name": n} for i, n in ATTRIBUTE_NAMES.items()]}


def _status_matches(status: str, wanted: str) -> bool:
    if wanted == "UNPROCESSED":
        return status in ("NEW", "VIEWED")
    return wanted in ("ALL", status)


def _after(items: list[Json], last_id: str) -> int:
    """Where the page after `last_id` starts (the start when it is empty or unknown)."""
    ids = [item["id"] for item in items]
    return ids.index(last_id) + 1 if last_id in ids else 0


class _Refused(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why

    def body(self, method: str) -> Json:
        # [errors] §4.1: `/v1/question/*` answer `v1QuestionAnswerCreateDefault` (`details` a
        # string); the others `rpcStatus` (`details` an array). Code 3: gRPC InvalidArgument.
        details: object = "" if method.startswith("/v1/question/") else []
        return {"code": 3, "message": self.why, "details": details}


@asynccontextmanager
async def serve_public_standin(
    standin: PublicStandin | None = None,
) -> AsyncIterator[PublicStandin]:
    standin = standin or PublicStandin()
    app = web.Application()
    for method in (*QUESTION_METHODS, *REVIEW_METHODS, *PRODUCT_METHODS):
        app.router.add_post(method, standin.handler(method))
    server = LocalServer(app)
    await server.start()
    try:
        standin.url = server.url
        yield standin
    finally:
        await server.close()
