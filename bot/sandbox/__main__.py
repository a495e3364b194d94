"""`python -m bot.sandbox [--port P] ...`: the emulator alone, same options as `ozonbot sandbox`."""

from __future__ import annotations

import argparse
import sys

from bot.errors import ConfigError
from bot.sandbox.cli import register


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox")
    register(parser.add_subparsers(dest="command"), "sandbox", "serve the Ozon emulator")
    args = parser.parse_args(["sandbox", *sys.argv[1:]])
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        print(f"ozonbot sandbox: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


sys.exit(main())
