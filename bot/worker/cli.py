"""`ozonbot run`: the production worker, until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings


def register(sub: argparse._SubParsersAction, name: str, summary: str) -> None:  # type: ignore[type-arg]  # argparse's private generic
    parser = sub.add_parser(
        name,
        help=summary,
        description=(
            "Poll Ozon for buyer messages, answer the routine ones, escalate the rest to staff. "
            "Configuration comes from the environment and .env (see README, Configuration)."
        ),
    )
    parser.add_argument("--port", type=int, default=None, help="HTTP port (OZONBOT_HTTP_PORT)")
    parser.add_argument(
        "--instant-dialogue",
        action="store_true",
        help="answer with a fixed text instead of Rasa (tests and benchmarks only)",
    )
    parser.add_argument("--worker-id", default=None, help="name in logs and records")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from bot.config import load_settings

    settings = load_settings()
    if args.port is not None:
        settings = settings.model_copy(
            update={"worker": settings.worker.model_copy(update={"http_port": args.port})}
        )
    from bot.logs import configure_logging

    configure_logging(settings.worker.log_level)
    asyncio.run(run(settings, instant=args.instant_dialogue, worker_id=args.worker_id))
    return 0


async def run(settings: Settings, *, instant: bool = False, worker_id: str | None = None) -> None:
    from bot.app import App
    from bot.dialogue.instant import InstantDialogue

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    app = App.build(settings, dialogue=InstantDialogue() if instant else None, worker_id=worker_id)
    async with app:  # a start that fails half-way closes what it opened
        await stop.wait()
