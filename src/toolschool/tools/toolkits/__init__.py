"""Named toolkits: lists of tool schemas, looked up by name.

``get_toolkit("assistant")`` returns the tool schemas of that toolkit.
"""

from __future__ import annotations

from toolschool.registry import Registry
from toolschool.types import ToolSchema

TOOLKITS: Registry[list[ToolSchema]] = Registry(
    "toolkit",
    {
        "assistant": "toolschool.tools.toolkits.assistant:ASSISTANT_TOOLS",
        "coding": "toolschool.tools.toolkits.coding:CODING_TOOLS",
    },
)


def get_toolkit(name: str) -> list[ToolSchema]:
    """Tool schemas of toolkit ``name`` (a copy; safe to modify).

    Raises:
        RegistryError: unknown toolkit (the message lists the known ones).
    """
    return [t.model_copy(deep=True) for t in TOOLKITS.get(name)]
