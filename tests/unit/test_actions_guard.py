"""What the actions say with live data filled in passes Ozon's rules (the outbound check).

The knowledge test checks each snippet with sample values; this one checks the sentences the
actions actually assemble: joined snippets, formatted dates, dimensions, attribute lists.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from bot.dialogue.actions.base import OzonbotAction
from bot.dialogue.actions.basic import Acknowledge, Clarify, DeclineContacts, Greet, Thank
from bot.dialogue.actions.delivery import CancelInfo, DeliveryStatus
from bot.dialogue.actions.products import ProductAvailability, ProductSpecs
from bot.dialogue.actions.returns import ReturnInfo
from bot.guard.outbound import OutboundGuard
from bot.ozon.schemas import Dimensions
from tests.unit.actions_fakes import (
    FakeOzon,
    card,
    posting,
    product_info,
    return_item,
    run_action,
)

NUMBER, SKU = "57195475-0050-3", "1234567890"
DIMS = Dimensions(height=10, depth=160, width=80, dimension_unit="mm", weight=35, weight_unit="g")
ASK = {"entities": [("posting_number", NUMBER)]}


@cache
def guard() -> OutboundGuard:
    return OutboundGuard.load()


def ozon() -> FakeOzon:
    return FakeOzon(
        fbs={NUMBER: posting(NUMBER)},
        returns_by_posting={NUMBER: [return_item(NUMBER)]},
        products={SKU: product_info(SKU)},
        cards={SKU: card(SKU, dimensions=DIMS)},
    )


CASES: list[tuple[type[OzonbotAction], dict[str, Any]]] = [
    (Greet, {}),
    (Thank, {}),
    (Acknowledge, {"intent": "deny"}),
    (Clarify, {}),
    (DeclineContacts, {}),
    (DeliveryStatus, ASK),
    (DeliveryStatus, {}),
    (CancelInfo, ASK),
    (ReturnInfo, ASK),
    (ReturnInfo, {}),
    (ProductSpecs, {"sku": SKU}),
    (ProductSpecs, {"sku": SKU, "entities": [("attribute", "габариты")]}),
    (ProductSpecs, {"sku": SKU, "entities": [("attribute", "страна-изготовитель")]}),
    (ProductAvailability, {"sku": SKU}),
]


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("turn", ["1", "2", "3"])
@pytest.mark.parametrize(("action_class", "kwargs"), CASES)
async def test_assembled_answer_passes_the_outbound_check(
    action_class: type[OzonbotAction], kwargs: dict[str, Any], lang: str, turn: str
) -> None:
    said, _ = await run_action(action_class, ozon(), lang=lang, turn=turn, **kwargs)
    suggested = said.payloads[0].get("suggested")
    for text in [*said.texts, *([suggested] if suggested else [])]:
        assert guard().check(text).violations == (), text
