"""`ozonbot demo --once`: the README's first command ends with buyers answered and cards shown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_answers_buyers_shows_cards_and_stops_cleanly() -> None:
    env = {**os.environ, "COLUMNS": "200", "OZONBOT_ENV_FILE": str(ROOT / "config" / "sandbox.env")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--once", "--speed", "4"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr[-3000:]
    assert "bot → boris" in out  # a product question answered from the card
    assert "силикон" in out
    assert "staff card" in out  # the dispute and the request for a person
    assert "replies sent to buyers" in out
    assert "Traceback" not in done.stderr
