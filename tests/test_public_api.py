import importlib
import subprocess
import sys

import toolschool


def test_public_api_is_sorted_and_resolves():
    assert toolschool.__all__ == sorted(toolschool.__all__)
    assert toolschool.__all__ == [
        "Agent", "ChatMLLayout", "ConfigError", "Conversation", "DataConfig", "DataError", "EvalConfig",
        "EvalItem", "LocalBackend", "Message", "ParseResult", "RunConfig", "Tool", "ToolCall",
        "ToolExecutor", "ToolFormat", "ToolOutcome", "ToolResult", "ToolSchema", "ToolschoolError",
        "TrainConfig", "compare_runs", "compute_metrics", "format_names", "generate_data", "get_format",
        "get_toolkit", "load_config", "load_items", "load_model", "load_trained", "read_jsonl",
        "resolve_layout", "run_pipeline", "tool", "write_jsonl",
    ]
    # exported under a clearer name
    aliases = {"generate_data": "generate", "run_pipeline": "run", "compare_runs": "compare"}
    for name in toolschool.__all__:
        obj = getattr(toolschool, name)
        # the lazy export is the class or function defined in its home module, not a stand-in
        defined = aliases.get(name, name)
        assert obj.__module__.startswith("toolschool.") and obj.__name__ == defined, (name, obj)
        assert getattr(importlib.import_module(obj.__module__), defined) is obj, name


def test_import_and_cli_help_do_not_import_torch():
    code = (
        "import sys, toolschool, toolschool.cli.app as a; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(a.app, ['--help']); assert r.exit_code == 0, r.output; "
        "assert 'run' in r.output and 'eval' in r.output and 'ablate' in r.output; "
        "heavy = [m for m in ('torch', 'transformers', 'peft', 'datasets', 'datasketch') "
        "if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
