"""toolschool: teach small language models to call tools, then run them as agents.

The public API is listed in ``__all__`` (sorted; a test pins it). Names are imported
lazily, so ``import toolschool`` does not import torch or transformers.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Agent": "toolschool.runtime",
    "ChatMLLayout": "toolschool.chat",
    "ConfigError": "toolschool.errors",
    "Conversation": "toolschool.types",
    "DataConfig": "toolschool.datagen",
    "DataError": "toolschool.errors",
    "EvalConfig": "toolschool.eval.stage",
    "EvalItem": "toolschool.eval.items",
    "LocalBackend": "toolschool.backends",
    "Message": "toolschool.types",
    "ParseResult": "toolschool.formats",
    "RunConfig": "toolschool.pipeline",
    "Tool": "toolschool.tools",
    "ToolCall": "toolschool.types",
    "ToolExecutor": "toolschool.runtime",
    "ToolFormat": "toolschool.formats",
    "ToolOutcome": "toolschool.runtime",
    "ToolResult": "toolschool.types",
    "ToolSchema": "toolschool.types",
    "ToolschoolError": "toolschool.errors",
    "TrainConfig": "toolschool.train",
    "compare_runs": ("toolschool.compare", "compare"),
    "compute_metrics": "toolschool.eval.metrics",
    "format_names": "toolschool.formats",
    "generate_data": ("toolschool.datagen", "generate"),
    "get_format": "toolschool.formats",
    "get_toolkit": "toolschool.tools",
    "load_config": "toolschool.config",
    "load_items": "toolschool.eval.items",
    "load_model": "toolschool.models",
    "load_trained": "toolschool.models",
    "read_jsonl": "toolschool.types",
    "resolve_layout": "toolschool.chat",
    "run_pipeline": ("toolschool.pipeline", "run"),
    "tool": "toolschool.tools",
    "write_jsonl": "toolschool.types",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'toolschool' has no attribute {name!r}")
    module_name, attribute = target if isinstance(target, tuple) else (target, name)
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
