"""Measure the guard: on the project's own seller replies always, on public evaluation data when
it is there: recall, false alarms and throughput.

    python -m bench.guard [--eval-dir ../shared/eval] [--json] [--misses]

The project's own figures (`replies_*`, `snippets_fp_check`) come from the seller replies of
bot/guard/corpus/replies/ (bot/guard/training.py): per rule the share of replies that break it
and are caught with that rule (`replies_recall_<rule>`), the share of violating replies caught
at all (`replies_violation_recall`) and with their rule (`replies_rule_recall`), and the share
of clean replies flagged (`replies_clean_fp`); each for the *dev* part (tuned on, trained on)
and the *held-out* part (never trained on nor tuned on: the honest figure). `--misses` prints
the dev misses and false alarms, never the held-out ones. `check_texts_per_s` and
`inspect_texts_per_s` are measured on the project's own texts when the evaluation data is absent.

The data (shared/eval, see its README) is for measuring only: nothing from it is in the
lexicons or the tests, and nothing is trained on it (the written spam signals' weights are set
by hand in lexicons/spam.yml; the learned spam classifier trains on the project's own corpus
and nlu/, bot/guard/learned.py, and its cut-offs come from `python -m bench.spam_cv`). To keep
the figures honest the data is split in two halves: the lexicons' gaps were looked for only in
the *dev* half (ru_paradetox rows with an even `pair_id`, tg_spam lines with an even 1-based
line number); no row of the *held-out* half (odd) was ever looked at, and its figures are the
honest ones. Every rate is reported for the whole set and for each half (`_dev`, `_heldout`).

The English customer-service requests of bitext_customer_support are buyers' messages, none of
them spam: `bitext_requests_spam_fp` is the share `inspect` flags spam (no halves: nothing was
ever tuned on them).

Given the Rasa model's intent for each tg_spam line (`spam_intents`, needs the Rasa server),
`run` also reports what the worker as a whole does with tg_spam: a message counts as spam when
`inspect` flags it *or* the model's intent is `spam` (the escalation policy then hands it to
the complaint flow; bot/worker/decide.py, policies/escalation.py). Those figures are
`tg_spam_recall_worker` and `tg_ham_fp_worker`.

Throughput is measured in CPU time of one process (one core) with 200-character texts cut
from the same data (`check_texts_per_s`, `inspect_texts_per_s`: half of it toxic, so many hits
to locate), and for the outbound check also on the shop's own answers (every phrasing of
`knowledge/`, filled in: `check_texts_per_s_replies`), which is what it mostly checks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.nlu_bitext import read_requests
from bot.guard.inbound import InboundGuard
from bot.guard.lexicon import Morphology
from bot.guard.outbound import OutboundGuard
from bot.guard.training import CORPUS_DIR, corpus_lines, replies, snippet_replies
from bot.knowledge.store import Knowledge, fill
from bot.knowledge.validate import SAMPLE_VALUES
from bot.models import InboundFlag, Language, Rule

DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
ABUSE_FLAGS = frozenset({InboundFlag.PROFANITY, InboundFlag.INSULT})
ABUSE_RULES = frozenset({Rule.PROFANITY, Rule.INSULT})
TEXT_LENGTH = 200
SPEED_TEXTS = 2000
SPEED_ROUNDS = 5
KNOWLEDGE_DIR = Path(__file__).resolve().parents[1] / "knowledge"
NLU_DIR = Path(__file__).resolve().parents[1] / "nlu"


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    dev: bool


def run(eval_dir: Path, intents: Mapping[str, str] | None = None) -> dict[str, float]:
    """Every figure, keyed by name (see the module docstring for the halves); the evaluation
    data's only when `eval_dir` holds it; with `intents` (text → the Rasa model's intent, from
    `spam_intents`) also the worker's spam figures."""
    morphology = Morphology()
    outbound = OutboundGuard.load(morphology)
    inbound = InboundGuard.load(morphology)
    figures = own_figures(outbound)
    if (eval_dir / "ru_paradetox").is_dir():
        figures |= eval_figures(eval_dir, outbound, inbound, intents)
    else:
        texts = _speed_texts(_own_texts())
        figures["check_texts_per_s"] = _per_second(texts, outbound.check)
        figures["inspect_texts_per_s"] = _per_second(texts, inbound.inspect)
    replies_texts = _speed_texts(_rendered_snippets())
    figures["check_texts_per_s_replies"] = _per_second(replies_texts, outbound.check)
    return figures


def own_figures(outbound: OutboundGuard) -> dict[str, float]:
    """Recall and false alarms of the check on the project's own seller replies."""
    figures: dict[str, float] = {}
    results = [(reply, outbound.check(reply.text).rules) for reply in replies()]
    for part, heldout in (("dev", False), ("heldout", True)):
        mine = [(r, rules) for r, rules in results if r.heldout is heldout]
        violating = [(r, rules) for r, rules in mine if r.rule]
        figures[f"replies_violation_recall_{part}"] = _share(bool(rs) for _, rs in violating)
        figures[f"replies_rule_recall_{part}"] = _share(Rule(r.rule) in rs for r, rs in violating)
        for rule in sorted({r.rule for r, _ in violating}):
            figures[f"replies_recall_{rule}_{part}"] = _share(
                Rule(rule) in rs for r, rs in violating if r.rule == rule
            )
        figures[f"replies_clean_fp_{part}"] = _share(bool(rs) for r, rs in mine if not r.rule)
    snippets = snippet_replies(KNOWLEDGE_DIR)
    figures["snippets_fp_check"] = _share(not outbound.check(r.text).ok for r in snippets)
    return figures


def dev_misses(outbound: OutboundGuard) -> list[str]:
    """The dev replies the check gets wrong (never the held-out ones: they stay unseen)."""
    lines = []
    for reply in [*replies(), *snippet_replies(KNOWLEDGE_DIR)]:
        if reply.heldout and reply.source != "knowledge/":
            continue
        rules = {v.rule.value for v in outbound.check(reply.text).violations}
        if (reply.rule and reply.rule not in rules) or (not reply.rule and rules):
            lines.append(f"{reply.rule or 'clean':<14} {sorted(rules)!s:<28} {reply.text}")
    return lines


def _own_texts() -> list[str]:
    """The project's own texts: its spam and chatter corpus and its seller replies."""
    own = [line for path in sorted(CORPUS_DIR.glob("*.txt")) for line in corpus_lines(path)]
    return own + [reply.text for reply in replies()]


def eval_figures(
    eval_dir: Path,
    outbound: OutboundGuard,
    inbound: InboundGuard,
    intents: Mapping[str, str] | None,
) -> dict[str, float]:
    """The figures on the evaluation data (measuring only, see the module docstring)."""
    toxic, neutral = _paradetox(eval_dir / "ru_paradetox" / "dev_labeled.jsonl")
    spam = _lines(eval_dir / "tg_spam" / "spam-samples.txt")
    ham = _lines(eval_dir / "tg_spam" / "ham-samples.txt")

    def abusive(text: str) -> bool:
        return bool(inbound.inspect(text).flags & ABUSE_FLAGS)

    def checked_abusive(text: str) -> bool:
        return bool(outbound.check(text).rules & ABUSE_RULES)

    def spammy(text: str) -> bool:
        return InboundFlag.SPAM in inbound.inspect(text).flags

    figures: dict[str, float] = {}
    figures |= _rates("paradetox_toxic_recall", toxic, abusive)
    figures |= _rates("paradetox_toxic_recall_check", toxic, checked_abusive)
    figures |= _rates("paradetox_neutral_fp_inspect", neutral, abusive)
    figures |= _rates("paradetox_neutral_fp_check", neutral, checked_abusive)
    figures |= _rates("tg_spam_recall", spam, spammy)
    figures |= _rates("tg_ham_fp", ham, spammy)
    requests = _bitext_requests(eval_dir / "bitext_customer_support" / "bitext_mapped.tsv")
    if requests:
        figures["bitext_requests_spam_fp"] = _share(spammy(text) for text in requests)
    if intents is not None:

        def worker_spammy(text: str) -> bool:
            return spammy(text) or intents.get(text) == "spam"

        figures |= _rates("tg_spam_recall_worker", spam, worker_spammy)
        figures |= _rates("tg_ham_fp_worker", ham, worker_spammy)
    texts = _speed_texts([s.text for s in (*toxic, *neutral, *spam, *ham)])
    figures["check_texts_per_s"] = _per_second(texts, outbound.check)
    figures["inspect_texts_per_s"] = _per_second(texts, inbound.inspect)
    return figures


async def spam_intents(eval_dir: Path, rasa_url: str) -> dict[str, str]:
    """The Rasa model's intent for every tg_spam line (spam and ham), by text."""
    samples = (
        *_lines(eval_dir / "tg_spam" / "spam-samples.txt"),
        *_lines(eval_dir / "tg_spam" / "ham-samples.txt"),
    )
    intents: dict[str, str] = {}
    async with aiohttp.ClientSession() as session:
        for sample in samples:
            async with session.post(
                f"{rasa_url}/model/parse", json={"text": sample.text}
            ) as response:
                response.raise_for_status()
                body = await response.json()
            intents[sample.text] = str((body.get("intent") or {}).get("name") or "")
    return intents


def _rendered_snippets() -> list[str]:
    """Every phrasing of the shop's own answers: what the outbound check mostly sees."""
    knowledge = Knowledge.load(KNOWLEDGE_DIR)
    return [
        fill(text, SAMPLE_VALUES[lang])
        for key in sorted(knowledge.keys())
        for lang in (Language.RU, Language.EN)
        for text in knowledge.variants(key, lang)
    ]


def _rates(name: str, samples: Sequence[Sample], hit: Callable[[str], bool]) -> dict[str, float]:
    results = [(s.dev, hit(s.text)) for s in samples]
    return {
        name: _share(r for _, r in results),
        f"{name}_dev": _share(r for dev, r in results if dev),
        f"{name}_heldout": _share(r for dev, r in results if not dev),
    }


def _share(results: Iterable[bool]) -> float:
    values = list(results)
    return round(sum(values) / len(values), 4) if values else 0.0


def _paradetox(path: Path) -> tuple[list[Sample], list[Sample]]:
    toxic: list[Sample] = []
    neutral: list[Sample] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        sample = Sample(str(row["text"]), int(row["pair_id"]) % 2 == 0)
        (toxic if row["label"] == "toxic" else neutral).append(sample)
    return toxic, neutral


def _bitext_requests(path: Path) -> list[str]:
    """The request texts of the Bitext file, or [] without the file."""
    return [request.text for request in read_requests(path)] if path.is_file() else []


def _lines(path: Path) -> list[Sample]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Sample(text, number % 2 == 0) for number, text in enumerate(lines, 1) if text.strip()]


def _speed_texts(sources: list[str]) -> list[str]:
    """Texts of exactly TEXT_LENGTH characters, made by joining the sources in order."""
    texts: list[str] = []
    current = ""
    for source in sources * 3:
        current = f"{current} {source}".strip()
        while len(current) >= TEXT_LENGTH:
            texts.append(current[:TEXT_LENGTH])
            current = current[TEXT_LENGTH:].strip()
        if len(texts) >= SPEED_TEXTS:
            break
    return texts


def _per_second(texts: list[str], work: Callable[[str], object]) -> float:
    """Texts per second of CPU time of this process (one core; the machine may be shared,
    and waiting for a core is not the guard's cost), best of a few rounds."""
    best = float("inf")
    for _ in range(SPEED_ROUNDS):
        started = time.process_time()
        for text in texts:
            work(text)
        best = min(best, time.process_time() - started)
    return round(len(texts) / best, 1)


TARGETS = {
    "paradetox_toxic_recall": (">=", 0.85),
    "paradetox_toxic_recall_check": (">=", 0.85),
    "paradetox_neutral_fp_inspect": ("<=", 0.02),
    "paradetox_neutral_fp_check": ("<=", 0.02),
    "tg_spam_recall": (">=", 0.95),
    "tg_ham_fp": ("<=", 0.02),
    "bitext_requests_spam_fp": ("<=", 0.02),
    "tg_spam_recall_worker": (">=", 0.95),
    "tg_ham_fp_worker": ("<=", 0.02),
    "check_texts_per_s": (">=", 5000.0),
    "check_texts_per_s_replies": (">=", 5000.0),
    "replies_violation_recall": (">=", 0.97),
    "replies_rule_recall": (">=", 0.95),
    "replies_clean_fp": ("<=", 0.02),
    "snippets_fp_check": ("<=", 0.0),
}


def _table(figures: dict[str, float]) -> str:
    lines = [f"{'figure':<40}{'value':>12}  target"]
    for name, value in figures.items():
        target = TARGETS.get(name.removesuffix("_dev").removesuffix("_heldout"))
        note = f"{target[0]} {target[1]}" if target else ""
        lines.append(f"{name:<40}{value:>12}  {note}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.guard", description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--misses", action="store_true", help="print the dev part's misses")
    args = parser.parse_args(argv)
    if args.misses:
        print("\n".join(dev_misses(OutboundGuard.load())))
        return 0
    if not (args.eval_dir / "ru_paradetox").is_dir():
        print(f"no evaluation data under {args.eval_dir}: the project's own figures only")
    figures = run(args.eval_dir)
    print(json.dumps(figures, indent=2) if args.json else _table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
