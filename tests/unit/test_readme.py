"""The README is for a new user: what it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli import COMMANDS
from tests.unit.test_docker import environ_reads, settings_variables

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
VARIABLE = re.compile(r"\b(?:OZON|OZONBOT|REDIS|RASA|TELEGRAM)_[A-Z_]+\b|\bTIMEZONE\b")


def test_readme_opens_with_the_two_commands() -> None:
    head = README[: README.index("## How it works")]
    assert "make demo" in head
    assert "make test" in head


def test_every_variable_the_readme_names_is_a_real_setting() -> None:
    known = set(settings_variables()) | environ_reads(ROOT / "bot" / "config.py")
    # Variables for the Rasa server (endpoints.yml), not the worker's settings.
    rasa_side = {"RASA_KEY_PREFIX", "RASA_TELEMETRY_ENABLED"}
    named = set(VARIABLE.findall(README)) - rasa_side
    assert named <= known, sorted(named - known)


def test_every_command_is_documented() -> None:
    for name, _module, _summary in COMMANDS:
        if name == "services":  # an internal helper behind make up/down
            continue
        assert f"ozonbot {name}" in README, name


def test_documents_the_readme_points_to_exist() -> None:
    for path in re.findall(r"`((?:docs|docker)/[\w./-]+)`", README):
        assert (ROOT / path).exists(), path
