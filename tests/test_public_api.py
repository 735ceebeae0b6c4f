import subprocess
import sys

import toolschool


def test_public_api_is_sorted_and_resolves():
    assert toolschool.__all__ == sorted(toolschool.__all__)
    assert toolschool.__all__ == [
        "ChatMLLayout", "ConfigError", "Conversation", "DataConfig", "DataError", "EvalConfig",
        "EvalItem", "LocalBackend", "Message", "ParseResult", "RunConfig", "Tool", "ToolCall",
        "ToolFormat", "ToolResult", "ToolSchema", "ToolschoolError", "TrainConfig", "compute_metrics",
        "format_names", "generate_data", "get_format", "get_toolkit", "load_config", "load_items",
        "load_model", "load_trained", "read_jsonl", "resolve_layout", "run_pipeline", "tool",
        "write_jsonl",
    ]
    for name in toolschool.__all__:
        assert getattr(toolschool, name) is not None


def test_import_and_cli_help_do_not_import_torch():
    code = (
        "import sys, toolschool, toolschool.cli.app as a; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(a.app, ['--help']); assert r.exit_code == 0, r.output; "
        "assert 'run' in r.output and 'eval' in r.output; "
        "heavy = [m for m in ('torch', 'transformers', 'peft') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
