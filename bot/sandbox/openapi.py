"""Checks requests and answers against Ozon's OpenAPI subset (shared/ozon/openapi-subset.json).

The emulator uses it in strict mode (`create_app(spec=...)`, `ozonbot sandbox --validate FILE`):
every request the client sends and every answer the emulator gives is validated, so the two
cannot drift from the documented shapes together.

Reconciling the file with what Ozon really sends (README "Changes and traps", which win):
- 64-bit integers (`format: int64/uint64`) also accept decimal strings: Ozon's gateway encodes
  them the protobuf-JSON way, and its own examples send `"message_id": "3000000000817031942"`.
- `has_next` also accepts the strings "true"/"false".
- A `pattern` starting with a space is a human template (2026-10 file), not a regex: dropped.
- Upper-case `OPENED`/`BUYER_SELLER`: the file types `chat_status`/`chat_type` as plain strings
  (no enum), so nothing needs changing.
- Question schemas type some fields `timestamp`, `enum` or null (not JSON Schema types): those
  fields are left untyped; constraint-only `oneOf` alternatives are read as `anyOf`.
- OpenAPI 3.0 is validated as JSON Schema draft 4 (its base): `$ref` replaces its siblings;
  the file uses no `nullable`. Formats are not checked (ids above 2^64 break "uint64").

`jsonschema` is a development dependency: strict mode is for tests and demos.
"""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

_LENIENT_INTEGER_FORMATS = ("int64", "uint64")
_JSON_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})


class OpenApiSpec:
    def __init__(self, path: Path) -> None:
        document = json.loads(path.read_text(encoding="utf-8"))
        self._components = _reconcile(copy.deepcopy(document["components"]))
        self._operations = {
            route: operations["post"] for route, operations in document["paths"].items()
        }
        self._validators: dict[tuple[str, str], Any] = {}

    @property
    def methods(self) -> frozenset[str]:
        return frozenset(self._operations)

    def request_errors(self, method: str, body: object) -> list[str]:
        operation = self._operations[method]
        if "requestBody" not in operation:
            # `/v1/roles` takes no body: an empty object is what a JSON client sends.
            return [] if body in ({}, None) else [f"{method}: takes no request body"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return self._errors((method, "request"), ref, body)

    def response_errors(self, method: str, status: int, body: object) -> list[str]:
        responses = self._operations[method]["responses"]
        answer = responses.get(str(status)) or responses.get("default")
        if answer is None:
            return [f"{method}: HTTP {status} is not a documented answer"]
        if "content" not in answer:
            # "Статус изменён", "Ответ удалён": a documented answer without a body schema.
            return [] if body in ({}, None) else [f"{method}: HTTP {status} has no body"]
        ref = answer["content"]["application/json"]["schema"]["$ref"]
        return self._errors((method, str(status)), ref, body)

    def _errors(self, key: tuple[str, str], ref: str, body: object) -> list[str]:
        validator = self._validators.get(key)
        if validator is None:
            # Imported here: jsonschema ships no type information and is only needed in tests.
            jsonschema: Any = importlib.import_module("jsonschema")
            schema = {"$ref": ref, "components": self._components}
            validator = self._validators[key] = jsonschema.Draft4Validator(schema)
        return [
            f"{key[0]} {key[1]} at /{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(body)
        ]


def _reconcile(node: Any) -> Any:
    """Widen the schema where Ozon's real answers differ from the file (see module doc)."""
    if isinstance(node, list):
        return [_reconcile(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _reconcile(value) for key, value in node.items()}
    if node.get("type") == "integer" and node.get("format") in _LENIENT_INTEGER_FORMATS:
        digits = {"type": "string", "pattern": "^-?[0-9]+$"}
        return {"anyOf": [{"type": "integer"}, digits]}
    if str(node.get("pattern", "")).startswith(" "):
        # openapi-2026-10.json writes human templates there (" YYYY-MM-DDThh:mm:ssZ",
        # " +7(XXX)XXX-XX-XX"), not regular expressions: nothing real would match them.
        node = {key: value for key, value in node.items() if key != "pattern"}
    kind = node.get("type", "object")
    if (kind is None or isinstance(kind, str)) and kind not in _JSON_TYPES:
        # The 2026-10 question schemas write `"type": "timestamp"`, `"enum"` or null: not JSON
        # Schema types (a validator would refuse the schema itself). The field stays, untyped.
        node = {key: value for key, value in node.items() if key != "type"}
    branches = node.get("oneOf")
    if isinstance(branches, list) and all("type" not in b for b in branches):
        # `/v1/review/comment/list` offers "review_id" or "filter.sku" as oneOf constraint-only
        # branches; a body with review_id alone satisfies both vacuously, which oneOf refuses.
        node = {key: value for key, value in node.items() if key != "oneOf"} | {"anyOf": branches}
    properties = node.get("properties")
    if isinstance(properties, dict) and "has_next" in properties:
        properties["has_next"] = {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}]}
    return node
