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

from bot.dialogue.types import DialogueResult, TurnRequest
from bot.dialogue.wire import parse_channel_answer
from bot.errors import RasaMalformedError, RasaUnavailableError

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
