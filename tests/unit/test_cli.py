"""The `ozonbot` command line: every command is wired, and help stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.cli import COMMANDS, build_parser, main


def test_every_command_module_registers_its_command() -> None:
    parser = build_parser("*")
    for name, _module, _summary in COMMANDS:
        assert parser.parse_args(_minimal(name)).command == name


def _minimal(name: str) -> list[str]:
    needs = {
        "simulate": ["x.yml"],
        "services": ["status"],
        "review": ["export"],
        "knowledge": ["validate"],
    }
    return [name, *needs.get(name, [])]


@pytest.mark.parametrize("name", [name for name, _, _ in COMMANDS])
def test_every_command_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([name, "--help"])
    assert exit_.value.code == 0
    assert "usage: ozonbot" in capsys.readouterr().out


def test_top_level_help_lists_commands_without_importing_them() -> None:
    code = (
        "import sys; from bot.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('aiogram' in sys.modules, 'rasa_sdk' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False False")
    for name, _, _ in COMMANDS:
        assert name in out.stdout
