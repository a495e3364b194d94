"""The `ozonbot` input channel: one buyer turn in, the bot's messages and the NLU result out.

Registered in `credentials.yml` as `policies.channel.OzonbotInput`; served by `rasa run` at
`POST /webhooks/ozonbot/webhook`. Request and answer are specified in docs/dialogue.md.

Unlike Rasa's `rest` channel, which answers 200 with whatever was collected even when handling
failed, this channel reports failures: 400 for a request it cannot read, 503 while no model is
loaded, 500 when Rasa failed to handle the turn. The worker must never mistake a failure for
"the bot had nothing to say".
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

RANKING_SIZE = 5
_dumps = partial(json.dumps, ensure_ascii=False)


class BadTurn(ValueError):
    """The request body is not a turn this channel understands (answered with 400)."""


@dataclass(frozen=True)
class IncomingTurn:
    sender: str
    message: str
    metadata: dict[str, Any]


def parse_turn(body: bytes) -> IncomingTurn:
    """Read the JSON body of a webhook request, or raise `BadTurn` saying what is wrong."""
    try:
        data = json.loads(body or b"")
    except ValueError as exc:
        raise BadTurn("the body must be a JSON object") from exc
    if not isinstance(data, dict):
        raise BadTurn("the body must be a JSON object")
    sender, message = data.get("sender"), data.get("message")
    metadata = data.get("metadata") if data.get("metadata") is not None else {}
    if not isinstance(sender, str) or not sender.strip():
        raise BadTurn("'sender' must be a non-empty string")
    if not isinstance(message, str) or not message.strip():
        raise BadTurn("'message' must be a non-empty string")
    if not isinstance(metadata, dict):
        raise BadTurn("'metadata' must be an object")
    return IncomingTurn(sender=sender, message=message, metadata=metadata)


def find_user_event(tracker: DialogueStateTracker, message_id: str) -> UserUttered | None:
    """The user event of this request, looked up by id so that a turn an action reverted
    (Rasa forgets it: `UserUtteranceReverted`) still reports its own NLU result."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and event.message_id == message_id:
            return event
    return None


def _intent(intent: dict[str, Any]) -> dict[str, Any] | None:
    if not intent or intent.get("name") is None:
        return None
    return {"name": intent["name"], "confidence": float(intent.get("confidence") or 0.0)}


def nlu_result(event: UserUttered | None) -> dict[str, Any]:
    """`intent`, `intent_ranking` (top 5) and `entities` of the turn, spelled as in the contract."""
    if event is None:
        return {"intent": None, "intent_ranking": [], "entities": []}
    ranking = cast("list[dict[str, Any]]", event.parse_data.get("intent_ranking") or [])
    return {
        "intent": _intent(event.intent),
        "intent_ranking": [r for r in map(_intent, ranking[:RANKING_SIZE]) if r is not None],
        "entities": [
            {key: entity.get(key) for key in ("entity", "value", "start", "end")}
            for entity in event.entities
        ],
    }


def bot_messages(collected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Rasa adds `recipient_id` to every message; the worker already knows the sender.
    return [{k: v for k, v in message.items() if k != "recipient_id"} for message in collected]


def answer_body(
    sender: str,
    tracker: DialogueStateTracker | None,
    message_id: str,
    collected: list[dict[str, Any]],
) -> dict[str, Any]:
    event = find_user_event(tracker, message_id) if tracker is not None else None
    return {
        "sender": sender,
        "paused": bool(tracker is not None and tracker.is_paused()),
        **nlu_result(event),
        "messages": bot_messages(collected),
    }


def _error(status: int, problem: str) -> HTTPResponse:
    return response.json({"error": problem}, status=status, dumps=_dumps)


class OzonbotInput(InputChannel):
    """`POST /webhooks/ozonbot/webhook`: docs/dialogue.md, "Worker → Rasa"."""

    @classmethod
    def name(cls) -> str:
        return "ozonbot"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        webhook = Blueprint("ozonbot_webhook", __name__)
        webhook.add_route(health, "/", methods=["GET"])
        webhook.add_route(receive, "/webhook", methods=["POST"])
        return webhook

    async def _receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        try:
            turn = parse_turn(request.body)
        except BadTurn as exc:
            return _error(400, str(exc))
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            return _error(503, "no model is loaded")
        collector = CollectingOutputChannel()
        message_id = uuid.uuid4().hex
        message = UserMessage(
            turn.message,
            collector,
            turn.sender,
            input_channel=self.name(),
            message_id=message_id,
            metadata=turn.metadata,
        )
        try:
            await on_new_message(message)
            # Read after Rasa released its per-sender lock; the turn is found by its message id,
            # so a later turn of the same chat cannot be mistaken for it (the worker sends one
            # turn per chat at a time anyway).
            tracker = await agent.tracker_store.retrieve(turn.sender)
        except Exception as exc:  # reported to the worker as a 500, never swallowed
            # An exception's message may quote the buyer: only its type at ERROR level.
            logger.error("ozonbot turn failed for %s: %s", turn.sender, type(exc).__name__)
            logger.debug("ozonbot turn failure", exc_info=True)
            return _error(500, f"handling the turn failed: {type(exc).__name__}")
        body = answer_body(turn.sender, tracker, message_id, collector.messages)
        return response.json(body, dumps=_dumps)
