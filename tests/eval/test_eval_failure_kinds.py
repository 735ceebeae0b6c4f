"""Failure kinds of wrong items: one hand-made item per kind, the precedence cases, old files."""

from __future__ import annotations

import json

import pytest

from toolschool.eval.items import EvalItem, Prediction
from toolschool.eval.metrics import FAILURE_KINDS, Metrics, classify_failure, compute_metrics
from toolschool.eval.report import render_report
from toolschool.types import FunctionSpec, ToolSchema

TOOLS = [
    ToolSchema(function=FunctionSpec(name=name, parameters={
        "type": "object", "properties": {p: {"type": "string"} for p in props}}))
    for name, props in [("weather", ["location"]), ("translate", ["text", "to_lang"])]
]
WEATHER = {"name": "weather", "arguments": {"location": ["Paris"]}}
TRANSLATE = {"name": "translate", "arguments": {"text": ["hi"], "to_lang": ["fr"]}}


def call(name: str, **arguments) -> dict:
    return {"name": name, "arguments": arguments}


def paris() -> dict:
    return call("weather", location="Paris")


def hi_fr() -> dict:
    return call("translate", text="hi", to_lang="fr")


# (item id, expected calls, prediction fields or None for no prediction, expected kind)
CASES = [
    ("ok", [WEATHER], {"calls": [paris()], "attempted": True}, None),
    ("ok_none", [], {"calls": []}, None),
    ("missing", [WEATHER], None, "missing_prediction"),
    ("syntax", [WEATHER], {"calls": [], "attempted": True, "error": "bad json"}, "bad_syntax"),
    # an attempt that did not parse on a no-tool item is bad syntax, not an extra call
    ("syntax_no_tool", [], {"calls": [], "attempted": True, "error": "bad json"}, "bad_syntax"),
    ("false_positive", [], {"calls": [paris()], "attempted": True}, "extra_call"),
    ("too_many", [WEATHER], {"calls": [paris(), paris()], "attempted": True}, "extra_call"),
    # more calls than expected outranks a wrong name among them
    ("too_many_wrong", [WEATHER], {"calls": [hi_fr(), hi_fr()], "attempted": True}, "extra_call"),
    ("abstained", [WEATHER], {"calls": []}, "missing_call"),
    ("too_few", [WEATHER, TRANSLATE], {"calls": [paris()], "attempted": True}, "missing_call"),
    # fewer calls than expected outranks a bad argument in the one made
    ("too_few_bad", [WEATHER, TRANSLATE], {"calls": [call("weather", location="Rome")], "attempted": True},
     "missing_call"),
    ("wrong_tool", [WEATHER], {"calls": [hi_fr()], "attempted": True}, "wrong_tool"),
    ("half_wrong", [WEATHER, TRANSLATE], {"calls": [paris(), paris()], "attempted": True}, "wrong_tool"),
    ("bad_value", [WEATHER], {"calls": [call("weather", location="Rome")], "attempted": True},
     "bad_arguments"),
    ("missing_arg", [TRANSLATE], {"calls": [call("translate", text="hi")], "attempted": True},
     "bad_arguments"),
    ("unknown_arg", [WEATHER], {"calls": [call("weather", location="Paris", unit="C")], "attempted": True},
     "bad_arguments"),
]


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    items = [EvalItem.model_validate({"id": id, "messages": [{"role": "user", "content": f"ask {id}"}],
                                      "expected": expected}) for id, expected, _, _ in CASES]
    preds = [Prediction(id=id, raw=f"raw {id}", **fields) for id, _, fields, _ in CASES if fields is not None]
    return compute_metrics(items, preds, default_tools=TOOLS)


def test_every_wrong_item_gets_its_kind(metrics):
    got = {f.id: f.kind for f in metrics.failures}
    want = {id: kind for id, _, _, kind in CASES if kind is not None}
    assert got == want
    assert metrics.n - metrics.n_correct == len(want)


def test_counts_follow_precedence_order(metrics):
    want: dict[str, int] = {}
    for _, _, _, kind in CASES:
        if kind:
            want[kind] = want.get(kind, 0) + 1
    assert metrics.failure_kinds == want
    assert list(metrics.failure_kinds) == [k for k in FAILURE_KINDS if k in want]
    assert sum(metrics.failure_kinds.values()) == metrics.n - metrics.n_correct


def test_argument_failures_split_bad_arguments(metrics):
    # bad_value: location Rome; missing_arg: to_lang; unknown_arg: unit (too_few_bad is missing_call)
    assert metrics.argument_failures == {"bad_value": 1, "missing": 1, "unknown": 1}


def test_examples_carry_request_and_expected_and_predicted(metrics):
    example = next(f for f in metrics.failures if f.id == "wrong_tool")
    assert example.request == "ask wrong_tool"
    assert example.expected == ['weather({"location": ["Paris"]})']
    assert example.calls == ['translate({"text": "hi", "to_lang": "fr"})']
    assert example.raw == "raw wrong_tool"


def test_classify_failure_agrees_with_correctness():
    from toolschool.eval.metrics import check_predictions

    items = [EvalItem.model_validate({"id": id, "messages": [{"role": "user", "content": "q"}],
                                      "expected": expected}) for id, expected, _, _ in CASES]
    preds = [Prediction(id=id, raw="", **fields) for id, _, fields, _ in CASES if fields is not None]
    checks = check_predictions(items, preds, default_tools=TOOLS)
    assert [classify_failure(c) for c in checks] == [kind for *_, kind in CASES]
    assert [c.correct for c in checks] == [kind is None for *_, kind in CASES]


def test_old_metrics_json_without_failure_kinds_loads(metrics):
    data = json.loads(metrics.model_dump_json())
    del data["failure_kinds"], data["argument_failures"]
    for failure in data["failures"]:
        for key in ("kind", "request", "expected"):
            del failure[key]
    old = Metrics.model_validate(data)
    assert old.failure_kinds == {} and old.failures[0].kind == ""
    assert "Not recorded" in render_report(old)


def test_report_section_lists_kinds_with_shares_and_examples(metrics):
    text = render_report(metrics, examples_per_kind=1)
    section = text.split("## Failures by kind", 1)[1].split("\n## ", 1)[0]
    wrong = metrics.n - metrics.n_correct
    for kind, count in metrics.failure_kinds.items():
        row = next(line for line in section.splitlines() if line.startswith(f"| {kind} |"))
        assert f"{count} ({100 * count / wrong:.1f}%)" in row
        assert f"### model: {kind} ({count})" in section
    # one example per kind: the first wrong item of that kind, with its request
    first = {}
    for f in metrics.failures:
        first.setdefault(f.kind, f)
    for kind, f in first.items():
        assert f"`{f.id}`" in section and f"ask {f.id}" in section
    assert section.count("  expected: ") == len(metrics.failure_kinds)


def test_plot_failure_kinds(tmp_path, metrics):
    from toolschool.eval.plots import plot_failure_kinds

    path = plot_failure_kinds({"a": metrics, "b": metrics}, tmp_path / "kinds.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        plot_failure_kinds({}, tmp_path / "none.png")
