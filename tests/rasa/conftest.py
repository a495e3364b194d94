"""Shared fixtures: the repository's domain and an EscalationPolicy configured from config.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.utils.io import read_yaml_file
from support import REPO, make_policy

from policies.escalation import EscalationPolicy


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def domain() -> Domain:
    return Domain.load(str(REPO / "domain.yml"))


@pytest.fixture(scope="session")
def policy_config() -> dict[str, Any]:
    """The EscalationPolicy entry of config.yml (without its `name`)."""
    config = cast("dict[str, Any]", read_yaml_file(REPO / "config.yml"))
    for entry in config["policies"]:
        if entry["name"] == "policies.escalation.EscalationPolicy":
            return {k: v for k, v in entry.items() if k != "name"}
    raise AssertionError("config.yml does not register policies.escalation.EscalationPolicy")


@pytest.fixture
def policy(policy_config: dict[str, Any], tmp_path: Path) -> EscalationPolicy:
    return make_policy(policy_config, tmp_path)
