"""Runtime: the tool executor and the agent loop (with early execution).

``ToolExecutor`` runs tool calls (validation, allow-list, confirmation, timeout, truncation;
never raises for tool problems); ``Agent`` loops model turns and tool calls until an answer.
"""

from __future__ import annotations

from toolschool.runtime.agent import Agent, AgentResult, Step
from toolschool.runtime.executor import ToolExecutor, ToolOutcome

__all__ = ["Agent", "AgentResult", "Step", "ToolExecutor", "ToolOutcome"]
