"""`ozonbot demo`: the worker against the Ozon emulator with scripted buyers.

Starts what is missing (Redis, the Rasa server — training the model first if there is none —
and the action server), the emulator with a demo shop on the sandbox port, and the worker. The
scripted buyers write; the terminal shows each conversation and every staff card as it happens.
If Telegram settings are present (TELEGRAM_BOT_TOKEN and TELEGRAM_STAFF_CHAT_ID in the
environment or .env), the cards also go to Telegram. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import sys


def register(sub: argparse._SubParsersAction, name: str, summary: str) -> None:  # type: ignore[type-arg]  # argparse's private generic
    parser = sub.add_parser(name, help=summary, description=__doc__)
    parser.add_argument(
        "--once", action="store_true", help="stop when the script is done and answered"
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="faster (2) or slower (0.5) scripted buyers"
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from bot.demo.run import run_demo
    from bot.demo.watchdog import Watchdog
    from bot.errors import ServiceError

    # `--once` ends, whatever happens: the watchdog covers the loop's shutdown too.
    watchdog = Watchdog("ozonbot demo --once") if args.once else None
    try:
        return asyncio.run(run_demo(once=args.once, speed=args.speed, watchdog=watchdog))
    except ServiceError as exc:
        print(f"ozonbot demo: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the emulator's port is taken
        where = "is another demo, `ozonbot simulate` or `ozonbot sandbox` running?"
        print(f"ozonbot demo: cannot serve the Ozon emulator: {exc} ({where})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    finally:
        if watchdog is not None:
            watchdog.disarm()
