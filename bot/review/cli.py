"""`ozonbot review`: the weekly tuning loop (docs/tuning.md).

    ozonbot review export [--shop S] [--since DATE | --days N] [--until DATE] [--threshold 0.9]
                          [--out DIR]
    ozonbot review import FILE [--nlu-dir nlu] [--holdout tests/nlu/holdout.yml] [--dry-run]
    ozonbot review story CHAT_ID [--shop S] [--out FILE]

Exit codes: 0 done; 1 `import` refused some examples or `story` found no conversation; 2 bad
usage, configuration or an unreadable file.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.review.anonymize import Anonymizer
    from bot.review.export import Period
    from bot.review.inbox import BlockedReply, ReviewItem
    from bot.review.story import Story
    from bot.state.chats import ChatStore
    from bot.state.keys import Keys
    from bot.state.models import TurnRecord
    from bot.state.redis import Redis

DEFAULT_OUT = Path("reports/review")
DEFAULT_DAYS = 7
LOW_CONFIDENCE = 0.9
"""Accepted turns below this are worth a look: under 5-fold cross-validation of nlu/, 20-38 % of
the turns between the fallback threshold (0.5) and 0.9 were wrong, 1 % of those above 0.95
(docs/fallback-threshold.md). About one turn in eight of text like the folds' falls in the band."""


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str
) -> None:
    parser = sub.add_parser(
        name,
        help=summary,
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="review_action", metavar="ACTION", required=True)
    _add_export(actions)
    _add_import(actions)
    _add_story(actions)


def _add_export(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = actions.add_parser(
        "export",
        help="write the messages worth a human look as NLU YAML and CSV",
        description="Buyer turns of a period worth a human look (low confidence, fallbacks, "
        "`unknown` escalations, staff takeovers, blocked replies, staff 'wrong intent' marks), "
        "from chats, product questions and reviews, anonymised, as a Rasa NLU YAML file and a "
        "CSV (with each turn's stream); blocked outgoing replies as a 2nd CSV.",
    )
    export.add_argument("--shop", help="shop id (default: every configured shop)")
    period = export.add_mutually_exclusive_group()
    period.add_argument("--since", type=date.fromisoformat, metavar="DATE", help="YYYY-MM-DD")
    period.add_argument(
        "--days", type=_positive, metavar="N", help=f"last N days (default {DEFAULT_DAYS})"
    )
    export.add_argument(
        "--until", type=date.fromisoformat, metavar="DATE", help="last day (default: now)"
    )
    export.add_argument(
        "--threshold",
        type=float,
        default=LOW_CONFIDENCE,
        help=f"confidence below this is low (default {LOW_CONFIDENCE})",
    )
    export.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    export.set_defaults(handler=_run_export)


def _add_import(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = actions.add_parser(
        "import",
        help="merge corrected examples into nlu/",
        description="Merge corrected examples (the exported YAML, or the CSV with "
        "`correct_intent` filled) into nlu/; exit 1 when any example is refused.",
    )
    importer.add_argument("file", type=Path, metavar="FILE", help="review .yml or .csv")
    importer.add_argument("--nlu-dir", type=Path, default=Path("nlu"))
    importer.add_argument("--holdout", type=Path, default=Path("tests/nlu/holdout.yml"))
    importer.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    importer.set_defaults(handler=_run_import)


def _add_story(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    story = actions.add_parser(
        "story",
        help="turn a handled conversation into a Rasa test story",
        description="Read the conversation from the Rasa server (or, failing that, the "
        "worker's turn records) and write it as a test story (tests/stories/ format).",
    )
    story.add_argument("chat_id", metavar="CHAT_ID", help="the Ozon chat id")
    story.add_argument("--shop", help="shop id (default: the first configured shop)")
    story.add_argument(
        "--out", type=Path, help="append to this stories file (created if missing); default stdout"
    )
    story.add_argument("--rules", type=Path, default=Path("stories/rules.yml"))
    story.set_defaults(handler=_run_story)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return number


# --- export ------------------------------------------------------------------------------------


def _run_export(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.errors import StateError
    from bot.review import export
    from bot.review.anonymize import Anonymizer
    from bot.review.public import stream_of

    settings = load_settings()
    shops = [settings.shop(args.shop).id] if args.shop else [s.id for s in settings.shops]
    zone = settings.shop(args.shop).hours.zone if args.shop else ZoneInfo(settings.general.timezone)
    period = _period(args, zone, datetime.now(UTC))
    anonymizer = Anonymizer.load()
    try:
        items, blocked = asyncio.run(_collect(settings, shops, period, args.threshold, anonymizer))
    except StateError as exc:
        print(f"ozonbot review export: {exc}", file=sys.stderr)
        return 2
    scope = f"shop {args.shop}" if args.shop else "shops " + ", ".join(shops)
    written = export.write_all(
        args.out,
        f"review-{args.shop or 'all'}-{period.slug()}",
        yaml_text=export.render_yaml(items, scope=scope, period=period, written=datetime.now(UTC)),
        csv_text=export.render_csv(items),
        blocked_text=export.render_blocked_csv(blocked),
    )
    reasons = Counter(why.value for item in items for why in item.why)
    counted = ", ".join(f"{name} {count}" for name, count in sorted(reasons.items())) or "none"
    streams = Counter(stream_of(item) for item in items)
    by_stream = ", ".join(f"{name} {count}" for name, count in sorted(streams.items()))
    print(f"review export: {len(items)} turns ({scope}, {period.describe()}): {counted}")
    if by_stream:
        print(f"  by stream: {by_stream}")
    print(f"  {written.yaml}\n  {written.csv}\n  {written.blocked} ({len(blocked)} blocked)")
    return 0


def _period(args: argparse.Namespace, zone: ZoneInfo, now: datetime) -> Period:
    from bot.review.export import Period

    until = now if args.until is None else datetime.combine(args.until, time.max, zone)
    if args.since is not None:
        since = datetime.combine(args.since, time(), zone)
    else:
        since = until - timedelta(days=args.days or DEFAULT_DAYS)
    return Period(since.astimezone(zone), until.astimezone(zone), str(zone))


async def _collect(
    settings: Settings, shops: list[str], period: Period, threshold: float, anonymizer: Anonymizer
) -> tuple[list[ReviewItem], list[BlockedReply]]:
    from bot.review import public
    from bot.review.inbox import collect, collect_blocked
    from bot.state.escalations import ControlStore, EscalationStore
    from bot.state.keys import Keys
    from bot.state.redis import connect
    from bot.state.streams import StreamStore

    redis, keys = connect(settings.redis.url), Keys(settings.redis.prefix)
    chats = _chat_store(settings, redis, keys)
    escalations, control = EscalationStore(redis, keys), ControlStore(redis, keys)
    streams = StreamStore(redis, keys)
    items: list[ReviewItem] = []
    blocked: list[BlockedReply] = []
    try:
        for shop in shops:
            items += await collect(
                chats,
                escalations,
                shop,
                period.since,
                period.until,
                threshold=threshold,
                anonymizer=anonymizer,
            )
            items += await public.collect(
                streams,
                shop,
                period.since,
                period.until,
                threshold=threshold,
                anonymizer=anonymizer,
            )
            blocked += await collect_blocked(control, shop, period.since, period.until, anonymizer)
    finally:
        await redis.aclose()
    return items, blocked


def _chat_store(settings: Settings, redis: Redis, keys: Keys) -> ChatStore:
    from bot.state.chats import ChatStore

    ttl = settings.worker.record_retention_days * 24 * 3600
    return ChatStore(redis, keys, record_ttl_s=ttl)


# --- import ------------------------------------------------------------------------------------


def _run_import(args: argparse.Namespace) -> int:
    from bot.errors import ReviewError
    from bot.review.anonymize import Anonymizer
    from bot.review.importer import NluData, Outcome, apply, judge, read_candidates, render_report

    anonymizer = Anonymizer.load()
    try:
        data = NluData.load(args.nlu_dir, args.holdout)
        verdicts = judge(read_candidates(args.file), data, anonymizer)
        changed = [] if args.dry_run else apply(verdicts)
    except ReviewError as exc:
        print(f"ozonbot review import: {exc}", file=sys.stderr)
        return 2
    print(f"review import {args.file}")
    print(render_report(verdicts, anonymizer, dry_run=args.dry_run))
    if changed:
        print("changed: " + ", ".join(str(p) for p in changed))
        print("next: make test-unit (NLU data checks), make train, make nlu-eval")
    return 1 if any(v.outcome is Outcome.REFUSED for v in verdicts) else 0


# --- story -------------------------------------------------------------------------------------


def _run_story(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.errors import ReviewError, StateError
    from bot.review.story import append_story, render_file

    settings = load_settings()
    shop = settings.shop(args.shop).id if args.shop else settings.shops[0].id
    try:
        story, source = asyncio.run(_build_story(settings, shop, args.chat_id, args.rules))
    except (StateError, ReviewError) as exc:
        print(f"ozonbot review story: {exc}", file=sys.stderr)
        return 2
    if story is None:
        print(f"ozonbot review story: no conversation {args.chat_id} of shop {shop}: {source}")
        return 1
    print(f"review story: built from {source}", file=sys.stderr)
    if args.out is None:
        print(render_file(story), end="")
        return 0
    try:
        append_story(args.out, story)
    except ReviewError as exc:
        print(f"ozonbot review story: {exc}", file=sys.stderr)
        return 2
    print(f"review story: written to {args.out}", file=sys.stderr)
    return 0


async def _build_story(
    settings: Settings, shop: str, chat_id: str, rules: Path
) -> tuple[Story | None, str]:
    from bot.dialogue.rasa import RasaClient
    from bot.errors import RasaError
    from bot.review.anonymize import Anonymizer
    from bot.review.story import Origin, from_conversation, from_records, rule_actions
    from bot.review.tracker import read_conversation
    from bot.state.keys import Keys
    from bot.state.redis import connect

    redis, keys = connect(settings.redis.url), Keys(settings.redis.prefix)
    try:
        records, marks = await _records_and_marks(settings, redis, keys, shop, chat_id)
    finally:
        await redis.aclose()
    sender = f"{keys.prefix}:{shop}:{chat_id}"
    token = settings.rasa.token.get_secret_value() if settings.rasa.token else None
    anonymizer = Anonymizer.load()
    try:
        rasa = RasaClient(settings.rasa.url, timeout_s=settings.rasa.timeout_s, token=token)
        try:
            conversation = await read_conversation(rasa, sender)
        finally:
            await rasa.close()
        missing = "Rasa has no turns for it"
    except RasaError as exc:
        conversation, missing = None, f"Rasa did not answer ({exc})"
    if conversation is not None and conversation.user_turns:
        origin = Origin(shop, chat_id, f"Rasa's tracker of {sender}")
        return from_conversation(conversation, origin, marks=marks, anonymizer=anonymizer), (
            origin.source
        )
    if not records:
        return None, f"{missing}, and the worker has no turn records of it"
    origin = Origin(shop, chat_id, f"the worker's turn records: {missing}; check the actions")
    story = from_records(
        records, origin, marks=marks, anonymizer=anonymizer, rule_actions=rule_actions(rules)
    )
    return story, origin.source


async def _records_and_marks(
    settings: Settings, redis: Redis, keys: Keys, shop: str, chat_id: str
) -> tuple[list[TurnRecord], dict[str, str]]:
    from bot.state.escalations import EscalationStore

    chats = _chat_store(settings, redis, keys)
    escalations = EscalationStore(redis, keys)
    records = await chats.recent_records(shop, chat_id)
    ids = {r.escalation_id for r in records if r.escalation_id}
    open_now = await escalations.open_for_chat(shop, chat_id)
    if open_now is not None:
        ids.add(open_now.id)
    marks: dict[str, str] = {}
    for escalation_id in sorted(ids):
        escalation = await escalations.get(escalation_id)
        if escalation is not None:
            marks.update(escalation.wrong_intent_marks)
    return records, marks
