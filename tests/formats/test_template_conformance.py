"""Byte-exact conformance: toolschool's rendering against every official chat template.

Each conversation below (tools, one call, several calls where the template allows them,
results, answers, follow-up turns, unicode and delimiter-laden arguments) is rendered twice:
by the official Jinja template in ``shared/chat_templates`` (:mod:`tests.shared_data`) with transformers' own
sandboxed renderer (``render_jinja_template``), and by toolschool — the format's ``render_*``
methods inside the turn layout of :mod:`toolschool.chat.templates` (ChatML from
:mod:`toolschool.chat.prompt` for Qwen, with ``think_blocks`` for Qwen3; ``Llama3Layout``,
``MistralLayout``, ``Gemma4Layout``, ``HermesProLayout``). The texts must be identical
byte for byte.

Deliberate differences, and what the tests do about each:

* Inputs both sides need: a fixed ``date_string`` (Llama 3.2 would print today's date), the
  layout's BOS/EOS tokens passed to the template, ``add_generation_prompt=True``, and call ids
  of 9 alphanumerics (the Mistral template refuses others). Conversations always start with
  a system message (Qwen2.5's default system text is not toolschool's ``DEFAULT_SYSTEM``).
* Llama 3.1/3.2 allow one call per assistant turn (the template raises); toolschool writes
  several joined by ``"; "``. The several-calls conversation is checked to be refused.
* Llama 3 and Mistral drop an assistant message's content when it has tool calls, and so do
  their layouts; the formats' ``render_assistant`` keeps it for other layouts.
* Qwen3 writes an empty ``<think>\\n\\n</think>\\n\\n`` before an assistant message that comes
  after the last user query and is the last message (the final answer after tool results),
  keeps the reasoning of later assistant messages and drops that of earlier ones. Plain
  ChatML (SmolLM2's, Qwen2.5's) never does; ``ChatMLLayout(think_blocks=True)``, which
  :func:`~toolschool.chat.templates.layout_options` picks for a Qwen3 template, does, and is
  checked on final answers and on reasoning in ``<think>`` blocks.
* Hermes 2 Pro / Hermes 3 ``tool_use`` (the two files are identical) speak ``hermes_pro``:
  the ``hermes`` calls and results, but the template's own fixed system prompt (a pydantic
  schema, Python-style signatures with ``Args:`` blocks, ``{}`` for parameters without
  properties) in a system turn before the user's system message, results in a ``tool`` turn
  with no newline after its ``<|im_end|>``, and assistant content beside calls dropped
  (``HermesProLayout``). The template cannot render a conversation without tools (it
  iterates ``tools``, which is None); that case is checked to be refused.
* Gemma 4: the July 2026 templates are the reference (the 31B one and the E2B one, which
  only lacks the empty thought channel in the generation prompt; the layout variant is read
  from the template). Declaration details are covered by ``test_gemma4_format.py``. The
  initial-release template and llama.cpp's interleaved variant render ``role: tool``
  messages as a ``<|turn>tool`` turn instead and are not checked here.
"""

from __future__ import annotations

import pytest

from tests.shared_data import chat_template
from toolschool.chat.templates import (
    TemplateSample,
    layout_options,
    render_with_template,
    render_with_toolschool,
)
from toolschool.formats import get_format
from toolschool.types import Message, ToolCall, ToolResult, ToolSchema

pytest.importorskip("transformers")

OFFICIAL = {
    "Qwen-Qwen2.5-7B-Instruct.jinja": "hermes",
    "Qwen-Qwen3-0.6B.jinja": "hermes",
    "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja": "hermes_pro",
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja": "hermes_pro",
    "meta-llama-Llama-3.1-8B-Instruct.jinja": "llama3_json",
    "meta-llama-Llama-3.2-3B-Instruct.jinja": "llama3_json",
    "mistralai-Mistral-Nemo-Instruct-2407.jinja": "mistral",
    "google-gemma-4-31B-it.2026-07.jinja": "gemma4",
    "google-gemma-4-E2B-it.2026-07.jinja": "gemma4",
}
HERMES_TOOL_USE = [
    "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja",
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja",
]
NEEDS_TOOLS = set(HERMES_TOOL_USE)
ONE_CALL_PER_TURN = {"meta-llama-Llama-3.1-8B-Instruct.jinja", "meta-llama-Llama-3.2-3B-Instruct.jinja"}

TOOLS = [
    ToolSchema.model_validate(
        {
            "type": "function",
            "function": {
                "name": "search_web",
                "description": "Search the web — returns the top hits.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string", "description": "What to look for"},
                        "limit": {"type": "integer", "description": "How many hits"},
                        "filters": {
                            "type": "object",
                            "description": "Extra filters",
                            "properties": {"lang": {"type": "string", "enum": ["en", "fr", "日本語"]}},
                        },
                        "safe": {"type": "boolean"},
                    },
                    "required": ["query"],
                },
            },
        }
    ),
    ToolSchema.model_validate(
        {
            "type": "function",
            "function": {
                "name": "convert",
                "description": "Convert an amount between currencies.",
                "parameters": {
                    "type": "object",
                    "properties": {"amount": {"type": "number"}, "to": {"type": "string"}},
                    "required": ["amount", "to"],
                },
            },
        }
    ),
    ToolSchema.model_validate(
        {"type": "function", "function": {"name": "now", "description": "Current time."}}
    ),
]
SEARCH = ToolCall(
    id="Qm3xT8pLa",
    name="search_web",
    arguments={
        "query": 'brackets ] } [ { <tool_call> [TOOL_CALLS] <|"|> "quoted" ; naïve café 東京',
        "limit": 3,
        "filters": {"lang": "fr"},
        "safe": False,
    },
)
CONVERT = ToolCall(id="Zr8vK2nWb", name="convert", arguments={"amount": -12.5, "to": "EUR"})
NOW = ToolCall(id="Hy4cJ7sQd", name="now", arguments={})

SYSTEM = Message(role="system", content="You are a careful research assistant.")
USER = Message(role="user", content="Find French pages about naïve art, and convert 12.50 USD to euros.")


def result(call: ToolCall, content: str) -> Message:
    return Message(role="tool", tool_call_id=call.id, name=call.name, content=content)


CONVERSATIONS = {
    "first_turn": [SYSTEM, USER],
    "one_call": [
        SYSTEM,
        USER,
        Message(role="assistant", tool_calls=[SEARCH]),
        result(SEARCH, '[{"title": "Art naïf"}]'),
    ],
    "final_answer": [
        SYSTEM,
        USER,
        Message(role="assistant", tool_calls=[SEARCH]),
        result(SEARCH, '[{"title": "Art naïf"}]'),
        Message(role="assistant", content="Found one: Art naïf."),
    ],
    "one_call_then_follow_up": [
        SYSTEM,
        USER,
        Message(role="assistant", tool_calls=[CONVERT]),
        result(CONVERT, '{"value": -11.52, "currency": "EUR"}'),
        Message(role="assistant", content="That is −11.52 €."),
        Message(role="user", content="And what time is it?"),
        Message(role="assistant", tool_calls=[NOW]),
        result(NOW, "2026-07-09T10:00:00Z"),
    ],
    "several_calls": [
        SYSTEM,
        USER,
        Message(role="assistant", content="I'll do both.", tool_calls=[SEARCH, CONVERT, NOW]),
        result(SEARCH, '[{"title": "Art naïf", "url": "https://example.org/a?b=1&c=2"}]'),
        result(CONVERT, '{"value": -11.52}'),
        result(NOW, "10:00"),
    ],
    "several_calls_then_follow_up": [
        SYSTEM,
        USER,
        Message(role="assistant", tool_calls=[SEARCH, NOW]),
        result(SEARCH, "[]"),
        result(NOW, "10:00"),
        Message(role="assistant", content="Nothing found; it is 10:00."),
        Message(role="user", content="Thanks — bye!"),
    ],
}


def both(
    template: str, fmt_name: str, conversation: str | list[Message], tools: list[ToolSchema] = TOOLS
) -> tuple[str, str]:
    text = chat_template(template)
    messages = CONVERSATIONS[conversation] if isinstance(conversation, str) else conversation
    sample = TemplateSample("x", messages, tools)
    expected = render_with_template(text, sample, fmt_name)
    ours = render_with_toolschool(sample, fmt_name, **layout_options(fmt_name, text))
    return expected, ours


@pytest.mark.parametrize("conversation", sorted(CONVERSATIONS))
@pytest.mark.parametrize("template", sorted(OFFICIAL))
def test_toolschool_renders_the_official_template_byte_for_byte(template: str, conversation: str) -> None:
    fmt_name = OFFICIAL[template]
    if template in ONE_CALL_PER_TURN and conversation.startswith("several_calls"):
        import jinja2

        with pytest.raises(jinja2.TemplateError, match="single tool-calls"):
            both(template, fmt_name, conversation)
        return
    expected, ours = both(template, fmt_name, conversation)
    assert ours == expected


@pytest.mark.parametrize("template", sorted(OFFICIAL))
def test_without_tools(template: str) -> None:
    if template in NEEDS_TOOLS:
        with pytest.raises(TypeError, match="not iterable"):
            both(template, OFFICIAL[template], "first_turn", tools=[])
        return
    expected, ours = both(template, OFFICIAL[template], "first_turn", tools=[])
    assert ours == expected


def test_llama3_several_calls_are_joined_by_semicolons() -> None:
    ours = render_with_toolschool(TemplateSample("x", CONVERSATIONS["several_calls"], TOOLS), "llama3_json")
    fmt = get_format("llama3_json")
    assert fmt.render_calls([SEARCH, CONVERT, NOW]) + "<|eot_id|>" in ours
    assert "I'll do both." not in ours  # dropped, as the template drops content beside a call


QWEN3 = "Qwen-Qwen3-0.6B.jinja"


def test_qwen3_final_answer_gets_an_empty_think_block() -> None:
    expected, ours = both(QWEN3, "hermes", "final_answer")
    assert ours == expected
    assert ours.count("<think>") == 1
    assert "<|im_start|>assistant\n<think>\n\n</think>\n\nFound one: Art naïf.<|im_end|>\n" in ours
    # plain ChatML (SmolLM2's, Qwen2.5's) differs by exactly that block
    plain = render_with_toolschool(TemplateSample("x", CONVERSATIONS["final_answer"], TOOLS), "hermes")
    assert plain != expected and plain == expected.replace("<think>\n\n</think>\n\n", "")


def _assistant(content: str, *calls: ToolCall) -> Message:
    return Message(role="assistant", content=content, tool_calls=list(calls))


QWEN3_REASONING = {
    # reasoning after the last query is kept, on the calls turn and on the final answer
    "reasoning_kept": [
        SYSTEM,
        USER,
        _assistant("<think>\nSearch first.\n</think>\n\nSearching.", SEARCH),
        result(SEARCH, "[]"),
        _assistant("<think>\n\nNothing came back.\n\n</think>\n\n\nNo pages found."),
    ],
    # before the last query it is dropped; a calls turn without reasoning gets no block
    "reasoning_dropped": [
        SYSTEM,
        USER,
        _assistant("<think>plan</think>Converting.", CONVERT),
        result(CONVERT, "{}"),
        _assistant("<think>\nsum up\n</think>\n\nDone."),
        Message(role="user", content="And the time?"),
        _assistant("", NOW),
        result(NOW, "10:00"),
    ],
    # a user message that is only a tool response is not a query
    "tool_response_as_user": [
        SYSTEM,
        USER,
        _assistant("", NOW),
        Message(role="user", content="<tool_response>\n10:00\n</tool_response>"),
        _assistant("It is 10:00."),
    ],
    # content that is only newlines, beside a call: stripped after the think block, but the
    # template tests the unstripped content for the newline before the call
    "newlines_beside_a_call": [SYSTEM, USER, _assistant("\n\n", NOW)],
    "reasoning_beside_a_call": [SYSTEM, USER, _assistant("<think>x</think>\n\n", NOW)],
    "no_user_at_all": [SYSTEM, _assistant("<think>x</think>Hi.")],
}


@pytest.mark.parametrize("name", sorted(QWEN3_REASONING))
def test_qwen3_think_blocks_follow_the_template(name: str) -> None:
    expected, ours = both(QWEN3, "hermes", QWEN3_REASONING[name])
    assert ours == expected


def test_qwen3_think_blocks_are_what_the_option_adds() -> None:
    messages = QWEN3_REASONING["reasoning_dropped"]
    expected, ours = both(QWEN3, "hermes", messages)
    assert "plan" not in ours and "sum up" not in ours  # earlier reasoning dropped
    plain = render_with_toolschool(TemplateSample("x", messages, TOOLS), "hermes")
    assert "<think>plan</think>Converting." in plain and plain != expected  # ChatML keeps text as is


@pytest.mark.parametrize("template", HERMES_TOOL_USE)
def test_hermes_tool_use_templates_agree_with_hermes_on_calls_and_results(template: str) -> None:
    expected, _ = both(template, "hermes_pro", "several_calls")
    pro, hermes = get_format("hermes_pro"), get_format("hermes")
    results = [
        ToolResult(call_id=m.tool_call_id, name=m.name or "", content=m.content)
        for m in CONVERSATIONS["several_calls"]
        if m.role == "tool"
    ]
    assert pro.render_calls([SEARCH, CONVERT, NOW]) == hermes.render_calls([SEARCH, CONVERT, NOW])
    assert pro.render_results(results) == hermes.render_results(results)
    calls_turn = "<|im_start|>assistant\n" + pro.render_calls([SEARCH, CONVERT, NOW]) + "<|im_end|>\n"
    results_turn = "<|im_start|>tool\n" + pro.render_results(results) + "<|im_end|>"
    assert calls_turn + results_turn + "<|im_start|>assistant\n" in expected
    assert "I'll do both." not in expected  # content beside calls is dropped


HERMES_ODD_ORDERS = {
    "late_system": [USER, Message(role="system", content="Brief."), _assistant("x", NOW), result(NOW, "1")],
    "starts_with_a_result": [result(NOW, "10:00"), USER],
    "results_then_user": [SYSTEM, USER, _assistant("", NOW), result(NOW, "10:00"), USER],
}


@pytest.mark.parametrize("name", sorted(HERMES_ODD_ORDERS))
@pytest.mark.parametrize("template", HERMES_TOOL_USE)
def test_hermes_tool_use_odd_orders(template: str, name: str) -> None:
    expected, ours = both(template, "hermes_pro", HERMES_ODD_ORDERS[name])
    assert ours == expected


def test_hermes_tool_use_without_tools_is_plain_chatml() -> None:
    ours = render_with_toolschool(TemplateSample("x", CONVERSATIONS["first_turn"], []), "hermes_pro")
    assert ours == (
        "<|begin_of_text|><|im_start|>system\nYou are a careful research assistant.<|im_end|>\n"
        "<|im_start|>user\n" + USER.content + "<|im_end|>\n<|im_start|>assistant\n"
    )


@pytest.mark.parametrize("template", HERMES_TOOL_USE)
def test_the_qwen_hermes_format_does_not_render_hermes_2_pro(template: str) -> None:
    expected, _ = both(template, "hermes_pro", "one_call")
    qwen = render_with_toolschool(TemplateSample("x", CONVERSATIONS["one_call"], TOOLS), "hermes")
    assert qwen != expected and "# Tools" in qwen and "You are a function calling AI model" in expected
