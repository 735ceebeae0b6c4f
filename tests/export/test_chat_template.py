"""The exported Jinja chat template renders exactly what toolschool's layout + format render."""

import re

import pytest
from transformers.utils.chat_template_utils import render_jinja_template

from tests.export.conversations import conversations
from toolschool.chat.resolve import LAYOUTS
from toolschool.chat.templates import first_difference, hf_messages
from toolschool.errors import ExportError
from toolschool.export.chat_template import TEMPLATE_LAYOUTS, chat_template
from toolschool.export.pieces import TEMPLATE_FORMATS, format_pieces, render_parts
from toolschool.formats import get_format
from toolschool.formats.json_object import tojson
from toolschool.types import ToolCall, ToolResult

SYSTEM = "You are a careful assistant.\nUse tools when needed."


def _render(template, messages, tools, add_generation_prompt):
    rendered, _ = render_jinja_template(
        [hf_messages(messages)],
        tools=[t.to_openai() for t in tools] or None,
        chat_template=template,
        add_generation_prompt=add_generation_prompt,
    )
    return rendered[0]


@pytest.mark.parametrize("layout_name", TEMPLATE_LAYOUTS)
@pytest.mark.parametrize("format_name", TEMPLATE_FORMATS)
def test_template_renders_byte_for_byte_what_toolschool_renders(format_name, layout_name):
    template = chat_template(format_name, layout_name, SYSTEM)
    fmt, layout = get_format(format_name), LAYOUTS.get(layout_name)()
    for name, (messages, tools) in conversations().items():
        for generation_prompt in (True, False):
            expected = layout.render(messages, tools, fmt, SYSTEM, add_generation_prompt=generation_prompt)
            got = _render(template, messages, tools, generation_prompt)
            assert got == expected, f"{name}: {first_difference(expected, got)}"


def test_a_tool_message_without_a_name_takes_the_name_of_its_call():
    messages, tools = conversations()["several_calls"]
    template = chat_template("tool_use", "chatml", SYSTEM)
    unnamed = [m.model_copy(update={"name": None}) if m.role == "tool" else m for m in messages]
    got = _render(template, unnamed, tools, True)
    assert got == _render(template, messages, tools, True)
    assert "TOOL_RESULT[search:1. a.org/tea" in got


def test_arguments_given_as_a_json_string_are_written_as_they_are():
    template = chat_template("hermes", "chatml", SYSTEM)
    message = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "now", "arguments": '{"tz":"UTC"}'}}]}
    rendered, _ = render_jinja_template([[message]], chat_template=template)
    assert '{"name": "now", "arguments": {"tz":"UTC"}}' in rendered[0]


def test_a_role_the_layout_cannot_place_is_refused_by_the_template_too():
    template = chat_template("tool_use", "chatml", SYSTEM)
    messages = [{"role": "user", "content": "a"}, {"role": "system", "content": "late"}]
    with pytest.raises(Exception, match="message 1: role system cannot appear after the first message"):
        render_jinja_template([messages], chat_template=template)


@pytest.mark.parametrize("format_name", TEMPLATE_FORMATS)
def test_the_template_writes_no_text_outside_its_tags(format_name):
    """So trim_blocks/lstrip_blocks (transformers sets both) cannot change what it writes."""
    for layout in TEMPLATE_LAYOUTS:
        source = chat_template(format_name, layout, 'He said "hi"\n')
        outside = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", source, flags=re.S)
        assert not outside.strip(), outside.strip()[:80]


@pytest.mark.parametrize("format_name", TEMPLATE_FORMATS)
def test_the_pieces_tables_write_what_the_formats_write(format_name):
    pieces, fmt = format_pieces(format_name), get_format(format_name)
    call = ToolCall(id="x", name="f", arguments={"a": "ü", "b": [1, 2]})
    assert render_parts(pieces.call, "f", tojson(call.arguments)) == fmt.render_calls([call])
    two = [call, call.model_copy(update={"name": "g"})]
    assert pieces.call_separator.join(
        render_parts(pieces.call, c.name, tojson(c.arguments)) for c in two) == fmt.render_calls(two)
    results = [ToolResult(name="f", content="out ]\n"), ToolResult(name="g", content="2")]
    parts = [render_parts(pieces.result, r.name, content=r.content) for r in results]
    rendered = pieces.result_separator.join(parts)
    assert rendered == fmt.render_results(results)
    assert pieces.result_role == fmt.result_role
    assert fmt.render_calls([call]).startswith(pieces.call_tag) and pieces.call_tag == pieces.call_tag.strip()


def test_unsupported_formats_and_layouts_are_clear_errors():
    with pytest.raises(ExportError, match="format 'pythonic'.*supported: tool_use, hermes, block"):
        chat_template("pythonic")
    with pytest.raises(ExportError, match="layout 'llama3'.*supported: chatml, gemma"):
        chat_template("tool_use", "llama3")
