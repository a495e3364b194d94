"""The Rasa side spells the contract names exactly like `bot/models.py` and docs/dialogue.md.

`policies/` cannot import the worker package (Python 3.11 vs Rasa's 3.10), so the names are
repeated there; these tests read `bot/models.py` as text (ast) and compare.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from rasa.shared.core.constants import DEFAULT_INTENTS, DEFAULT_SLOT_NAMES
from rasa.shared.core.domain import Domain

from policies import escalation


def enum_values(models: ast.Module, name: str) -> dict[str, str]:
    for node in models.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return {
                stmt.targets[0].id: str(stmt.value.value)  # type: ignore[attr-defined]
                for stmt in node.body
                if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant)
            }
    raise AssertionError(f"{name} not found in bot/models.py")


def intent_set(models: ast.Module, name: str) -> frozenset[str]:
    intents = enum_values(models, "Intent")
    for node in models.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            members = {n.attr for n in ast.walk(node.value) if isinstance(n, ast.Attribute)}
            return frozenset(intents[m] for m in members)
    raise AssertionError(f"{name} not found in bot/models.py")


@pytest.fixture(scope="module")
def models(repo: Path) -> ast.Module:
    return ast.parse((repo / "bot" / "models.py").read_text(encoding="utf-8"))


def test_domain_intents_are_the_contract_intents(models: ast.Module, domain: Domain) -> None:
    contract = set(enum_values(models, "Intent").values())
    assert contract <= set(domain.intents)
    assert set(domain.intents) - set(DEFAULT_INTENTS) <= contract


def test_policy_reasons_are_contract_reasons(models: ast.Module) -> None:
    contract = set(enum_values(models, "EscalationReason").values())
    assert {reason.value for reason in escalation.Reason} <= contract


def test_policy_dispute_intents_are_the_contract_ones(models: ast.Module) -> None:
    assert intent_set(models, "DISPUTE_INTENTS") == escalation.DISPUTE_INTENTS


def test_policy_flags_are_inbound_flags(models: ast.Module) -> None:
    flags = set(enum_values(models, "InboundFlag").values())
    assert escalation.ABUSE_FLAGS | {"spam", "legal_threat"} <= flags


def test_domain_actions_are_the_documented_ones(repo: Path, domain: Domain) -> None:
    documented = set(re.findall(r"`(action_\w+)`", (repo / "docs" / "dialogue.md").read_text()))
    assert set(domain.user_actions) == documented


def test_domain_slots_are_the_documented_ones(domain: Domain) -> None:
    assert {slot.name for slot in domain.slots} - DEFAULT_SLOT_NAMES == {
        "posting_number",
        "order_number",
        "sku",
        "attribute",
        "awaiting_posting_number",
        "awaiting_product",
        "escalation_reason",
    }
    assert escalation.REASON_SLOT == "escalation_reason"


def test_awaiting_product_values_are_the_ones_the_actions_set(repo: Path, domain: Domain) -> None:
    """bot/dialogue/actions/products.py (worker side, read as text) sets exactly these values."""
    slot = next(slot for slot in domain.slots if slot.name == "awaiting_product")
    source = (repo / "bot" / "dialogue" / "actions" / "products.py").read_text(encoding="utf-8")
    asked = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef) and node.name == "Asked"
    )
    values = {
        str(stmt.value.value)
        for stmt in asked.body
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant)
    }
    # Rasa adds `__other__` to every categorical slot for values outside the list.
    assert set(slot.values) - {"__other__"} == values  # type: ignore[attr-defined]
    assert slot.influence_conversation


def test_slots_read_by_rule_conditions_exist(repo: Path, domain: Domain) -> None:
    rules = (repo / "stories" / "rules.yml").read_text(encoding="utf-8")
    conditions = set(re.findall(r"slot_was_set:\s*\n\s*- (\w+):", rules))
    assert conditions == {"awaiting_posting_number", "awaiting_product"}
    assert conditions <= {slot.name for slot in domain.slots}
