"""Worker start-up: seconds to import, build and start the App, and idle memory afterwards.

    PYTHONPATH=. .venv/bin/python -m bench.startup [--idle-s 3]

Uses the sandbox profile (config/sandbox.env: no Telegram, so no staff console) and a free HTTP
port; nothing needs to run but Redis (polls of the absent emulator fail quietly and are
retried). Figures go to stdout as JSON: `import_s`, `build_s`, `start_s`, `total_s`,
`idle_rss_mb` (the process's resident memory after `--idle-s` seconds of idling).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse  # noqa: E402 - the imports are what is measured
import asyncio  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import socket  # noqa: E402
from pathlib import Path  # noqa: E402

from bot.app import App  # noqa: E402
from bot.config import load_settings  # noqa: E402

_IMPORTED = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def measure(idle_s: float) -> dict[str, float]:
    settings = load_settings(str(ROOT / "config" / "sandbox.env"))
    worker = settings.worker.model_copy(update={"http_port": _free_port()})
    settings = settings.model_copy(update={"worker": worker})
    built = time.perf_counter()
    app = App.build(settings, worker_id="bench-startup")
    ready = time.perf_counter()
    await app.start()
    started = time.perf_counter()
    try:
        await asyncio.sleep(idle_s)
        return {
            "import_s": round(_IMPORTED - _STARTED, 3),
            "build_s": round(ready - built, 3),
            "start_s": round(started - ready, 3),
            "total_s": round(started - _STARTED, 3),
            "idle_rss_mb": round(rss_mb(), 1),
        }
    finally:
        await app.stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--idle-s", type=float, default=3.0)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # the absent emulator's poll failures are expected
    print(json.dumps(asyncio.run(measure(args.idle_s))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
