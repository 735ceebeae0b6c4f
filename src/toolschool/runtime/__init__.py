"""Runtime: the tool executor, the agent loop (with early execution) and MCP.

``ToolExecutor`` runs tool calls (validation, allow-list, confirmation, timeout, truncation;
never raises for tool problems); ``Agent`` loops model turns and tool calls until an answer;
``MCPClient`` turns an MCP server's tools into runnable tools (the ``mcp`` SDK is imported
only when a client starts; :mod:`toolschool.runtime.mcp_server` serves tools over MCP).
"""

from __future__ import annotations

from toolschool.runtime.agent import Agent, AgentResult, Step
from toolschool.runtime.executor import ToolExecutor, ToolOutcome
from toolschool.runtime.mcp import MCPClient

__all__ = ["Agent", "AgentResult", "MCPClient", "Step", "ToolExecutor", "ToolOutcome"]
