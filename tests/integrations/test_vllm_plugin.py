"""toolschool's vLLM tool-parser plugin against vLLM's real classes.

vLLM cannot be installed into the project venv (its dependencies pull a CUDA torch; torch stays
2.13.0 CPU), so these tests run ``vllm_check.py`` in a Python that has vLLM: this one if it has
it, else ``$TOOLSCHOOL_VLLM_PYTHON`` (made by ``tests/integrations/vllm_venv.sh``: vLLM 0.34.0
installed with --no-deps over the project's packages). Without either they are skipped.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = Path(__file__).with_name("vllm_check.py")
PLUGIN_FILE = ROOT / "src" / "toolschool" / "integrations" / "vllm_tool_parser.py"


def vllm_python():
    if importlib.util.find_spec("vllm") is not None:
        return sys.executable
    python = os.environ.get("TOOLSCHOOL_VLLM_PYTHON")
    if python and Path(python).is_file():
        return python
    pytest.skip("vLLM is not installed (it needs a CUDA torch); make a Python that has it with "
                "tests/integrations/vllm_venv.sh DIR and set TOOLSCHOOL_VLLM_PYTHON=DIR/bin/python")


@pytest.fixture(scope="module", params=["toolschool.integrations.vllm_tool_parser", str(PLUGIN_FILE)],
                ids=["module", "file"])
def vllm_run(request):
    """What vllm_check.py saw, with the plugin given to vLLM as a module name or as a file path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run([vllm_python(), str(CHECK), request.param], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def _streamed(deltas):
    content = "".join(d.get("content") or "" for d in deltas)
    calls = [c for d in deltas for c in d.get("tool_calls", [])]
    return content, calls


def test_every_format_is_registered_lenient_and_strict(vllm_run):
    from toolschool.formats import format_names

    expected = {f"toolschool-{n}{s}" for n in format_names() for s in ("", "-strict")}
    assert set(vllm_run["registered"]) == expected


def test_vllm_parses_whole_and_streamed_answers_with_toolschool(vllm_run):
    out = vllm_run["tool_use"]
    assert out["parser"] == "ToolschoolToolUseToolParser" and "ToolParser" in out["base"]  # vLLM's class
    assert out["content"] == "Checking."
    assert [(c["name"], json.loads(c["arguments"])) for c in out["calls"]] == [
        ("get_weather", {"city": "Oslo"}), ("get_weather", {"city": "Lima"})]
    assert all(c["id"].startswith("chatcmpl-tool-") for c in out["calls"])
    content, calls = _streamed(out["deltas"])
    assert content == "Checking."
    assert [c["index"] for c in calls] == [0, 1]
    whole = [{"name": c["name"], "arguments": c["arguments"]} for c in out["calls"]]
    assert [c["function"] for c in calls] == whole
    assert all(c["type"] == "function" and c["id"] for c in calls)

    hermes = vllm_run["hermes"]
    assert hermes["content"] is None and len(hermes["calls"]) == 1 == len(_streamed(hermes["deltas"])[1])


def test_lenient_repairs_strict_reports_and_prose_stays_content(vllm_run):
    for key in ("hermes_unclosed",):  # the closing tag never came: repaired, in streaming too
        out = vllm_run[key]
        assert [c["name"] for c in out["calls"]] == ["get_weather"]
        assert [c["function"]["name"] for c in _streamed(out["deltas"])[1]] == ["get_weather"]
    strict = vllm_run["strict_unclosed"]
    assert strict["calls"] == [] and strict["content"].startswith("<tool_call>")
    prose = vllm_run["prose"]
    assert prose["calls"] == [] and prose["content"] == "No tool needed: it is sunny."
    assert _streamed(prose["deltas"]) == ("No tool needed: it is sunny.", [])


def test_tool_choice_required_is_parsed_in_the_trained_format(vllm_run):
    out = vllm_run["required"]
    calls = [(c["name"], json.loads(c["arguments"])) for c in out["calls"]]
    assert calls == [("get_weather", {"city": "Oslo"})]


def test_the_parser_class_returns_vllms_own_result_type(vllm_run):
    direct = vllm_run["direct"]
    assert direct["type"] == "ExtractedToolCallInformation"
    assert direct["dump"]["tools_called"] is True
    function = direct["dump"]["tool_calls"][0]["function"]
    assert function == {"name": "get_weather", "arguments": '{"city": "Oslo"}'}


def test_vllm_passes_plain_string_contents_to_the_exported_chat_templates(vllm_run):
    assert vllm_run["content_formats"] == ["string"]


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_without_vllm_the_plugin_says_what_it_needs():
    with pytest.raises(ImportError, match="is a vLLM plugin and needs vLLM"):
        importlib.import_module("toolschool.integrations.vllm_tool_parser")
