"""`ozonbot check`, `ozonbot inspect` and `ozonbot knowledge validate` as separate processes.

The commands run through the `ozonbot` console script when the whole command line can be
built; while other commands are still missing from the tree they run through their own module
entry (`python -m bot.guard.cli`), which registers exactly the same handlers.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OZONBOT = Path(sys.executable).with_name("ozonbot")
TIMEOUT_S = 60


def _full_cli_works() -> bool:
    result = subprocess.run(
        [OZONBOT, "--help"], capture_output=True, timeout=TIMEOUT_S, check=False
    )
    return result.returncode == 0


FULL_CLI = OZONBOT.exists() and _full_cli_works()


def command(args: Sequence[str]) -> list[str]:
    if FULL_CLI:
        return [str(OZONBOT), *args]
    if args[0] == "knowledge":
        return [sys.executable, "-m", "bot.knowledge.cli", *args[1:]]
    return [sys.executable, "-m", "bot.guard.cli", *args]


def run(args: Sequence[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(args),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        cwd=ROOT,
        check=False,
    )


def test_check_passes_a_clean_text() -> None:
    result = run(["check", "Ваш заказ 57195475-0050-3 передан в доставку."])
    assert (result.returncode, result.stdout.startswith("ok")) == (0, True), result.stderr


def test_check_json_reports_each_violation_with_its_span() -> None:
    text = "Лучший товар!!! Звоните +7 999 123-45-67"
    result = run(["check", "--json", text])
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["text"] == text
    assert report["ok"] is False
    found = {(v["rule"], v["fragment"]) for v in report["violations"]}
    assert found == {
        ("superlative", "Лучший"),
        ("punctuation", "!!!"),
        ("contacts", "Звоните"),
        ("contacts", "+7 999 123-45-67"),
    }
    assert all(text[v["start"] : v["end"]] == v["fragment"] for v in report["violations"])


def test_check_reads_one_text_per_stdin_line() -> None:
    result = run(["check", "--json"], stdin="Спасибо за заказ\n\nСамый лучший магазин\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["ok"] for line in lines] == [True, False]
    assert result.returncode == 1


def test_check_human_output_names_rule_fragment_and_position() -> None:
    result = run(["check", "Спасибо!!"])
    assert "punctuation" in result.stdout
    assert "'!!'" in result.stdout
    assert "7-9" in result.stdout
    assert "suggested fix: Спасибо!" in result.stdout


def test_empty_stdin_is_bad_usage() -> None:
    result = run(["check"], stdin="\n\n")
    assert result.returncode == 2
    assert "no text" in result.stderr


def test_no_text_and_a_terminal_on_stdin_is_bad_usage() -> None:
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            command(["check"]),
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            cwd=ROOT,
            check=False,
        )
    finally:
        os.close(controller)
        os.close(terminal)
    assert result.returncode == 2
    assert "TEXT" in result.stderr


def test_inspect_json_lists_flags() -> None:
    result = run(["inspect", "--json", "Вы мошенники, подам в суд", "Где мой заказ?"])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [
        {"text": "Вы мошенники, подам в суд", "flags": ["insult", "legal_threat"]},
        {"text": "Где мой заказ?", "flags": []},
    ]
    assert result.returncode == 1


def test_inspect_exits_zero_when_nothing_is_flagged() -> None:
    result = run(["inspect", "Здравствуйте, когда доставка?"])
    assert result.returncode == 0
    assert result.stdout.startswith("clean")


def test_knowledge_validate_passes_the_project_snippets() -> None:
    result = run(["knowledge", "validate", str(ROOT / "knowledge")])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 failing" in result.stdout


def test_knowledge_validate_fails_on_a_rule_breaking_snippet(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        'greet:\n  source: s\n  ru: ["Пишите в WhatsApp :)"]\n  en: ["Hi"]\n', encoding="utf-8"
    )
    result = run(["knowledge", "validate", str(tmp_path)])
    assert result.returncode == 1
    assert "greet [ru #1]" in result.stdout
    assert "contacts" in result.stdout
    assert "emoji" in result.stdout


def test_knowledge_validate_bad_file_is_exit_two(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("greet: [\n", encoding="utf-8")
    assert run(["knowledge", "validate", str(tmp_path)]).returncode == 2


@pytest.mark.skipif(not FULL_CLI, reason="the whole ozonbot command line is not built yet")
def test_ozonbot_help_lists_the_guard_commands() -> None:
    result = run(["--help"])
    assert "check" in result.stdout
    assert "inspect" in result.stdout
