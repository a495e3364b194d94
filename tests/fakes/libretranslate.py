"""A local LibreTranslate-compatible server for tests: real HTTP, the two methods the bot calls.

    async with FakeLibreTranslate.running({("ru", "zh"): {"Привет": "你好"}}) as lt:
        settings = TranslateSettings(url=lt.url, timeout_s=0.5)
        lt.slow(2.0)        # answers after 2 s (the client times out)
        lt.garbage()        # 200 with a body that is not a translation
        await lt.go_down()  # connections refused until come_back()

`POST /translate {q, source, target, format, api_key?}` answers `{"translatedText": ...}` from
a small dictionary: the whole text when it is known, else every known phrase replaced inside it
(so a masked "[phone]" or an unknown word passes through as it is, like a real engine's). An
unknown language answers 400 `{"error": ...}` and a wrong `api_key` 403, as LibreTranslate does.
`GET /languages` lists the loaded languages. Every /translate body is kept in `received`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

Dictionary = Mapping[tuple[str, str], Mapping[str, str]]
_NAMES = {"ru": "Russian", "en": "English", "zh": "Chinese", "zh-Hans": "Chinese (Simplified)"}


@dataclass
class FakeLibreTranslate:
    dictionary: Dictionary
    codes: tuple[str, ...] = ("en", "ru", "zh")
    api_key: str | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    delay_s: float = 0.0
    answer_garbage: bool = False
    _down: bool = False
    _server: LocalServer | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls, dictionary: Dictionary, **options: Any
    ) -> AsyncIterator[FakeLibreTranslate]:
        fake = cls(dictionary, **options)
        await fake.start()
        try:
            yield fake
        finally:
            await fake.close()

    @property
    def server(self) -> LocalServer:
        assert self._server is not None, "start() first"
        return self._server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/translate", self._translate)
        app.router.add_get("/languages", self._languages)
        self._server = LocalServer(app, shutdown_timeout=0.5)
        await self._server.start()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    # --- faults -------------------------------------------------------------------------

    def slow(self, seconds: float) -> None:
        self.delay_s = seconds

    def garbage(self, on: bool = True) -> None:
        self.answer_garbage = on

    async def go_down(self) -> None:
        """Connections are refused, and requests on kept-alive connections dropped."""
        self._down = True
        await self.server.refuse()

    async def come_back(self) -> None:
        self._down = False
        await self.server.listen()

    def heal(self) -> None:
        self.delay_s = 0.0
        self.answer_garbage = False

    # --- what was asked -------------------------------------------------------------------

    def asked(self, source: str | None = None, target: str | None = None) -> list[str]:
        """The texts sent for translation (optionally of one direction), in order."""
        return [
            body["q"]
            for body in self.received
            if (source is None or body.get("source") == source)
            and (target is None or body.get("target") == target)
        ]

    # --- the API --------------------------------------------------------------------------

    def _dropped(self, request: web.Request) -> web.Response | None:
        if not self._down:
            return None
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=503)

    async def _translate(self, request: web.Request) -> web.Response:
        if (dropped := self._dropped(request)) is not None:
            return dropped
        body = await request.json()
        self.received.append(body)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.answer_garbage:
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        if self.api_key is not None and body.get("api_key") != self.api_key:
            return web.json_response({"error": "Invalid API key"}, status=403)
        source, target = body.get("source"), body.get("target")
        for code in (source, target):
            if code not in self.codes:
                return web.json_response({"error": f"{code} is not supported"}, status=400)
        return web.json_response({"translatedText": self._lookup(body["q"], source, target)})

    def _lookup(self, text: str, source: str, target: str) -> str:
        table = self.dictionary.get((_plain(source), _plain(target)), {})
        if text.strip() in table:
            return table[text.strip()]
        for phrase in sorted(table, key=len, reverse=True):
            text = text.replace(phrase, table[phrase])
        return text

    async def _languages(self, request: web.Request) -> web.Response:
        if (dropped := self._dropped(request)) is not None:
            return dropped
        listed = [
            {"code": code, "name": _NAMES.get(code, code), "targets": list(self.codes)}
            for code in self.codes
        ]
        return web.json_response(listed)


def _plain(code: str) -> str:
    return "zh" if code.startswith("zh") else code
