"""Field types for `bot.ozon.schemas`: each of Ozon's known traps (../shared/ozon/README.md) is a
validator here, so a model states a trap by naming a type.

- Ids arrive as JSON numbers or strings and beyond 2^53 (one example beyond 2^64): they become
  strings at once (Python's json keeps big integers exact). Protobuf JSON writes "no id" as `0`,
  so `0`/`"0"`/`""` is no id.
- Go encodes an empty list or object as `null` and protobuf leaves out empty lists, zeros and
  false values: a null or missing list, count, flag or text is empty, zero, false, "".
- `has_next` sometimes arrives as the string "true": flags take "true"/"false" too.
- Counts that are int64 in the schema may arrive as digit strings.
- A buyer's text may end in a lone UTF-16 surrogate (a cut emoji sent as JSON `\\ud83d`); such a
  string cannot be encoded to UTF-8 for Redis, Rasa or Telegram, so it becomes U+FFFD here.
- Dates are RFC 3339; Ozon's dates are UTC, so one without an offset is UTC.

The readers (`optional_id`, `optional_integer`, `flag`, `moment`, `strings`) are public because
the emulator reads its requests with the same rules (`bot.sandbox.request`).

Each validator takes Ozon's JSON value or the value a caller constructs a model with (a `str`,
an `int`, a `datetime`). A value of the wrong JSON type raises `ValueError` naming what was
expected; `bot.ozon.parsing` turns it into `OzonMalformedError` with the field's path.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainValidator

_T = TypeVar("_T")

_SURROGATE = re.compile("[\ud800-\udfff]")


class OzonModel(BaseModel):
    """A frozen value read from Ozon's JSON. Fields Ozon sends that we do not model are ignored;
    a field may be read under Ozon's name (`validation_alias`) or constructed by its own."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )


def well_formed(text: str) -> str:
    """`text` with lone UTF-16 surrogates (a cut emoji in Ozon's JSON) replaced by U+FFFD."""
    if _SURROGATE.search(text) is None:  # the common case costs one scan, no copy
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def optional_id(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return None if value in (None, "", "0") else value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if value else None
    raise ValueError("expected an id (integer or string)")


def _id_or_empty(value: object) -> str:
    return optional_id(value) or ""


def _need_id(value: object) -> str:
    parsed = optional_id(value)
    if parsed is None:
        raise ValueError("expected a non-empty id")
    return parsed


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return well_formed(value)
    raise ValueError("expected a string")


def _opt_text(value: object) -> str | None:
    return _text(value) or None


def _need_text(value: object) -> str:
    parsed = _text(value)
    if not parsed:
        raise ValueError("expected a non-empty string")
    return parsed


def _lines(value: object) -> str:
    """A message's `data[]` joined with a newline (images arrive as Markdown links)."""
    if isinstance(value, list | tuple):
        return well_formed("\n".join(strings(value)))
    return _text(value)


def optional_integer(value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ValueError("expected an integer")


def _count(value: object) -> int:
    return optional_integer(value) or 0


def _need_integer(value: object) -> int:
    parsed = optional_integer(value)
    if parsed is None:
        raise ValueError("expected an integer")
    return parsed


def flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("expected a boolean")


def moment(value: object) -> datetime | None:
    """An RFC 3339 date-time (UTC when it has no offset); none for null or ""."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return moment(datetime.fromisoformat(value))
        except ValueError:
            pass
    raise ValueError("expected an RFC 3339 date-time")


def _need_moment(value: object) -> datetime:
    parsed = moment(value)
    if parsed is None:
        raise ValueError("expected a date-time")
    return parsed


def _empty_if_none(value: object) -> object:
    return () if value is None else value


def strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ValueError("expected an array of strings")


Id = Annotated[str, PlainValidator(_need_id)]
"""A required id: a string, or a number made a string; never empty or "0"."""
OptId = Annotated[str | None, PlainValidator(optional_id)]
IdOrEmpty = Annotated[str, PlainValidator(_id_or_empty)]
Text = Annotated[str, PlainValidator(_text)]
"""A string, "" when absent; lone surrogates become U+FFFD."""
NeedText = Annotated[str, PlainValidator(_need_text)]
OptText = Annotated[str | None, PlainValidator(_opt_text)]
Lines = Annotated[str, PlainValidator(_lines)]
Count = Annotated[int, PlainValidator(_count)]
OptCount = Annotated[int | None, PlainValidator(optional_integer)]
Integer = Annotated[int, PlainValidator(_need_integer)]
Flag = Annotated[bool, PlainValidator(flag)]
Moment = Annotated[datetime, PlainValidator(_need_moment)]
OptMoment = Annotated[datetime | None, PlainValidator(moment)]
Strings = Annotated[tuple[str, ...], PlainValidator(strings)]
Many = Annotated[tuple[_T, ...], BeforeValidator(_empty_if_none)]
"""A list of objects; `null` (Go's empty slice) is empty."""
