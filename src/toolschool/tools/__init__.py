"""Tools: schemas from Python functions, argument validation, and named toolkits."""

from __future__ import annotations

from toolschool.tools.schema import Tool, function_schema, tool, validate_arguments
from toolschool.tools.toolkits import TOOLKITS, get_toolkit

__all__ = ["TOOLKITS", "Tool", "function_schema", "get_toolkit", "tool", "validate_arguments"]
