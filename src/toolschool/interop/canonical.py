"""Building canonical conversations from formats that number nothing, and comparing them.

Most published formats give calls without ids and results without the call they answer
(Glaive's ``FUNCTION RESPONSE:``, ShareGPT's ``observation``): a result answers the oldest
call not yet answered. :class:`ConversationBuilder` applies that rule and numbers calls
``call_0``, ``call_1``… in order; :func:`canonical_ids` renumbers any conversation the same
way, so a round trip through an id-less format compares equal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from toolschool.errors import DataError, UnrepresentableError
from toolschool.eval.items import EvalItem
from toolschool.interop.source import iter_source
from toolschool.types import Conversation, Message, ToolCall, ToolSchema


class ConversationBuilder:
    """Appends messages in order, giving calls ids and results the call they answer.

    Args:
        where: the record's location, for error messages.
    """

    def __init__(self, where: str):
        self.where = where
        self.messages: list[Message] = []
        self._pending: list[ToolCall] = []
        self._count = 0

    def add(self, role: str, content: str) -> None:
        """A ``system``, ``user`` or plain ``assistant`` message."""
        self.messages.append(Message(role=role, content=content))

    def calls(self, calls: list[tuple[str, dict[str, Any]]], content: str = "") -> None:
        """An assistant turn with ``calls`` (``(name, arguments)``), numbered in order."""
        made = []
        for name, arguments in calls:
            made.append(ToolCall(id=f"call_{self._count}", name=name, arguments=arguments))
            self._count += 1
        self._pending.extend(made)
        self.messages.append(Message(role="assistant", content=content, tool_calls=made))

    def result(self, content: str) -> None:
        """A tool result: it answers the oldest unanswered call.

        Raises:
            DataError: no call is waiting for a result.
        """
        if not self._pending:
            raise DataError(f"{self.where}: a tool result with no call before it to answer")
        call = self._pending.pop(0)
        self.messages.append(Message(role="tool", content=content, tool_call_id=call.id, name=call.name))

    @property
    def unanswered(self) -> int:
        """Calls made that no result has answered yet."""
        return len(self._pending)

    def build(self, tools: list[ToolSchema], meta: dict[str, Any]) -> Conversation:
        """The conversation.

        Raises:
            DataError: it has no message.
        """
        if not self.messages:
            raise DataError(f"{self.where}: the conversation has no messages")
        return Conversation(messages=self.messages, tools=tools, meta=meta)


def canonical_ids(conversation: Conversation) -> Conversation:
    """A copy with calls renumbered ``call_0``, ``call_1``… in order and each tool message pointing
    at its call's new id (a tool message without an id answers the oldest unanswered call), so
    that conversations differing only in id spelling compare equal."""
    renamed: dict[str, str] = {}
    pending: list[str] = []
    messages = []
    count = 0
    for message in conversation.messages:
        message = message.model_copy(deep=True)
        for call in message.tool_calls:
            new = f"call_{count}"
            count += 1
            if call.id is not None:
                renamed[call.id] = new
            call.id = new
            pending.append(new)
        if message.role == "tool":
            if message.tool_call_id in renamed:
                message.tool_call_id = renamed[message.tool_call_id]
            elif pending:
                message.tool_call_id = pending[0]
            if message.tool_call_id in pending:
                pending.remove(message.tool_call_id)
        messages.append(message)
    return conversation.model_copy(update={"messages": messages})


def exact_expected(call: ToolCall) -> dict[str, Any]:
    """An eval item's ``expected`` entry that accepts exactly the call's values."""
    return {"name": call.name, "arguments": {key: [value] for key, value in call.arguments.items()}}


def conversation_to_item(conversation: Conversation, fallback_id: str) -> dict[str, Any]:
    """An eval item (``toolschool.eval.items`` shape) from a conversation: the messages before
    its first assistant turn, and that turn's calls, each argument accepting its one value
    (``expected: []`` when the turn calls nothing).

    Args:
        fallback_id: the item id when ``meta`` has no ``id``.

    Raises:
        UnrepresentableError: the conversation has no assistant turn, or one before any user
            message.
    """
    meta = conversation.meta
    item_id = str(meta.get("id", fallback_id))
    index = next((i for i, m in enumerate(conversation.messages) if m.role == "assistant"), None)
    if index is None:
        raise UnrepresentableError(f"conversation {item_id!r}: no assistant turn to take as the answer")
    if not any(m.role == "user" for m in conversation.messages[:index]):
        raise UnrepresentableError(f"conversation {item_id!r}: an assistant turn comes before any user turn")
    item: dict[str, Any] = {
        "id": item_id,
        "messages": [m.model_dump(exclude_none=True) for m in conversation.messages[:index]],
        "tools": [t.to_openai() for t in conversation.tools],
        "expected": [exact_expected(c) for c in conversation.messages[index].tool_calls],
    }
    if "family" in meta:  # the category is inferred from the item itself (a chain's first turn is single)
        item["family"] = meta["family"]
    return item


def first_choice(options: list[Any]) -> tuple[bool, Any]:
    """``(present, value)``: the first acceptable value of an eval item's argument, made concrete
    — BFCL dict values (each key mapping to its own acceptable values) resolved key by key;
    ``present`` is False when the first choice is ``""`` (leave the argument out)."""
    if not options or options[0] == "":
        return False, None
    return True, _concrete(options[0])


def _concrete(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, options in value.items():
            present, choice = first_choice(options if isinstance(options, list) else [options])
            if present:
                out[key] = choice
        return out
    if isinstance(value, list):
        return [_concrete(v) if isinstance(v, dict) else v for v in value]
    return value


def item_to_conversation(record: dict[str, Any], where: str) -> Conversation:
    """A training conversation from an eval item (a JSON record): its messages, then an assistant
    turn making the expected calls with the :func:`first_choice` of every argument (an empty
    assistant turn when no call is expected: an item holds no answer text). ``meta`` keeps
    ``id``, ``category`` and the item's ``family``/``source`` when it has them.

    Raises:
        DataError: the record is not a valid eval item (``where`` and the field named).
    """
    try:
        item = EvalItem.model_validate(record)
    except ValueError as exc:
        raise DataError(f"{where}: not a valid eval item: {exc}") from None
    messages = [m.model_copy(deep=True) for m in item.messages]
    count = sum(len(m.tool_calls) for m in messages)
    calls = []
    for k, call in enumerate(item.expected):
        arguments = {}
        for key, options in call.arguments.items():
            present, value = first_choice(options)
            if present:
                arguments[key] = value
        calls.append(ToolCall(id=f"call_{count + k}", name=call.name, arguments=arguments))
    messages.append(Message(role="assistant", tool_calls=calls))
    meta: dict[str, Any] = {"id": item.id, "category": item.category}
    for key in ("family", "source"):
        if isinstance(record.get(key), str):
            meta[key] = record[key]
    return Conversation(messages=messages, tools=item.tools or [], meta=meta)


@dataclass
class Record:
    """One line of a canonical JSONL file — a conversation or an eval item — with what the data
    tools (dedup, split, masking) look at.

    Attributes:
        where: ``file:line``.
        raw: the line as read (written back unchanged unless a tool changes it).
        conversation: the parsed conversation (None for an eval item).
        request: the user messages' text, joined by newlines (what near-duplicates compare).
        tool_names: the tools offered.
        call_turns: the names called in each assistant turn, in order (an item's ``expected``
            is its last turn); ``[]`` for a turn without calls.
        family: ``meta.family`` of a conversation, ``family`` of an item (None when absent).
    """

    where: str
    raw: dict[str, Any]
    conversation: Conversation | None
    request: str
    tool_names: list[str]
    call_turns: list[list[str]]
    family: str | None

    @property
    def calls(self) -> list[str]:
        """Every called name, in order."""
        return [name for turn in self.call_turns for name in turn]


def _record(where: str, raw: dict[str, Any]) -> Record:
    try:
        if "expected" in raw:
            item = EvalItem.model_validate(raw)
            messages, tools, conversation = item.messages, item.tools or [], None
            turns = [[c.name for c in m.tool_calls] for m in messages if m.role == "assistant"]
            turns.append(item.expected_names)
            family = raw.get("family")
        else:
            conversation = Conversation.model_validate(raw)
            messages, tools = conversation.messages, conversation.tools
            turns = [[c.name for c in m.tool_calls] for m in messages if m.role == "assistant"]
            family = conversation.meta.get("family")
    except ValueError as exc:
        raise DataError(f"{where}: not a conversation or eval item: {exc}") from None
    request = "\n".join(m.content for m in messages if m.role == "user")
    return Record(where, raw, conversation, request, [t.name for t in tools], turns,
                  family if isinstance(family, str) else None)


def load_canonical(path: str | os.PathLike[str]) -> list[Record]:
    """Every line of a canonical JSONL file — conversations (``messages``, ``tools``, ``meta``) or
    eval items (lines with ``expected``) — as :class:`Record`.

    Raises:
        DataError: unreadable file, invalid JSON, or a line that is neither (file, line and
            field named).
    """
    return [_record(where, raw) for where, raw in iter_source(path)]
