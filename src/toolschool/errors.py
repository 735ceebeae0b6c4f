"""One exception tree for toolschool.

Every error says what was wrong and where (a file and line, a config key, a tool and
argument). Bad *model output* is never an exception: parsers return it as data
(see :class:`toolschool.formats.base.ParseResult`).

::

    ToolschoolError
     ├── ConfigError            a config key, value or file is wrong (lists all problems)
     ├── DataError              a JSONL line, eval item or conversation is malformed
     │    ├── UnrepresentableError  a conversation has no form in a target data format
     │    └── LeakageError      a test request is too close to a training request
     ├── SchemaError            a tool declaration cannot be turned into a JSON Schema
     ├── ArgumentValidationError  tool-call arguments do not match a tool's schema
     ├── RegistryError          an unknown name was looked up (lists the known names)
     ├── ModelLoadError         a model or tokenizer could not be found or loaded
     ├── ExportError            a model cannot be exported as asked (architecture, tokenizer, format)
     ├── TrainingGuardError     a known-bad training setting was refused
     ├── SandboxUnavailableError  no bubblewrap sandbox and no opt-in to run unsandboxed
     ├── SandboxPathError       a file path leaves a sandbox's workspace
     ├── MCPServerError         an MCP server could not be started, reached or answered in time
     └── MCPToolError           an MCP server answered a tool call with an error result
"""

from __future__ import annotations


class ToolschoolError(Exception):
    """Base class of every error toolschool raises on purpose."""


class ConfigError(ToolschoolError, ValueError):
    """A configuration is invalid; the message lists every problem found, with its key."""


class DataError(ToolschoolError, ValueError):
    """Input data is malformed; the message names the file, line and field."""


class UnrepresentableError(DataError):
    """A conversation cannot be written in a target data format (a Glaive turn with two calls,
    a ShareGPT turn with text and calls...); the message names the conversation and the part."""


class LeakageError(DataError):
    """Test requests are too similar to training requests.

    Attributes:
        pairs: ``(test_index, train_index, similarity)`` for every test request above the
            threshold, most similar first.
    """

    def __init__(self, message: str, pairs: list[tuple[int, int, float]]):
        self.pairs = list(pairs)
        super().__init__(message)


class SchemaError(ToolschoolError, TypeError):
    """A tool declaration (function signature or JSON Schema) cannot be used."""


class ArgumentValidationError(ToolschoolError, ValueError):
    """Arguments of a tool call do not validate against the tool's JSON Schema.

    Attributes:
        tool: the tool name.
        problems: one human-readable line per violation, each naming the argument path.
    """

    def __init__(self, tool: str, problems: list[str]):
        self.tool = tool
        self.problems = list(problems)
        super().__init__(f"invalid arguments for tool {tool!r}: " + "; ".join(self.problems))


class RegistryError(ToolschoolError, KeyError):
    """A name is not in a registry; the message lists the names that are."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ModelLoadError(ToolschoolError, RuntimeError):
    """A model, tokenizer or bundled weight file could not be located or loaded."""


class ExportError(ToolschoolError, ValueError):
    """A model cannot be exported as asked: an architecture, tokenizer, wire format or layout the
    export does not support (the message names what is supported)."""


class TrainingGuardError(ToolschoolError, ValueError):
    """A training setting known to fail silently or crash was refused."""


class SandboxUnavailableError(ToolschoolError, RuntimeError):
    """Code cannot be run isolated: ``bwrap`` (Debian package ``bubblewrap``) is missing or fails.

    Running without isolation needs the explicit opt-in ``Sandbox(allow_unsandboxed=True)``.
    """


class SandboxPathError(ToolschoolError, ValueError):
    """A path given to a sandboxed file tool resolves outside the session's workspace."""


class MCPServerError(ToolschoolError, RuntimeError):
    """An MCP server could not be started (command not found, crashed, no handshake), the
    connection broke, or a request timed out; the message names the server command and
    ends with the tail of its stderr when there is one."""


class MCPToolError(ToolschoolError, RuntimeError):
    """An MCP server answered a ``tools/call`` with ``isError: true``; the message is the
    server's text (the :class:`~toolschool.runtime.ToolExecutor` hands it to the model)."""
