"""Tool-name masking in the manner of Hammer (Lin et al., "Hammer: Robust Function-Calling for
On-Device Language Models via Function Masking", arXiv:2410.04587; ``MadeAgents/Hammer``,
``train/data_processing.py``).

A model trained on one toolkit learns the *names* (``weather``, ``calculator``) and stops
reading the descriptions, so it misfires when a deployment names the same tools differently.
Hammer replaces, in a share of the training samples, function names (and parameter names)
with random strings and shuffles the order of the tools offered, so the only stable signal
is the description. :func:`mask_conversation` does that to a canonical conversation,
consistently: the tools declared, every call's name and argument keys, ``required``, and the
``name`` of tool-result messages all change together; ``meta["masked"]`` records the mapping.
Text (the user's words, results, answers) is left alone.

Random names are identifiers (``[a-z][a-z0-9_]{4,11}``, Hammer uses 5–15 random characters) so
that every wire format, including Python-call formats, can write them.
"""

from __future__ import annotations

import random
import string
from typing import Any

from toolschool.types import Conversation, FunctionSpec, ToolSchema

_FIRST = string.ascii_lowercase
_REST = string.ascii_lowercase + string.digits + "_"


def random_name(rng: random.Random, taken: set[str]) -> str:
    """A fresh identifier of 5–12 characters not in ``taken`` (and added to it)."""
    while True:
        name = rng.choice(_FIRST) + "".join(rng.choice(_REST) for _ in range(rng.randint(4, 11)))
        if name not in taken:
            taken.add(name)
            return name


def mask_conversation(conversation: Conversation, rng: random.Random, names: bool = True,
                      parameters: bool = False, shuffle: bool = True) -> Conversation:
    """A copy of ``conversation`` with masked tools (module docstring).

    Args:
        rng: draws the names and the order.
        names: replace function names.
        parameters: replace parameter names as well (Hammer's parameter masking).
        shuffle: shuffle the order of the tools offered.

    Returns:
        The masked copy; ``meta["masked"]`` is ``{"functions": {old: new}, "parameters":
        {tool: {old: new}}}``. Calls to a tool that is not declared keep their name.
    """
    taken = {t.name for t in conversation.tools}
    functions = {t.name: random_name(rng, taken) for t in conversation.tools} if names else {}
    params: dict[str, dict[str, str]] = {}
    tools = []
    for tool in conversation.tools:
        schema = tool.function.parameters
        renamed = {}
        if parameters:
            used = set(tool.properties)
            renamed = {p: random_name(rng, used) for p in tool.properties}
            params[tool.name] = renamed
            schema = {**schema, "properties": {renamed[k]: v for k, v in tool.properties.items()},
                      "required": [renamed.get(k, k) for k in tool.required]}
            if "required" not in tool.function.parameters:
                del schema["required"]
        spec = FunctionSpec(name=functions.get(tool.name, tool.name), description=tool.function.description,
                            parameters=schema)
        tools.append(ToolSchema(function=spec))
    if shuffle:
        rng.shuffle(tools)
    messages = []
    for message in conversation.messages:
        message = message.model_copy(deep=True)
        for call in message.tool_calls:
            renamed = params.get(call.name, {})
            call.arguments = {renamed.get(k, k): v for k, v in call.arguments.items()}
            call.name = functions.get(call.name, call.name)
        if message.role == "tool" and message.name in functions:
            message.name = functions[message.name]
        messages.append(message)
    meta: dict[str, Any] = {**conversation.meta, "masked": {"functions": functions, "parameters": params}}
    return Conversation(messages=messages, tools=tools, meta=meta)


def mask_share(conversations: list[Conversation], share: float, seed: int, names: bool = True,
               parameters: bool = False, shuffle: bool = True) -> tuple[list[Conversation], int]:
    """Mask a seeded ``share`` of ``conversations`` (those with tools); the rest are unchanged.

    Returns:
        ``(conversations, masked_count)``, in the input order.

    Raises:
        ValueError: ``share`` not in [0, 1].
    """
    if not 0 <= share <= 1:
        raise ValueError(f"mask share must be in [0, 1], got {share}")
    rng = random.Random(f"{seed}/mask")
    out, count = [], 0
    for conversation in conversations:
        if conversation.tools and rng.random() < share:
            out.append(mask_conversation(conversation, rng, names, parameters, shuffle))
            count += 1
        else:
            out.append(conversation)
    return out, count
