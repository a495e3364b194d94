"""JSON from the Seller API → `bot.ozon.schemas` values. The only place that reads Ozon's JSON.

Each function validates one method's answer with the models of `bot.ozon.schemas` (the traps of
../shared/ozon/README.md are their field types, `bot.ozon.fields`). A body the models refuse is
`OzonMalformedError` naming the method and the first bad field's path (`$.messages[3].created_at:
expected an RFC 3339 date-time`); pydantic's own error never leaves this module, and the message
never quotes the value, which may be a buyer's text. An enum value we do not know is not an error
(it becomes OTHER).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from pydantic import AliasPath, Field, ValidationError
from pydantic_core import ErrorDetails

from bot.errors import OzonMalformedError
from bot.ozon import attributes as known
from bot.ozon.fields import Count, Id, Integer, Many, OzonModel, Text
from bot.ozon.schemas import (
    AnswerPage,
    Attribute,
    ChatHistory,
    ChatPage,
    CommentPage,
    KeyRoles,
    Posting,
    PostingsPage,
    ProductAttributes,
    ProductDescription,
    ProductInfo,
    Push,
    PushUrls,
    Question,
    QuestionCount,
    QuestionPage,
    ReturnsPage,
    Review,
    ReviewCount,
    ReviewPage,
)
from bot.ozon.schemas import order_number_of as order_number_of

M = TypeVar("M", bound=OzonModel)

PUSH = "push"
"""The `method` a malformed push is reported under."""


def parse(model: type[M], data: object, method: str, **context: object) -> M:
    """`data` as `model`; `OzonMalformedError` (with the path of the bad field) if it is not."""
    try:
        return model.model_validate(data, context=context or None)
    except ValidationError as exc:
        raise OzonMalformedError(method, _describe(exc)) from exc


def reader(model: type[M]) -> Callable[[object, str], M]:
    """The parser of a method whose whole answer is `model`, as `OzonClient` calls parsers."""

    def read(data: object, method: str) -> M:
        return parse(model, data, method)

    return read


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{_path(errors[0]['loc'])}: {_expected(errors[0])}{more}"


def _path(loc: tuple[int | str, ...]) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


_EXPECTED = {
    "missing": "expected a value, got nothing",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "dict_type": "expected an object",
    "tuple_type": "expected an array",
    "list_type": "expected an array",
    "string_type": "expected a string",
}


def _expected(error: ErrorDetails) -> str:
    if error["type"] == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return _EXPECTED.get(error["type"], error["msg"])


# --- answers with nothing to model but a wrapper ---------------------------------------------


class _UnreadCount(OzonModel):
    unread_count: Count = 0


class _StartedChat(OzonModel):
    chat_id: Id = Field(validation_alias=AliasPath("result", "chat_id"))


class _SendResult(OzonModel):
    result: Text = ""


class _Posting(OzonModel):
    result: Posting


class _ProductInfos(OzonModel):
    items: Many[ProductInfo] = ()


class _ProductAttributes(OzonModel):
    result: Many[ProductAttributes] = ()


class _ProductDescription(OzonModel):
    result: ProductDescription


class _AttributeName(OzonModel):
    id: Integer
    name: Text = ""


class _AttributeNames(OzonModel):
    result: Many[_AttributeName] = ()


class _CreatedAnswer(OzonModel):
    answer_id: Id


class _CreatedComment(OzonModel):
    comment_id: Id


class _Nothing(OzonModel):
    pass


# --- answers that are one model ------------------------------------------------------------

chat_page = reader(ChatPage)
chat_history = reader(ChatHistory)
returns_page = reader(ReturnsPage)
key_roles = reader(KeyRoles)
push_urls = reader(PushUrls)
question_page = reader(QuestionPage)
question = reader(Question)
question_count = reader(QuestionCount)
answer_page = reader(AnswerPage)
review_page = reader(ReviewPage)
review = reader(Review)
review_count = reader(ReviewCount)
comment_page = reader(CommentPage)


# --- answers that are one field, or need more than the model -------------------------------


def unread_count(data: object, method: str) -> int:
    return parse(_UnreadCount, data, method).unread_count


def started_chat_id(data: object, method: str) -> str:
    return parse(_StartedChat, data, method).chat_id


def send_result(data: object, method: str) -> None:
    """`{"result": "success"}`; anything else means we cannot tell what happened."""
    result = parse(_SendResult, data, method).result
    if result.lower() != "success":
        raise OzonMalformedError(method, f"$.result: expected 'success', got {result!r}")


def created_answer_id(data: object, method: str) -> str:
    return parse(_CreatedAnswer, data, method).answer_id


def created_comment_id(data: object, method: str) -> str:
    return parse(_CreatedComment, data, method).comment_id


def nothing(data: object, method: str) -> None:
    """Methods that answer an empty object on success (`change-status`, deletes)."""
    parse(_Nothing, data, method)


def push(data: object) -> Push:
    """A chat push's body; `OzonMalformedError` (method `push`) names what is missing."""
    return parse(Push, data, PUSH)


def posting(data: object, method: str, scheme: Literal["fbs", "fbo"]) -> Posting:
    return parse(_Posting, data, method, scheme=scheme).result


def postings_page(data: object, method: str, scheme: Literal["fbs", "fbo"]) -> PostingsPage:
    return parse(PostingsPage, data, method, scheme=scheme)


def product_infos(data: object, method: str) -> tuple[ProductInfo, ...]:
    return parse(_ProductInfos, data, method).items


def product_description(data: object, method: str) -> ProductDescription:
    return parse(_ProductDescription, data, method).result


def category_attribute_names(data: object, method: str) -> dict[int, str]:
    """`/v1/description-category/attribute` → attribute id → name (unnamed ones left out)."""
    return {row.id: row.name for row in parse(_AttributeNames, data, method).result if row.name}


def product_attributes(data: object, method: str) -> tuple[ProductAttributes, ...]:
    """The cards, each attribute named from the fixed table where it knows the id (Ozon's
    answer has ids only; `OzonClient` puts Ozon's own names over these when it can get them)."""
    cards = parse(_ProductAttributes, data, method).result
    return tuple(
        card.model_copy(update={"attributes": tuple(map(_known_name, card.attributes))})
        for card in cards
    )


def _known_name(attribute: Attribute) -> Attribute:
    entry = known.by_id(attribute.id)
    if entry is None:
        return attribute
    return attribute.model_copy(update={"name": entry.name_ru, "name_en": entry.name_en})
