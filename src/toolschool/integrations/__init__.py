"""Code that runs inside other servers: :mod:`~toolschool.integrations.vllm_tool_parser` (a vLLM
tool-call parser plugin, which imports vLLM) over :mod:`~toolschool.integrations.tool_calls` (which
does not). toolschool itself never imports the plugin."""
