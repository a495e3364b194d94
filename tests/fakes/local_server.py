"""One aiohttp application on 127.0.0.1 for a fake service: start, stop, and go down and come
back on the same port (what the fakes of Telegram, LibreTranslate and Rasa share)."""

from __future__ import annotations

from aiohttp import web


class LocalServer:
    def __init__(self, app: web.Application, *, shutdown_timeout: float = 0.5) -> None:
        self._runner = web.AppRunner(
            app, handle_signals=False, shutdown_timeout=shutdown_timeout, access_log=None
        )
        self._site: web.TCPSite | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        await self._runner.setup()
        await self.listen()

    async def listen(self) -> None:
        """Accept connections (again), on the port of the first start."""
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await self._site.start()
        self.port = self._runner.addresses[0][1]

    async def refuse(self) -> None:
        """Connections are refused, and requests on kept-alive connections dropped."""
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def close(self) -> None:
        await self._runner.cleanup()
