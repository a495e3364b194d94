"""`ozonbot simulate [--json] FILE ...`: scenario files end to end through the real pipeline.

`--json` prints one object per buyer turn, `{"scenario", "turn", "intent", "action", "reason",
"reply"}`, and one per product question or review of the file, `{"scenario", "item":
"question"|"review", "id", "action": "answer"|"card"|"none", "reason", "text"}`.

Starts what it needs (Redis, the Rasa server, the action server — each only if it does not
answer already; the Ozon emulator in this process) and stops what it started. Exit 0 when
every `expect` holds, 1 otherwise, 2 on bad usage or unusable files.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.simulate.runner import ItemResult, RunResult, TurnResult
    from bot.simulate.scenario import Scenario


def register(sub: argparse._SubParsersAction, name: str, summary: str) -> None:  # type: ignore[type-arg]  # argparse's private generic
    parser = sub.add_parser(name, help=summary, description=__doc__)
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="scenario YAML files")
    parser.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per buyer turn, and per product question or review, on stdout",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from bot.errors import ScenarioError
    from bot.simulate.scenario import load_scenario

    try:
        scenarios = [load_scenario(path) for path in _expand(args.files)]
    except ScenarioError as exc:
        print(f"ozonbot simulate: {exc}", file=sys.stderr)
        return 2
    if not scenarios:
        print("ozonbot simulate: no scenario files given", file=sys.stderr)
        return 2
    return asyncio.run(_run(scenarios, as_json=args.json))


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yml")) if path.is_dir() else [path])
    return files


async def _run(scenarios: list[Scenario], *, as_json: bool) -> int:
    from bot.config import load_settings
    from bot.errors import ServiceError
    from bot.sandbox.app import serve
    from bot.services.local import LocalServices, project_root
    from bot.simulate.runner import ScenarioRunner

    root = project_root()
    profile = str(root / "config" / "sandbox.env")
    settings = load_settings(profile)
    sandbox_url = settings.shops[0].api_url
    log = sys.stderr if as_json else sys.stdout
    services = LocalServices.for_settings(
        settings, profile, root=root, progress=lambda line: print(line, file=sys.stderr)
    )
    printer = _Printer(log, as_json)
    failed = 0
    try:
        services.ensure_redis()
        services.ensure_actions()
        services.ensure_rasa()
        port = int(sandbox_url.rsplit(":", 1)[1].split("/")[0])
        async with serve(port=port) as sandbox:
            runner = ScenarioRunner(sandbox, settings, on_turn=printer.turn, on_item=printer.item)
            for scenario in scenarios:
                printer.start(scenario)
                failed += printer.finish(await runner.run_all(scenario))
    except ServiceError as exc:
        print(f"ozonbot simulate: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f"cannot serve the emulator on {sandbox_url}"
        print(f"ozonbot simulate: {where}: {exc}", file=sys.stderr)
        return 2
    finally:
        services.stop_started()
    print(f"{len(scenarios) - failed}/{len(scenarios)} scenarios passed", file=log)
    return 1 if failed else 0


class _Printer:
    def __init__(self, out: TextIO, as_json: bool) -> None:
        self._out = out
        self._json = as_json

    def start(self, scenario: Scenario) -> None:
        if not self._json:
            print(f"\n== {scenario.name} ({scenario.path})", file=self._out)

    def turn(self, result: TurnResult) -> None:
        if self._json:
            if result.buyer is not None:
                print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
            return
        out = self._out
        if result.buyer is None:
            print(f"  {result.turn}. {' '.join(result.staff)}", file=out)
        else:
            confidence = f" {result.confidence:.2f}" if result.confidence is not None else ""
            reason = f" {result.reason}" if result.reason else ""
            print(f"  {result.turn}. buyer: {result.buyer}", file=out)
            print(f"     → {result.action}{reason} [{result.intent}{confidence}]", file=out)
            if result.reply:
                print(f"     reply: {result.reply}", file=out)
            for line in result.staff:
                print(f"     staff: {line}", file=out)
        for failure in result.failures:
            print(f"     ✗ {failure}", file=out)

    def item(self, result: ItemResult) -> None:
        if self._json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
            return
        out = self._out
        letter = "q" if result.item == "question" else "r"
        reason = f" {result.reason}" if result.reason else ""
        print(f"  {letter}{result.number}. {result.item}: {result.text_in}", file=out)
        print(f"     → {result.action}{reason}", file=out)
        if result.text:
            label = "suggested" if result.action == "card" else "published"
            print(f"     {label}: {result.text}", file=out)
        for failure in result.failures:
            print(f"     ✗ {failure}", file=out)

    def finish(self, results: RunResult) -> int:
        failures = results.failures
        if not self._json:
            verdict = "ok" if not failures else f"FAILED ({failures} expectation(s))"
            print(f"  {verdict}", file=self._out)
        return 1 if failures else 0
