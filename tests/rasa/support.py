"""Helpers for the tests of the Rasa side (pytest puts this folder on sys.path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from policies.escalation import EscalationPolicy

REPO = Path(__file__).resolve().parents[2]


def make_policy(config: dict[str, Any], tmp_path: Path) -> EscalationPolicy:
    """An EscalationPolicy as Rasa builds it: defaults merged with the given configuration."""
    merged = {**EscalationPolicy.get_default_config(), **config}
    policy = EscalationPolicy.create(
        merged,
        LocalModelStorage(tmp_path),
        Resource("escalation_policy"),
        ExecutionContext(GraphSchema({}), "test-model"),
    )
    return cast(EscalationPolicy, policy)
