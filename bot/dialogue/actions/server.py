"""Rasa's action protocol over aiohttp, executed by rasa_sdk's `ActionExecutor`.

Mirrors rasa_sdk 3.21's own Sanic endpoint (`rasa_sdk/endpoint.py`) so Rasa cannot tell the
difference, with two deliberate changes for Rasa 3.6:
- Rasa 3.6 knows nothing of domain digests or HTTP 449: it sends the whole domain unless
  `enable_selective_domain` is set, and then sends none. Our actions never read the domain, so a
  call without one runs with an empty domain instead of being refused with a 449 Rasa 3.6 would
  treat as a failed action.
- No version check: rasa_sdk's warns on every call when the minor versions differ (3.6 vs 3.21,
  our pinned pair), and the request body (buyer text) is never echoed in an error or a log.
Deflate-compressed calls (`COMPRESS_ACTION_SERVER_REQUEST=true` in Rasa) are inflated by aiohttp's
request parser before the handler reads them.

Routes: `POST /webhook` (the action call), `GET /health`, `GET /actions`.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from aiohttp import web
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import (
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)

from bot.dialogue.actions.deps import ActionDeps
from bot.dialogue.actions.registry import build_actions

log = logging.getLogger(__name__)

# HTTP status rasa_sdk answers when it needs the domain again (Rasa ≥ 3.7 resends it).
_DOMAIN_MISSING = 449


class ActionEndpoint:
    """The three routes of an action server around one `ActionExecutor`."""

    def __init__(self, actions: Iterable[Action], ozon_urls: Mapping[str, str]) -> None:
        self._executor = ActionExecutor()
        for action in actions:
            self._executor.register_action(action)
        self._ozon_urls = dict(ozon_urls)

    @classmethod
    def for_deps(cls, deps: ActionDeps) -> ActionEndpoint:
        """Every action of the domain, built on `deps`."""
        return cls(build_actions(deps), deps.api_urls())

    async def webhook(self, request: web.Request) -> web.Response:
        try:
            call = _action_call(await request.read())
        except ValueError as exc:
            return web.json_response({"error": f"Invalid body request: {exc}"}, status=400)
        return await self._run(call)

    async def health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "ozon": self._ozon_urls})

    async def actions(self, _: web.Request) -> web.Response:
        names = [item.model_dump() for item in self._executor.list_actions()]
        return web.json_response(names)

    async def _run(self, call: dict[str, Any]) -> web.Response:
        name = call.get("next_action")
        try:
            result = await self._executor.run(call)
        except ActionExecutionRejection as exc:
            return _error(exc.message, exc.action_name, 400)
        except ActionNotFoundException as exc:
            log.error("Rasa asked for unknown action %r", exc.action_name)
            return _error(exc.message, exc.action_name, 404)
        except ActionMissingDomainException as exc:
            return _error(exc.message, exc.action_name, _DOMAIN_MISSING)
        except Exception as exc:
            # Like rasa_sdk: a failing action is a 500 with the error; Rasa logs it and moves
            # on. The call itself (buyer text) is not logged.
            log.exception("action %s failed", name)
            return _error(f"{type(exc).__name__}: {exc}", name, 500)
        # rasa_sdk answers a call without `next_action` with JSON null; so do we.
        return web.json_response(result.model_dump() if result else None)


def _error(message: str, action_name: object, status: int) -> web.Response:
    return web.json_response({"error": message, "action_name": action_name}, status=status)


def _action_call(body: bytes) -> dict[str, Any]:
    """The JSON action call; raises `ValueError` when it is not one Rasa would send."""
    try:
        call = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("not JSON") from exc
    if not isinstance(call, dict):
        raise ValueError("not a JSON object")
    tracker = call.get("tracker")
    if call.get("next_action") is not None and not (
        isinstance(tracker, dict) and isinstance(tracker.get("sender_id"), str)
    ):
        raise ValueError("no tracker with a sender_id")
    if call.get("domain") is None:
        call["domain"] = {}
    return call


def add_action_routes(
    app: web.Application,
    endpoint: ActionEndpoint,
    *,
    prefix: str = "",
    token: str | None = None,
) -> None:
    """Serve the action protocol on `app` (the worker can mount it on its own port).

    With `token`, `/webhook` answers 401 unless the call carries it (Rasa sends the
    `action_endpoint` token of endpoints.yml as `?token=`): on a port that also takes Ozon's
    pushes from the internet, the action endpoint must not be open to anyone."""
    webhook = endpoint.webhook if token is None else _guarded(endpoint.webhook, token)
    app.router.add_post(f"{prefix}/webhook", webhook)
    app.router.add_get(f"{prefix}/health", endpoint.health)
    app.router.add_get(f"{prefix}/actions", endpoint.actions)


def _guarded(
    handler: Callable[[web.Request], Awaitable[web.Response]], token: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    expected = token.encode()

    async def guarded(request: web.Request) -> web.Response:
        given = request.query.get("token") or _bearer(request.headers.get("Authorization", ""))
        if not given or not hmac.compare_digest(given.encode(), expected):
            log.warning("action call from %s refused: no valid token", request.remote)
            return web.json_response({"error": "a valid token is required"}, status=401)
        return await handler(request)

    return guarded


def _bearer(header: str) -> str:
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def build_action_app(deps: ActionDeps) -> web.Application:
    """A stand-alone action server app; closes `deps` on cleanup."""
    app = web.Application()
    add_action_routes(app, ActionEndpoint.for_deps(deps))

    async def close_deps(_: web.Application) -> None:
        await deps.close()

    app.on_cleanup.append(close_deps)
    return app
