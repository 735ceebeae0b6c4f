"""Data for any toolkit: a toolkit file, a bare OpenAI tools list, @tool functions, a real MCP
server, the shipped coding phrasing; verification and its rejections in the data card."""

from __future__ import annotations

import json
import os
import random
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from toolschool.datagen import DataConfig, generate
from toolschool.datagen.generator import build
from toolschool.datagen.grounding import Context, ungrounded
from toolschool.datagen.records import draw_sample
from toolschool.datagen.sample_checks import Rejected, Verifier
from toolschool.datagen.toolkit import open_toolkit
from toolschool.errors import ConfigError
from toolschool.formats import get_format
from toolschool.tools.schema import validate_arguments
from toolschool.types import Conversation, ToolSchema, read_jsonl

OFFICE = Path(__file__).resolve().parents[2] / "examples" / "office.yaml"
MIX = {"single": 0.3, "parallel": 0.2, "chained": 0.2, "no_tool": 0.2, "ask_missing": 0.1}
SMALL = {"n_train": 200, "n_val": 10, "n_test": 60, "train_mix": MIX, "mix": MIX}


def _read(result) -> dict:
    return {"train": read_jsonl(result.train_path, Conversation),
            "test": [json.loads(line) for line in result.test_path.read_text().splitlines()],
            "card": json.loads(result.card_path.read_text())}


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    return _read(generate(DataConfig(tools=str(OFFICE), **SMALL), tmp_path_factory.mktemp("office")))


def test_a_toolkit_file_of_three_new_tools_yields_every_category(office):
    card = office["card"]
    assert card["toolkit"] == "office"
    assert card["tools"]["names"] == ["lookup_order", "convert_currency", "create_event"]
    assert set(card["tools"]["phrasing"].values()) == {"toolkit file"}
    for split in ("train", "test"):
        mix = card["mix"][split]
        assert mix["unavailable"] == [] and mix["made"] == pytest.approx(MIX, abs=0.02), split
    assert card["counts"]["train"]["total"] == 200 and card["counts"]["test"]["total"] == 60
    assert {"single/lookup_order", "single/convert_currency", "single/create_event"} <= set(
        card["counts"]["train"]["by_category_tool"])
    duplicates = card["duplicates"]
    assert duplicates["written_exact_duplicates"] == 0 and 0 <= duplicates["duplicate_rate"] < 1
    near = duplicates["written_near_duplicates"]
    assert near["threshold"] == 0.8 and near["duplicates"] == round(near["duplicate_rate"] * 270)
    assert "verified before writing" in card["how_made"] and "generically" not in card["how_made"]
    schemas = {t["function"]["name"]: ToolSchema.model_validate(t) for t in office["test"][0]["tools"]}
    for conv in office["train"]:
        for message in conv.messages:
            for call in message.tool_calls:
                assert validate_arguments(schemas[call.name], call.arguments) == [], call
    assert all(item["tools"] == office["test"][0]["tools"] for item in office["test"])  # items carry tools


def test_ask_missing_asks_then_calls_and_test_items_expect_no_call(office):
    asks = [c for c in office["train"] if c.meta["category"] == "ask_missing"]
    assert asks
    for conv in asks:
        roles = [m.role for m in conv.messages[:4]]
        assert roles == ["user", "assistant", "user", "assistant"] and not conv.messages[1].tool_calls
        call = conv.messages[3].tool_calls[0]
        missing = [a for a in call.arguments
                   if ungrounded(_call(call), Context([conv.messages[0].content]))[0] == [a]]
        assert missing, conv  # exactly one argument is not in the request
        assert not ungrounded(_call(call), Context([conv.messages[0].content, conv.messages[2].content]))[0]
    items = [i for i in office["test"] if i["category"] == "ask_missing"]
    assert items and all(i["expected"] == [] and i["asks_for"] and len(i["messages"]) == 1 for i in items)


def _call(tool_call):
    from toolschool.datagen.family import Call

    synonyms = {"USD": ["dollars", "US dollars"], "EUR": ["euros"], "GBP": ["pounds", "British pounds"],
                "JPY": ["yen"], "CHF": ["Swiss francs"]}
    witness = {k: synonyms[v] for k, v in tool_call.arguments.items() if isinstance(v, str) and v in synonyms}
    return Call(tool_call.name, tool_call.arguments, witness=witness)


def test_chains_read_the_next_argument_from_the_first_result_and_traps_need_no_call(office):
    chained = [c for c in office["train"] if c.meta["category"] == "chained"]
    assert chained
    for conv in chained:
        first, result, second = conv.messages[1], conv.messages[2], conv.messages[3]
        assert first.tool_calls[0].name == "lookup_order" and second.tool_calls[0].name == "convert_currency"
        total = json.loads(result.content)["total"]
        args = second.tool_calls[0].arguments
        assert args["amount"] == total["amount"] and args["from_currency"] == total["currency"]
        assert args["to_currency"] != args["from_currency"]  # two picks of one enum differ
    traps = [c for c in office["train"] if c.meta["family"].startswith("no_tool.trap.")]
    assert traps and all(not c.messages[1].tool_calls for c in traps)


def test_same_config_same_bytes(tmp_path):
    config = DataConfig(tools=str(OFFICE), n_train=60, n_val=5, n_test=20, train_mix=MIX, mix=MIX)
    a, b = generate(config, tmp_path / "a"), generate(config, tmp_path / "b")
    for name in ("train.jsonl", "val.jsonl", "test.jsonl", "data_card.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert a.counts == b.counts


def test_a_bare_openai_tools_list_gets_generic_phrasing_and_says_so(tmp_path):
    tools = [{"type": "function", "function": {
        "name": "get_stock_price", "description": "Gets the latest stock price for a ticker symbol.",
        "parameters": {"type": "object", "required": ["symbol"],
                       "properties": {"symbol": {"type": "string", "description": "e.g. AAPL"}}}}}]
    path = tmp_path / "tools.json"
    path.write_text(json.dumps(tools))
    data = _read(generate(DataConfig(tools=str(path), **SMALL), tmp_path / "out"))
    card = data["card"]
    assert card["tools"]["phrasing"]["get_stock_price"].startswith("generic")
    assert "lower quality" in card["how_made"] and card["mix"]["train"]["unavailable"] == ["chained"]
    made = card["mix"]["train"]["made"]
    assert made["chained"] == 0 and sum(made.values()) == pytest.approx(1)
    singles = [c.messages[0].content for c in data["train"] if c.meta["category"] == "single"]
    singles += [i["messages"][0]["content"] for i in data["test"] if i["category"] == "single"]
    assert any("get the latest stock price for a ticker symbol" in t.lower() for t in singles)


PY_TOOLS = '''
from toolschool.tools import tool


@tool
def room_area(width_m: float, length_m: float) -> dict:
    """Area of a rectangular room in square metres.

    Args:
        width_m: width in metres
        length_m: length in metres
    """
    return {"area_m2": round(width_m * length_m, 2)}


@tool
def paint_litres(area_m2: float) -> dict:
    """Litres of paint for a wall area (one coat)."""
    return {"litres": round(area_m2 / 10, 1)}


@tool
def lucky(number: int) -> str:
    """Check a number (13 fails)."""
    if number == 13:
        raise ValueError("unlucky")
    return "fine"
'''

PY_TOOLKIT = {
    "name": "rooms",
    "source": "rooms.py",
    "phrasing": {
        "room_area": {"templates": ["How big is a {width_m} by {length_m} metre room?",
                                    "Area of a room {width_m} m wide and {length_m} m long?"],
                      "answers": ["That's {result[area_m2]} square metres."]},
        "paint_litres": {"templates": ["How much paint for {area_m2} square metres?"]},
        "lucky": {"templates": ["Is {number} a good number?", "Check the number {number}."],
                  "values": {"number": [7, 13, 21]}},
    },
    "chains": [{"first": "room_area", "then": "paint_litres", "link": {"area_m2": "area_m2"},
                "templates": ["How much paint do I need for a {width_m} by {length_m} metre room?",
                              "Paint for a room of {width_m} x {length_m} m?"]}],
}


def test_tool_functions_run_their_results_feed_chains_and_failures_are_counted(tmp_path):
    (tmp_path / "rooms.py").write_text(PY_TOOLS)
    (tmp_path / "rooms.yaml").write_text(yaml.safe_dump(PY_TOOLKIT))
    data = _read(generate(DataConfig(tools=str(tmp_path / "rooms.yaml"), final_answer_share=1.0, **SMALL),
                          tmp_path / "out"))
    card = data["card"]
    assert card["tools"]["run_offline"] == ["lucky", "paint_litres", "room_area"]
    assert card["verification"]["executed_calls"]["room_area"] > 0
    rejected = card["verification"]["rejected"]
    assert rejected["by_reason"]["execution"] > 0
    assert set(rejected["by_reason_tool"]["execution"]) == {"lucky"}
    assert "ValueError: unlucky" in rejected["examples"]["execution"][0]["detail"]
    lucky = [c.messages[1].tool_calls[0].arguments["number"] for c in data["train"]
             if c.meta["category"] == "single" and c.meta["tools"] == ["lucky"]]
    assert lucky and 13 not in lucky  # never written, only counted
    for conv in (c for c in data["train"] if c.meta["category"] == "chained"):
        area = conv.messages[1].tool_calls[0].arguments
        real = round(area["width_m"] * area["length_m"], 2)
        assert json.loads(conv.messages[2].content) == {"area_m2": real}  # the tool's real output
        assert conv.messages[3].tool_calls[0].arguments == {"area_m2": real}
    finals = [c for c in data["train"] if c.meta["category"] == "single" and c.meta["tools"] == ["room_area"]
              and c.messages[-1].role == "assistant" and not c.messages[-1].tool_calls]
    assert finals
    for conv in finals:
        area = json.loads(conv.messages[2].content)["area_m2"]
        assert conv.messages[-1].content == f"That's {area} square metres."


SERVER = '''
import os
import sys

from mcp.server import MCPServer

mcp = MCPServer("text-tools")
open(sys.argv[1], "w").write(str(os.getpid()))


@mcp.tool()
def count_words(text: str) -> dict:
    """Count the words of a text."""
    return {"words": len(text.split())}


@mcp.tool()
def shout(text: str) -> str:
    """Upper-case a text."""
    return text.upper()


if __name__ == "__main__":
    mcp.run()
'''


def test_an_mcp_servers_tools_are_listed_run_and_the_server_stopped(tmp_path):
    (tmp_path / "server.py").write_text(textwrap.dedent(SERVER))
    spec = {"name": "text", "source": f"mcp:{sys.executable} server.py {tmp_path / 'pid'}",
            "phrasing": {"count_words": {"templates": ["How many words are in \"{text}\"?"],
                                         "answers": ["It has {result[words]} words."]}}}
    (tmp_path / "text.yaml").write_text(yaml.safe_dump(spec))
    config = DataConfig(tools=str(tmp_path / "text.yaml"), n_train=40, n_val=0, n_test=10,
                        final_answer_share=1.0)
    data = _read(generate(config, tmp_path / "out"))
    card = data["card"]
    assert card["tools"]["source"]["label"].startswith("file text.yaml (mcp: ")
    assert card["tools"]["names"] == card["tools"]["run_offline"] == ["count_words", "shout"]
    assert card["tools"]["phrasing"]["shout"].startswith("generic")
    counted = [c for c in data["train"] if c.meta["tools"] == ["count_words"]
               and c.messages[-1].role == "assistant" and c.messages[-1].content.startswith("It has")]
    assert counted
    for conv in counted:
        text = conv.messages[1].tool_calls[0].arguments["text"]
        assert json.loads(conv.messages[2].content) == {"words": len(text.split())}  # answered by the server
    pid = int((tmp_path / "pid").read_text())
    for _ in range(50):  # the client closed: the server process is gone
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"MCP server {pid} still running")


def test_the_coding_toolkit_ships_phrasing_and_runs_its_analyzer(tmp_path):
    built = build(DataConfig(toolkit="coding", **SMALL))
    assert set(built.toolkit.phrasing.values()) == {"shipped toolkit file"}
    samples = [s for split in built.samples.values() for s in split]
    assert {s.family.category for s in samples} == set(MIX)
    assert built.executed.get("analyze_code", 0) > 0 and built.rejections.counts == {}
    chained = [s for s in samples if s.family.category == "chained"]
    assert {s.draw.chain.calls[0].name for s in chained} == {"list_dir", "read_file"}
    for sample in chained:
        if sample.draw.chain.calls[0].name == "read_file":  # the file read is the code then run
            read = json.loads(sample.draw.chain.results[0])
            assert read["content"] == sample.draw.calls[0].arguments["code"]


def test_the_assistant_asks_for_missing_arguments_when_the_mix_says_so():
    built = build(DataConfig(n_train=300, n_val=0, n_test=60, train_mix=MIX, mix=MIX))
    asks = [s for s in built.samples["train"] if s.family.category == "ask_missing"]
    assert len(asks) == 30 and len({s.family.tool for s in asks}) == 9
    for sample in asks:
        call = sample.draw.calls[0]
        missing = sample.draw.followup.missing
        assert all(m in call.arguments for m in missing) and "?" in sample.draw.followup.question


def _write(tmp_path, data: dict) -> str:
    path = tmp_path / "kit.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


TOOL = {"type": "function", "function": {"name": "book", "description": "Book a table.", "parameters": {
    "type": "object", "properties": {"guests": {"type": "integer", "minimum": 1, "maximum": 12},
                                     "name": {"type": "string"}}, "required": ["guests"]}}}


@pytest.mark.parametrize("phrasing, message", [
    ({"book": {"templates": ["A table for {guest}."]}},
     r"kit.yaml: book: templates 1: .*unknown placeholder \{guest\}"),
    ({"book": {"templates": ["A table under {name}."]}}, r"leaves out required arguments \['guests'\]"),
    ({"bok": {"templates": ["x"]}}, r"phrasing for unknown tools \['bok'\]"),
    ({"book": {"templates": [["For {guests}.", "For {guests}, name {name}."]]}},
     r"must name the same arguments"),
    ({"book": {"templates": ["For {guests}."], "ask": {"guests": {
        "requests": ["For {guests}?"], "questions": ["How many?"], "replies": ["{guests}"]}}}},
     r"names \{guests\}, which it must leave out"),
    ({"book": {"templates": ["For {guests:>3}."]}}, r"placeholders are plain \{name\}s"),
])
def test_phrasing_mistakes_are_clear_errors(tmp_path, phrasing, message):
    with pytest.raises(ConfigError, match=message):
        with open_toolkit(DataConfig(tools=_write(tmp_path, {"tools": [TOOL], "phrasing": phrasing}))):
            pass


def test_a_chain_whose_example_result_hides_the_value_is_rejected_as_ungrounded(tmp_path):
    order = {"name": "order_total", "description": "Total of an order.", "parameters": {
        "type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]}}
    spec = {"tools": [TOOL, order],
            "phrasing": {"book": {"templates": ["A table for {guests}."]},
                         "order_total": {"templates": ["Total of {order}?"],
                                         "values": {"order": ["A1", "B2"]}}},
            "chains": [{"first": "order_total", "then": "book", "link": {"guests": "people"},
                        "templates": ["Book for as many people as order {order} had."],
                        "result": {"people": 4}}]}  # forgot {next_guests}: the value drawn is not in it
    built = build(DataConfig(tools=_write(tmp_path, spec), n_train=40, n_val=0, n_test=0,
                             train_mix={"single": 0.5, "chained": 0.5, "parallel": 0, "no_tool": 0}))
    assert built.rejections.counts["ungrounded"] > 0
    assert built.rejections.examples["ungrounded"][0]["tool"] == "book"
    kept = [s for s in built.samples["train"] if s.family.category == "chained"]
    assert all(s.draw.calls[0].arguments["guests"] == 4 for s in kept)  # only the draws that happen to match


def test_a_text_answer_that_reads_as_a_call_in_the_target_format_is_rejected(tmp_path):
    spec = {"tools": [TOOL], "phrasing": {"book": {"templates": ["A table for {guests}."], "traps": [
        {"q": "How do I write a booking in JSON?",
         "a": 'Like this: {"name": "book", "arguments": {"guests": 2}}'},
        {"q": "Do you take walk-ins?", "a": "Most restaurants do at lunch; call ahead in the evening."}]}}}
    with open_toolkit(DataConfig(tools=_write(tmp_path, spec))) as kit:
        trap = next(f for f in kit.families if f.name == "no_tool.trap.book")
        samples = {s.draw.answer: s for s in (draw_sample(trap, random.Random(i), 0.0) for i in range(20))}
        assert len(samples) == 2
        for fmt, rejected in (("llama3_json", 1), ("tool_use", 0)):
            verifier = Verifier(kit.schemas, get_format(fmt), kit.runners)
            reasons = []
            for sample in samples.values():
                try:
                    verifier.check(sample)
                except Rejected as exc:
                    reasons.append(exc.reason)
            assert reasons == ["format"] * rejected, fmt
