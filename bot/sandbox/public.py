"""The emulator's product-question and review methods (openapi-2026-10.json), and their controls.

Seller API (every method refused with Ozon's real 403 code 7 "not available with existing
subscription" when the shop's board says the subscription is missing: questions need Premium
Plus, reviews «Управление отзывами» or Premium Pro):

    /v1/question/list  info  count  change-status  answer/create  answer/list  answer/delete
    /v2/review/list  info  count  change-status  /v1/review/comment/create  comment/list
    /v2/review/comment/delete

Control API (tests, demo, simulate):

    POST /sandbox/question         {"sku", "text", "id"?, "client_id"?}         → {"id"}
    POST /sandbox/review           {"sku", "rating", "text"?, "photos"?, "videos"?,
                                    "order_status"?, "id"?, "client_id"?}     → {"id"}
    POST /sandbox/public-settings  {"client_id"?, "questions"?: bool, "reviews"?: bool,
                                    "answer_outcome"?, "comment_rejection"?, "empty_pages"?}
         subscriptions (false: refused), what moderation makes of new answers and comments,
         and `empty_pages` list calls answering `has_next: true` with nothing in them
    POST /sandbox/moderate         {"answer_id", "status", "client_id"?}  moderation decides later
    GET  /sandbox/public[?client_id=]  questions with answers, reviews with comments, and how
                                    many answer/comment calls each shop made

Long (~480 lines): the whole emulated question and review API (14 methods and their controls) in
one place, next to the shapes Ozon documents.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.sandbox import render
from bot.sandbox.public_board import (
    PUBLICATION,
    QUESTION_PAGE,
    Board,
    BoardQuestion,
    BoardReview,
    page_after,
)
from bot.sandbox.request import Node
from bot.sandbox.seller import Operation
from bot.sandbox.state import PREMIUM_REFUSAL, SandboxState, Shop, bad_request, not_found

Json = dict[str, object]
Control = Callable[[web.Request, SandboxState], Awaitable[web.Response]]
MIN_ANSWER, MAX_ANSWER = 2, 3000


def _questions(shop: Shop) -> Board:
    if not shop.public.questions_allowed:
        raise PREMIUM_REFUSAL
    return shop.public


def _reviews(shop: Shop) -> Board:
    if not shop.public.reviews_allowed:
        raise PREMIUM_REFUSAL
    return shop.public


def _text(body: Node, key: str) -> str:
    value = body.text(key)
    if not value:
        raise bad_request(f"{key} is required")
    return value


# --- questions -----------------------------------------------------------------------------


def question_list(state: SandboxState, shop: Shop, body: Node) -> Json:
    board = _questions(shop)
    filters = body.child("filter")
    status = ((filters.text("status") if filters else None) or "ALL").upper()
    if status not in ("ALL", "NEW", "VIEWED", "PROCESSED", "UNPROCESSED"):
        raise bad_request("filter.status must be NEW, ALL, VIEWED, PROCESSED or UNPROCESSED")
    limit = min(body.integer("limit") or 100, QUESTION_PAGE)
    last_id = body.text("last_id") or None
    if board.empty_pages > 0:
        board.empty_pages -= 1
        return {"questions": [], "has_next": True, "last_id": last_id or ""}
    chosen = [q for q in board.questions.values() if _question_matches(q, status)]
    paged = page_after(chosen, last_id, board.questions, limit)
    if paged is None:
        raise bad_request("invalid last_id")
    page, has_next = paged
    return {
        "questions": [_question(q) for q in page],
        "has_next": has_next,
        "last_id": page[-1].id if page else (last_id or ""),
    }


def _question_matches(question: BoardQuestion, status: str) -> bool:
    if status == "ALL":
        return True
    if status == "UNPROCESSED":
        return question.status in ("NEW", "VIEWED")
    return question.status == status


def _question(question: BoardQuestion) -> Json:
    return {
        "id": question.id,
        "sku": int(question.sku) if question.sku.isdigit() else 0,
        "text": question.text,
        "status": question.status,
        "published_at": render.moment(question.published_at),
        "answers_count": len(question.answers),
        "author_name": question.author_name,
        "product_url": f"https://www.ozon.ru/product/{question.sku}/",
        "question_link": f"https://www.ozon.ru/product/{question.sku}/questions/?qid={question.seq}",
    }


def _find_question(board: Board, body: Node) -> BoardQuestion:
    question_id = _text(body, "question_id")
    question = board.questions.get(question_id)
    if question is None:
        raise not_found(f"question {question_id}")
    return question


def question_info(state: SandboxState, shop: Shop, body: Node) -> Json:
    return _question(_find_question(_questions(shop), body))


def question_count(state: SandboxState, shop: Shop, body: Node) -> Json:
    statuses = [q.status for q in _questions(shop).questions.values()]
    return {
        "all": len(statuses),
        "new": statuses.count("NEW"),
        "viewed": statuses.count("VIEWED"),
        "processed": statuses.count("PROCESSED"),
        "unprocessed": statuses.count("NEW") + statuses.count("VIEWED"),
    }


def question_change_status(state: SandboxState, shop: Shop, body: Node) -> Json:
    board = _questions(shop)
    status = (body.text("status") or "").upper()
    if status not in ("NEW", "VIEWED", "PROCESSED"):
        raise bad_request("status must be NEW, VIEWED or PROCESSED")
    for question_id in body.strings("question_ids"):
        if question_id in board.questions:
            board.questions[question_id].status = status
    return {}


def answer_create(state: SandboxState, shop: Shop, body: Node) -> Json:
    board = _questions(shop)
    question = _find_question(board, body)
    text = _text(body, "text")
    if not MIN_ANSWER <= len(text) <= MAX_ANSWER:
        raise bad_request(f"text must be {MIN_ANSWER}..{MAX_ANSWER} characters")
    if body.id("sku") != question.sku:
        raise bad_request("sku does not match the question")
    return {"answer_id": board.answer(shop.client_id, question, text, state.now())}


def answer_list(state: SandboxState, shop: Shop, body: Node) -> Json:
    question = _find_question(_questions(shop), body)
    answers = [
        {
            "id": a.id,
            "question_id": a.question_id,
            "sku": int(a.sku) if a.sku.isdigit() else 0,
            "text": a.text,
            "status_publication": a.status_publication,
            "published_at": render.moment(a.published_at),
            "author_name": "Продавец",
        }
        for a in question.answers
    ]
    return {"answers": answers, "last_id": answers[-1]["id"] if answers else ""}


def answer_delete(state: SandboxState, shop: Shop, body: Node) -> Json:
    board = _questions(shop)
    answer_id = _text(body, "answer_id")
    for question in board.questions.values():
        question.answers = [a for a in question.answers if a.id != answer_id]
    return {}


# --- reviews -------------------------------------------------------------------------------


def review_list(state: SandboxState, shop: Shop, body: Node) -> Json:
    board = _reviews(shop)
    limit = body.integer("limit")
    if limit is None or not 20 <= limit <= 100:
        raise bad_request("limit must be 20..100")
    filters = body.child("filters")
    status = ((filters.text("status") if filters else None) or "ALL").upper()
    last_id = body.text("last_id") or None
    if board.empty_pages > 0:
        board.empty_pages -= 1
        return {"reviews": [], "has_next": True, "last_id": last_id or ""}
    chosen = [r for r in board.reviews.values() if status in ("ALL", r.status)]
    paged = page_after(chosen, last_id, board.reviews, limit)
    if paged is None:
        raise bad_request("invalid last_id")
    page, has_next = paged
    return {
        "reviews": [_review(r) for r in page],
        "has_next": has_next,
        "last_id": page[-1].id if page else (last_id or ""),
    }


def _review(review: BoardReview) -> Json:
    return {
        "id": review.id,
        "sku": int(review.sku) if review.sku.isdigit() else 0,
        "text": review.text,
        "rating": review.rating,
        "status": review.status,
        "order_status": review.order_status,
        "published_at": render.moment(review.published_at),
        "photos_amount": review.photos,
        "videos_amount": review.videos,
        "comments_amount": len(review.comments),
        "is_rating_participant": True,
    }


def _find_review(board: Board, review_id: str) -> BoardReview:
    review = board.reviews.get(review_id)
    if review is None:
        raise not_found(f"review {review_id}")
    return review


def review_info(state: SandboxState, shop: Shop, body: Node) -> Json:
    review = _find_review(_reviews(shop), _text(body, "review_id"))
    return _review(review) | {"likes_amount": 0, "dislikes_amount": 0}


def review_count(state: SandboxState, shop: Shop, body: Node) -> Json:
    statuses = [r.status for r in _reviews(shop).reviews.values()]
    return {
        "total": len(statuses),
        "new": statuses.count("NEW"),
        "viewed": statuses.count("VIEWED"),
        "processed": statuses.count("PROCESSED"),
    }


def review_change_status(state: SandboxState, shop: Shop, body: Node) -> Json:
    board = _reviews(shop)
    status = (body.text("status") or "").upper()
    ids = body.strings("review_ids")
    if status not in ("NEW", "VIEWED", "PROCESSED") or not 1 <= len(ids) <= 100:
        raise bad_request("review_ids (1..100) and status NEW, VIEWED or PROCESSED are required")
    for review_id in ids:
        if review_id in board.reviews:
            board.reviews[review_id].status = status
    return {}


def comment_create(state: SandboxState, shop: Shop, body: Node) -> Json:
    board = _reviews(shop)
    review = _find_review(board, _text(body, "review_id"))
    text = _text(body, "text")
    parent = body.text("parent_comment_id") or None
    comment_id = board.comment(shop.client_id, review, text, state.now(), parent)
    if body.flag("mark_review_as_processed"):
        review.status = "PROCESSED"
    return {"comment_id": comment_id}


def comment_list(state: SandboxState, shop: Shop, body: Node) -> Json:
    board = _reviews(shop)
    limit = body.integer("limit")
    if limit is None or not 20 <= limit <= 100:
        raise bad_request("limit must be 20..100")
    review = _find_review(board, _text(body, "review_id"))
    offset = body.integer("offset") or 0
    chosen = review.comments[offset : offset + limit]
    comments = [
        {
            "id": c.id,
            "text": c.text,
            "published_at": render.moment(c.published_at),
            "is_owner": True,
            "is_official": False,
            "is_published": not c.is_rejected,
            "is_rejected": c.is_rejected,
            "deviation_reason": c.deviation_reason,
            "likes_amount": 0,
            "dislikes_amount": 0,
            **({"parent_comment_id": c.parent_comment_id} if c.parent_comment_id else {}),
        }
        for c in chosen
    ]
    return {"comments": comments, "offset": offset + len(chosen)}


def comment_delete(state: SandboxState, shop: Shop, body: Node) -> Json:
    board = _reviews(shop)
    comment_id = _text(body, "comment_id")
    for review in board.reviews.values():
        review.comments = [c for c in review.comments if c.id != comment_id]
    return {}


OPERATIONS: dict[str, Operation] = {
    "/v1/question/list": question_list,
    "/v1/question/info": question_info,
    "/v1/question/count": question_count,
    "/v1/question/change-status": question_change_status,
    "/v1/question/answer/create": answer_create,
    "/v1/question/answer/list": answer_list,
    "/v1/question/answer/delete": answer_delete,
    "/v2/review/list": review_list,
    "/v2/review/info": review_info,
    "/v2/review/count": review_count,
    "/v2/review/change-status": review_change_status,
    "/v1/review/comment/create": comment_create,
    "/v1/review/comment/list": comment_list,
    "/v2/review/comment/delete": comment_delete,
}


# --- control API ---------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class _Question(_In):
    sku: str = Field(pattern=r"^[0-9]+$")
    text: str
    id: str | None = None
    client_id: str | None = None


class _Review(_In):
    sku: str = Field(pattern=r"^[0-9]+$")
    rating: int
    text: str = ""
    photos: int = Field(default=0, ge=0)
    videos: int = Field(default=0, ge=0)
    order_status: str = Field(default="DELIVERED", pattern=r"^(DELIVERED|CANCELLED)$")
    id: str | None = None
    client_id: str | None = None


class _Settings(_In):
    client_id: str | None = None
    questions: bool | None = None
    reviews: bool | None = None
    answer_outcome: str | None = None
    comment_rejection: str | None = None
    """A deviation reason: new comments are rejected with it; "" accepts them again."""
    empty_pages: int | None = Field(default=None, ge=0)


class _Moderate(_In):
    answer_id: str
    status: str
    client_id: str | None = None


M = TypeVar("M", bound=_In)


async def _read(request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate_json(await request.read() or b"{}")
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        raise _bad(f"{where}: {error['msg']}") from exc


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}), content_type="application/json")


async def _add_question(request: web.Request, state: SandboxState) -> web.Response:
    data = await _read(request, _Question)
    shop = state.shop_for_control(data.client_id)
    question = shop.public.add_question(
        shop.client_id, sku=data.sku, text=data.text, now=state.now(), id=data.id
    )
    return web.json_response({"id": question.id})


async def _add_review(request: web.Request, state: SandboxState) -> web.Response:
    data = await _read(request, _Review)
    shop = state.shop_for_control(data.client_id)
    extra = data.model_dump(exclude={"sku", "rating", "client_id"})
    review = shop.public.add_review(
        shop.client_id, sku=data.sku, rating=data.rating, now=state.now(), **extra
    )
    return web.json_response({"id": review.id})


async def _settings(request: web.Request, state: SandboxState) -> web.Response:
    data = await _read(request, _Settings)
    board = state.shop_for_control(data.client_id).public
    if data.answer_outcome is not None and data.answer_outcome not in PUBLICATION:
        raise _bad(f"answer_outcome must be one of {sorted(PUBLICATION)}")
    if data.questions is not None:
        board.questions_allowed = data.questions
    if data.reviews is not None:
        board.reviews_allowed = data.reviews
    if data.answer_outcome is not None:
        board.answer_outcome = data.answer_outcome
    if data.comment_rejection is not None:
        board.comment_rejection = data.comment_rejection or None
    if data.empty_pages is not None:
        board.empty_pages = data.empty_pages
    return web.json_response({"ok": True})


async def _moderate(request: web.Request, state: SandboxState) -> web.Response:
    data = await _read(request, _Moderate)
    if data.status not in PUBLICATION:
        raise _bad(f"status must be one of {sorted(PUBLICATION)}")
    answer = state.shop_for_control(data.client_id).public.find_answer(data.answer_id)
    if answer is None:
        raise web.HTTPNotFound(text=json.dumps({"error": "no such answer"}))
    answer.status_publication = data.status
    return web.json_response({"ok": True})


async def _inspect(request: web.Request, state: SandboxState) -> web.Response:
    wanted = request.query.get("client_id")
    shops = [shop for shop in state.shops.values() if wanted is None or shop.client_id == wanted]
    return web.json_response([_board_view(shop) for shop in shops])


def _board_view(shop: Shop) -> Json:
    board = shop.public
    questions = [
        _question(q)
        | {
            "answers": [
                {"id": a.id, "text": a.text, "status": a.status_publication} for a in q.answers
            ]
        }
        for q in board.questions.values()
    ]
    reviews = [
        _review(r)
        | {
            "comments": [
                {"id": c.id, "text": c.text, "rejected": c.is_rejected} for c in r.comments
            ]
        }
        for r in board.reviews.values()
    ]
    return {
        "client_id": shop.client_id,
        "questions": questions,
        "reviews": reviews,
        "answer_calls": board.answer_calls,
        "comment_calls": board.comment_calls,
    }


def install(app: web.Application, state_key: web.AppKey[SandboxState]) -> None:
    """Adds the control routes; the Seller API methods are served through `OPERATIONS`."""

    def routed(control: Control) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            return await control(request, request.app[state_key])

        return handle

    app.router.add_post("/sandbox/question", routed(_add_question))
    app.router.add_post("/sandbox/review", routed(_add_review))
    app.router.add_post("/sandbox/public-settings", routed(_settings))
    app.router.add_post("/sandbox/moderate", routed(_moderate))
    app.router.add_get("/sandbox/public", routed(_inspect))
