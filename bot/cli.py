"""The `ozonbot` command line.

Each command lives next to the code it drives and registers itself through a `register(sub)`
function; this module only assembles them. Exit codes: 0 success, 1 the command's own negative
outcome (a violation, a failed expectation), 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from bot.errors import ConfigError

# name -> module with `register(subparsers, name, summary)`. Those modules import heavy
# libraries (aiogram, the Rasa SDK, pymorphy3) inside their handlers, so `ozonbot check`
# and `ozonbot --help` start fast.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("run", "bot.worker.cli", "run the production worker"),
    ("demo", "bot.demo.cli", "the worker against the Ozon emulator with scripted buyers"),
    ("simulate", "bot.simulate.cli", "run scenario files through the whole pipeline"),
    ("check", "bot.guard.cli", "check outgoing texts against Ozon's communication rules"),
    ("inspect", "bot.guard.cli", "run the inbound detectors on buyer texts"),
    ("sandbox", "bot.sandbox.cli", "serve the local Ozon Seller API emulator"),
    ("actions", "bot.dialogue.actions.cli", "serve the Rasa custom actions"),
    ("knowledge", "bot.knowledge.cli", "validate the approved answer snippets"),
    ("review", "bot.review.cli", "export, import and turn conversations into training data"),
    ("services", "bot.services.cli", "start or stop the local services (used by make up/down)"),
)

Handler = Callable[[argparse.Namespace], int]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only `command`'s module is imported (all of them with `command="*"`)."""
    parser = argparse.ArgumentParser(
        prog="ozonbot",
        description="Auto-responder with escalation for Ozon sellers.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_path, summary in COMMANDS:
        if command in (name, "*"):
            import_module(module_path).register(sub, name, summary)
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    names = {name for name, _, _ in COMMANDS}
    return next((arg for arg in argv if arg in names), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"ozonbot: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
