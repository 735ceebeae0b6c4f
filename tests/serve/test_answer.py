"""StreamAssembler: a streamed answer assembles to the non-streamed one (answer_from_completion)
for every format, strict and lenient, every tool-choice policy and every chunking — well-formed,
malformed and truncated outputs alike — and arguments deltas join to the JSON of the call's
arguments."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.test_format_conformance import _COMMON, _FRAGMENTS, LENIENT, WEATHER, texts_for
from toolschool.backends.local import Completion
from toolschool.formats import format_names, get_format
from toolschool.formats.tool_use import ToolUseFormat
from toolschool.serve.answer import CallPolicy, StreamAssembler, answer_from_completion

POLICIES = {
    "auto": CallPolicy(),
    "none": CallPolicy(tools_offered=False),
    "named": CallPolicy(allowed=frozenset({WEATHER.name})),
    "single": CallPolicy(parallel=False),
}


def streamed(fmt, policy, chunks, reason="stop"):
    """(content, [(name, arguments)], finish_reason, deltas) as an OpenAI client assembles the stream."""
    assembler = StreamAssembler(fmt, policy)
    deltas = [d for chunk in chunks for d in assembler.feed(chunk)]
    last, finish = assembler.finish(reason)
    deltas += last
    content, calls = "", {}
    for delta in deltas:
        assert set(delta) in ({"content"}, {"tool_calls"}), delta
        if "content" in delta:
            assert delta["content"], "no empty content deltas"
            content += delta["content"]
        for tc in delta.get("tool_calls", []):
            if "id" in tc:  # the header: once, before the arguments, with an empty arguments string
                assert tc["index"] == len(calls) and tc["type"] == "function"
                assert tc["function"]["arguments"] == "" and tc["id"]
                calls[tc["index"]] = {"id": tc["id"], "name": tc["function"]["name"], "arguments": ""}
            else:
                calls[tc["index"]]["arguments"] += tc["function"]["arguments"]
    assert len({c["id"] for c in calls.values()}) == len(calls)
    return content, [(c["name"], json.loads(c["arguments"])) for c in calls.values()], finish, deltas


def reference(fmt, policy, text, reason="stop"):
    answer = answer_from_completion(fmt, Completion(raw=text, finish_reason=reason), policy)
    return answer.content or "", [(c.name, c.arguments) for c in answer.calls], answer.finish_reason


def chunkings(text: str, rng: random.Random) -> list[list[str]]:
    out = [[text]] + [[text[i : i + n] for i in range(0, len(text), n)] for n in (1, 3, 7)]
    for _ in range(3):
        cuts = sorted(rng.sample(range(len(text) + 1), min(4, len(text) + 1)))
        out.append([text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])])
    return out


@pytest.mark.parametrize("lenient", [False, True], ids=["strict", "lenient"])
@pytest.mark.parametrize("name", format_names())
def test_streamed_answer_equals_the_whole_answer(name: str, lenient: bool) -> None:
    fmt = get_format(name, lenient=lenient)
    rng = random.Random(name)
    texts = texts_for(fmt) + LENIENT[name]
    for text in texts:
        for reason in ("stop", "length"):
            for policy_name, policy in POLICIES.items():
                want = reference(fmt, policy, text, reason)
                for chunks in chunkings(text, rng) if policy_name == "auto" else [[text], list(text)]:
                    got = streamed(fmt, policy, chunks, reason)[:3]
                    assert got == want, (text, chunks, policy_name)


def test_tool_use_markers_and_reasoning_lines_are_held_only_until_the_outcome_is_known() -> None:
    fmt = ToolUseFormat(lenient=True, think_marker="THINK:", success_marker="✓", transition_marker="THEN:")
    call = 'TOOL_USE[get_weather:{"city": "Paris"}]'
    for text in (f"THINK: need weather\n{call}\nDone.", "✓\nIt is sunny.", "THINK: hm\nTOOL_USE[bad:{",
                 f"✓\nTHEN: {call}"):
        for chunks in ([text], list(text)):
            assert streamed(fmt, POLICIES["auto"], chunks)[:3] == reference(fmt, POLICIES["auto"], text), text


def test_plain_content_is_sent_as_it_arrives_stripped() -> None:
    fmt = get_format("hermes", lenient=True)
    assembler = StreamAssembler(fmt, CallPolicy())
    sent = [assembler.feed(piece) for piece in ["\n  Hello", " there", ",  ", "world", "  \n"]]
    assert sent == [[{"content": "Hello"}], [{"content": " there"}], [{"content": ","}],
                    [{"content": "  world"}], []]
    assert assembler.finish() == ([], "stop")


def test_a_call_is_sent_when_finished_with_json_arguments_and_content_flows_around_it() -> None:
    fmt = get_format("pythonic", lenient=True)  # arguments are Python syntax, sent as JSON
    assembler = StreamAssembler(fmt, CallPolicy())
    text = 'Checking. [get_weather(city="Paris", days=3)] then more'
    cut = text.index("3)]")
    first, second = assembler.feed(text[:cut]), assembler.feed(text[cut:])
    assert first == [{"content": "Checking."}]  # nothing of the unfinished call
    header, arguments, *rest = second
    assert header["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": ""}
    assert json.loads(arguments["tool_calls"][0]["function"]["arguments"]) == {"city": "Paris", "days": 3}
    deltas, finish = assembler.finish()
    assert "".join(d["content"] for d in rest + deltas) == "\nthen more" and finish == "tool_calls"
    assert reference(fmt, CallPolicy(), text)[0] == "Checking.\nthen more"


def test_a_malformed_call_with_no_other_call_makes_the_whole_text_the_content() -> None:
    fmt = get_format("tool_use", lenient=True)
    text = "Let me look.\nTOOL_USE[get_weather:{\"city\": "
    content, calls, finish, _ = streamed(fmt, CallPolicy(), list(text), "length")
    assert (content, calls, finish) == (text.strip(), [], "length")


@pytest.mark.parametrize("lenient", [False, True], ids=["strict", "lenient"])
@pytest.mark.parametrize("name", format_names())
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_fuzz_streamed_equals_whole(name: str, lenient: bool, data: st.DataObject) -> None:
    fmt = get_format(name, lenient=lenient)
    text = "".join(data.draw(st.lists(st.sampled_from(_FRAGMENTS[name] + _COMMON), max_size=30)))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
    policy = POLICIES[data.draw(st.sampled_from(sorted(POLICIES)))]
    assert streamed(fmt, policy, chunks)[:3] == reference(fmt, policy, text)
