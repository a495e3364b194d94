"""`ozonbot check` and `ozonbot inspect`: the guard on the command line.

    ozonbot check [--json] [TEXT ...]     outbound check against Ozon's communication rules
    ozonbot inspect [--json] [TEXT ...]   inbound detectors on buyer text

Without TEXT, one text per line of standard input (blank lines are skipped). Exit codes: 0 when
every text passes (check: no violation; inspect: no flag), 1 when any does not, 2 on bad usage
(no TEXT and standard input is a terminal, or no text at all).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.guard.inbound import InboundGuard
    from bot.guard.outbound import OutboundGuard
    from bot.guard.types import CheckResult, Inspection

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str
) -> None:
    """Add the `check` or the `inspect` command, whichever `name` says."""
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "check": _run_check,
        "inspect": _run_inspect,
    }
    if name not in handlers:
        raise ValueError(f"bot.guard.cli registers 'check' or 'inspect', not {name!r}")
    parser = sub.add_parser(name, help=summary, description=f"{summary}. {_USAGE_NOTE}")
    parser.add_argument("--json", action="store_true", help="print one JSON object per text")
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="texts (default: stdin lines)")
    parser.set_defaults(handler=handlers[name])


_USAGE_NOTE = (
    "Without TEXT, one text per line of standard input. Exit 0 when every text passes, "
    "1 when any does not, 2 on bad usage."
)


def _run_check(args: argparse.Namespace) -> int:
    texts = _texts(args.texts, sys.stdin)
    if texts is None:
        return EXIT_USAGE
    from bot.guard.outbound import OutboundGuard  # compiles the lexicons: only when used

    guard = OutboundGuard.load()
    results = [guard.check(text) for text in texts]
    for result in results:
        print(_check_json(result) if args.json else _check_text(result, guard))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FOUND


def _run_inspect(args: argparse.Namespace) -> int:
    texts = _texts(args.texts, sys.stdin)
    if texts is None:
        return EXIT_USAGE
    from bot.config import WorkerSettings
    from bot.guard.inbound import InboundGuard

    guard: InboundGuard = InboundGuard.load(nlu_dir=WorkerSettings().nlu_dir)
    results = [guard.inspect(text) for text in texts]
    for result in results:
        print(_inspect_json(result) if args.json else _inspect_text(result))
    return EXIT_OK if not any(r.hits for r in results) else EXIT_FOUND


def _texts(arguments: Sequence[str], stdin: TextIO) -> list[str] | None:
    """The texts to work on, or None (after saying why) when there are none."""
    if arguments:
        return list(arguments)
    if stdin.isatty():
        print("ozonbot: give TEXT arguments or pipe texts in, one per line", file=sys.stderr)
        return None
    texts = [line.rstrip("\r\n") for line in stdin if line.strip()]
    if not texts:
        print("ozonbot: no text on standard input", file=sys.stderr)
        return None
    return texts


def _check_json(result: CheckResult) -> str:
    violations = [
        {"rule": v.rule.value, "start": v.start, "end": v.end, "fragment": v.fragment}
        for v in result.violations
    ]
    return json.dumps(
        {"text": result.text, "ok": result.ok, "violations": violations}, ensure_ascii=False
    )


def _check_text(result: CheckResult, guard: OutboundGuard) -> str:
    if result.ok:
        return f"ok    {result.text}"
    lines = [f"FAIL  {result.text}"]
    lines += [
        f"      {v.rule.value:<15} {v.fragment!r} at {v.start}-{v.end}" for v in result.violations
    ]
    fix = guard.suggest_fix(result.text, result)
    if fix is not None:
        lines.append(f"      suggested fix: {fix}")
    return "\n".join(lines)


def _inspect_json(result: Inspection) -> str:
    flags = sorted(flag.value for flag in result.flags)
    return json.dumps({"text": result.text, "flags": flags}, ensure_ascii=False)


def _inspect_text(result: Inspection) -> str:
    if not result.hits:
        return f"clean {result.text}"
    lines = [f"FLAG  {result.text}"]
    lines += [f"      {h.flag.value:<15} {h.fragment!r} at {h.start}-{h.end}" for h in result.hits]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bot.guard.cli check|inspect ...`: the two commands without the rest of ozonbot."""
    parser = argparse.ArgumentParser(prog="ozonbot")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register(sub, "check", "check outgoing texts against Ozon's communication rules")
    register(sub, "inspect", "run the inbound detectors on buyer texts")
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
