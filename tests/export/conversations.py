"""Conversations the exported templates are checked on (Jinja and Ollama), with tools of varied schemas."""

from __future__ import annotations

from toolschool.types import Message, ToolCall, ToolSchema


def _tool(name: str, description: str, parameters: dict | None = None) -> ToolSchema:
    function = {"name": name, "description": description}
    if parameters is not None:
        function["parameters"] = parameters
    return ToolSchema.model_validate({"type": "function", "function": function})


#: properties in sorted order with keys in the order Ollama writes them (type, enum, items,
#: description): what an Ollama template can reproduce byte for byte
PLAIN_TOOLS = [
    _tool(
        "get_weather",
        "Current weather — in °C or °F.",
        {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": 'City name, e.g. "Paris" & <Lyon>'},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    ),
    _tool(
        "search",
        "Search the web.",
        {
            "type": "object",
            "properties": {
                "count": {"type": "integer", "description": "How many results"},
                "fresh": {"type": "boolean"},
                "query": {"type": "string", "description": "The query"},
                "sites": {"type": "array", "items": {"type": "string"}, "description": "Only these sites"},
                "sort": {"type": "array", "items": {"enum": ["date", "rank"], "type": "string"}},
                "when": {"type": ["string", "null"], "description": "ISO date"},
            },
            "required": ["query", "count"],
        },
    ),
    _tool("now", "The time."),
]

#: schema features only the Jinja template reproduces (see toolschool.export.ollama for why)
RICH_TOOLS = [
    *PLAIN_TOOLS,
    _tool(
        "book",
        "Book a table.\n\nTwo   lines, odd   spacing.",
        {
            "type": "object",
            "properties": {
                "when": {"type": "string", "description": "Date,\n  ISO 8601", "default": "today"},
                "guest": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                    "required": ["name"],
                },
                "seats": {"anyOf": [{"type": "integer"}, {"type": "string"}], "default": 2},
                "kind": {"const": "dinner"},
                "note": {"type": "string", "nullable": True},
                "tags": {"type": "array", "items": {"type": ["string", "integer"]}},
                "free": {},
            },
            "required": ["when", "guest"],
        },
    ),
]


#: properties not in sorted order, as the assistant toolkit's datetime and unit_converter declare them
UNSORTED_TOOLS = [
    _tool(
        "unit_converter",
        "Convert a value between units.",
        {
            "type": "object",
            "properties": {"value": {"type": "number"}, "from": {"type": "string"}, "to": {"type": "string"}},
            "required": ["value", "from", "to"],
        },
    ),
    _tool(
        "datetime",
        "Dates.",
        {
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": ["now", "diff"]},
                "timezone": {"type": "string", "description": "IANA timezone"},
                "date": {"type": "string", "description": "ISO date"},
                "days": {"type": "integer"},
            },
            "required": ["action"],
        },
    ),
]


def _calls() -> list[ToolCall]:
    return [
        ToolCall(id="call_1", name="get_weather", arguments={"city": "São Paulo", "unit": "celsius"}),
        ToolCall(
            id="call_2",
            name="search",
            arguments={
                "count": 3, "query": 'tea "green" <b>&</b>', "sites": ["a.org", "b.net"], "x": {"k": [1, 2.5]}
            },
        ),
        ToolCall(id="call_3", name="now", arguments={}),
    ]


def conversations() -> dict[str, tuple[list[Message], list[ToolSchema]]]:
    """Named conversations: (messages, tools). Tool messages carry the name of their call."""
    calls = _calls()
    user = Message(role="user", content="Weather in São Paulo, some tea links, and the time?")
    assistant = Message(role="assistant", content="Checking all three.", tool_calls=calls)
    results = [
        Message(role="tool", tool_call_id="call_1", name="get_weather", content='{"temp": 21, "sky": "c"}'),
        Message(role="tool", tool_call_id="call_2", name="search", content="1. a.org/tea\n2. b.net/tea"),
        Message(role="tool", tool_call_id="call_3", name="now", content="2026-07-09T10:00:00Z"),
    ]
    answer = Message(role="assistant", content="It is 21 °C and clear.  ")
    system = Message(role="system", content="You are terse.")
    return {
        "first_turn": ([user], PLAIN_TOOLS),
        "with_system": ([system, user], PLAIN_TOOLS),
        "one_call": ([user, Message(role="assistant", tool_calls=calls[:1]), results[0]], PLAIN_TOOLS),
        "several_calls": ([system, user, assistant, *results], PLAIN_TOOLS),
        "answer_and_next_turn": (
            [user, assistant, *results, answer, Message(role="user", content="  And in Oslo? ")],
            PLAIN_TOOLS,
        ),
        "result_then_user": (
            [user, assistant, results[0], Message(role="user", content="thanks")], PLAIN_TOOLS
        ),
        "no_tools": (
            [Message(role="user", content="Hi!"), Message(role="assistant", content="Hello."),
             Message(role="user", content="A joke?")],
            [],
        ),
        "no_tools_with_system": ([system, Message(role="user", content="Hi!")], []),
        "rich_schemas": ([user], RICH_TOOLS),
    }
