"""Template detection, the turn layouts and the byte-exact template check, on the shared templates."""

from __future__ import annotations

import pytest

from tests.shared_data import CHAT_TEMPLATES, chat_template, needs_shared
from toolschool.chat.prompt import ChatMLLayout
from toolschool.chat.templates import (
    Gemma4Layout,
    HermesProLayout,
    Llama3Layout,
    MistralLayout,
    check_template,
    detect_template_format,
    first_difference,
    layout_for,
    layout_options,
)
from toolschool.errors import ConfigError, DataError, RegistryError
from toolschool.formats import get_format
from toolschool.types import Message, ToolCall, ToolSchema

HERMES_2_PRO = "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja"

DETECTED = {
    "HuggingFaceTB-SmolLM3-3B.jinja": None,
    "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja": "hermes_pro",
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja": "hermes_pro",
    "Qwen-Qwen2.5-7B-Instruct.jinja": "hermes",
    "Qwen-Qwen3-0.6B.jinja": "hermes",
    "google-gemma-4-31B-it.2026-07.jinja": "gemma4",
    "google-gemma-4-31B-it.initial-release.jinja": "gemma4",
    "google-gemma-4-31B-it.jinja": "gemma4",
    "google-gemma-4-E2B-it.2026-07.jinja": "gemma4",
    "llama-cpp-gemma-4-31B-it-interleaved.jinja": "gemma4",
    "meta-llama-Llama-3.1-8B-Instruct.jinja": "llama3_json",
    "meta-llama-Llama-3.2-3B-Instruct.jinja": "llama3_json",
    "mistralai-Mistral-Nemo-Instruct-2407.jinja": "mistral",
}
#: where toolschool is byte-exact (every sample the template renders is identical)
EXACT = [
    "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja",
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja",
    "Qwen-Qwen2.5-7B-Instruct.jinja",
    "Qwen-Qwen3-0.6B.jinja",
    "google-gemma-4-31B-it.2026-07.jinja",
    "google-gemma-4-31B-it.jinja",
    "google-gemma-4-E2B-it.2026-07.jinja",
    "meta-llama-Llama-3.1-8B-Instruct.jinja",
    "meta-llama-Llama-3.2-3B-Instruct.jinja",
    "mistralai-Mistral-Nemo-Instruct-2407.jinja",
]


def read(name: str) -> str:
    return chat_template(name)


@needs_shared("chat_templates")
def test_every_shared_template_is_listed() -> None:
    assert sorted(p.name for p in CHAT_TEMPLATES.glob("*.jinja")) == sorted(DETECTED)


@pytest.mark.parametrize(("name", "expected"), sorted(DETECTED.items()))
def test_detects_the_format_of_each_shared_template(name: str, expected: str | None) -> None:
    assert detect_template_format(read(name)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ '<tool_call>' }}", "hermes"),
        ("{{ 'You are a function calling AI model. <tool_call>' }}", "hermes_pro"),
        ("{{ '<|tool_call>call:' }} <tool_call>", "gemma4"),
        ("{{ '[TOOL_CALLS]' }}", "mistral"),
        ("<start_function_call>", "functiongemma"),
        ('{"name": x, "parameters": y} <|python_tag|>', "llama3_json"),
        ('"parameters" ... <|start_header_id|>ipython<|end_header_id|>', "llama3_json"),
        ('"parameters" only', None),
        ("{% for m in messages %}{{ m.content }}{% endfor %}", None),
    ],
)
def test_detection_by_markers(text: str, expected: str | None) -> None:
    assert detect_template_format(text) == expected


@pytest.mark.parametrize("name", EXACT)
def test_check_passes_where_toolschool_is_byte_exact(name: str) -> None:
    pytest.importorskip("transformers")
    result = check_template(read(name))
    assert result.format_name == DETECTED[name]
    assert result.identical, {s.name: s.diff for s in result.samples if not s.identical}
    names = [s.name for s in result.samples]
    assert {"first_turn", "one_call", "final_answer", "multi_turn"} <= set(names)
    if "Hermes" in name:  # the template iterates ``tools``: it cannot render a conversation without
        assert list(result.skipped) == ["no_tools"] and "not iterable" in result.skipped["no_tools"]
        assert "several_calls" in names and result.layout == "hermes_pro"
    elif "Llama" in name:
        assert (
            list(result.skipped) == ["several_calls"]
            and "single tool-calls" in result.skipped["several_calls"]
        )
        assert "tools_in_system" in names and result.layout == "llama3"
    else:
        assert {"several_calls", "no_tools"} <= set(names) and not result.skipped
    for sample in result.samples:
        assert sample.diff == "" and sample.template_text == sample.toolschool_text


def test_check_reports_where_the_qwen_hermes_format_differs_from_hermes_2_pro() -> None:
    pytest.importorskip("transformers")
    result = check_template(read("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja"), "hermes")
    assert result.format_name == "hermes" and result.layout == "chatml" and not result.identical
    assert "no_tools" in result.skipped  # the template cannot render a conversation without tools
    first = result.samples[0]
    assert first.diff.startswith("first difference at char 29: template 'function calling AI model")
    assert "--- template" in first.diff and "+++ toolschool" in first.diff
    assert "-You are a function calling AI model." in first.diff


@pytest.mark.parametrize(
    ("name", "old", "new", "differing"),
    [
        ("Qwen-Qwen2.5-7B-Instruct.jinja", "return a json object", "return a JSON object", "first_turn"),
        ("mistralai-Mistral-Nemo-Instruct-2407.jinja", '{"content": ', '{"output": ', "one_call"),
        (
            "meta-llama-Llama-3.1-8B-Instruct.jinja",
            "Environment: ipython",
            "Environment: python",
            "first_turn",
        ),
        ("google-gemma-4-31B-it.2026-07.jinja", "'<|tool_call>call:'", "'<|tool_call>call: '", "one_call"),
        (HERMES_2_PRO, '"    Args:', '"    Arguments:', "first_turn"),
        (HERMES_2_PRO, "'<|im_start|>tool", "'<|im_start|>user", "one_call"),
        ("Qwen-Qwen3-0.6B.jinja", "'\\n</think>\\n\\n'", "'\\n</think>\\n'", "final_answer"),
    ],
)
def test_an_edited_template_gives_a_diff(name: str, old: str, new: str, differing: str) -> None:
    pytest.importorskip("transformers")
    text = read(name)
    assert old in text
    result = check_template(text.replace(old, new, 1))
    assert not result.identical and differing in result.differing
    sample = next(s for s in result.samples if s.name == differing)
    assert sample.template_text != sample.toolschool_text
    assert "first difference at char" in sample.diff and "@@" in sample.diff


def test_check_errors() -> None:
    pytest.importorskip("transformers")
    with pytest.raises(ConfigError, match="no tool-call markers"):
        check_template(read("HuggingFaceTB-SmolLM3-3B.jinja"))
    with pytest.raises(RegistryError):
        check_template(read("Qwen-Qwen3-0.6B.jinja"), "no_such_format")
    with pytest.raises(ConfigError, match="does not compile"):
        check_template("{% for x in %}<tool_call>", "hermes")
    # an explicit format that the template does not speak: every sample differs
    assert not check_template(read("Qwen-Qwen3-0.6B.jinja"), "tool_use").samples[1].identical


def test_first_difference() -> None:
    assert first_difference("same", "same") == ""
    report = first_difference("a\nb\nc", "a\nB\nc")
    assert report.startswith("first difference at char 2: template 'b\\nc' vs toolschool 'B\\nc'")
    assert "-b" in report and "+B" in report
    long_a, long_b = "x" * 1000 + "A" + "y" * 1000, "x" * 1000 + "B" + "y" * 1000
    report = first_difference(long_a, long_b)
    assert "first difference at char 1000" in report
    assert max(len(line) for line in report.splitlines()[1:]) < 260 and "…" in report
    report = first_difference("abc\n", "abc")  # a missing final newline shows
    assert report.count("\n@@ ") == 1 and report.endswith("\n abc\n-")


TOOLS = [ToolSchema.model_validate({"type": "function", "function": {"name": "now", "description": "Time."}})]
CALL = ToolCall(id="Kx7pQ2mZa", name="now", arguments={})
CONVERSATION = [
    Message(role="system", content="Sys."),
    Message(role="user", content="Time?"),
    Message(role="assistant", tool_calls=[CALL]),
    Message(role="tool", tool_call_id=CALL.id, content="10:00"),
    Message(role="assistant", content="It is 10:00."),
]


@pytest.mark.parametrize(
    ("layout", "fmt_name", "trainable"),
    [
        (
            Llama3Layout(),
            "llama3_json",
            ['{"name": "now", "parameters": {}}<|eot_id|>', "It is 10:00.<|eot_id|>"],
        ),
        (
            MistralLayout(),
            "mistral",
            ['[TOOL_CALLS][{"name": "now", "arguments": {}, "id": "Kx7pQ2mZa"}]</s>', "It is 10:00.</s>"],
        ),
        (Gemma4Layout(), "gemma4", ["<|tool_call>call:now{}<tool_call|>", "It is 10:00.", "<turn|>"]),
        (
            HermesProLayout(),
            "hermes_pro",
            [
                '<tool_call>\n{"name": "now", "arguments": {}}\n</tool_call><|im_end|>',
                "It is 10:00.<|im_end|>",
            ],
        ),
        (
            ChatMLLayout(think_blocks=True),
            "hermes",
            [
                '<tool_call>\n{"name": "now", "arguments": {}}\n</tool_call><|im_end|>',
                "<think>\n\n</think>\n\nIt is 10:00.<|im_end|>",
            ],
        ),
    ],
)
def test_layout_segments_mark_assistant_output_trainable(layout, fmt_name: str, trainable: list[str]) -> None:
    segments = layout.segments(CONVERSATION, TOOLS, get_format(fmt_name))
    assert [s.text for s in segments if s.trainable] == trainable
    assert "".join(s.text for s in segments) == layout.render(CONVERSATION, TOOLS, get_format(fmt_name))


def test_layout_refusals() -> None:
    with pytest.raises(DataError, match="first user message"):
        Llama3Layout().render([Message(role="system", content="S")], TOOLS, get_format("llama3_json"))
    with pytest.raises(DataError, match="no 'system' turn"):
        MistralLayout().render(
            [Message(role="user", content="a"), Message(role="system", content="late")],
            [],
            get_format("mistral"),
        )


def test_layout_choice_follows_the_format_and_the_template() -> None:
    assert isinstance(layout_for("hermes_pro"), HermesProLayout)
    assert type(layout_for("hermes")) is ChatMLLayout and not layout_for("hermes").think_blocks
    assert layout_options("hermes", read("Qwen-Qwen3-0.6B.jinja")) == {"think_blocks": True}
    assert layout_options("hermes", read("Qwen-Qwen2.5-7B-Instruct.jinja")) == {}
    assert layout_options("hermes_pro", read("NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja")) == {}


def test_think_blocks_are_off_by_default() -> None:
    fmt = get_format("hermes")
    answer = Message(role="assistant", content="<think>\nhm\n</think>\n\nIt is 10:00.")
    with_think = [*CONVERSATION[:-1], answer]
    for conversation in (CONVERSATION, with_think):
        plain = ChatMLLayout().render(conversation, TOOLS, fmt, add_generation_prompt=True)
        off = ChatMLLayout(think_blocks=False).render(conversation, TOOLS, fmt, add_generation_prompt=True)
        last = conversation[-1].content
        assert plain == off and plain.endswith(f"assistant\n{last}<|im_end|>\n<|im_start|>assistant\n")
    qwen3 = ChatMLLayout(think_blocks=True).render(with_think, TOOLS, fmt)
    assert qwen3.endswith("<|im_start|>assistant\n<think>\nhm\n</think>\n\nIt is 10:00.<|im_end|>\n")
