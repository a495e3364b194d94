"""HTTP client for the Rasa server: the `ozonbot` input channel and Rasa's pause/resume events.

One aiohttp session for the process; every failure becomes a `RasaError` (refused, timed out,
5xx → `RasaUnavailableError`; an answer we cannot read → `RasaMalformedError`).
"""

from __future__ import annotations

import json as json_module
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.dialogue.types import ActionPayload, DialogueResult, Entity, TurnRequest
from bot.errors import RasaMalformedError, RasaUnavailableError
from bot.models import EscalationReason

WEBHOOK = "/webhooks/ozonbot/webhook"


class RasaClient:
    def __init__(self, base_url: str, *, timeout_s: float = 20.0, token: str | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def understand(self, request: TurnRequest) -> DialogueResult:
        body = {"sender": request.sender, "message": request.text, "metadata": request.metadata()}
        return parse_channel_answer(await self._post(WEBHOOK, body))

    async def pause(self, sender: str) -> None:
        await self._post(_events_path(sender), {"event": "pause"})

    async def resume(self, sender: str) -> None:
        await self._post(_events_path(sender), {"event": "resume"})

    async def tracker(self, sender: str) -> Any:
        """Every event of `sender`'s conversation as Rasa's JSON; None when Rasa has none."""
        path = f"/conversations/{_sender(sender)}/tracker"
        return await self._request("GET", path, params={"include_events": "ALL"}, missing_ok=True)

    async def healthy(self) -> bool:
        try:
            async with self._http().get(f"{self._base}/status", params=self._params()) as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    def _params(self) -> dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def _post(self, path: str, body: Mapping[str, object]) -> Any:
        return await self._request("POST", path, json=body)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, object] | None = None,
        params: Mapping[str, str] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        url = f"{self._base}{path}"
        query = {**(params or {}), **self._params()}
        try:
            async with self._http().request(method, url, json=json, params=query) as resp:
                raw = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailableError(f"{path}: {type(exc).__name__}: {exc}") from exc
        if status == 404 and missing_ok:
            return None
        if status >= 500 or status in (408, 429):
            raise RasaUnavailableError(f"{path}: server error", status=status)
        if status >= 400:
            raise RasaMalformedError(f"{path}: request refused: {raw[:200]!r}", status=status)
        try:
            return json_module.loads(raw)
        except ValueError as exc:
            raise RasaMalformedError(f"{path}: answer is not JSON", status=status) from exc


def _sender(sender: str) -> str:
    # Rasa takes the path segment literally (it does not decode %3A): keep our colons as they
    # are, or `prefix:shop:chat` would name another, empty conversation.
    return quote(sender, safe=":")


def _events_path(sender: str) -> str:
    return f"/conversations/{_sender(sender)}/tracker/events"


def parse_channel_answer(data: Any) -> DialogueResult:
    """The channel's JSON (docs/dialogue.md) → `DialogueResult`; anything else is malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("messages", []), list):
        raise RasaMalformedError(f"channel answer has the wrong shape: {str(data)[:200]}")
    intent = data.get("intent") or {}
    if not isinstance(intent, dict):
        raise RasaMalformedError("channel answer: 'intent' is not an object")
    replies: list[str] = []
    payloads: list[ActionPayload] = []
    for message in data.get("messages", []):
        if not isinstance(message, dict):
            raise RasaMalformedError("channel answer: a message is not an object")
        if isinstance(message.get("text"), str) and message["text"].strip():
            replies.append(message["text"])
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("ozonbot"), dict):
            payloads.append(_payload(custom["ozonbot"]))
    return DialogueResult(
        intent=_opt_str(intent.get("name")),
        confidence=_opt_float(intent.get("confidence")),
        entities=tuple(_entity(e) for e in data.get("entities") or [] if isinstance(e, dict)),
        replies=tuple(replies),
        payloads=tuple(payloads),
        ranking=tuple(
            (str(r.get("name")), float(r.get("confidence") or 0.0))
            for r in data.get("intent_ranking") or []
            if isinstance(r, dict)
        ),
        paused=bool(data.get("paused", False)),
    )


def _payload(raw: dict[str, Any]) -> ActionPayload:
    kind = raw.get("kind")
    if kind not in ("reply", "escalate", "retry"):
        raise RasaMalformedError(f"action payload of unknown kind {kind!r}")
    reason = raw.get("reason")
    try:
        parsed_reason = EscalationReason(reason) if reason else None
    except ValueError as exc:
        raise RasaMalformedError(f"action payload with unknown reason {reason!r}") from exc
    facts = raw.get("facts") or {}
    return ActionPayload(
        kind=kind,
        key=_opt_str(raw.get("key")),
        reason=parsed_reason,
        detail=_opt_str(raw.get("detail")),
        suggested=_opt_str(raw.get("suggested")),
        error=_opt_str(raw.get("error")),
        facts={str(k): str(v) for k, v in facts.items() if v is not None}
        if isinstance(facts, dict)
        else {},
    )


def _entity(raw: dict[str, Any]) -> Entity:
    start, end = raw.get("start"), raw.get("end")
    return Entity(
        entity=str(raw.get("entity")),
        value=str(raw.get("value")),
        start=start if isinstance(start, int) else None,
        end=end if isinstance(end, int) else None,
    )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_float(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    raise RasaMalformedError(f"confidence is not a number: {value!r}")
