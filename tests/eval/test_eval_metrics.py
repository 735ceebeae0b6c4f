"""Metrics on a small hand-made set; every expected number is worked out in the comments."""

from __future__ import annotations

import pytest

from toolschool.errors import DataError
from toolschool.eval.items import EvalItem, Prediction
from toolschool.eval.metrics import Metrics, compute_metrics, percentile
from toolschool.types import FunctionSpec, ToolSchema


def schema(name: str, *props: str) -> ToolSchema:
    return ToolSchema(
        function=FunctionSpec(
            name=name, parameters={"type": "object", "properties": {p: {"type": "string"} for p in props}}
        )
    )


TOOLS = [
    schema("weather", "location"),
    schema("calculator", "expression"),
    schema("translate", "text", "to_lang"),
]
USER = [{"role": "user", "content": "q"}]
CHAIN = [
    {"role": "user", "content": "q"},
    {"role": "assistant", "content": "",
     "tool_calls": [{"id": "1", "name": "weather", "arguments": {"location": "x"}}]},
    {"role": "tool", "tool_call_id": "1", "name": "weather", "content": "20 C"},
]


def weather(city: str) -> dict:
    return {"name": "weather", "arguments": {"location": [city]}}


def calc(value: float, *spellings: str) -> dict:
    arguments = {"expression": list(spellings)}
    return {"name": "calculator", "arguments": arguments, "_numeric": {"expression": value}}


ITEMS = [
    EvalItem.model_validate(row)
    for row in [
        {"id": "s1", "messages": USER, "expected": [weather("Paris")]},
        {"id": "s2", "messages": USER, "expected": [weather("Rome")]},
        {"id": "s3", "messages": USER, "expected": [
            {"name": "translate", "arguments": {"text": ["hi"], "to_lang": ["fr", "French"]}}]},
        {"id": "p1", "messages": USER, "expected": [weather("Oslo"), calc(4, "2+2")]},
        {"id": "n1", "messages": USER, "expected": []},
        {"id": "n2", "messages": USER, "expected": []},
        {"id": "n3", "messages": USER, "expected": []},
        {"id": "c1", "messages": CHAIN, "expected": [calc(10, "2*5")]},
        {"id": "s4", "messages": USER, "expected": [weather("Berlin")]},
    ]
]


def pred(id: str, calls=(), *, attempted=None, error=None, latency=None, raw="out") -> Prediction:
    return Prediction(
        id=id, raw=raw, calls=list(calls), error=error,
        attempted=bool(calls) if attempted is None else attempted, latency_ms=latency,
    )


PREDICTIONS = [
    pred("s1", [{"name": "weather", "arguments": {"location": " paris"}}], latency=100),  # right
    pred("s2", [{"name": "calculator", "arguments": {"expression": "1+1"}}], latency=200),  # wrong tool
    # wrong argument
    pred("s3", [{"name": "translate", "arguments": {"text": "hi", "to_lang": "de"}}], latency=300),
    pred("p1", [{"name": "calculator", "arguments": {"expression": "2*2"}},
                {"name": "weather", "arguments": {"location": "Oslo"}}], latency=400),  # right, reordered
    pred("n1", latency=500),  # right: no call
    pred("n2", [{"name": "weather", "arguments": {"location": "x"}}], latency=600),  # wrong: called
    pred("n3", attempted=True, error="unterminated JSON", latency=700, raw="<tool_call>{"),  # invalid
    # c1: no prediction (missing)
    pred("s4", latency=800),  # abstained although a call was expected
    pred("zz", latency=5),  # an id that is not in the set: ignored apart from being counted
]


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    return compute_metrics(ITEMS, PREDICTIONS, default_tools=TOOLS)


def test_headline_numbers(metrics):
    assert metrics.n == 9
    assert metrics.n_missing == 1 and metrics.n_unmatched_predictions == 1
    # correct: s1, p1, n1
    assert metrics.n_correct == 3 and metrics.accuracy == pytest.approx(3 / 9)
    # names right: s1, s3 (translate, wrong arg), p1, n1 -> 4/9 (n3 attempted, c1 missing)
    assert metrics.tool_selection_accuracy == pytest.approx(4 / 9)
    # selected expected calls: s1 weather ok, s3 translate bad, p1 weather ok, p1 calculator ok -> 3/4
    assert metrics.argument_calls == 4 and metrics.argument_accuracy == pytest.approx(3 / 4)
    # attempts: s1 s2 s3 p1 n2 n3 (zz is not in the set); only n3 has an error -> 5/6
    assert metrics.attempted == 6 and metrics.syntax_validity == pytest.approx(5 / 6)
    # abstentions (no call, no attempt): n1, s4; of those expecting no call: n1
    assert metrics.no_tool_precision == pytest.approx(1 / 2)
    # items expecting no call: n1 n2 n3; abstained: n1
    assert metrics.no_tool_recall == pytest.approx(1 / 3)
    assert metrics.parallel_accuracy == 1.0
    assert metrics.chained_accuracy == 0.0


def test_per_category(metrics):
    rows = {
        k: (v.n, v.correct, v.accuracy, v.tool_selection_accuracy) for k, v in metrics.per_category.items()
    }
    assert list(rows) == ["single", "parallel", "chained", "no_tool"]
    assert rows["single"] == (4, 1, 0.25, 0.5)  # s1 right; s1 and s3 picked the right tool
    assert rows["parallel"] == (1, 1, 1.0, 1.0)
    assert rows["chained"] == (1, 0, 0.0, 0.0)
    assert rows["no_tool"] == (3, 1, pytest.approx(1 / 3), pytest.approx(1 / 3))


def test_per_tool(metrics):
    tools = metrics.per_tool
    assert list(tools) == ["calculator", "translate", "weather", "no_tool"]
    w = tools["weather"]  # items s1 s2 p1 s4; right: s1 p1; calls 4, selected in s1 and p1, both right
    assert (w.n, w.correct, w.accuracy, w.tool_selection_accuracy) == (4, 2, 0.5, 0.5)
    assert (w.calls, w.selected, w.argument_accuracy) == (4, 2, 1.0)
    c = tools["calculator"]  # items p1 c1; p1 right; c1 missing
    assert (c.n, c.correct, c.calls, c.selected, c.argument_accuracy) == (2, 1, 2, 1, 1.0)
    t = tools["translate"]  # s3: tool right, argument wrong
    assert (t.n, t.correct, t.tool_selection_accuracy, t.selected, t.argument_accuracy) == (1, 0, 1.0, 1, 0.0)
    nt = tools["no_tool"]
    assert (nt.n, nt.correct, nt.calls, nt.argument_accuracy) == (3, 1, 0, None)


def test_confusion_matrix(metrics):
    cm = metrics.confusion
    assert cm.rows == ["calculator", "translate", "weather", "no_tool"]
    assert cm.columns == ["calculator", "translate", "weather", "no_tool", "(invalid)", "(missing)"]
    expected_cells = {
        ("weather", "weather"): 1,  # s1
        ("weather", "calculator"): 1,  # s2
        ("weather", "no_tool"): 1,  # s4
        ("translate", "translate"): 1,  # s3
        ("no_tool", "no_tool"): 1,  # n1
        ("no_tool", "weather"): 1,  # n2
        ("no_tool", "(invalid)"): 1,  # n3
        ("calculator", "(missing)"): 1,  # c1
    }
    for r in cm.rows:
        for c in cm.columns:
            assert cm.get(r, c) == expected_cells.get((r, c), 0), (r, c)
    assert sum(map(sum, cm.counts)) == 8  # all but the parallel item


def test_latency(metrics):
    # 100..800 over the 8 present predictions of the set
    assert metrics.latency.n == 8
    assert metrics.latency.mean == pytest.approx(450)
    assert metrics.latency.p50 == pytest.approx(450)  # rank 3.5 -> halfway between 400 and 500
    assert metrics.latency.p95 == pytest.approx(765)  # rank 6.65 -> 700 + 0.65 * 100


def test_failures_carry_reason_and_raw(metrics):
    failures = {f.id: f for f in metrics.failures}
    assert set(failures) == {"s2", "s3", "n2", "n3", "c1", "s4"}
    assert "wrong tool" in failures["s2"].reason
    assert "bad value for 'to_lang': 'de'" in failures["s3"].reason
    assert failures["n3"].raw == "<tool_call>{" and "did not parse" in failures["n3"].reason
    assert failures["c1"].missing_prediction and failures["c1"].raw == ""
    assert failures["n2"].calls == ['weather({"location": "x"})']


def test_json_round_trip(metrics):
    again = Metrics.model_validate_json(metrics.model_dump_json())
    assert again == metrics


def test_empty_and_degenerate_sets():
    empty = compute_metrics([], [])
    assert empty.n == 0 and empty.accuracy is None and empty.syntax_validity is None
    assert empty.latency.p50 is None and empty.confusion.rows == []
    # no attempts at all: syntax validity is undefined (None), not 0 or 1
    only_no_tool = compute_metrics(ITEMS[4:5], [pred("n1")])
    assert only_no_tool.attempted == 0 and only_no_tool.syntax_validity is None
    assert only_no_tool.argument_accuracy is None and only_no_tool.parallel_accuracy is None
    assert only_no_tool.accuracy == 1.0 and only_no_tool.no_tool_precision == 1.0
    # nothing predicted: everything wrong, no-tool precision undefined
    none = compute_metrics(ITEMS, [])
    assert none.n_missing == 9 and none.accuracy == 0 and none.tool_selection_accuracy == 0
    assert none.no_tool_precision is None and none.no_tool_recall == 0


def test_tools_by_item_overrides_default():
    # with a schema lacking "location", s1's otherwise right call has an unknown argument
    strict = {"s1": [schema("weather", "city")]}
    m = compute_metrics(ITEMS[:1], PREDICTIONS[:1], strict, default_tools=TOOLS)
    assert m.accuracy == 0.0 and "unknown argument 'location'" in m.failures[0].reason
    assert compute_metrics(ITEMS[:1], PREDICTIONS[:1]).accuracy == 1.0  # no schema: rule skipped


def test_duplicate_predictions_raise():
    with pytest.raises(DataError, match="duplicate prediction.*'s1'"):
        compute_metrics(ITEMS, [PREDICTIONS[0], PREDICTIONS[0]])


def test_percentile():
    assert percentile([], 50) is None
    assert percentile([7], 95) == 7
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([3, 1, 2], 100) == 3
    with pytest.raises(ValueError):
        percentile([1], 101)
