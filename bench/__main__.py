"""`make bench`: every benchmark, a table on stdout and `reports/bench.json`.

    python -m bench [--quick] [--no-rasa] [--eval-dir ../shared/eval]

Figures (names are a contract, see ARCHITECTURE.md): pipeline_msgs_per_s, pipeline_p50_ms,
pipeline_p95_ms (instant responder instead of Rasa, 0.5 s poll), ozon_calls_per_msg (a second
run at the production poll interval; bench/pipeline.py says why); rasa_parse_p50_ms,
rasa_parse_p95_ms and e2e_p95_ms (the real Rasa server and action server, started if needed);
check_texts_per_s, inspect_texts_per_s and the guard's quality figures on the evaluation data;
tg_spam_recall_worker / tg_ham_fp_worker: spam as the whole worker sees it (inspect or Rasa).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from pathlib import Path

from bench import guard, ozon_limit, pipeline, rasa
from bot.config import WorkerSettings
from bot.dialogue.instant import InstantDialogue
from bot.logs import configure_logging

ROOT = Path(__file__).resolve().parents[1]
SANDBOX_PORT = 8079  # the sandbox profile's OZON_API_URL: where the action server looks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter load (a smoke run)")
    parser.add_argument("--no-rasa", action="store_true", help="skip the Rasa figures")
    parser.add_argument("--eval-dir", type=Path, default=guard.DEFAULT_EVAL_DIR)
    args = parser.parse_args(argv)
    configure_logging("WARNING")
    figures: dict[str, float] = {}
    seconds = 3.0 if args.quick else 15.0

    print("pipeline (instant responder) ...", flush=True)
    load = asyncio.run(pipeline.run_load(dialogue=InstantDialogue(), seconds=seconds))
    print("Ozon calls per message (production poll interval) ...", flush=True)
    steady = asyncio.run(
        pipeline.run_load(
            dialogue=InstantDialogue(),
            seconds=seconds,
            poll_interval_s=WorkerSettings().poll_interval_s,
        )
    )
    figures |= {
        "pipeline_msgs_per_s": load.per_second,
        "pipeline_p50_ms": load.p50_ms,
        "pipeline_p95_ms": load.p95_ms,
        "pipeline_messages": float(load.handled),
        "ozon_calls_per_msg": steady.calls_per_message,
        "ozon_calls_messages": float(steady.handled),
    }
    print("Ozon rate limit shared by three workers; push flood ...", flush=True)
    figures |= ozon_limit.figures(3.0 if args.quick else 10.0)
    intents: dict[str, str] | None = None
    if not args.no_rasa:
        rasa_figures, intents = _rasa_figures(seconds, args.eval_dir)
        figures |= rasa_figures
    # The guard's throughput and its figures on the project's own replies are always measured;
    # its quality on the evaluation data only when that data is there (bench/guard.py).
    print("guard ...", flush=True)
    figures |= guard.run(args.eval_dir, intents)
    _report(figures)
    return 0


def _rasa_figures(seconds: float, eval_dir: Path) -> tuple[dict[str, float], dict[str, str] | None]:
    """The Rasa figures, and the model's intent for each tg_spam line (for guard.run)."""
    from bot.config import load_settings
    from bot.services.local import LocalServices

    profile = str(ROOT / "config" / "sandbox.env")
    settings = load_settings(profile)
    # The action server runs with the sandbox profile: the load must write as its shop.
    shop_id = settings.shops[0].id
    services = LocalServices.for_settings(settings, profile, root=ROOT)
    services.ensure_redis()
    services.ensure_actions()
    services.ensure_rasa()
    try:
        print("rasa parse latency ...", flush=True)
        p50, p95 = asyncio.run(rasa.parse_latency(services.rasa_url))
        print("pipeline with the real Rasa server ...", flush=True)
        load = asyncio.run(
            pipeline.run_load(
                dialogue=None,
                chats=40,
                rate=4.0,
                seconds=seconds,
                sandbox_port=SANDBOX_PORT,
                rasa_url=services.rasa_url,
                shop_id=shop_id,
            )
        )
        intents = None
        if (eval_dir / "tg_spam").is_dir():
            print("tg_spam through the Rasa model ...", flush=True)
            intents = asyncio.run(guard.spam_intents(eval_dir, services.rasa_url))
    finally:
        services.stop_started()
    return {
        "rasa_parse_p50_ms": p50,
        "rasa_parse_p95_ms": p95,
        "e2e_p50_ms": load.p50_ms,
        "e2e_p95_ms": load.p95_ms,
        "e2e_msgs_per_s": load.per_second,
    }, intents


def _report(figures: dict[str, float]) -> None:
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    clean = {
        k: (None if isinstance(v, float) and math.isnan(v) else round(v, 4))
        for k, v in figures.items()
    }
    (reports / "bench.json").write_text(json.dumps(clean, indent=2) + "\n")
    width = max(len(k) for k in clean)
    for name, value in clean.items():
        print(f"{name:<{width}}  {value}")
    print(f"written to {reports / 'bench.json'}")


if __name__ == "__main__":
    sys.exit(main())
