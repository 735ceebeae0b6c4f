"""`toolschool formats`: the real CLI on real inputs (no mocks)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.shared_data import shared_file
from toolschool.cli.app import app
from toolschool.formats import format_names


def test_list_names_every_registered_format() -> None:
    """One table row per registered format, with its call marker and result role (a name found
    as a substring is not enough: ``hermes`` is inside ``hermes_pro``)."""
    from toolschool.formats import get_format

    result = CliRunner().invoke(app, ["formats", "list"])
    assert result.exit_code == 0, result.output
    rows = [[cell.strip() for cell in line.strip("│").split("│")]
            for line in result.output.splitlines() if line.startswith("│")]
    assert [row[0] for row in rows] == sorted(format_names())
    for name, starts, role in rows:
        fmt = get_format(name)
        assert (starts, role) == (repr(fmt.call_start), fmt.result_role), name


def test_parse_prints_calls_and_exits_3_on_errors() -> None:
    ok = CliRunner().invoke(app, ["formats", "parse", "-f", "hermes"],
                            input='Sure.\n<tool_call>\n{"name": "weather", "arguments": {"location": "Oslo"}}\n</tool_call>')
    assert ok.exit_code == 0, ok.output
    out = json.loads(ok.output)
    assert out["calls"] == [{"name": "weather", "arguments": {"location": "Oslo"}}] and out["content"] == "Sure."

    text = '<tool_call>\n{"name": "weather", "arguments": {"location": "Oslo",}}\n</tool_call>'
    bad = CliRunner().invoke(app, ["formats", "parse", "-f", "hermes"], input=text)
    assert bad.exit_code == 3 and json.loads(bad.output)["errors"][0]["offset"] > 0
    fixed = CliRunner().invoke(app, ["formats", "parse", "-f", "hermes", "--lenient"], input=text)
    assert fixed.exit_code == 0 and json.loads(fixed.output)["repairs"], fixed.output


def test_parse_stream_prints_events_in_order() -> None:
    result = CliRunner().invoke(app, ["formats", "parse", "-f", "tool_use", "--stream"],
                                input='Hi\nTOOL_USE[now:{}]')
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.output.splitlines()] == [
        {"kind": "content", "index": -1, "text": "Hi"},
        {"kind": "call_started", "index": 0, "name": "now"},
        {"kind": "arguments_delta", "index": 0, "text": "{}"},
        {"kind": "call_finished", "index": 0, "name": "now", "arguments": {}},
    ]


def test_unknown_format_is_a_clear_error() -> None:
    result = CliRunner().invoke(app, ["formats", "parse", "-f", "nope"], input="x")
    assert result.exit_code == 2 and "known:" in result.output and "Traceback" not in result.output


def test_check_detects_and_matches_the_qwen_template(tmp_path: Path) -> None:
    qwen = shared_file("chat_templates", "Qwen-Qwen2.5-7B-Instruct.jinja")
    result = CliRunner().invoke(app, ["formats", "check", "-t", str(qwen)])
    assert result.exit_code == 0, result.output
    assert "speaks hermes" in result.output and "differs" not in result.output

    edited = tmp_path / "edited.jinja"  # one byte changed in the tools preamble
    edited.write_text(qwen.read_text().replace("You may call one or more functions", "You may call functions"))
    result = CliRunner().invoke(app, ["formats", "check", "-t", str(edited)])
    assert result.exit_code == 3 and "differs" in result.output
