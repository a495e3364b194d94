"""Fixtures of the drills: one world per drill (emulator, fake Telegram, Rasa stand-in, Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.drills.harness import Drill, drill_world


@pytest.fixture
async def drill(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Drill]:
    name = request.node.name.removeprefix("test_")[:24].replace("[", "-").rstrip("]")
    async with drill_world(name, tmp_path) as world:
        yield world
