"""`ozonbot actions`: serve the Rasa custom actions until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import load_settings
from bot.errors import ConfigError, OzonbotError
from bot.logs import configure_logging

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction, name: str, summary: str) -> None:  # type: ignore[type-arg]  # argparse's private generic
    parser = sub.add_parser(
        name,
        help=summary,
        description="Serve Rasa's action endpoint (POST /webhook, GET /health, GET /actions).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="port to listen on (default: OZONBOT_ACTIONS_PORT, 5055)",
    )
    parser.add_argument(
        "--knowledge",
        type=Path,
        default=None,
        help="directory of the approved answer snippets (OZONBOT_KNOWLEDGE_DIR, ./knowledge)",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings.worker.log_level)
    port = settings.worker.actions_port if args.port is None else args.port
    try:
        knowledge = args.knowledge or settings.worker.knowledge_dir
        asyncio.run(serve(settings, host=args.host, port=port, knowledge_dir=knowledge))
    except ConfigError:
        raise
    except OzonbotError as exc:
        # Start-up failures (bad knowledge files, ...): one line, not a traceback.
        print(f"ozonbot actions: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"ozonbot actions: cannot listen on {args.host}:{port}: {exc}", file=sys.stderr)
        return 1
    return 0


async def serve(settings: Settings, *, host: str, port: int, knowledge_dir: Path) -> None:
    """Run the action server until SIGTERM/SIGINT, then close everything it opened."""
    from aiohttp import web

    from bot.dialogue.actions.deps import build_action_deps
    from bot.dialogue.actions.server import build_action_app

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    deps = build_action_deps(settings, knowledge_dir=knowledge_dir)
    runner = web.AppRunner(build_action_app(deps), handle_signals=False)
    try:
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        log.info("action server listening on %s", ", ".join(map(str, runner.addresses)))
        await stop.wait()
        log.info("stopping the action server")
    finally:
        # Closes the app, whose cleanup closes the Ozon session.
        await runner.cleanup()
