"""`ozonbot knowledge validate [DIR]`: every snippet through the outbound check.

Prints each failing phrasing with the rule it breaks and the fragment; exit 0 when all pass,
1 when any fails, 2 when the snippet files cannot be loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.errors import KnowledgeError
from bot.models import Language

DEFAULT_DIR = Path("knowledge")
_LANGS = (Language.RU, Language.EN)


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str
) -> None:
    parser = sub.add_parser(name, help=summary, description=summary)
    actions = parser.add_subparsers(dest="knowledge_action", metavar="ACTION", required=True)
    validate = actions.add_parser(
        "validate",
        help="check every phrasing of every snippet against Ozon's rules",
        description=__doc__,
    )
    validate.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=DEFAULT_DIR,
        metavar="DIR",
        help=f"directory of snippet files (default: ./{DEFAULT_DIR})",
    )
    validate.set_defaults(handler=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    from bot.guard.outbound import OutboundGuard  # compiles the lexicons: only when used
    from bot.knowledge.store import Knowledge
    from bot.knowledge.validate import validate

    try:
        knowledge = Knowledge.load(args.directory)
    except KnowledgeError as exc:
        print(f"ozonbot: {exc}", file=sys.stderr)
        return 2
    failures = validate(knowledge, OutboundGuard.load())
    for failure in failures:
        where = f"{failure.key} [{failure.lang.value} #{failure.variant + 1}]"
        print(f"FAIL  {where}: {failure.text}")
        if failure.problem:
            print(f"      {failure.problem}")
        for v in failure.violations:
            print(f"      {v.rule.value:<15} {v.fragment!r} at {v.start}-{v.end}")
    keys = sorted(knowledge.keys())
    total = sum(len(knowledge.variants(key, lang)) for key in keys for lang in _LANGS)
    print(f"{len(keys)} snippets, {total} phrasings, {len(failures)} failing")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.knowledge.cli validate [DIR]`: the command without the rest of ozonbot."""
    parser = argparse.ArgumentParser(prog="ozonbot")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register(sub, "knowledge", "validate the approved answer snippets")
    args = parser.parse_args(["knowledge", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
