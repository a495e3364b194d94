"""`action_product_specs` and `action_product_availability` against a fake Ozon."""

from __future__ import annotations

from typing import Any

from bot.dialogue.actions.products import ProductAvailability, ProductSpecs
from bot.errors import OzonRateLimitError
from bot.ozon.schemas import Dimensions
from tests.unit.actions_fakes import FakeOzon, card, product_info, run_action

SKU = "1234567890"
STOP_WAITING = {"event": "slot", "timestamp": None, "name": "awaiting_product", "value": None}


def waiting_for(asked: str) -> dict[str, Any]:
    return {"event": "slot", "timestamp": None, "name": "awaiting_product", "value": asked}


def asking(attribute: str | None = None, **kwargs: Any) -> dict[str, Any]:
    entities = [("attribute", attribute)] if attribute else []
    return {"intent": "product_specs", "entities": entities, "sku": SKU} | kwargs


async def test_asked_attribute_is_answered_from_the_card() -> None:
    ozon = FakeOzon(cards={SKU: card(SKU)})
    said, events = await run_action(ProductSpecs, ozon, "из чего он?", **asking("материал"))
    assert said.payload == {
        "kind": "reply",
        "key": "product.attribute",
        "facts": {
            "sku": SKU,
            "product_name": "Чехол для iPhone 13",
            "attribute": "материал",
            "value": "силикон",
        },
    }
    assert "силикон" in said.text
    assert events == [STOP_WAITING]


async def test_attribute_matches_a_longer_card_name() -> None:
    ozon = FakeOzon(cards={SKU: card(SKU)})
    said, _ = await run_action(ProductSpecs, ozon, **asking("цвет"))
    assert said.payload["facts"]["value"] == "черный"


async def test_attribute_missing_from_the_card_goes_to_a_person() -> None:
    ozon = FakeOzon(cards={SKU: card(SKU)})
    said, _ = await run_action(ProductSpecs, ozon, **asking("страна-изготовитель"))
    assert said.texts == []
    payload = said.payload
    assert payload["kind"] == "escalate"
    assert payload["reason"] == "unknown"
    assert payload["detail"] == "attribute_not_found"
    assert payload["suggested"]
    assert payload["facts"] == {
        "sku": SKU,
        "product_name": "Чехол для iPhone 13",
        "attribute": "страна-изготовитель",
    }


async def test_unknown_product_goes_to_a_person() -> None:
    said, _ = await run_action(ProductSpecs, FakeOzon(), **asking("материал"))
    assert said.texts == []
    assert said.payload["kind"] == "escalate"
    assert said.payload["reason"] == "unknown"
    assert said.payload["detail"] == "product_not_found"
    assert said.payload["facts"] == {"sku": SKU, "attribute": "материал"}


async def test_without_an_attribute_a_summary_is_given() -> None:
    ozon = FakeOzon(cards={SKU: card(SKU)})
    said, _ = await run_action(ProductSpecs, ozon, "расскажите о товаре", **asking())
    assert said.payload == {
        "kind": "reply",
        "key": "product.summary",
        "facts": {"sku": SKU, "product_name": "Чехол для iPhone 13"},
    }
    assert "Acme" in said.text
    assert "силикон" in said.text


async def test_no_product_known_asks_which_one() -> None:
    ozon = FakeOzon(cards={SKU: card(SKU)})
    said, _ = await run_action(ProductSpecs, ozon, **asking("материал", sku=None))
    assert said.payload == {"kind": "reply", "key": "ask_which_product", "facts": {}}
    assert said.text
    assert ozon.calls == []


async def test_asking_which_product_waits_for_it_as_a_specs_question() -> None:
    """The next message with an SKU runs action_product_specs again (stories/rules.yml)."""
    _, events = await run_action(ProductSpecs, FakeOzon(), **asking("материал", sku=None))
    assert events == [waiting_for("specs")]


async def test_the_product_named_after_the_ask_is_answered_and_waiting_stops() -> None:
    """The buyer's reply carries only an SKU, whatever intent it was classified as."""
    ozon = FakeOzon(cards={SKU: card(SKU)})
    said, events = await run_action(
        ProductSpecs,
        ozon,
        f"артикул {SKU}",
        intent="product_availability",
        entities=[("sku", SKU)],
        slots={"attribute": "материал", "awaiting_product": "specs"},
    )
    assert said.payload["key"] == "product.attribute"
    assert said.payload["facts"]["value"] == "силикон"
    assert events == [STOP_WAITING]


async def test_an_unknown_product_named_after_the_ask_stops_waiting_too() -> None:
    """Staff take over from here; a later SKU is a new question, not the old answer."""
    _, events = await run_action(
        ProductSpecs, FakeOzon(), entities=[("sku", SKU)], slots={"awaiting_product": "specs"}
    )
    assert events == [STOP_WAITING]


async def test_sku_entity_wins_over_chat_context() -> None:
    other = "5555555555"
    ozon = FakeOzon(cards={other: card(other)})
    said, _ = await run_action(
        ProductSpecs, ozon, entities=[("sku", other), ("attribute", "материал")], sku=SKU
    )
    assert ozon.calls == [("product_attributes", other)]
    assert said.payload["facts"]["sku"] == other


async def test_dimensions_come_from_the_card_dimensions() -> None:
    dims = Dimensions(
        height=10, depth=160, width=80, dimension_unit="mm", weight=35, weight_unit="g"
    )
    ozon = FakeOzon(cards={SKU: card(SKU, dimensions=dims)})
    said, _ = await run_action(ProductSpecs, ozon, **asking("габариты"))
    assert said.payload["facts"]["value"] == "160 × 80 × 10 мм"
    weight, _ = await run_action(ProductSpecs, ozon, **asking("вес"))
    assert weight.payload["facts"]["value"] == "35 г"


async def test_english_buyer_gets_english_attribute_name() -> None:
    ozon = FakeOzon(cards={SKU: card(SKU)})
    said, _ = await run_action(
        ProductSpecs, ozon, "what material?", lang="en", **asking("материал")
    )
    assert "material" in said.text
    assert "материал" not in said.text
    assert "силикон" in said.text


async def test_rate_limited_ozon_reverts_the_turn() -> None:
    failure = OzonRateLimitError("/v4/product/info/attributes", "slow down", retry_after=1.0)
    said, events = await run_action(ProductSpecs, FakeOzon(failure=failure), **asking("материал"))
    assert said.payload == {"kind": "retry", "error": "OzonRateLimitError"}
    assert events == [{"event": "rewind", "timestamp": None}]


# --- availability ----------------------------------------------------------------------------


async def test_in_stock() -> None:
    ozon = FakeOzon(products={SKU: product_info(SKU, present=5)})
    said, _ = await run_action(ProductAvailability, ozon, sku=SKU, intent="product_availability")
    assert said.payload == {
        "kind": "reply",
        "key": "availability.in_stock",
        "facts": {"sku": SKU, "product_name": "Чехол для iPhone 13", "present": "5"},
    }
    assert said.text


async def test_out_of_stock() -> None:
    ozon = FakeOzon(products={SKU: product_info(SKU, present=0)})
    said, _ = await run_action(ProductAvailability, ozon, sku=SKU)
    assert said.payload["key"] == "availability.out_of_stock"


async def test_stock_unknown() -> None:
    ozon = FakeOzon(products={SKU: product_info(SKU, present=None)})
    said, _ = await run_action(ProductAvailability, ozon, sku=SKU)
    assert said.payload["key"] == "availability.unknown"
    assert "present" not in said.payload["facts"]


async def test_availability_of_an_unknown_product_goes_to_a_person() -> None:
    said, _ = await run_action(ProductAvailability, FakeOzon(), sku=SKU)
    assert said.payload["kind"] == "escalate"
    assert said.payload["detail"] == "product_not_found"


async def test_availability_without_a_product_asks_which_one() -> None:
    said, events = await run_action(ProductAvailability, FakeOzon(), sku=None)
    assert said.payload["key"] == "ask_which_product"
    assert events == [waiting_for("availability")]


async def test_availability_answered_after_the_ask_stops_waiting() -> None:
    ozon = FakeOzon(products={SKU: product_info(SKU, present=2)})
    said, events = await run_action(
        ProductAvailability,
        ozon,
        intent="product_specs",
        entities=[("sku", SKU)],
        slots={"awaiting_product": "availability"},
    )
    assert said.payload["key"] == "availability.in_stock"
    assert events == [STOP_WAITING]


# --- facts by meaning (real category attribute names) ----------------------------------------

BAG = card(
    SKU,
    attributes=(
        (4180, "Максимальная диагональ ноутбука, дюймы", "", "15.6"),
        (10096, "Цвет товара", "", "серый"),
    ),
)
VACUUM = card(
    SKU,
    attributes=(
        (1, "Мощность, Вт", "", "600"),
        (2, "Мощность всасывания, Вт", "", "150"),
        (3, "Диаметр колес, мм", "", "60"),
    ),
)


async def test_a_number_beyond_a_limit_is_said_to_be_beyond_it() -> None:
    said, _ = await run_action(
        ProductSpecs, FakeOzon(cards={SKU: BAG}), "влезет ли ноутбук 16 дюймов?", **asking()
    )
    assert said.payload["key"] == "product.limit_beyond"
    assert said.payload["facts"]["value"] == "15.6"
    assert "16 дюймов" in said.text
    assert "15.6" in said.text


async def test_a_number_within_a_limit_quotes_the_card_without_promising() -> None:
    said, _ = await run_action(
        ProductSpecs, FakeOzon(cards={SKU: BAG}), "а 14 дюймов поместится?", **asking()
    )
    assert said.payload["key"] == "product.limit_within"
    assert "15.6" in said.text


async def test_an_english_inches_question_is_compared_too() -> None:
    said, _ = await run_action(
        ProductSpecs, FakeOzon(cards={SKU: BAG}), "will my 17 inch laptop fit?", **asking()
    )
    assert said.payload["key"] == "product.limit_beyond"


async def test_the_more_specific_name_wins_by_meaning() -> None:
    ozon = FakeOzon(cards={SKU: VACUUM})
    suction, _ = await run_action(
        ProductSpecs, ozon, "какая у него тяга, мощность всасывания?", **asking("мощность")
    )
    assert suction.payload["facts"]["value"] == "150"
    wheels, _ = await run_action(
        ProductSpecs, ozon, "а колёсики какого размера?", **asking("размер")
    )
    assert wheels.payload["facts"]["value"] == "60"


async def test_a_fact_the_card_lacks_is_not_guessed() -> None:
    said, _ = await run_action(
        ProductSpecs, FakeOzon(cards={SKU: VACUUM}), "а гарантия сколько?", **asking()
    )
    assert said.payload["kind"] == "escalate"
    assert said.payload["detail"] == "attribute_not_found"
    assert "гаранти" in said.payload["suggested"].lower()
    assert said.texts == []


async def test_another_size_after_availability_points_to_the_variants() -> None:
    ozon = FakeOzon(products={SKU: product_info(SKU, present=0)})
    said, _ = await run_action(
        ProductAvailability,
        ozon,
        "а на размер больше есть?",
        intent="product_availability",
        sku=SKU,
    )
    assert said.payload["key"] == "availability.variant"
