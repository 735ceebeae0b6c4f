"""Grammars of tool calls: what a format may emit, as an llguidance Lark grammar.

Constrained decoding (:mod:`toolschool.constrain`) masks every token that would leave the
grammar built here, so an answer is either plain text or well-formed calls, in the model's
own wire format, of declared tools with arguments that match their schemas.

A format describes its calls with a :class:`CallSyntax` (:meth:`ToolFormat.call_syntax`):
the *opener* text that begins the calls (``TOOL_USE[``, ``<tool_call>``, ``[TOOL_CALLS][``…),
one *body* per tool (what follows the opener for one call), the separator between calls,
and whether the opener is repeated before every call (``each``: TOOL_USE, Hermes, Gemma 4…)
or opens one group that :attr:`CallSyntax.close` ends (Mistral's list, pythonic, OpenAI's
``{"tool_calls": [...]}``). :func:`build_grammar` composes the whole answer:

* ``tool_choice="auto"``: text that does not contain the opener, or text (possibly
  empty) up to the first opener followed by one or more calls. Once the model writes the
  opener it is held to a valid call; it can still decline by never writing it.
* ``"required"`` or one named tool: the answer *is* the calls (the opener is forced at once).
* ``parallel=False``: exactly one call.

After the last call the answer must end (the stop token is the only choice), except where a
format renders content after calls (Gemma 4): there, in ``auto`` mode, text without the
opener may follow.

Arguments: JSON formats use llguidance's JSON-schema compiler (``%json``) with the
separators the formats write (``", "``, ``": "``; no other whitespace), so the arguments
are schema-valid by construction (types, enums, required keys, nested objects, string
patterns/formats). An object schema that does not set ``additionalProperties`` gets
``false`` (a call has no arguments its tool does not declare). Properties come in schema
order (llguidance fixes the order, as the formats' renderers write the datagen's calls).
Formats with their own value syntax (pythonic keyword arguments, Gemma's ``<|"|>`` strings,
arguments as an escaped JSON string in OpenAI's format) get a grammar generated here from the
schema by :func:`value_grammar`: types, enums/const, required and optional keys in a fixed
order, arrays, nested objects; string ``pattern``/``format`` and numeric bounds are not
enforced there, and their strings cannot contain the characters their syntax would have to
escape (documented per style).

Special tokens: a literal that the tokenizer has as a special token (``<|tool_call>`` in
Gemma 4's tokenizer, ``[TOOL_CALLS]`` in Mistral's) must be matched as that token, not as
text; :func:`build_grammar` splits literals around the ``special`` strings it is given.

Source of the grammar idioms (lazy prose up to a trigger, ``%json``, special tokens, ``&``/``~``
in terminals): llguidance's ``docs/syntax.md`` and ``docs/toolcalls.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from toolschool.types import ToolSchema


class GrammarError(ValueError):
    """A tool schema that cannot be turned into a grammar (says which tool and where)."""


def lark_literal(text: str) -> str:
    """``text`` as a Lark string literal (JSON escapes, which llguidance's Lark reads)."""
    return json.dumps(text, ensure_ascii=False)


def regex_escape(text: str) -> str:
    """``text`` escaped for use inside a Lark ``/…/`` regex."""
    return re.escape(text).replace("/", "\\/")


@dataclass(frozen=True)
class CallSyntax:
    """How a format writes tool calls (see the module docstring).

    Attributes:
        opener: text that begins the calls; in ``auto`` mode prose may come before it.
        bodies: tool name → Lark expression of what follows the opener for one call of that
            tool (for ``each`` formats up to and including the call's closing text).
        separator: text between two calls.
        each: the opener is written before every call (else once, and ``close`` ends the group).
        close: Lark expression that ends the group (``each=False`` only), e.g. ``"]"``.
        rules: extra rule definitions the bodies refer to (one per line).
        content_after: text (without the opener) may follow the calls.
    """

    opener: str
    bodies: dict[str, str]
    separator: str = ""
    each: bool = True
    close: str = ""
    rules: list[str] = field(default_factory=list)
    content_after: bool = False


def literal(text: str, special: Mapping[str, int] | Iterable[str] = ()) -> str:
    """A Lark expression matching ``text``, with each occurrence of a ``special`` token string
    matched as that special token rather than as text.

    ``special`` maps special-token text to its id (written ``<[id]>``); a bare iterable of
    names writes ``<name>`` (llguidance's by-name syntax, for ``<…>``-shaped names).
    """
    specials = sorted((s for s in special if s and s in text), key=len, reverse=True)
    if not specials:
        return lark_literal(text) if text else '""'
    pattern = re.compile("|".join(re.escape(s) for s in specials))
    parts: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            parts.append(lark_literal(text[pos : m.start()]))
        token = m.group()
        if isinstance(special, Mapping):
            parts.append(f"<[{special[token]}]>")
        elif token.startswith("<") and token.endswith(">"):
            parts.append(token)
        else:
            raise GrammarError(f"special token {token!r} needs its id (pass special as a mapping)")
        pos = m.end()
    if pos < len(text):
        parts.append(lark_literal(text[pos:]))
    return " ".join(parts)


def _plain_terminal(opener: str, special: Iterable[str]) -> str:
    """A terminal for text that does not contain the opener (any text if the opener is a
    special token, which text cannot produce)."""
    if opener in set(special):
        return "/(?s:.*)/"
    return f"/(?s:.*)/ & ~/(?s:.*){regex_escape(opener)}(?s:.*)/"


def json_arguments(schema: dict[str, Any], tool: str) -> str:
    """``%json {…}`` for a tool's arguments, compact with ``", "``/``": "`` separators.

    Raises:
        GrammarError: ``schema`` is not a JSON object schema.
    """
    if not isinstance(schema, dict):
        raise GrammarError(
            f"tool {tool!r}: parameters must be a JSON Schema object, got {type(schema).__name__}"
        )
    closed = close_objects(schema)
    closed = {
        **closed,
        "x-guidance": {
            "whitespace_flexible": False,
            "item_separator": ", ",
            "key_separator": ": ",
            "lenient": True,
        },
    }
    return "%json " + json.dumps(closed, ensure_ascii=False)


def close_objects(schema: Any) -> Any:
    """A copy of ``schema`` where every object schema with ``properties`` and no
    ``additionalProperties`` gets ``additionalProperties: false``; ``type: object`` is added
    to a schema that has ``properties`` and no type."""
    if isinstance(schema, list):
        return [close_objects(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        k: close_objects(v) if k not in ("properties", "enum", "const", "default", "examples") else v
        for k, v in schema.items()
    }
    if "properties" in schema and isinstance(schema["properties"], dict):
        out["properties"] = {k: close_objects(v) for k, v in schema["properties"].items()}
        out.setdefault("additionalProperties", False)
        out.setdefault("type", "object")
    return out


def build_grammar(
    syntax: CallSyntax,
    tool_choice: str = "auto",
    parallel: bool = True,
    special: Iterable[str] = (),
) -> str:
    """The Lark grammar of a whole answer (see the module docstring).

    Args:
        syntax: the format's calls, for the tools on offer (already narrowed to one tool
            for a named ``tool_choice``).
        tool_choice: ``"auto"`` (text or calls) or ``"required"`` (calls only; also used for a
            named tool). ``"none"`` has no grammar: the caller renders no tools.
        parallel: more than one call allowed.
        special: the tokenizer's special-token strings, best as a mapping to their ids
            (see :func:`literal`).

    Raises:
        GrammarError: no tools, or an unknown ``tool_choice``.
    """
    if not syntax.bodies:
        raise GrammarError("a tool-call grammar needs at least one tool")
    if tool_choice not in ("auto", "required"):
        raise GrammarError(f'tool_choice must be "auto" or "required" here, got {tool_choice!r}')
    special = special if isinstance(special, Mapping) else tuple(special)
    opener = literal(syntax.opener, special)
    names = list(syntax.bodies)
    lines = [f"call_{i}: {syntax.bodies[name]}" for i, name in enumerate(names)]
    lines.append("one_call: " + " | ".join(f"call_{i}" for i in range(len(names))))
    sep = literal(syntax.separator, special) if syntax.separator else ""
    again = " ".join(p for p in (sep, opener if syntax.each else "", "one_call") if p)
    repeat = f" ({again})*" if parallel else ""
    close = f" {syntax.close}" if not syntax.each and syntax.close else ""
    lines.append(f"calls_tail: one_call{repeat}{close}")
    plain = _plain_terminal(syntax.opener, special)
    lines.append(f"PLAIN: {plain}")
    after = " PLAIN" if syntax.content_after and tool_choice == "auto" else ""
    if tool_choice == "required":
        lines.insert(0, f"start: {opener} calls_tail{after}")
    else:
        if syntax.opener in special:
            head = f"prose_head: PLAIN {opener}"
        else:
            head = f"prose_head[lazy]: /(?s:.*){regex_escape(syntax.opener)}/"
        lines.insert(0, f"start: PLAIN | prose_head calls_tail{after}")
        lines.append(head)
    lines.extend(syntax.rules)
    return "\n".join(lines) + "\n"


# -- value grammars for formats whose argument syntax is not JSON ------------------------------


@dataclass(frozen=True)
class ValueStyle:
    """How a non-JSON argument syntax writes values (for :func:`value_grammar`).

    Attributes:
        string: Lark expression of a string value (may name a rule of ``rules``).
        top_key: key name → the text before a top-level argument's value (``city=``).
        key: key name → the text before a nested object member's value.
        render: a constant (enum/const member) as text.
        map_key: Lark expression of a member key of an object without declared properties.
        member_sep: text between members of an object; item_sep: between array items.
        true, false, null: the literals.
        open, close: a nested object's brackets; top_open, top_close: the arguments' own.
        order: the order members are written in (default: schema order).
        rules: rule definitions ``string`` or ``map_key`` refer to.
    """

    string: str
    top_key: Callable[[str], str]
    key: Callable[[str], str]
    render: Callable[[Any], str]
    map_key: str
    member_sep: str = ","
    item_sep: str = ","
    true: str = "true"
    false: str = "false"
    null: str = "null"
    open: str = "{"
    close: str = "}"
    top_open: str = "{"
    top_close: str = "}"
    order: Callable[[Sequence[str]], list[str]] = lambda names: list(names)
    rules: tuple[str, ...] = ()


PY_STRING = r'/"([^"\\\x00-\x1f]|\\["\\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/'


def pythonic_style() -> ValueStyle:
    """Python keyword arguments with literal values (:mod:`toolschool.formats.python_values`):
    strings double-quoted with JSON escapes, ``True``/``False``/``None``, keys ``name=`` at the
    top level and ``"name": `` inside dicts, members and items joined by ``", "``."""
    from toolschool.formats.python_values import render_value

    return ValueStyle(
        string=PY_STRING, top_key=lambda k: f"{k}=", key=lambda k: json.dumps(k, ensure_ascii=False) + ": ",
        render=render_value, map_key=f'{PY_STRING} ": "', member_sep=", ", item_sep=", ",
        true="True", false="False", null="None", top_open="", top_close="",
    )


def gemma_style(quote: str, special: Iterable[str] = (), prefix: str = "gq") -> ValueStyle:
    """Gemma's argument syntax (:mod:`toolschool.formats.gemma_values`): strings between two
    ``quote`` delimiters with no escapes (so a string cannot contain the delimiter), bare
    ``key:`` in sorted order (Jinja ``dictsort``), members and items joined by ``","``."""
    from toolschool.formats.gemma_values import dictsort, render_value

    q = literal(quote, special)
    if quote in set(special):
        string, rules = f"{q} /(?s:.*)/ {q}", ()
    else:  # lazy: the string ends at the first closing delimiter
        string, rules = f"{q} {prefix}_str", (f"{prefix}_str[lazy]: /(?s:.*){regex_escape(quote)}/",)
    return ValueStyle(
        string=string, top_key=lambda k: f"{k}:", key=lambda k: f"{k}:",
        render=lambda v: render_value(v, escape_keys=False, quote=quote),
        map_key=r'/[A-Za-z_][A-Za-z0-9_]*/ ":"', rules=rules,
        order=lambda names: [k for k, _ in dictsort({n: None for n in names})],
    )


ESCAPED_CHARS = r'/[^"\\\x00-\x1f]*/'


def escaped_json_style() -> ValueStyle:
    """JSON arguments written inside a JSON string (OpenAI's ``"arguments": "{\\"city\\": …}"``):
    quotes escaped as ``\\"``; a string value cannot contain ``"``, ``\\`` or control
    characters (each would need a double escape)."""
    from toolschool.formats.json_object import tojson

    quote = lark_literal('\\"')
    string = f"{quote} {ESCAPED_CHARS} {quote}"
    return ValueStyle(
        string=string, top_key=lambda k: f'\\"{k}\\": ', key=lambda k: f'\\"{k}\\": ',
        render=lambda v: json.dumps(tojson(v), ensure_ascii=False)[1:-1],
        map_key=f"{string} {lark_literal(': ')}", member_sep=", ", item_sep=", ",
    )


INTEGER = r"/-?(0|[1-9][0-9]*)/"
NUMBER = r"/-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/"


class _ValueRules:
    """Generates Lark rules for values of a JSON Schema in a :class:`ValueStyle`."""

    def __init__(self, style: ValueStyle, prefix: str, special: Iterable[str]):
        self.style, self.prefix = style, prefix
        self.special = special if isinstance(special, Mapping) else tuple(special)
        self.rules: list[str] = []
        self.count = 0
        self.any_rule: str | None = None

    def lit(self, text: str) -> str:
        return literal(text, self.special)

    def new(self, body: str) -> str:
        name = f"{self.prefix}_{self.count}"
        self.count += 1
        self.rules.append(f"{name}: {body}")
        return name

    def any_value(self) -> str:
        if self.any_rule is None:
            s = self.style
            name = f"{self.prefix}_any"
            self.any_rule = name
            item_sep = self.lit(s.item_sep)
            member_sep = self.lit(s.member_sep)
            scalars = f"{s.string} | {NUMBER} | {self.lit(s.true)} | {self.lit(s.false)} | {self.lit(s.null)}"
            array = f"{self.lit('[')} ({name} ({item_sep} {name})*)? {self.lit(']')}"
            members = f"({s.map_key} {name} ({member_sep} {s.map_key} {name})*)?"
            obj = f"{self.lit(s.open)} {members} {self.lit(s.close)}"
            self.rules.append(f"{name}: {scalars} | {array} | {obj}")
        return self.any_rule

    def value(self, schema: Any, where: str) -> str:
        s = self.style
        if schema is True or schema == {} or schema is None:
            return self.any_value()
        if not isinstance(schema, dict):
            raise GrammarError(f"{where}: a schema must be an object, got {schema!r}")
        if "const" in schema:
            return self.lit(s.render(schema["const"]))
        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list) or not values:
                raise GrammarError(f"{where}: enum must be a non-empty list")
            return self.new(" | ".join(self.lit(s.render(v)) for v in values))
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self.value(sub, f"{where}.{key}[{i}]") for i, sub in enumerate(schema[key])]
                return self.new(" | ".join(options))
        kind = schema.get("type")
        if isinstance(kind, list):
            options = [self.value({**schema, "type": k}, where) for k in kind]
            return self.new(" | ".join(options))
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else None
        if kind == "string":
            return s.string
        if kind == "integer":
            return INTEGER
        if kind == "number":
            return NUMBER
        if kind == "boolean":
            return self.new(f"{self.lit(s.true)} | {self.lit(s.false)}")
        if kind == "null":
            return self.lit(s.null)
        if kind == "array":
            item = self.value(schema.get("items", {}), f"{where}.items")
            sep = self.lit(s.item_sep)
            return self.new(f"{self.lit('[')} ({item} ({sep} {item})*)? {self.lit(']')}")
        if kind == "object":
            return self.obj(schema, where, s.open, s.close)
        if kind is None:
            return self.any_value()
        raise GrammarError(f"{where}: unknown type {kind!r}")

    def obj(self, schema: dict[str, Any], where: str, open_: str, close: str, top: bool = False) -> str:
        """An object: declared members in order, required ones present, optional ones skippable."""
        s = self.style
        props = schema.get("properties") or {}
        if not isinstance(props, dict):
            raise GrammarError(f"{where}: properties must be an object")
        wrap = (self.lit(open_) + " " if open_ else "", " " + self.lit(close) if close else "")
        if not props:
            if schema.get("additionalProperties") is False:
                return self.new(f"{wrap[0]}{wrap[1]}".strip() or '""')
            any_ = self.any_value()
            sep = self.lit(s.member_sep)
            body = f"({s.map_key} {any_} ({sep} {s.map_key} {any_})*)?"
            return self.new(f"{wrap[0]}{body}{wrap[1]}")
        required = set(schema.get("required") or [])
        names = s.order(list(props))
        key = s.top_key if top else s.key
        members = [f"{self.lit(key(n))} {self.value(props[n], f'{where}.{n}')}" for n in names]
        sep = self.lit(s.member_sep)
        # tail_k: members k.. after at least one member was written; first_k: none written yet
        tail = ""
        first = ""
        for k in range(len(names) - 1, -1, -1):
            member = members[k]
            if names[k] in required:
                new_tail = f"{sep} {member} {tail}".strip()
                new_first = f"{member} {tail}".strip()
            else:
                new_tail = f"({sep} {member})? {tail}".strip()
                alt = f"{member} {tail}".strip()
                new_first = f"{alt} | {first}" if first else f"({alt})?"
            tail = self.new(new_tail) if new_tail else ""
            first = self.new(new_first) if new_first else ""
        body = first or '""'
        return self.new(f"{wrap[0]}{body}{wrap[1]}".strip())


def value_grammar(
    schema: dict[str, Any], style: ValueStyle, prefix: str, tool: str, special: Iterable[str] = ()
) -> tuple[str, list[str]]:
    """A tool's arguments in a non-JSON syntax: (Lark expression, rule definitions).

    ``schema`` is the tool's parameters (an object schema); the expression matches the
    arguments written with ``style.top_open``/``top_close`` around the members.

    Raises:
        GrammarError: a schema this generator cannot read (names the tool and the path).
    """
    if not isinstance(schema, dict):
        raise GrammarError(f"tool {tool!r}: parameters must be a JSON Schema object")
    rules = _ValueRules(style, prefix, special)
    expr = rules.obj(schema, f"tool {tool!r} parameters", style.top_open, style.top_close, top=True)
    return expr, list(style.rules) + rules.rules


def name_of(tools: Sequence[ToolSchema]) -> list[str]:
    """Tool names in order (unique).

    Raises:
        GrammarError: two tools share a name.
    """
    names = [t.name for t in tools]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise GrammarError(f"tool names must be unique for a grammar: {sorted(dup)}")
    return names


def _syntax(
    tools: Sequence[ToolSchema],
    body: Callable[[str], tuple[str, str]],
    arguments: Callable[[int, ToolSchema], tuple[str, list[str]]],
    opener: str,
    separator: str,
    special: Iterable[str],
    each: bool,
    close: str,
    content_after: bool = False,
) -> CallSyntax:
    """The :class:`CallSyntax` whose body for tool ``i`` is ``before arguments(i) after``."""
    bodies: dict[str, str] = {}
    rules: dict[str, None] = {}  # ordered, without repeats (a style's shared rules)
    for i, tool in enumerate(tools):
        before, after = body(tool.name)
        expr, extra = arguments(i, tool)
        rules.update(dict.fromkeys(extra))
        parts = [literal(before, special) if before else "", expr, literal(after, special) if after else ""]
        bodies[tool.name] = " ".join(p for p in parts if p)
    closing = literal(close, special) if close else ""
    return CallSyntax(opener, bodies, separator, each, closing, list(rules), content_after)


def json_syntax(
    tools: Sequence[ToolSchema],
    body: Callable[[str], tuple[str, str]],
    opener: str,
    separator: str,
    special: Iterable[str] = (),
    each: bool = True,
    close: str = "",
) -> CallSyntax:
    """A :class:`CallSyntax` for a format whose arguments are a JSON object.

    ``body(name)`` gives the text before and after the arguments of one call of ``name``
    (after the opener); the arguments are :func:`json_arguments` of the tool's schema.
    """

    def arguments(i: int, tool: ToolSchema) -> tuple[str, list[str]]:
        return f"args_{i}", [f"args_{i}: {json_arguments(tool.function.parameters, tool.name)}"]

    return _syntax(tools, body, arguments, opener, separator, special, each, close)


def styled_syntax(
    tools: Sequence[ToolSchema],
    style: ValueStyle,
    body: Callable[[str], tuple[str, str]],
    opener: str,
    separator: str,
    special: Iterable[str] = (),
    each: bool = True,
    close: str = "",
    content_after: bool = False,
) -> CallSyntax:
    """A :class:`CallSyntax` for a format with its own value syntax (``style``, see
    :func:`value_grammar`); ``body`` as in :func:`json_syntax`."""

    def arguments(i: int, tool: ToolSchema) -> tuple[str, list[str]]:
        return value_grammar(tool.function.parameters, style, f"v{i}", tool.name, special)

    return _syntax(tools, body, arguments, opener, separator, special, each, close, content_after)
