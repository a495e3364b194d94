"""`ozonbot sandbox`: serve the Ozon Seller API emulator until interrupted.

Prints one line `ozonbot sandbox: serving on http://HOST:PORT` once it listens (with `--port 0`
that line tells the port the system chose), then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_PORT = 8079


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str
) -> None:
    parser = sub.add_parser(name, help=summary, description=summary + ". " + _DETAILS)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)"
    )
    parser.add_argument(
        "--seed", type=Path, metavar="FILE", help="scenario YAML whose postings/products to serve"
    )
    parser.add_argument(
        "--client-id", help="accept only this Client-Id (with --api-key); default: any pair"
    )
    parser.add_argument("--api-key", help="the Api-Key that goes with --client-id")
    parser.add_argument(
        "--no-premium", action="store_true", help="shops start without Premium (writes refused)"
    )
    parser.add_argument(
        "--premium-history",
        action="store_true",
        help="/v3/chat/history needs Premium too (as the method's OpenAPI description says)",
    )
    parser.add_argument(
        "--reply-windows", action="store_true", help="enforce Ozon's reply windows (FBO 48 h...)"
    )
    parser.add_argument(
        "--hold", type=float, default=30.0, metavar="S", help="how long a timeout fault holds"
    )
    parser.add_argument(
        "--validate",
        type=Path,
        metavar="SPEC",
        help="check every request and answer against this OpenAPI file (needs jsonschema)",
    )
    parser.set_defaults(handler=_run)


_DETAILS = (
    "The twelve Seller API methods the bot uses, at their real paths, plus a control API "
    "under /sandbox/ (buyer-message, sent, faults, reset, seed, ...; see bot/sandbox/app.py)."
)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from bot.errors import ConfigError

    if (args.client_id is None) != (args.api_key is None):
        raise ConfigError("--client-id/--api-key", "give both or neither")
    try:
        asyncio.run(_serve(args))
    except OSError as exc:
        print(f"ozonbot sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    return 0


async def _serve(args: argparse.Namespace) -> None:
    import asyncio
    import signal

    from bot import yamlio
    from bot.errors import ConfigError, SeedError
    from bot.sandbox.app import serve
    from bot.sandbox.state import SandboxState

    state = SandboxState(
        credentials={args.client_id: args.api_key} if args.client_id else None,
        premium=not args.no_premium,
        premium_gates_history=args.premium_history,
        reply_windows=args.reply_windows,
        hold_s=args.hold,
    )
    if args.seed is not None:
        try:
            scenario = yamlio.parse(args.seed.read_text(encoding="utf-8")) or {}
            if not isinstance(scenario, dict):
                raise SeedError("a scenario file holds a mapping")
            state.seed_at_startup(scenario)
        except (OSError, yamlio.YAMLError, SeedError) as exc:
            raise ConfigError("--seed", f"{args.seed}: {exc}") from exc
    async with serve(state, host=args.host, port=args.port, spec=args.validate) as sandbox:
        print(f"ozonbot sandbox: serving on {sandbox.url}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
