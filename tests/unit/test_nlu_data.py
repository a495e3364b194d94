"""The Rasa NLU training data (`nlu/`) and the held-out set (`tests/nlu/holdout.yml`).

A trained model cannot tell us what is wrong with its own data, so these checks do: every
contract intent is covered, the language mix is the one buyers write in, nothing is repeated or
leaked from the training set into the held-out set, and the entity annotations agree with the
Ozon number formats and with the regexes Rasa extracts those numbers with.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

from bot.models import Intent

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "nlu"
HOLDOUT = ROOT / "tests" / "nlu" / "holdout.yml"
ENTITIES_FILE = NLU_DIR / "entities.yml"
FEATURES_FILE = NLU_DIR / "features.yml"

MIN_TRAINING_EXAMPLES = 50
MIN_HOLDOUT_EXAMPLES = 15
MIN_ANNOTATED_DELIVERY_STATUS = 15
RUSSIAN_SHARE = (0.70, 0.90)
ENGLISH_SHARE_OVERALL = (0.15, 0.25)
# Word-set Jaccard similarity at which a held-out example counts as a near-copy of a training
# example: above it the held-out score would measure memory, not generalisation.
NEAR_COPY_JACCARD = 0.8

# The Ozon number formats (ozon/README.md), written here independently of nlu/entities.yml so
# that a wrong regex there is caught instead of trusted.
NUMBER_FORMATS = {
    "posting_number": re.compile(r"(?:\d{8}|\d{10})-\d{4}-\d{1,2}"),
    "order_number": re.compile(r"(?:\d{8}|\d{10})-\d{4}"),
    "sku": re.compile(r"\d{6,12}"),
}
ENTITY_NAMES = frozenset({*NUMBER_FORMATS, "attribute"})

# Rasa's inline annotations: [text](entity) and [text]{"entity": "...", "value": "..."}.
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\}))")

# Language rule: an example is Russian when it has a Cyrillic letter or, written in Latin
# letters, contains a transliterated Russian word from this list. Words that are also English
# ("net", "den", "to", "ty") are left out on purpose; a short Latin example without a marker counts
# as English. The list covers the transliterations buyers use for this shop's topics.
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
TRANSLIT_MARKERS = frozenset(
    """
    privet zdravstvuyte zdravstvuite dobryy dobryi vecher zdrasti spasibo spasibki bolshoe sps
    blagodaryu vas da aga ugu konechno horosho verno ne nado nuzhno nea gde moi zakaz kogda
    dostavka pridet otpravlen otpravite posylka posylku prishel prishla poluchila poluchil
    uzhe mesyac hochu otmenit otmenite kak pozhaluysta mozhno pomenyat izmenit adres pomenyaite
    cvet chernyi razmer vernut oformit vozvrat podoshel dengi vernete vernite prishli tovar
    sloman rabotaet brak brakom prislali tot chuzhoi kakoi podoidet li est nalichii budet eto
    uzhasnyi servis budu zhalovatsya nedovolna bezobrazie pozovite operatora nuzhen zhivoi
    chelovek soedinite menedzherom dayte dai vash nomer telefona napishite mne idi nahui poshli
    vy debily suka zarabotok vlozheniy internete podpishis kanal rabota domu pishi lichku dela
    kto kakaya pogoda zavtra
    """.split()  # noqa: SIM905 - a word list reads better as text than as a hundred literals
)


@dataclass(frozen=True)
class Entity:
    name: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    intent: str
    text: str
    entities: tuple[Entity, ...]
    source: str


def _annotation_value(match: re.Match[str]) -> tuple[str, str]:
    """The entity name and value of one inline annotation."""
    if match["name"] is not None:
        return match["name"], match["text"]
    spec = json.loads(match["json"])
    return str(spec["entity"]), str(spec.get("value", match["text"]))


def parse_example(raw: str, intent: str, source: str) -> Example:
    """Plain text and entity spans of one Rasa example line (without the leading '- ')."""
    parts: list[str] = []
    entities: list[Entity] = []
    position = 0
    for match in ANNOTATION.finditer(raw):
        parts.append(raw[position : match.start()])
        start = sum(len(part) for part in parts)
        name, value = _annotation_value(match)
        entities.append(Entity(name, value, start, start + len(match["text"])))
        parts.append(match["text"])
        position = match.end()
    parts.append(raw[position:])
    return Example(intent, "".join(parts), tuple(entities), source)


def nlu_blocks(path: Path) -> list[dict[str, str]]:
    """The `nlu:` entries of a Rasa YAML file."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), path
    blocks = document["nlu"]
    assert isinstance(blocks, list), path
    return [{str(key): str(value) for key, value in block.items()} for block in blocks]


def example_lines(block: dict[str, str]) -> list[str]:
    lines = [line.strip() for line in block["examples"].splitlines() if line.strip()]
    assert all(line.startswith("- ") for line in lines), block
    return [line[2:].strip() for line in lines]


def load_examples(paths: Iterable[Path]) -> tuple[Example, ...]:
    return tuple(
        parse_example(line, block["intent"], path.name)
        for path in paths
        for block in nlu_blocks(path)
        if "intent" in block
        for line in example_lines(block)
    )


@cache
def training() -> tuple[Example, ...]:
    return load_examples(sorted(NLU_DIR.glob("*.yml")))


@cache
def holdout() -> tuple[Example, ...]:
    return load_examples([HOLDOUT])


def entries(kind: str, path: Path = ENTITIES_FILE) -> dict[str, list[str]]:
    """`regex:`, `synonym:` or `lookup:` entries of a file (nlu/entities.yml): name → examples."""
    return {block[kind]: example_lines(block) for block in nlu_blocks(path) if kind in block}


@cache
def abuse_word() -> re.Pattern[str]:
    """The `abuse_word` feature of nlu/features.yml, compiled like RegexFeaturizer does."""
    (pattern,) = entries("regex", FEATURES_FILE)["abuse_word"]
    return re.compile(pattern, re.IGNORECASE)


def normalise(text: str) -> str:
    words = re.sub(r"\W+", " ", text.lower().replace("ё", "е")).split()
    return " ".join(words)


def is_russian(text: str) -> bool:
    if CYRILLIC.search(text):
        return True
    return any(word in TRANSLIT_MARKERS for word in re.findall(r"[a-z]+", text.lower()))


def by_intent(examples: Iterable[Example]) -> dict[str, list[Example]]:
    grouped: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        grouped[example.intent].append(example)
    return grouped


def russian_share(examples: list[Example]) -> float:
    return sum(is_russian(example.text) for example in examples) / len(examples)


def duplicates(examples: Iterable[Example]) -> list[str]:
    counts = Counter(normalise(example.text) for example in examples)
    return sorted(text for text, count in counts.items() if count > 1)


def number_spans(examples: Iterable[Example]) -> Iterator[tuple[Example, Entity]]:
    for example in examples:
        for entity in example.entities:
            if entity.name in NUMBER_FORMATS:
                yield example, entity


@cache
def number_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The `regex:` entries, compiled like Rasa does (case-insensitive in the extractor)."""
    return tuple(
        (name, re.compile(pattern, re.IGNORECASE))
        for name, patterns in entries("regex").items()
        for pattern in patterns
    )


def regex_spans(text: str) -> set[tuple[str, int, int]]:
    """What the `regex:` entries find in a text, as Rasa's RegexEntityExtractor would."""
    return {
        (name, match.start(), match.end())
        for name, pattern in number_patterns()
        for match in pattern.finditer(text)
    }


def synonym_map() -> dict[str, str]:
    """Lower-cased variant → canonical attribute name."""
    return {
        variant.lower(): canonical
        for canonical, variants in entries("synonym").items()
        for variant in variants
    }


CONTRACT_INTENTS = sorted(intent.value for intent in Intent)


def test_every_file_is_rasa_3_1_nlu_data() -> None:
    for path in [*sorted(NLU_DIR.glob("*.yml")), HOLDOUT]:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert document["version"] == "3.1", path
        assert set(document) == {"version", "nlu"}, path


def test_training_data_covers_exactly_the_contract_intents() -> None:
    assert sorted(by_intent(training())) == CONTRACT_INTENTS


def test_holdout_covers_exactly_the_contract_intents() -> None:
    assert sorted(by_intent(holdout())) == CONTRACT_INTENTS


@pytest.mark.parametrize("intent", CONTRACT_INTENTS)
def test_intent_has_enough_training_examples(intent: str) -> None:
    assert len(by_intent(training())[intent]) >= MIN_TRAINING_EXAMPLES


@pytest.mark.parametrize("intent", CONTRACT_INTENTS)
def test_intent_has_enough_holdout_examples(intent: str) -> None:
    assert len(by_intent(holdout())[intent]) >= MIN_HOLDOUT_EXAMPLES


@pytest.mark.parametrize("intent", CONTRACT_INTENTS)
def test_training_examples_are_mostly_russian(intent: str) -> None:
    low, high = RUSSIAN_SHARE
    assert low <= russian_share(by_intent(training())[intent]) <= high


@pytest.mark.parametrize("intent", CONTRACT_INTENTS)
def test_holdout_examples_are_mostly_russian(intent: str) -> None:
    low, high = RUSSIAN_SHARE
    assert low <= russian_share(by_intent(holdout())[intent]) <= high


def test_about_a_fifth_of_training_examples_are_english() -> None:
    low, high = ENGLISH_SHARE_OVERALL
    assert low <= 1 - russian_share(list(training())) <= high


def test_translit_rule_tells_transliteration_from_english() -> None:
    assert is_russian("gde moi zakaz")
    assert is_russian("Где мой заказ?")
    assert not is_russian("where is my order?")


def test_training_examples_are_not_repeated() -> None:
    assert duplicates(training()) == []


def test_holdout_examples_are_not_repeated() -> None:
    assert duplicates(holdout()) == []


def test_holdout_examples_are_not_in_training_data() -> None:
    seen = {normalise(example.text) for example in training()}
    assert [example.text for example in holdout() if normalise(example.text) in seen] == []


def test_holdout_examples_are_not_near_copies_of_training_examples() -> None:
    known = [set(normalise(example.text).split()) for example in training()]
    near_copies = []
    for example in holdout():
        words = set(normalise(example.text).split())
        if any(len(words & other) / len(words | other) >= NEAR_COPY_JACCARD for other in known):
            near_copies.append(f"{example.source}: {example.text}")
    assert near_copies == []


def test_annotations_are_well_formed() -> None:
    broken = [ex.text for ex in (*training(), *holdout()) if "[" in ex.text or "](" in ex.text]
    assert broken == []


def test_only_known_entities_are_annotated() -> None:
    names = {entity.name for example in (*training(), *holdout()) for entity in example.entities}
    assert names <= ENTITY_NAMES


def test_annotated_numbers_have_ozon_formats() -> None:
    wrong = [
        (entity.name, entity.value)
        for _, entity in number_spans((*training(), *holdout()))
        if not NUMBER_FORMATS[entity.name].fullmatch(entity.value)
    ]
    assert wrong == []


def test_regexes_find_exactly_the_annotated_numbers() -> None:
    """Every number the regexes find is annotated with the same name, and nothing else is."""
    disagreements = []
    for example in (*training(), *holdout()):
        annotated = {
            (entity.name, entity.start, entity.end)
            for entity in example.entities
            if entity.name in NUMBER_FORMATS
        }
        if regex_spans(example.text) != annotated:
            disagreements.append(f"{example.source}: {example.text}")
    assert disagreements == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("заказ 12345678-0001-1", {("posting_number", 6, 21)}),
        ("заказ 1234567890-0001-12", {("posting_number", 6, 24)}),
        ("заказ 12345678-0001", {("order_number", 6, 19)}),
        ("заказ 1234567890-0001.", {("order_number", 6, 21)}),
        ("артикул 123456", {("sku", 8, 14)}),
        ("sku: 123456789012", {("sku", 5, 17)}),
        ("12345 и 1234567890123", set()),
        ("мой номер 89161234567", set()),
        ("мой номер +79161234567", set()),
        ("RU123456789CN", set()),
    ],
)
def test_number_regexes_do_not_overlap(text: str, expected: set[tuple[str, int, int]]) -> None:
    assert regex_spans(text) == expected


def test_delivery_status_examples_carry_numbers() -> None:
    annotated = [ex for ex in by_intent(training())["delivery_status"] if ex.entities]
    assert len(annotated) >= MIN_ANNOTATED_DELIVERY_STATUS


def test_attribute_values_map_to_canonical_names() -> None:
    canonical = set(entries("synonym"))
    values = {
        entity.value.lower()
        for example in (*training(), *holdout())
        for entity in example.entities
        if entity.name == "attribute"
    }
    assert {synonym_map().get(value, value) for value in values} <= canonical


def test_attribute_synonyms_are_unambiguous() -> None:
    # Exact lower-case comparison, as EntitySynonymMapper does: "объема" and "объёма" differ.
    variants = [v.lower() for names in entries("synonym").values() for v in names]
    assert [v for v, count in Counter(variants).items() if count > 1] == []
    assert set(variants).isdisjoint(entries("synonym"))


def test_attribute_lookup_lists_every_synonym_form() -> None:
    forms = set(entries("synonym")) | set(synonym_map())
    assert set(entries("lookup")["attribute"]) == forms


def test_feature_regexes_name_no_entity() -> None:
    """A feature regex named like an entity would be extracted as that entity."""
    annotated = {entity.name for example in training() for entity in example.entities}
    assert set(entries("regex", FEATURES_FILE)).isdisjoint(annotated | set(NUMBER_FORMATS))


def test_abuse_word_matches_no_example_of_another_intent() -> None:
    hits = [
        f"{example.intent}: {example.text}"
        for example in training()
        if example.intent != "abusive" and abuse_word().search(example.text)
    ]
    assert hits == []


@pytest.mark.parametrize(
    "text",
    [
        "корабля",
        "плохо",
        "тихую улицу",
        "педикюрный набор",
        "скотч",
        "хрен столовый",
        "нож тупой",
        "себе",
        "употреблять",
        "оскорблять",
        "скипидар",
        "хлебать",
        "страница",
        "пошлите мне трек",
        "classic shirt",
        "closer",
        "napishite",
    ],
)
def test_abuse_word_leaves_ordinary_words(text: str) -> None:
    assert abuse_word().search(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "ты дебил",
        "х*й вам",
        "пи3дец",
        "xyйлo",
        "уебки",
        "СУКА где заказ",
        "idi nahui",
        "fuck off",
        "пошли вы",
        "долбоёбы",
    ],
)
def test_abuse_word_finds_swearing(text: str) -> None:
    assert abuse_word().search(text) is not None
