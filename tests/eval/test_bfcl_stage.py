"""The eval stage and CLI on BFCL files, end to end with the tiny model (a few items)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.openai_server import OpenAIServer, reply
from tests.shared_data import shared_file
from toolschool.cli.app import app
from toolschool.eval.bfcl.scores import BfclScores, BfclVerdict
from toolschool.eval.config import EvalConfig
from toolschool.eval.items import load_predictions
from toolschool.eval.stage import run

SAMPLES = Path(__file__).parent / "bfcl_samples"


def test_stage_on_bfcl_files_writes_predictions_verdicts_scores_and_report(tiny, tmp_path):
    files = [str(SAMPLES / "BFCL_v4_parallel.json"), str(SAMPLES / "BFCL_v4_live_irrelevance.json")]
    out = tmp_path / "out"
    config = EvalConfig(model="tiny", bfcl=files, out_dir=str(out), max_new_tokens=8, call_window=None)
    result = run(config, loaded=tiny)
    assert result.metrics is None and result.bfcl is not None
    ids = ["parallel_0", "parallel_1", "live_irrelevance_0-0-0", "live_irrelevance_1-0-1"]
    assert [p.id for p in load_predictions(out / "predictions.jsonl")] == ids
    verdicts = [
        BfclVerdict.model_validate_json(line)
        for line in (out / "bfcl_verdicts.jsonl").read_text().splitlines()
    ]
    assert [v.id for v in verdicts] == ids
    scores = BfclScores.model_validate_json((out / "bfcl_scores.json").read_text())
    assert scores == result.bfcl
    assert set(scores.categories) == {"parallel", "live_irrelevance"}
    for category, score in scores.categories.items():
        assert score.correct == sum(v.valid for v in verdicts if v.category == category)
    report = (out / "report.md").read_text()
    assert "| parallel | Non-Live Parallel AST |" in report and "| Live Acc | N/A |" in report
    assert (out / "bfcl.png").stat().st_size > 0
    saved = (out / "config.yaml").read_text()
    assert "bfcl:" in saved and "bfcl_names: underscore" in saved


def test_prompt_offers_the_converted_tools_and_the_items_system_message(tiny, tmp_path):
    from toolschool.backends.local import ChatRequest
    from toolschool.eval.bfcl import entry_tools, load_bfcl
    from toolschool.eval.stage import make_backend, prepare
    from toolschool.progress import NullProgress

    entry = load_bfcl(SAMPLES / "BFCL_v4_live_simple.json")[0]
    config = EvalConfig(model="tiny", bfcl=[str(SAMPLES / "BFCL_v4_live_simple.json")], out_dir=str(tmp_path))
    backend, _, _, _ = make_backend(config, prepare(config, True, NullProgress(), tiny))
    prompt = backend.prompt(ChatRequest(messages=entry.messages, tools=entry_tools(entry)))
    assert "hotel_book" in prompt and "hotel.book" not in prompt
    assert "Note that the provided function is in Python 3 syntax." in prompt
    assert "You are a travel assistant." in prompt


def test_cli_eval_bfcl_on_the_shared_files(tmp_path):
    simple = shared_file("bfcl", "BFCL_v4_simple_python.json")
    irrelevance = shared_file("bfcl", "BFCL_v4_irrelevance.json")
    out = tmp_path / "cli"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--bfcl",
            str(simple),
            "--bfcl",
            str(irrelevance),
            "-m",
            "tiny",
            "-o",
            str(out),
            "limit=2",
            "max_new_tokens=4",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "BFCL: tiny" in result.stdout and "simple_python" in result.stdout and "irrelevance" in result.stdout
    )
    scores = json.loads((out / "bfcl_scores.json").read_text())
    assert {c: s["total"] for c, s in scores["categories"].items()} == {"simple_python": 2, "irrelevance": 2}
    assert scores["partial"] is True


def test_cli_refuses_data_and_bfcl_together(tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "a", "messages": [{"role": "user", "content": "hi"}], "expected": []}\n')
    result = CliRunner().invoke(
        app, ["eval", "-d", str(items), "--bfcl", str(SAMPLES / "BFCL_v4_multiple.json"), "-m", "tiny"]
    )
    assert result.exit_code == 2 and "give data or bfcl, not both" in result.stderr


def test_bfcl_through_an_openai_compatible_endpoint(tmp_path):
    """The real ``openai`` client against a recorded server on 127.0.0.1: the request carries
    BFCL's FC tools, the structured call that comes back is checked with BFCL's rules."""
    call = reply(
        {
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "geometry_circle_area", "arguments": '{"radius": 3}'},
                }
            ],
        },
        "tool_calls",
    )
    with OpenAIServer([(200, call)]) as server:
        config = EvalConfig(
            model=server.url,
            api_model="m",
            bfcl=[str(SAMPLES / "BFCL_v4_multiple.json")],
            limit=1,
            out_dir=str(tmp_path / "endpoint"),
        )
        result = run(config)
    tools = {t["function"]["name"]: t["function"] for t in server.bodies[0]["tools"]}
    assert set(tools) == {"weather_get", "geometry_circle_area"}
    radius = tools["geometry_circle_area"]["parameters"]["properties"]["radius"]
    assert radius["type"] == "number" and radius["description"].endswith(" This is a float type value.")
    assert result.bfcl.categories["multiple"].correct == 1  # int 3 for a float parameter: promoted
    assert "endpoint" in result.report_path.read_text()
