"""ShareGPT conversations with tools, as LLaMA-Factory reads them (``data/README.md``, format
``sharegpt``; its demo file ``data/glaive_toolcall_en_demo.json``) ⇄ canonical.

::

    {"conversations": [
        {"from": "human", "value": "What is the area of a 5 by 3 rectangle?"},
        {"from": "function_call",
         "value": "{\\"name\\": \\"calculate_area\\", \\"arguments\\": {\\"shape\\": ...}}"},
        {"from": "observation", "value": "{\\"area\\": 15}"},
        {"from": "gpt", "value": "The area is 15 square units."}],
     "system": "optional system prompt",
     "tools": "[{\\"name\\": \\"calculate_area\\", \\"description\\": ..., \\"parameters\\": {JSON Schema}}]"}

* Roles alternate: ``human`` or ``observation`` at even positions, ``gpt`` or ``function_call``
  at odd ones, ending on the assistant side (LLaMA-Factory's ``SharegptDatasetConverter``
  drops other records as broken); a leading ``system`` turn is read as the system prompt.
* ``function_call`` is one JSON call ``{name, arguments}``, or a JSON list of them for parallel
  calls (LLaMA-Factory's function formatter takes both). ``tools`` is a JSON string of function
  objects (not wrapped in ``{"type": "function"}``).
* The results of a turn with several calls are one ``observation``; toolschool writes them as a
  JSON list of the result strings, and reads a list of that length back the same way (any
  other value is one result for the first call).
"""

from __future__ import annotations

import json
from typing import Any

from toolschool.errors import DataError, UnrepresentableError
from toolschool.interop.canonical import ConversationBuilder
from toolschool.interop.source import json_field, text_field
from toolschool.types import Conversation, FunctionSpec, Message, ToolSchema

_USER_SIDE = ("human", "observation")
_ASSISTANT_SIDE = ("gpt", "function_call")


def _calls(value: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: function_call value is not JSON ({exc.msg})") from None
    out = []
    for i, call in enumerate(data if isinstance(data, list) else [data]):
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise DataError(f"{where}: function_call {i} must be {{\"name\": ..., \"arguments\": {{...}}}}")
        arguments = call.get("arguments") or {}
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: function_call {i}: arguments are not JSON ({exc.msg})") from None
        if not isinstance(arguments, dict):
            raise DataError(f"{where}: function_call {i}: arguments must be an object")
        out.append((call["name"], arguments))
    return out


def _results(value: str, count: int) -> list[str]:
    if count > 1:
        try:
            data = json.loads(value)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, list) and len(data) == count:
            return [d if isinstance(d, str) else json.dumps(d, ensure_ascii=False) for d in data]
    return [value]


def _tool(raw: Any, where: str) -> ToolSchema:
    if isinstance(raw, dict) and isinstance(raw.get("function"), dict):  # OpenAI-wrapped
        raw = raw["function"]
    try:
        return ToolSchema(function=FunctionSpec.model_validate(raw))
    except ValueError as exc:
        name = raw.get("name") if isinstance(raw, dict) else None
        raise DataError(f"{where}: field 'tools': tool {name!r} is not {{name, description, parameters}}: "
                        f"{exc}") from None


def read_sharegpt(record: dict[str, Any], where: str) -> Conversation:
    """One ShareGPT/LLaMA-Factory record as a conversation; ``meta`` keeps ``source: "sharegpt"``
    (and ``id`` if the record has one).

    Raises:
        DataError: a missing ``conversations`` list, a turn without ``from``/``value``, an
            unknown role or one out of LLaMA-Factory's alternation, or bad ``function_call``
            JSON (named with ``where`` and the turn index).
    """
    turns = json_field(record, "conversations", where, list)
    tools = [_tool(t, where) for t in json_field(record, "tools", where, list, required=False)]
    builder = ConversationBuilder(where)
    system = text_field(record, "system", where, required=False)
    if turns and isinstance(turns[0], dict) and turns[0].get("from") == "system":
        system, turns = text_field(turns[0], "value", f"{where}: conversations[0]"), turns[1:]
    if system:
        builder.add("system", system)
    for i, turn in enumerate(turns):
        here = f"{where}: conversations[{i}]"
        if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
            raise DataError(f"{here}: each turn needs 'from' and a string 'value'")
        role = turn.get("from")
        side = _USER_SIDE if i % 2 == 0 else _ASSISTANT_SIDE
        if role not in side:
            known = "human, gpt, function_call, observation"
            raise DataError(f"{here}: role {role!r} where LLaMA-Factory expects {' or '.join(side)} "
                            f"(roles alternate; known roles: {known})")
        value = turn["value"]
        if role == "human":
            builder.add("user", value)
        elif role == "gpt":
            builder.add("assistant", value)
        elif role == "function_call":
            builder.calls(_calls(value, here))
        else:
            builder.where = here
            for result in _results(value, builder.unanswered):
                builder.result(result)
    meta: dict[str, Any] = {"source": "sharegpt"}
    if record.get("id") is not None:
        meta["id"] = str(record["id"])
    builder.where = where
    return builder.build(tools, meta)


def _observation(results: list[Message]) -> str:
    if len(results) == 1:
        return results[0].content
    return json.dumps([m.content for m in results], ensure_ascii=False)


def write_sharegpt(conversation: Conversation, index: int) -> dict[str, Any]:
    """The ShareGPT/LLaMA-Factory record of a conversation (``id`` from ``meta`` or ``index``).

    Raises:
        UnrepresentableError: an assistant turn with both text and calls, a system message
            after the start, or turns that break LLaMA-Factory's alternation (for example a
            conversation that ends on a user or tool turn).
    """
    ident = conversation.meta.get("id", index)
    messages = list(conversation.messages)
    record: dict[str, Any] = {"id": ident}
    if messages and messages[0].role == "system":
        record["system"] = messages.pop(0).content
    turns: list[dict[str, str]] = []
    i = 0
    while i < len(messages):
        message = messages[i]
        if message.role == "system":
            raise UnrepresentableError(f"conversation {ident!r}: ShareGPT has one system prompt, first")
        if message.role == "tool":
            results = [message]
            while i + 1 < len(messages) and messages[i + 1].role == "tool":
                i += 1
                results.append(messages[i])
            turns.append({"from": "observation", "value": _observation(results)})
        elif message.role == "user":
            turns.append({"from": "human", "value": message.content})
        elif message.tool_calls:
            if message.content.strip():
                raise UnrepresentableError(f"conversation {ident!r}: a ShareGPT function_call turn holds "
                                           "calls only; an assistant turn here has text as well")
            calls = [{"name": c.name, "arguments": c.arguments} for c in message.tool_calls]
            value = calls[0] if len(calls) == 1 else calls
            turns.append({"from": "function_call", "value": json.dumps(value, ensure_ascii=False)})
        else:
            turns.append({"from": "gpt", "value": message.content})
        i += 1
    for position, turn in enumerate(turns):
        if turn["from"] not in (_USER_SIDE if position % 2 == 0 else _ASSISTANT_SIDE):
            raise UnrepresentableError(f"conversation {ident!r}: turn {position} ({turn['from']}) breaks "
                                       "LLaMA-Factory's user/assistant alternation")
    if len(turns) % 2:
        raise UnrepresentableError(f"conversation {ident!r}: ends on a {turns[-1]['from']} turn; "
                                   "LLaMA-Factory needs the last turn on the assistant side")
    record["conversations"] = turns
    record["tools"] = json.dumps([t.function.model_dump() for t in conversation.tools], ensure_ascii=False)
    return record
