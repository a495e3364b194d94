"""YAML parsing for the project's data files (lexicons, knowledge, shops, scenarios).

libyaml's C loader when PyYAML was built with it (the wheels are), else the pure-Python one:
the same safe subset, about ten times faster, which is most of a worker's start-up.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAMLError = yaml.YAMLError


def parse(text: str) -> Any:
    """The document in `text` (safe types only); `YAMLError` when it is not valid YAML."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
