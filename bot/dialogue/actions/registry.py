"""Every custom action the domain names (docs/dialogue.md), built with their dependencies."""

from __future__ import annotations

from bot.dialogue.actions.base import OzonbotAction
from bot.dialogue.actions.basic import (
    Acknowledge,
    ChangeInfo,
    Clarify,
    DeclineContacts,
    Greet,
    RefundInfo,
    Thank,
)
from bot.dialogue.actions.delivery import CancelInfo, DeliveryStatus
from bot.dialogue.actions.deps import ActionDeps
from bot.dialogue.actions.escalate import Escalate
from bot.dialogue.actions.products import ProductAvailability, ProductSpecs
from bot.dialogue.actions.returns import ReturnInfo

ACTION_CLASSES: tuple[type[OzonbotAction], ...] = (
    Greet,
    Thank,
    Acknowledge,
    DeliveryStatus,
    ReturnInfo,
    RefundInfo,
    CancelInfo,
    ChangeInfo,
    ProductSpecs,
    ProductAvailability,
    DeclineContacts,
    Clarify,
    Escalate,
)

ACTION_NAMES: tuple[str, ...] = tuple(cls.action_name for cls in ACTION_CLASSES)


def build_actions(deps: ActionDeps) -> tuple[OzonbotAction, ...]:
    return tuple(cls(deps) for cls in ACTION_CLASSES)
