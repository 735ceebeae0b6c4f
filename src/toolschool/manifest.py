"""The run manifest: versions, seeds, machine and timings, written beside a run's results."""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from toolschool.files import atomic_write_text


def versions() -> dict[str, str]:
    """Versions of Python and the packages a result depends on (``not installed`` if absent)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("toolschool", "torch", "transformers", "peft", "pydantic"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def write_manifest(path: str | os.PathLike[str], seeds: dict[str, int], timings: dict[str, float],
                   **extra: Any) -> Path:
    """Write ``manifest.json``: creation time, versions, seeds, machine, timings (s), ``extra``."""
    import torch

    manifest = {
        "created": datetime.now(timezone.utc).isoformat(),
        "versions": versions(),
        "seeds": seeds,
        "machine": {
            "cpus": os.cpu_count(), "platform": platform.platform(), "torch_threads": torch.get_num_threads()
        },
        "timings_seconds": {k: round(v, 2) for k, v in timings.items()},
        **extra,
    }
    return atomic_write_text(path, json.dumps(manifest, indent=2) + "\n")
