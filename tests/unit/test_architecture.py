"""The composition root composes: no part imports `bot.app`, and the package has no import
cycle (counting imports inside functions, which hide cycles; `TYPE_CHECKING` imports are types
only and do not count)."""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = frozenset({"bot.worker.cli", "bot.demo.run", "bot.simulate.runner"})
"""Commands that build an App: the only modules that may import it."""


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "bot").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, *, types_too: bool) -> frozenset[str]:
    path = modules()[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only and not types_too:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(m for m in found if m in modules() and m != name)


def test_no_part_imports_the_app() -> None:
    importers = {m for m in modules() if "bot.app" in imports(m, types_too=True)}
    assert importers <= ENTRY_POINTS, sorted(importers - ENTRY_POINTS)


def test_the_package_has_no_import_cycle() -> None:
    graph = {m: imports(m, types_too=False) for m in modules()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(graph[module]):
            if state.get(other) == 1:
                cycle = [*path[path.index(other) :], other]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if other not in state:
                visit(other, [*path, other])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_worker_imports_only_what_it_runs() -> None:
    """A worker without the staff console starts without aiogram (seconds and ~100 MB), and no
    worker needs the tuning tools (`bot.review`), scikit-learn or matplotlib: the guard's models
    are plain data built by `make train`. The console imports aiogram when it starts."""
    code = (
        "import sys, bot.app; "
        "print(' '.join(m for m in sys.modules if m.split('.')[0] in "
        "('aiogram', 'sklearn', 'matplotlib', 'rasa', 'rasa_sdk') or m.startswith('bot.review')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert loaded == []
