"""Constrained decoding: every format's call grammar against its own renderer, and the tiny
model decoding under it (real llguidance, real model, no mocks)."""

from __future__ import annotations

import jsonschema
import pytest

from toolschool.backends.constrained import CallConstraint, ConstraintError
from toolschool.backends.local import ChatRequest, LocalBackend, NamedTool
from toolschool.formats import format_names, get_format
from toolschool.formats.grammar import CallSyntax, GrammarError, build_grammar, literal
from toolschool.formats.mistral import MistralFormat
from toolschool.types import Message, ToolCall, ToolSchema


def _tool(name: str, properties: dict, required: list[str]) -> ToolSchema:
    return ToolSchema.model_validate(
        {
            "type": "function",
            "function": {
                "name": name,
                "description": name,
                "parameters": {"type": "object", "properties": properties, "required": required},
            },
        }
    )


TOOLS = [
    _tool(
        "get_weather",
        {
            "city": {"type": "string"},
            "days": {"type": "integer"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        ["city"],
    ),
    _tool(
        "calc",
        {
            "expr": {"type": "string"},
            "opts": {
                "type": "object",
                "properties": {
                    "exact": {"type": "boolean"},
                    "digits": {"type": "array", "items": {"type": "number"}},
                },
            },
        },
        ["expr"],
    ),
    _tool("noop", {}, []),
]
GOOD = [
    ToolCall(name="get_weather", arguments={"city": "São Paulo", "days": 3}),
    ToolCall(name="calc", arguments={"expr": "(1+2)*3", "opts": {"exact": True, "digits": [1.5, -2, 1e-05]}}),
    ToolCall(name="noop", arguments={}),
]
BAD = {
    "missing required": ToolCall(name="get_weather", arguments={"days": 2}),
    "not in enum": ToolCall(name="get_weather", arguments={"city": "Oslo", "unit": "kelvin"}),
    "wrong type": ToolCall(name="get_weather", arguments={"city": "Oslo", "days": "two"}),
    "unknown tool": ToolCall(name="get_time", arguments={"city": "Oslo"}),
    "undeclared argument": ToolCall(name="calc", arguments={"expr": "1", "precision": 2}),
}
FORMATS = [get_format(n) for n in format_names()] + [MistralFormat(v11=True)]
IDS = [f.name + ("_v11" if getattr(f, "v11", False) else "") for f in FORMATS]


@pytest.fixture(scope="module")
def ll_tokenizer(tiny):
    return CallConstraint(
        tiny.tokenizer,
        get_format("tool_use"),
        tiny.model.config.vocab_size,
        [tiny.tokenizer.convert_tokens_to_ids("<|im_end|>")],
    )


def _accepts(constraint: CallConstraint, grammar: str, text: str) -> bool:
    import llguidance

    matcher = llguidance.LLMatcher(
        constraint.ll_tokenizer, llguidance.LLMatcher.grammar_from_lark(grammar), log_level=0
    )
    assert not matcher.is_error(), matcher.get_error()
    ids = constraint.ll_tokenizer.tokenize_str(text)
    return matcher.consume_tokens(ids) and matcher.consume_token(constraint.ll_tokenizer.eos_token)


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_grammar_accepts_what_the_format_renders_and_nothing_else(fmt, ll_tokenizer):
    auto = fmt.grammar(TOOLS, "auto")
    required = fmt.grammar(TOOLS, "required")
    single = fmt.grammar(TOOLS, "auto", parallel=False)
    calls = fmt.render_calls(GOOD)
    with_content = fmt.render_assistant("Let me check that.", GOOD[:2])
    text = "Paris is the capital of France; no tool is needed."
    assert _accepts(ll_tokenizer, auto, calls)
    assert _accepts(ll_tokenizer, auto, with_content)
    assert _accepts(ll_tokenizer, auto, text)
    assert _accepts(ll_tokenizer, required, calls)
    assert not _accepts(ll_tokenizer, required, text)
    assert _accepts(ll_tokenizer, single, fmt.render_calls(GOOD[:1]))
    assert not _accepts(ll_tokenizer, single, calls)
    for label, bad in BAD.items():
        assert not _accepts(ll_tokenizer, auto, fmt.render_calls([bad])), label
    named = fmt.grammar([t for t in TOOLS if t.name == "calc"], "required")
    assert _accepts(ll_tokenizer, named, fmt.render_calls([GOOD[1]]))
    assert not _accepts(ll_tokenizer, named, fmt.render_calls([GOOD[0]]))


def test_optional_arguments_may_be_skipped_in_any_combination(ll_tokenizer):
    tool = _tool("f", {"a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}}, ["b"])
    combos = [{"b": "x"}, {"a": 1, "b": "x"}, {"b": "x", "c": False}, {"a": 1, "b": "x", "c": True}]
    for name in ("pythonic", "gemma4", "functiongemma", "openai", "tool_use"):
        fmt = get_format(name)
        grammar = fmt.grammar([tool], "required")
        for args in combos:
            assert _accepts(ll_tokenizer, grammar, fmt.render_calls([ToolCall(name="f", arguments=args)])), (
                name,
                args,
            )
        assert not _accepts(
            ll_tokenizer, grammar, fmt.render_calls([ToolCall(name="f", arguments={"a": 1})])
        ), name


def test_special_token_literals_are_matched_as_tokens(tiny, ll_tokenizer):
    start = tiny.tokenizer.convert_tokens_to_ids("<|im_start|>")
    assert literal("a<|im_start|>b", {"<|im_start|>": start}) == f'"a" <[{start}]> "b"'
    assert literal("a<|im_start|>b", ["<|im_start|>"]) == '"a" <|im_start|> "b"'
    with pytest.raises(GrammarError, match="needs its id"):
        literal("x[TOOL_CALLS]", ["[TOOL_CALLS]"])
    syntax = CallSyntax("<|im_start|>", {"go": '"go()"'})
    grammar = build_grammar(syntax, "required", special={"<|im_start|>": start})
    import llguidance

    matcher = llguidance.LLMatcher(ll_tokenizer.ll_tokenizer, llguidance.LLMatcher.grammar_from_lark(grammar))
    assert matcher.consume_token(start)
    assert matcher.consume_tokens(ll_tokenizer.ll_tokenizer.tokenize_str("go()"))
    assert matcher.is_accepting()


def test_grammar_errors_name_the_problem(ll_tokenizer):
    with pytest.raises(GrammarError, match="unique"):
        get_format("hermes").grammar([TOOLS[0], TOOLS[0]])
    with pytest.raises(GrammarError, match="at least one tool"):
        build_grammar(CallSyntax("[", {}))
    bad = _tool("f", {"a": {"type": "frobnicate"}}, [])
    with pytest.raises(GrammarError, match=r"tool 'f' parameters\.a: unknown type 'frobnicate'"):
        get_format("pythonic").grammar([bad])
    with pytest.raises(ConstraintError, match="'nope', which is not among"):
        ll_tokenizer.matcher(TOOLS, NamedTool("nope"))
    with pytest.raises(ConstraintError, match="needs tools"):
        ll_tokenizer.matcher([], "required")
    assert ll_tokenizer.matcher(TOOLS, "none") is None


# tools whose every argument has a closed set of values, so a random model's answers end
ENUM_TOOLS = [
    _tool(
        "set_unit",
        {"unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}, "round": {"type": "boolean"}},
        ["unit"],
    ),
    _tool(
        "pick",
        {"n": {"type": "integer", "enum": [1, 2, 3]}, "label": {"type": "string", "enum": ["a", "b"]}},
        ["n", "label"],
    ),
]
SCHEMAS = {t.name: t.function.parameters for t in ENUM_TOOLS}


def _requests(choice) -> list[ChatRequest]:
    asks = ["set the unit please", "pick two", "what can you do?", "hello"]
    return [
        ChatRequest(
            [Message(role="user", content=a)], ENUM_TOOLS, tool_choice=choice, parallel_tool_calls=False
        )
        for a in asks
    ]


@pytest.mark.parametrize("name", format_names())
def test_tiny_model_under_the_grammar_always_writes_valid_calls(name, tiny):
    fmt = get_format(name)
    backend = LocalBackend(
        tiny.model, tiny.tokenizer, fmt, batch_size=4, max_new_tokens=128, constrained=True
    )
    for choice in ("required", NamedTool("pick")):
        answers = backend.complete(_requests(choice))
        for answer in answers:
            assert answer.finish_reason == "stop", answer.raw
            parsed = fmt.parse(answer.raw)
            assert parsed.ok, (answer.raw, parsed.errors)
            assert len(parsed.calls) == 1, answer.raw
            call = parsed.calls[0]
            jsonschema.validate(call.arguments, SCHEMAS[call.name])
            if isinstance(choice, NamedTool):
                assert call.name == "pick"
    assert backend.masker.masked_steps > 0


def test_unconstrained_tiny_model_writes_invalid_calls_the_grammar_prevents(tiny):
    """The same forced opener without the grammar: the random model does not finish a valid call
    (so the test above measures the grammar, not luck)."""
    fmt = get_format("tool_use")
    free = LocalBackend(tiny.model, tiny.tokenizer, fmt, batch_size=4, max_new_tokens=32)
    answers = free.complete([ChatRequest(r.messages, r.tools) for r in _requests("required")])
    assert not any(fmt.parse(a.raw).calls for a in answers)


def test_jump_forward_feeds_forced_tokens_and_stream_equals_complete(tiny):
    fmt = get_format("hermes")
    backend = LocalBackend(tiny.model, tiny.tokenizer, fmt, batch_size=1, max_new_tokens=64)
    request = _requests(NamedTool("pick"))[0]
    complete = backend.complete([request])[0]
    assert backend.masker.forced_tokens > 0
    steps = backend.masker.masked_steps
    assert complete.finish_reason == "stop"
    # one call only (parallel_tool_calls=False): after it the grammar allows only the stop
    # token, so no step is spent on it; every token is a masked step or a forced one
    assert steps + backend.masker.forced_tokens == complete.new_tokens
    streamed = "".join(backend.stream(request))
    assert streamed == complete.raw
    assert fmt.parse(streamed).calls[0].name == "pick"


def test_generate_path_uses_a_logits_processor(tiny):
    fmt = get_format("tool_use")
    backend = LocalBackend(
        tiny.model, tiny.tokenizer, fmt, batch_size=4, max_new_tokens=64, prefix_cache=False
    )
    for answer in backend.complete(_requests("required")):
        parsed = fmt.parse(answer.raw)
        assert parsed.ok and len(parsed.calls) == 1, answer.raw
        jsonschema.validate(parsed.calls[0].arguments, SCHEMAS[parsed.calls[0].name])


def test_eval_stage_with_constrained_decoding_reports_its_cost(tmp_path):
    import json

    from toolschool.eval.config import EvalConfig
    from toolschool.eval.stage import run

    tools = [t.model_dump() for t in ENUM_TOOLS]
    items = tmp_path / "items.jsonl"
    lines = [{"id": f"i{i}", "category": "single", "tool": "pick", "tools": tools,
              "messages": [{"role": "user", "content": f"pick {i}"}],
              "expected": [{"name": "pick", "arguments": {"n": [1], "label": ["a"]}}]} for i in range(6)]
    items.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    result = run(EvalConfig(data=str(items), model="tiny", out_dir=str(tmp_path / "out"), constrained=True,
                            max_new_tokens=48, dtype="float32"))
    stats = json.loads((tmp_path / "out" / "constraint.json").read_text())
    assert stats["answers"] == 6 and stats["masked_steps"] > 0
    assert "constrained decoding" in result.report_path.read_text()
    assert result.metrics.syntax_validity in (None, 1.0)
    for p in result.predictions:
        assert p.finish_reason in ("stop", "length", "call_window")


def test_int8_weights_decode_under_the_grammar(tiny):
    """Dynamic int8 quantization (the fast path's weights): the quantized LM head still gives
    the logits width the grammar masks, and the answers are valid calls."""
    import copy

    from toolschool.backends.local import prepare_for_inference

    model = prepare_for_inference(copy.deepcopy(tiny.model), "int8")
    assert type(model.get_output_embeddings()).__name__ != "Linear"  # really quantized
    fmt = get_format("tool_use")
    backend = LocalBackend(model, tiny.tokenizer, fmt, batch_size=2, max_new_tokens=64, prompt_lookup=8)
    for answer in backend.complete(_requests("required")) + [
        backend.complete([r])[0] for r in _requests(NamedTool("set_unit"))[:2]
    ]:
        parsed = fmt.parse(answer.raw)
        assert answer.finish_reason == "stop" and parsed.ok and len(parsed.calls) == 1, answer.raw
        jsonschema.validate(parsed.calls[0].arguments, SCHEMAS[parsed.calls[0].name])


def test_budget_aware_closing_turns_calls_cut_at_the_cap_into_valid_calls(tiny):
    """Free-text arguments: the random model never closes its strings, so at a small
    ``max_new_tokens`` its calls are cut open; steered to close near the cap, each is valid."""
    free = [_tool("note", {"text": {"type": "string"}, "tag": {"type": "string"}}, ["text"])]
    requests = [ChatRequest([Message(role="user", content=q)], free, "required", False)
                for q in ("write it down", "remember milk", "a note please", "save this")]
    # (not openai: from inside its id its envelope is longer than the reserve; not gemma: see CLOSING_CHARS)
    for name in ("tool_use", "hermes", "pythonic", "mistral", "llama3_json", "block"):
        fmt = get_format(name)
        kwargs = dict(batch_size=2, max_new_tokens=64, constrained=True)
        cut = LocalBackend(tiny.model, tiny.tokenizer, fmt, close_calls=False, **kwargs).complete(requests)
        assert sum(not fmt.parse(a.raw).ok for a in cut) >= 2, name  # the failure exists
        steered = LocalBackend(tiny.model, tiny.tokenizer, fmt, **kwargs)
        for answer in steered.complete(requests) + [steered.complete([r])[0] for r in requests[:2]]:
            parsed = fmt.parse(answer.raw)
            assert parsed.ok and len(parsed.calls) == 1 and answer.new_tokens <= 64, (name, answer.raw)
            jsonschema.validate(parsed.calls[0].arguments, free[0].function.parameters)
        assert steered.masker.closing_steps > 0
