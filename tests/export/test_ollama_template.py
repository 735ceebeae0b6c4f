"""The Ollama TEMPLATE, rendered by Go's text/template as Ollama renders it (tests/ollama_template),
against toolschool's own rendering of the same conversations."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.export.conversations import PLAIN_TOOLS, RICH_TOOLS, UNSORTED_TOOLS, conversations
from toolschool.chat.prompt import ChatMLLayout
from toolschool.chat.templates import first_difference
from toolschool.errors import ExportError
from toolschool.export.ollama import modelfile, ollama_template, trained_property_orders
from toolschool.export.pieces import TEMPLATE_FORMATS, format_pieces
from toolschool.formats import get_format
from toolschool.types import Message, ToolCall

HARNESS = Path(__file__).resolve().parents[1] / "ollama_template"
SYSTEM = "You are careful.\nUse tools."


@pytest.fixture(scope="module")
def go_renderer(tmp_path_factory):
    """The harness built once: ``render(template, cases) -> (prompts, tool_call_tag)``."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("Go is not installed (apt-get install golang-go): the Ollama TEMPLATE is checked by "
                    "rendering it with Go's text/template, as Ollama does")
    binary = tmp_path_factory.mktemp("go") / "render"
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "-mod=mod"}
    subprocess.run([go, "build", "-o", str(binary), "."], cwd=HARNESS, env=env, check=True)

    def render(template, cases):
        done = subprocess.run([str(binary)], input=json.dumps({"template": template, "cases": cases}),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        return out["prompts"], out["tool_call_tag"]

    return render


def ollama_message(message: Message) -> dict:
    """A toolschool message in Ollama's /api/chat JSON."""
    out = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [
            {"id": c.id or "", "function": {"index": i, "name": c.name, "arguments": c.arguments}}
            for i, c in enumerate(message.tool_calls)
        ]
    if message.role == "tool":
        out["tool_name"] = message.name or ""
        out["tool_call_id"] = message.tool_call_id or ""
    return out


def case(messages, tools, system=SYSTEM):
    return {"modelfile_system": system, "messages": [ollama_message(m) for m in messages],
            "tools": [t.to_openai() for t in tools]}


@pytest.mark.parametrize("format_name", TEMPLATE_FORMATS)
def test_ollama_renders_byte_for_byte_what_toolschool_renders(go_renderer, format_name):
    """System prompt (the Modelfile's or the conversation's), tool declarations, user turns, an
    assistant turn with content and three calls (unicode, quotes, <>&, nested values), three
    results in one turn, an answer, a second user turn, conversations without tools."""
    plain = {name: conv for name, conv in conversations().items() if conv[1] is not RICH_TOOLS}
    prompts, tag = go_renderer(ollama_template(format_name), [case(*conv) for conv in plain.values()])
    fmt = get_format(format_name)
    for (name, (messages, tools)), got in zip(plain.items(), prompts):
        expected = ChatMLLayout().render(messages, tools, fmt, SYSTEM, add_generation_prompt=True)
        assert got == expected, f"{name}: {first_difference(expected, got)}"
    # Ollama's tool-call parser will look for the text that opens a call in this format
    assert tag == format_pieces(format_name).call_tag


@pytest.mark.parametrize("format_name", TEMPLATE_FORMATS)
def test_the_trained_property_order_is_kept_for_the_tools_the_model_was_trained_on(go_renderer, format_name):
    """Ollama hands properties over sorted; the template puts a trained tool's back in the trained
    order (properties it does not know follow, sorted). Other tools stay sorted."""
    extra = UNSORTED_TOOLS[1].model_copy(deep=True)
    extra.function.parameters["properties"]["at"] = {"type": "string"}  # not in the trained declaration
    tools = [*UNSORTED_TOOLS, *PLAIN_TOOLS]
    messages = [Message(role="user", content="Convert 5 km.")]
    orders = trained_property_orders(UNSORTED_TOOLS + PLAIN_TOOLS)
    (got, got_extra), _ = go_renderer(
        ollama_template(format_name, property_orders=orders), [case(messages, tools), case(messages, [extra])]
    )
    fmt = get_format(format_name)
    assert got == ChatMLLayout().render(messages, tools, fmt, SYSTEM, add_generation_prompt=True)
    (plain,), _ = go_renderer(ollama_template(format_name), [case(messages, tools)])
    assert plain != got  # without the trained order, the properties come sorted
    expected = extra.model_copy(deep=True)  # the trained order, then the unknown property
    props = expected.function.parameters["properties"]
    order = ["action", "timezone", "date", "days", "at"]
    expected.function.parameters["properties"] = {k: props[k] for k in order}
    assert got_extra == ChatMLLayout().render(messages, [expected], fmt, SYSTEM, add_generation_prompt=True)


def _declaration(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_what_ollama_does_not_pass_on_is_missing_as_documented(go_renderer):
    """The documented differences, on a tool with defaults, a nested object, anyOf, const,
    nullable, a list of item types, an empty schema and descriptions with odd whitespace."""
    messages = [Message(role="user", content="Book it.")]
    book = [RICH_TOOLS[-1]]
    fmt = get_format("tool_use")
    (got,), _ = go_renderer(ollama_template("tool_use"), [case(messages, book)])
    ours = ChatMLLayout().render(messages, book, fmt, SYSTEM, add_generation_prompt=True)
    assert _declaration(ours, "- book(", "<|im_end|>") == (
        '- book(when: string = "today", guest: {name: string, age?: integer}, seats?: integer|string = 2, '
        'kind?: "dinner", note?: string|null, tags?: (string|integer)[], free?: any) — Book a table. '
        "Two lines, odd spacing.\n    when: Date, ISO 8601")
    # sorted properties; no defaults, const or nullable; a nested object is "object"; descriptions as given
    assert _declaration(got, "- book(", "<|im_end|>") == (
        "- book(free?: any, guest: object, kind?: any, note?: string, seats?: integer|string, "
        "tags?: (string|integer)[], when: string) — Book a table.\n\nTwo   lines, odd   spacing."
        "\n    when: Date,\n  ISO 8601")

    (got,), _ = go_renderer(ollama_template("hermes"), [case(messages, book)])
    # properties sorted, fields in Ollama's order, nested properties as compact JSON, no default/const
    assert '"parameters": {"type": "object", "properties": {"free": {}, "guest": {"type": "object", ' \
           '"properties": {"name":{"type":"string"},"age":{"type":"integer"}}, "required": ["name"]}, ' \
           '"kind": {}, "note": {"type": "string"}, "seats": {"anyOf": [{"type": "integer"}, ' \
           '{"type": "string"}]}, "tags": {"type": "array", "items": {"type": ["string", "integer"]}}, ' \
           '"when": {"type": "string", "description": "Date,\\n  ISO 8601"}}, ' \
           '"required": ["when", "guest"]}' in got


def test_arguments_come_out_in_sorted_key_order_and_numbers_as_go_writes_them(go_renderer):
    arguments = {"query": "tea", "count": 3.0, "b": {"z": 1, "a": [True, None]}}
    call = ToolCall(id="c1", name="search", arguments=arguments)
    messages = [Message(role="user", content="q"), Message(role="assistant", tool_calls=[call])]
    (got,), _ = go_renderer(ollama_template("tool_use"), [case(messages, PLAIN_TOOLS)])
    assert 'TOOL_USE[search:{"b": {"a": [true, null], "z": 1}, "count": 3, "query": "tea"}]' in got
    ours = ChatMLLayout().render(messages, PLAIN_TOOLS, get_format("tool_use"), SYSTEM, True)
    assert 'TOOL_USE[search:{"query": "tea", "count": 3.0, "b": {"z": 1, "a": [true, null]}}]' in ours


def test_ollama_merges_consecutive_user_messages_into_one_turn(go_renderer):
    messages = [Message(role="user", content="a"), Message(role="user", content="b")]
    (got,), _ = go_renderer(ollama_template("hermes"), [case(messages, [])])
    assert got.endswith("<|im_start|>user\na\n\nb<|im_end|>\n<|im_start|>assistant\n")


def test_the_modelfile_holds_the_template_system_prompt_stop_and_greedy_decoding():
    text = modelfile("model.gguf", "tool_use", "chatml", "Be brief.", num_ctx=8192)
    lines = text.splitlines()
    assert lines[2] == "FROM ./model.gguf"
    assert f'TEMPLATE """{ollama_template("tool_use")}"""' in text
    assert 'SYSTEM """Be brief."""' in text
    assert lines[-3:] == ['PARAMETER stop "<|im_end|>"', "PARAMETER temperature 0", "PARAMETER num_ctx 8192"]
    assert ".Tools" in ollama_template("tool_use")  # Ollama lists the model as tool-capable


def test_unsupported_layouts_formats_and_unquotable_text_are_clear_errors():
    with pytest.raises(ExportError, match="layout 'gemma'.*supported: chatml"):
        ollama_template("tool_use", "gemma")
    with pytest.raises(ExportError, match="format 'gemma4'"):
        ollama_template("gemma4")
    with pytest.raises(ExportError, match='system prompt contains """'):
        modelfile("m.gguf", "tool_use", system_prompt='say """hi"""')
