import pytest

from toolschool.chat import IGNORE_INDEX, ChatMLLayout, tokenise_segments
from toolschool.formats import format_names, get_format
from toolschool.tools import get_toolkit
from toolschool.types import Message, ToolCall

CONVERSATION = [
    Message(role="user", content="What's the weather in Lyon, and define 'ennui'?"),
    Message(
        role="assistant",
        tool_calls=[
            ToolCall(id="c0", name="weather", arguments={"location": "Lyon"}),
            ToolCall(id="c1", name="dictionary", arguments={"word": "ennui"}),
        ],
    ),
    Message(role="tool", tool_call_id="c0", name="weather", content='{"temp_c": 14}'),
    Message(role="tool", tool_call_id="c1", name="dictionary", content='{"definition": "boredom"}'),
    Message(role="assistant", content="It is 14 °C in Lyon; ennui means boredom."),
]


@pytest.mark.parametrize("fmt_name", format_names())
def test_only_assistant_output_is_trained(tiny, fmt_name):
    fmt = get_format(fmt_name)
    template = ChatMLLayout()
    segments = template.segments(CONVERSATION, get_toolkit("assistant"), fmt, "You are helpful.")
    enc = tokenise_segments(segments, tiny.tokenizer)
    assert len(enc.input_ids) == len(enc.labels)
    trained = [t for t, lab in zip(enc.input_ids, enc.labels) if lab != IGNORE_INDEX]
    assert all(lab in (IGNORE_INDEX, t) for t, lab in zip(enc.input_ids, enc.labels))
    text = tiny.tokenizer.decode(trained)
    first = fmt.render_assistant("", CONVERSATION[1].tool_calls) + "<|im_end|>"
    second = CONVERSATION[4].content + "<|im_end|>"
    assert text == first + second
    # nothing of the system, user or tool turns leaks into the labels
    for secret in ("You are helpful", "Lyon, and define", "temp_c", "boredom\"", "<|im_start|>"):
        assert secret not in text


def test_rendered_prompt_has_chatml_turns_and_generation_prompt():
    fmt = get_format("hermes")
    text = ChatMLLayout().render(CONVERSATION[:1], get_toolkit("assistant"), fmt, "Sys.", add_generation_prompt=True)
    assert text.startswith("<|im_start|>system\nSys.")
    assert text.endswith("<|im_end|>\n<|im_start|>user\nWhat's the weather in Lyon, and define 'ennui'?<|im_end|>\n<|im_start|>assistant\n")


def test_hermes_results_share_one_user_turn():
    fmt = get_format("hermes")
    text = ChatMLLayout().render(CONVERSATION, [], fmt, "Sys.")
    assert text.count("<|im_start|>user") == 2  # the request + one turn holding both results
    assert "</tool_response>\n<tool_response>" in text
