"""How the emulator reads a request body: field by field, each complaint naming the field.

A request is the client's JSON, not Ozon's, but the emulator reads it by the rules the client
reads Ozon with (`bot.ozon.fields`: ids as JSON numbers or strings, flags as "true"). A complaint
(`OzonMalformedError`) becomes Ozon's own 400 / code 3 in `bot.sandbox.app`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from bot.errors import OzonMalformedError
from bot.ozon import fields

_T = TypeVar("_T")


class Node:
    """One JSON object of a request; every accessor names the field when it complains."""

    __slots__ = ("_data", "_method", "_where")

    def __init__(self, data: object, method: str, where: str = "$") -> None:
        if not isinstance(data, dict):
            raise OzonMalformedError(method, f"{where}: expected an object")
        self._data = data
        self._method = method
        self._where = where

    def _bad(self, key: str, expected: str) -> OzonMalformedError:
        return OzonMalformedError(self._method, f"{self._where}.{key}: expected {expected}")

    def _read(self, key: str, read: Callable[[object], _T]) -> _T:
        try:
            return read(self._data.get(key))
        except ValueError as exc:
            raise OzonMalformedError(self._method, f"{self._where}.{key}: {exc}") from None

    def text(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self._bad(key, "a string")

    def id(self, key: str) -> str | None:
        """An optional id sent as a JSON number or string; "0"/0 means none in protobuf JSON."""
        return self._read(key, fields.optional_id)

    def integer(self, key: str) -> int | None:
        return self._read(key, fields.optional_integer)

    def flag(self, key: str) -> bool:
        return self._read(key, fields.flag)

    def moment(self, key: str) -> datetime | None:
        return self._read(key, fields.moment)

    def strings(self, key: str) -> tuple[str, ...]:
        return self._read(key, fields.strings)

    def child(self, key: str) -> Node | None:
        value = self._data.get(key)
        return None if value is None else Node(value, self._method, f"{self._where}.{key}")

    def id_list(self, key: str) -> tuple[str, ...]:
        value = self._data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(_is_id(v) for v in value):
            raise self._bad(key, "an array of ids")
        return tuple(str(v) for v in value)


def _is_id(value: object) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)
