"""Runs inside a Python that has vLLM: loads toolschool's plugin the way ``vllm serve`` does and drives
its parsers through vLLM's own request parser (``ParserManager`` → ``DelegatingParser.parse`` /
``parse_delta``), printing what came out as JSON for ``test_vllm_plugin.py`` to check."""

from __future__ import annotations

import json
import sys

from vllm.entrypoints.openai.chat_completion.protocol import ChatCompletionRequest
from vllm.parser.parser_manager import ParserManager
from vllm.tool_parsers import ToolParserManager

from toolschool.models.tiny import tiny_tokenizer

plugin = sys.argv[1]  # a module name or a file path, as --tool-parser-plugin takes
ToolParserManager.import_tool_parser(plugin)
tokenizer = tiny_tokenizer()
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather.", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
END = tokenizer.convert_tokens_to_ids("<|im_end|>")


def request(tool_choice="auto", stream=False):
    return ChatCompletionRequest(model="m", messages=[{"role": "user", "content": "weather?"}], tools=TOOLS,
                                 tool_choice=tool_choice, stream=stream)


def run(name, text, tool_choice="auto", chunk=3):
    parser_cls = ParserManager.get_parser(tool_parser_name=name, enable_auto_tools=True, tokenizer=tokenizer)
    req = request(tool_choice)
    whole = parser_cls(tokenizer, req.tools)
    _, content, calls = whole.parse(text, req, enable_auto_tools=True)
    streaming = parser_cls(tokenizer, req.tools)
    req = request(tool_choice, stream=True)
    pieces = [text[i : i + chunk] for i in range(0, len(text), chunk)]
    deltas = []
    for i, piece in enumerate(pieces):
        ids = tokenizer.encode(piece, add_special_tokens=False)
        last = i == len(pieces) - 1
        delta = streaming.parse_delta(piece, ids + ([END] if last else []), req, prompt_token_ids=[1, 2],
                                      finished=last)
        if delta is not None:
            deltas.append(delta.model_dump(exclude_none=True))
    return {
        "parser": type(streaming.tool_parser).__name__,
        "base": [c.__name__ for c in type(streaming.tool_parser).__mro__],
        "content": content,
        "calls": [{"name": c.name, "arguments": c.arguments, "id": c.id} for c in calls or []],
        "deltas": deltas,
    }


UNCLOSED = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "X"}}'
BLOCK = '<|tool_call|>\nTool: get_weather\nArguments: {"city": "Oslo"}\n<|end|>'
out = {
    "registered": [n for n in ToolParserManager.list_registered() if n.startswith("toolschool-")],
    "tool_use": run("toolschool-tool_use", 'Checking.\nTOOL_USE[get_weather:{"city": "Oslo"}]\n'
                    'TOOL_USE[get_weather:{"city": "Lima"}]'),
    "hermes": run("toolschool-hermes", '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n'
                  "</tool_call>"),
    "hermes_unclosed": run("toolschool-hermes", UNCLOSED),
    "strict_unclosed": run("toolschool-hermes-strict", UNCLOSED),
    "required": run("toolschool-block", BLOCK, tool_choice="required"),
    "prose": run("toolschool-tool_use", "No tool needed: it is sunny."),
}
# how vLLM will pass message contents to the exported chat templates: plain strings ("string"),
# not lists of content parts ("openai"), decided from the template's source
from vllm.renderers.hf import _detect_content_format  # noqa: E402

from toolschool.export.chat_template import TEMPLATE_LAYOUTS, chat_template  # noqa: E402
from toolschool.export.pieces import TEMPLATE_FORMATS  # noqa: E402

out["content_formats"] = sorted({
    _detect_content_format(chat_template(f, layout), default="openai")
    for f in TEMPLATE_FORMATS for layout in TEMPLATE_LAYOUTS
})
direct = ToolParserManager.get_tool_parser("toolschool-pythonic")(tokenizer)
info = direct.extract_tool_calls('[get_weather(city="Oslo")]', request())
out["direct"] = {"type": type(info).__name__, "dump": info.model_dump()}
print(json.dumps(out))
