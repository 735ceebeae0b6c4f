"""Comparing runs: ``toolschool compare RUN…`` (placeholder while written)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Run-config keys that name or place a run: never a difference between runs.
PLACEMENT_KEYS = ("name", "out_dir")


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings → dotted keys: ``{"train": {"lora": {"r": 8}}}`` → ``{"train.lora.r": 8}``.

    Lists and scalars are leaves.
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def differing_keys(configs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Dotted keys whose value is not the same in every flattened config (a missing key counts
    as differing), in first-seen order, :data:`PLACEMENT_KEYS` left out."""
    keys: dict[str, None] = {}
    for config in configs:
        keys.update(dict.fromkeys(config))
    missing = object()
    return [key for key in keys if key not in PLACEMENT_KEYS
            and len({repr(c.get(key, missing)) for c in configs}) > 1]
