"""The learned signals (bot/guard/learned.py, training.py): training data, scoring, the plain-data
artifacts `make train` writes, and their errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.errors import ConfigError
from bot.guard.learned import FORMAT_VERSION, LinearModel, SpamClassifier, features
from bot.guard.lexicon import read_yaml
from bot.guard.training import (
    CORPUS_DIR,
    REPLIES_DIR,
    Example,
    corpus_examples,
    corpus_lines,
    fit,
    nlu_examples,
    replies,
    train_spam,
)
from bot.review.nlu_files import words

HALF = float(read_yaml("spam.yml")["learned"]["half"])
ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "nlu"
HOLDOUT_DIR = ROOT / "tests" / "nlu"
EVAL_DIR = ROOT.parent / "shared" / "eval"
# Word-set Jaccard similarity at which a corpus line counts as a near copy of an evaluation
# line (the same measure as tests/unit/test_nlu_data.py uses against the held-out set).
NEAR_COPY_JACCARD = 0.6
MIN_WORDS = 5
"""Shorter lines ("с днём рождения!", "ага") are common property, not copies."""

SMALL = [
    Example("заработок без вложений пиши в лс", True, "t"),
    Example("доход от 5000 в день, пиши +", True, "t"),
    Example("крипта растет, заходи в канал", True, "t"),
    Example("нужны люди на удаленку, пиши в лс", True, "t"),
    Example("где мой заказ, уже неделя", False, "t"),
    Example("хочу вернуть товар, не подошел размер", False, "t"),
    Example("курьер не приехал, где заказ", False, "t"),
    Example("спасибо, все пришло", False, "t"),
]


@pytest.fixture(scope="module")
def classifier() -> SpamClassifier:
    """The model `make train` wrote (models/guard/spam.npz)."""
    return SpamClassifier.load()


def test_scoring_from_the_weights_equals_scikit_learn() -> None:
    """`probability` recomputes TF-IDF and the logistic regression by hand: it must give what
    scikit-learn's own pipeline gives, for seen text, unseen words and empty text alike."""
    vectorizer, model = fit(SMALL)
    classifier = SpamClassifier.of(LinearModel.from_fitted(vectorizer, [model], ["spam"]))
    texts = [e.text for e in SMALL] + ["пиши в лс про заказ", "совсем другие слова", "", "!!!"]
    expected = model.predict_proba(vectorizer.transform(texts))[:, 1]
    for text, wanted in zip(texts, expected, strict=True):
        assert classifier.probability(text) == pytest.approx(float(wanted), abs=1e-9), text


def test_training_is_deterministic() -> None:
    assert train_spam(SMALL) == train_spam(SMALL)


def test_a_saved_model_loads_back_equal(tmp_path: Path) -> None:
    """The artifact is plain arrays: what is loaded scores exactly as what was trained."""
    model = train_spam(SMALL).model
    model.save(tmp_path / "spam.npz")
    loaded = LinearModel.load(tmp_path / "spam.npz")
    assert loaded.terms == model.terms
    assert loaded.intercepts == model.intercepts
    assert loaded.classes == ("spam",)
    assert SpamClassifier.load(tmp_path).probability("пиши в лс") == pytest.approx(
        SpamClassifier.of(model).probability("пиши в лс")
    )


def test_a_missing_model_names_make_train(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="make train"):
        SpamClassifier.load(tmp_path)


def test_a_model_of_another_format_is_refused(tmp_path: Path) -> None:
    train_spam(SMALL).model.save(tmp_path / "spam.npz")
    with np.load(tmp_path / "spam.npz", allow_pickle=False) as arrays:
        data = dict(arrays)
    data["format"] = np.array([FORMAT_VERSION + 1])
    np.savez(tmp_path / "spam.npz", **data)
    with pytest.raises(ConfigError, match=r"another format.*make train"):
        SpamClassifier.load(tmp_path)


def test_loading_the_guards_needs_neither_scikit_learn_nor_the_review_tools() -> None:
    """The worker loads the arrays `make train` wrote; it fits nothing at start, so neither
    scikit-learn nor bot.review (nor the NLU files) are imported."""
    code = (
        "import sys\n"
        "from bot.guard.inbound import InboundGuard\n"
        "from bot.guard.outbound import OutboundGuard\n"
        "InboundGuard.load(); OutboundGuard.load()\n"
        "bad = [m for m in sys.modules if m.startswith(('sklearn', 'bot.review', 'scipy'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_features_see_through_case_yo_and_lookalike_letters() -> None:
    """ "ДОХОД", "дoxoд" (Latin o and x) and "доход" are one word to the classifier."""
    assert features("ДОХОД ещё") == features("дoxoд еще") == features("доход еще")
    assert "w:доход" in features("доход")
    assert "b:доход еще" in features("доход ещё")


def test_corpus_lines_skip_comments_and_blanks_but_keep_hashtags(tmp_path: Path) -> None:
    path = tmp_path / "spam-x.txt"
    path.write_text("# header\n#\n\n#работа на дому\n  пиши +  \n", encoding="utf-8")
    assert corpus_lines(path) == ["#работа на дому", "пиши +"]


def test_nlu_spam_intent_is_spam_and_every_other_intent_is_not() -> None:
    examples = nlu_examples(NLU_DIR)
    assert {e.spam for e in examples} == {True, False}
    assert all(e.source.startswith("nlu/") for e in examples)
    assert not any(e.spam for e in examples if "где мой заказ" in e.text.lower())


def test_a_missing_nlu_directory_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        nlu_examples(tmp_path / "absent")
    assert raised.value.variable == "OZONBOT_NLU_DIR"


def test_training_needs_both_kinds_of_text() -> None:
    with pytest.raises(ConfigError, match="spam and other text"):
        train_spam([e for e in SMALL if e.spam])


def test_a_corpus_without_chatter_is_refused(tmp_path: Path) -> None:
    (tmp_path / "spam-a.txt").write_text("пиши +\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"chatter-\*\.txt"):
        corpus_examples(tmp_path)


# --- the corpus -----------------------------------------------------------------------------


def test_every_corpus_file_names_its_source_and_licence() -> None:
    for path in sorted([*CORPUS_DIR.glob("*.txt"), *REPLIES_DIR.glob("*.txt")]):
        lines = path.read_text(encoding="utf-8").splitlines()
        header = " ".join(line for line in lines if line.startswith("# "))
        assert "Licence: MIT" in header, path.name
        assert "Written for ozonbot" in header, path.name


def test_no_message_is_in_the_corpus_twice() -> None:
    texts = [e.text.lower() for e in corpus_examples()]
    repeated = {t for t in texts if texts.count(t) > 1}
    assert not repeated


def test_corpus_is_not_the_nlu_data() -> None:
    """The corpus adds to nlu/ and to the held-out set; a copy would only double its weight
    (or leak the held-out set into a model). Short reactions ("ага", "lol") are everyone's."""
    nlu = {e.text.lower() for d in (NLU_DIR, HOLDOUT_DIR) for e in nlu_examples(d)}
    copies = [e.text for e in corpus_examples() if e.text.lower() in nlu]
    assert not [text for text in copies if len(words(text)) >= MIN_WORDS]


@pytest.mark.skipif(not EVAL_DIR.is_dir(), reason=f"no evaluation data at {EVAL_DIR}")
def test_no_corpus_line_is_a_near_copy_of_the_evaluation_data() -> None:
    """../shared/eval is for measuring only: a near copy in the training data would turn the
    spam figures of `make bench` into a memory test."""
    evaluation = [words(line) for line in _evaluation_texts()]
    copies = []
    for text in [e.text for e in corpus_examples()] + [r.text for r in replies()]:
        mine = words(text)
        if len(mine) < MIN_WORDS:
            continue
        for theirs in evaluation:
            if theirs and len(mine & theirs) / len(mine | theirs) >= NEAR_COPY_JACCARD:
                copies.append(text)
                break
    assert not copies


def _evaluation_texts() -> list[str]:
    texts = [
        line
        for name in ("spam-samples.txt", "ham-samples.txt")
        for line in (EVAL_DIR / "tg_spam" / name).read_text(encoding="utf-8").splitlines()
    ]
    paradetox = (EVAL_DIR / "ru_paradetox" / "dev_labeled.jsonl").read_text(encoding="utf-8")
    texts += [json.loads(line)["text"] for line in paradetox.splitlines() if line.strip()]
    return texts


# --- the trained classifier ------------------------------------------------------------------


def test_the_held_out_buyers_rarely_read_as_spam(classifier: SpamClassifier) -> None:
    """tests/nlu/holdout.yml was written apart from nlu/ and the corpus: at most 1 % of its
    buyers reach the classifier's lower cut-off (`learned.half` of lexicons/spam.yml). (Those
    that do ask to move to Telegram; the guard answers them as contact requests:
    test_guard_inbound.py.)"""
    buyers = [e.text for e in nlu_examples(HOLDOUT_DIR) if not e.spam]
    assert len(buyers) > 250
    likely = [text for text in buyers if classifier.probability(text) >= HALF]
    assert len(likely) <= 0.01 * len(buyers), likely


def test_the_held_out_spam_mostly_reads_as_spam(classifier: SpamClassifier) -> None:
    spam = [e.text for e in nlu_examples(HOLDOUT_DIR) if e.spam]
    likely = [text for text in spam if classifier.probability(text) >= HALF]
    assert len(likely) >= 0.75 * len(spam)
