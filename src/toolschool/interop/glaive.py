"""Glaive function-calling v2 (``glaiveai/glaive-function-calling-v2``) ⇄ canonical.

The published format (the dataset card of ``glaiveai/glaive-function-calling``, whose v2 keeps
the same text conventions in two fields): ``system`` declares the functions after a sentence,
``chat`` is the transcript::

    system: "SYSTEM: You are a helpful assistant with access to the following functions. Use them
             if required -\\n{\\n    \\"name\\": \\"get_stock_price\\", ...\\n}\\n\\n{...next function}"
    chat:   "USER: What is Apple trading at?\\n\\n\\nASSISTANT: <functioncall> {\\"name\\":
             \\"get_stock_price\\", \\"arguments\\": '{\\"symbol\\": \\"AAPL\\"}'} <|endoftext|>\\n\\n\\n
             FUNCTION RESPONSE: {\\"price\\": 150.75}\\n\\n\\nASSISTANT: It is at $150.75. <|endoftext|>"

* Functions are JSON objects ``{name, description, parameters}`` (parameters in JSON Schema),
  one after another; without functions the sentence is "You are a helpful assistant, with no
  access to external functions."
* An assistant turn holds text, or one ``<functioncall>`` whose ``arguments`` is usually a JSON
  object *in single quotes* (not JSON as a whole; both spellings are read). A turn ends with
  ``<|endoftext|>``. ``FUNCTION RESPONSE:`` is the result of the call before it.

Reading: the two standard sentences are format boilerplate and are dropped; any other sentence
becomes a system message. Writing: a system message's text takes the sentence's place; a turn
with more than one call has no Glaive form (:class:`~toolschool.errors.UnrepresentableError`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolschool.errors import DataError, UnrepresentableError
from toolschool.interop.canonical import ConversationBuilder
from toolschool.interop.source import text_field
from toolschool.types import Conversation, FunctionSpec, ToolSchema

#: The sentence before the functions (Glaive v2).
WITH_FUNCTIONS = "You are a helpful assistant with access to the following functions. Use them if required -"
#: The sentence of records that offer no function (Glaive v2).
WITHOUT_FUNCTIONS = "You are a helpful assistant, with no access to external functions."
END = "<|endoftext|>"
CALL = "<functioncall>"
_TURN = re.compile(r"^(USER|ASSISTANT|FUNCTION RESPONSE):[ \t]?", re.MULTILINE)
_QUOTED_ARGS = re.compile(r'^\{\s*"name"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"arguments"\s*:\s*\'(.*)\'\s*\}$',
                          re.DOTALL)


def _functions(text: str, where: str) -> tuple[str, list[ToolSchema]]:
    """The sentence and the functions of a ``system`` field (``SYSTEM:`` already removed)."""
    start = text.find("{")
    if start < 0:
        return text.strip(), []
    decoder = json.JSONDecoder()
    tools, pos = [], start
    while pos < len(text):
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: field 'system': function {len(tools) + 1} is not JSON ({exc.msg})"
                            ) from None
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            raise DataError(f"{where}: field 'system': function {len(tools) + 1} needs a 'name' string")
        try:
            spec = FunctionSpec.model_validate(value)
        except ValueError as exc:
            raise DataError(f"{where}: field 'system': function {value['name']!r}: {exc}") from None
        tools.append(ToolSchema(function=spec))
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return text[:start].strip(), tools


def parse_call(text: str, where: str) -> tuple[str, dict[str, Any]]:
    """``(name, arguments)`` of the JSON after ``<functioncall>``, with the arguments as an object,
    a JSON string, or Glaive's single-quoted JSON.

    Raises:
        DataError: none of those spellings parses.
    """
    text = text.strip()
    name: Any = None
    arguments: Any = None
    try:
        value = json.loads(text)
        if isinstance(value, dict):
            name, arguments = value.get("name"), value.get("arguments", {})
    except json.JSONDecodeError:
        match = _QUOTED_ARGS.match(text)
        if match:
            name = json.loads(match.group(1))
            arguments = match.group(2)
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: the function call's arguments are not JSON ({exc.msg}): {text[:120]!r}"
                            ) from None
    if not isinstance(name, str) or not isinstance(arguments, dict):
        raise DataError(f"{where}: a function call must be {{\"name\": ..., \"arguments\": {{...}}}}: "
                        f"{text[:120]!r}")
    return name, arguments


def read_glaive(record: dict[str, Any], where: str) -> Conversation:
    """One Glaive v2 record (``system``, ``chat``) as a conversation; ``meta`` keeps
    ``source: "glaive"`` (and ``id`` if the record has one).

    Raises:
        DataError: a missing field, a function that is not JSON, a turn that is not
            ``USER:``/``ASSISTANT:``/``FUNCTION RESPONSE:``, or a response with no call before it
            (named with ``where`` and the turn number).
    """
    system = text_field(record, "system", where, required=False).strip()
    if system.startswith("SYSTEM:"):
        system = system[len("SYSTEM:"):]
    sentence, tools = _functions(system, where)
    chat = text_field(record, "chat", where)
    builder = ConversationBuilder(where)
    if sentence and sentence not in (WITH_FUNCTIONS, WITHOUT_FUNCTIONS):
        builder.add("system", sentence)
    parts = _TURN.split(chat)
    if parts[0].strip():
        raise DataError(f"{where}: field 'chat' must begin with USER:, ASSISTANT: or FUNCTION RESPONSE:")
    for turn, (role, body) in enumerate(zip(parts[1::2], parts[2::2], strict=True), 1):
        body = body.strip()
        if body.endswith(END):
            body = body[: -len(END)].rstrip()
        here = f"{where}: chat turn {turn}"
        if role == "USER":
            builder.add("user", body)
        elif role == "FUNCTION RESPONSE":
            builder.where = here
            builder.result(body)
        elif CALL in body:
            text, call = body.split(CALL, 1)
            builder.calls([parse_call(call, here)], content=text.strip())
        else:
            builder.add("assistant", body)
    meta: dict[str, Any] = {"source": "glaive"}
    if record.get("id") is not None:
        meta["id"] = str(record["id"])
    builder.where = where
    return builder.build(tools, meta)


def _call_text(name: str, arguments: dict[str, Any]) -> str:
    quoted = json.dumps(arguments, ensure_ascii=False)
    return f'{{"name": {json.dumps(name, ensure_ascii=False)}, "arguments": \'{quoted}\'}}'


def write_glaive(conversation: Conversation, index: int) -> dict[str, Any]:
    """The Glaive v2 record of a conversation (``id`` from ``meta`` or ``index``).

    Raises:
        UnrepresentableError: an assistant turn with more than one call, or a system message
            that is not the first message.
    """
    ident = conversation.meta.get("id", index)
    messages = list(conversation.messages)
    sentence = WITH_FUNCTIONS if conversation.tools else WITHOUT_FUNCTIONS
    if messages and messages[0].role == "system":
        sentence = messages.pop(0).content
    turns = []
    for message in messages:
        if message.role == "system":
            raise UnrepresentableError(f"conversation {ident!r}: Glaive has one system text, at the start")
        if message.role == "user":
            turns.append(f"USER: {message.content}")
        elif message.role == "tool":
            turns.append(f"FUNCTION RESPONSE: {message.content}")
        elif message.tool_calls:
            if len(message.tool_calls) > 1:
                raise UnrepresentableError(f"conversation {ident!r}: Glaive has one call per assistant turn; "
                                           f"a turn here makes {len(message.tool_calls)}")
            call = message.tool_calls[0]
            text = f"{message.content} " if message.content else ""
            turns.append(f"ASSISTANT: {text}{CALL} {_call_text(call.name, call.arguments)} {END}")
        else:
            turns.append(f"ASSISTANT: {message.content} {END}")
    functions = "\n\n".join(json.dumps(t.function.model_dump(), ensure_ascii=False, indent=4)
                            for t in conversation.tools)
    system = f"SYSTEM: {sentence}" + (f"\n{functions}" if functions else "")
    return {"id": ident, "system": system, "chat": "".join(t + "\n\n\n" for t in turns)}
