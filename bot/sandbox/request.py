"""How the emulator reads a request body: field by field, each complaint naming the field.

A request is the client's JSON, not Ozon's: the emulator is as lenient as Ozon about ids (a JSON
number or string) and flags ("true"), and a complaint (`OzonMalformedError`) becomes Ozon's own
400 / code 3 in `bot.sandbox.app`. Answers from Ozon are read by the models of `bot.ozon.schemas`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.errors import OzonMalformedError


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

    def text(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self._bad(key, "a string")

    def id(self, key: str) -> str | None:
        """An optional id sent as a JSON number or string; "0"/0 means none in protobuf JSON."""
        value = self._data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | str | None):
            raise self._bad(key, "an id (integer or string)")
        return None if value is None or str(value) in ("", "0") else str(value)

    def integer(self, key: str) -> int | None:
        value = self._data.get(key)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise self._bad(key, "an integer")

    def flag(self, key: str) -> bool:
        value = self._data.get(key)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise self._bad(key, "a boolean")

    def moment(self, key: str) -> datetime | None:
        value = self.text(key)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self._bad(key, "an RFC 3339 date-time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

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

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._bad(key, "an array of strings")
        return tuple(value)


def _is_id(value: object) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)
