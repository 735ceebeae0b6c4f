"""Official chat templates: which format one speaks, its turn layout, and a byte-exact check.

A chat template (Jinja) mixes two jobs: the turn wrapping (headers, end tokens, where the
system text and the tool declarations go) and the tool-call format (how declarations,
calls and results are written). toolschool keeps them apart — formats in
:mod:`toolschool.formats`, turns here and in :mod:`toolschool.chat.prompt` — and this module
puts them back together for the official templates, so their output can be compared:

* :func:`detect_template_format` — the toolschool format a template writes, from its markers;
* :func:`layout_for` — the turn layout that reproduces a format's official template
  (:mod:`toolschool.chat.layouts`: ``Llama3Layout``, ``MistralLayout``,
  ``Gemma4Layout``, ``HermesProLayout``; ChatML for Qwen, with Qwen3's ``<think>``
  blocks when the template is Qwen3's, see :func:`layout_options`);
* :func:`check_template` — renders fixed sample conversations through a template (with
  transformers' sandboxed renderer) and through toolschool, and reports per sample whether
  the text is identical, with a diff where it is not.

The layout classes are re-exported here for convenience.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from toolschool.chat.layouts import Gemma4Layout, HermesProLayout, Llama3Layout, MistralLayout
from toolschool.chat.prompt import ChatMLLayout, Layout
from toolschool.errors import ConfigError
from toolschool.types import Message, ToolCall, ToolSchema

__all__ = [
    "Gemma4Layout",
    "HermesProLayout",
    "Llama3Layout",
    "MistralLayout",
    "SampleCheck",
    "TemplateCheck",
    "check_template",
    "detect_template_format",
    "first_difference",
    "layout_for",
]

#: markers → format, most specific first (``<|tool_call>`` before ``<tool_call>``…)
_MARKERS: list[tuple[str, tuple[str, ...]]] = [
    ("gemma4", ("<|tool_call>",)),
    ("functiongemma", ("<start_function_call>",)),
    ("mistral", ("[TOOL_CALLS]",)),
    ("hermes_pro", ("You are a function calling AI model.",)),
    ("hermes", ("<tool_call>",)),
]


def detect_template_format(template_text: str) -> str | None:
    """The toolschool format a chat template writes tool calls in, or None.

    Decided by marker strings (the template's own text, not a render): ``<|tool_call>`` →
    ``gemma4``; ``<start_function_call>`` → ``functiongemma``; ``[TOOL_CALLS]`` → ``mistral``;
    Hermes 2 Pro's fixed prompt (``You are a function calling AI model.``, Hermes 2 Pro and
    Hermes 3 ``tool_use``) → ``hermes_pro``; ``<tool_call>`` → ``hermes`` (Qwen2.5, Qwen3);
    ``"parameters"`` together with ``<|python_tag|>`` or an ``ipython`` role → ``llama3_json``.
    None when none of them occur, i.e. the template has no tool-call support toolschool knows
    (SmolLM3, Gemma 3…).
    """
    for name, markers in _MARKERS:
        if any(marker in template_text for marker in markers):
            return name
    if '"parameters"' in template_text and ("<|python_tag|>" in template_text or "ipython" in template_text):
        return "llama3_json"
    return None


#: the official layout for each format with an official template; other formats: ChatML
FORMAT_LAYOUTS: dict[str, type] = {
    "llama3_json": Llama3Layout,
    "mistral": MistralLayout,
    "gemma4": Gemma4Layout,
    "hermes_pro": HermesProLayout,
}
#: tokens passed to the template so that it writes what the layout writes
_TOKENS: dict[str, dict[str, str]] = {
    "llama3_json": {"bos_token": "<|begin_of_text|>"},
    "mistral": {"bos_token": "<s>", "eos_token": "</s>"},
    "gemma4": {"bos_token": "<bos>"},
    "hermes_pro": {"bos_token": "<|begin_of_text|>"},
}
DATE_STRING = "26 Jul 2024"


# -- the byte-exact check ----------------------------------------------------------------


@dataclass(frozen=True)
class SampleCheck:
    """One sample conversation rendered both ways.

    Attributes:
        name: the sample (``first_turn``, ``one_call``, ``several_calls``, ``multi_turn``…).
        identical: the template and toolschool wrote the same text.
        diff: where they differ: the first differing character, then a unified diff
            (``template`` → ``toolschool``) of the first differing lines; ``""`` if identical.
        template_text / toolschool_text: the two renderings.
    """

    name: str
    identical: bool
    diff: str = ""
    template_text: str = ""
    toolschool_text: str = ""


@dataclass(frozen=True)
class TemplateCheck:
    """The result of :func:`check_template`.

    Attributes:
        format_name: the toolschool format compared.
        layout: the turn layout used for toolschool's side (``chatml``, ``llama3``…).
        samples: the compared samples, in order.
        skipped: samples the template refused to render (name → its error message), e.g.
            several calls in one turn for Llama 3.
    """

    format_name: str
    layout: str
    samples: list[SampleCheck]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        """Every compared sample is byte-identical (and at least one was compared)."""
        return bool(self.samples) and all(s.identical for s in self.samples)

    @property
    def differing(self) -> list[str]:
        """Names of the samples that differ."""
        return [s.name for s in self.samples if not s.identical]


@dataclass(frozen=True)
class TemplateSample:
    """A sample conversation; ``options`` are template variables (and layout arguments)."""

    name: str
    messages: list[Message]
    tools: list[ToolSchema]
    options: dict[str, Any] = field(default_factory=dict)


SAMPLE_TOOLS = [
    ToolSchema.model_validate(
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather — in °C or °F.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "city": {"type": "string", "description": 'City name, e.g. "Paris"'},
                        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                    },
                    "required": ["city"],
                },
            },
        }
    ),
    ToolSchema.model_validate({"type": "function", "function": {"name": "now", "description": "The time."}}),
]
_CALLS = [
    ToolCall(id="Kx7pQ2mZa", name="get_weather", arguments={"city": "São Paulo", "unit": "celsius"}),
    ToolCall(id="Rt5vB9nLc", name="now", arguments={}),
]
_SYSTEM = Message(role="system", content="You are a helpful assistant.")
_USER = Message(role="user", content="Weather in São Paulo, and the time?")


def _tool(call: ToolCall, content: str) -> Message:
    return Message(role="tool", tool_call_id=call.id, name=call.name, content=content)


def samples(format_name: str) -> list[TemplateSample]:
    """The fixed sample conversations :func:`check_template` renders (some per format)."""
    weather = _tool(_CALLS[0], '{"temp": 21, "sky": "clear"}')
    one_call = [_SYSTEM, _USER, Message(role="assistant", tool_calls=_CALLS[:1]), weather]
    out = [
        TemplateSample("first_turn", [_SYSTEM, _USER], SAMPLE_TOOLS),
        TemplateSample("one_call", one_call, SAMPLE_TOOLS),
        TemplateSample(
            "several_calls",
            [
                _SYSTEM,
                _USER,
                Message(role="assistant", content="Checking both.", tool_calls=_CALLS),
                weather,
                _tool(_CALLS[1], "2026-07-09T10:00:00Z"),
            ],
            SAMPLE_TOOLS,
        ),
        TemplateSample(
            "final_answer",
            [*one_call, Message(role="assistant", content="It is 21 °C and clear in São Paulo.")],
            SAMPLE_TOOLS,
        ),
        TemplateSample(
            "multi_turn",
            [
                *one_call,
                Message(role="assistant", content="It is 21 °C and clear in São Paulo."),
                Message(role="user", content="And in Oslo?"),
            ],
            SAMPLE_TOOLS,
        ),
        TemplateSample(
            "no_tools",
            [
                _SYSTEM,
                Message(role="user", content="Hi!"),
                Message(role="assistant", content="Hello! How can I help?"),
                Message(role="user", content="Tell me a joke."),
            ],
            [],
        ),
    ]
    if format_name == "llama3_json":
        options = {"tools_in_user_message": False}
        out.append(TemplateSample("tools_in_system", one_call, SAMPLE_TOOLS, options))
    return out


def hf_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Messages in the shape chat templates read (transformers' convention: arguments as dicts)."""
    out = []
    for m in messages:
        d: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            d["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in m.tool_calls
            ]
        if m.role == "tool":
            d["tool_call_id"] = m.tool_call_id
            if m.name:
                d["name"] = m.name
        out.append(d)
    return out


def render_with_template(
    template_text: str, sample: TemplateSample, format_name: str, tokens: dict[str, str] | None = None
) -> str:
    """``sample`` through ``template_text`` with transformers' sandboxed renderer.

    The template gets ``add_generation_prompt=True``, ``date_string`` :data:`DATE_STRING`, the
    special tokens ``tokens`` (default: the BOS/EOS of :func:`layout_for`'s layout; a model's
    tokenizer passes its own, as ``apply_chat_template`` does) and the sample's options.

    Raises:
        Exception: whatever the template raised (``jinja2.TemplateError`` when it refused the
            conversation, ``TypeError``… when it cannot render it).
    """
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(
        [hf_messages(sample.messages)],
        tools=[t.to_openai() for t in sample.tools] or None,
        chat_template=template_text,
        add_generation_prompt=True,
        date_string=DATE_STRING,
        **(_TOKENS.get(format_name, {}) if tokens is None else tokens),
        **sample.options,
    )
    return rendered[0]


def layout_for(format_name: str, **options: Any) -> Any:
    """The turn layout toolschool uses for ``format_name`` next to its official template.

    ``llama3_json`` → :class:`Llama3Layout`, ``mistral`` → :class:`MistralLayout`,
    ``gemma4`` → :class:`Gemma4Layout`, ``hermes_pro`` → :class:`HermesProLayout`, any
    other format → ChatML (the layout of Qwen, and the one toolschool trains formats without
    an official template in). ``options`` go to the layout.
    """
    if format_name == "llama3_json":
        return Llama3Layout(date_string=DATE_STRING, **options)
    cls = FORMAT_LAYOUTS.get(format_name, ChatMLLayout)
    return cls(**options)


def layout_options(format_name: str, template_text: str) -> dict[str, Any]:
    """Layout arguments that follow from the template's text.

    ``gemma4``: ``empty_thought`` (the 26B/31B variant writes an empty thought channel);
    ``hermes``: ``think_blocks`` for a Qwen3-style template (it computes a
    ``last_query_index`` and writes ``</think>``), which :class:`ChatMLLayout` then follows.
    """
    if format_name == "gemma4":
        return {"empty_thought": "<|channel>thought\\n<channel|>" in template_text}
    if format_name == "hermes" and "last_query_index" in template_text and "</think>" in template_text:
        return {"think_blocks": True}
    return {}


def render_with_toolschool(sample: TemplateSample, format_name: str, **options: Any) -> str:
    """``sample`` through toolschool: the format's pieces in :func:`layout_for`'s turns."""
    from toolschool.formats import get_format

    layout = layout_for(format_name, **options, **sample.options)
    return layout.render(sample.messages, sample.tools, get_format(format_name), add_generation_prompt=True)


def first_difference(expected: str, actual: str, context: int = 2, lines: int = 6) -> str:
    """A short report of where ``actual`` departs from ``expected`` (``""`` if equal).

    The first differing character (offset and a few characters of each side), then a unified
    diff of the first differing lines (split on ``"\\n"``; lines longer than 240 characters
    are cut around the difference), ``template`` → ``toolschool``.
    """
    if expected == actual:
        return ""
    at = next(
        (i for i, (a, b) in enumerate(zip(expected, actual)) if a != b), min(len(expected), len(actual))
    )
    head = (
        f"first difference at char {at}: "
        f"template {expected[at : at + 40]!r} vs toolschool {actual[at : at + 40]!r}"
    )
    a, b = expected.split("\n"), actual.split("\n")
    k = expected.count("\n", 0, at)
    column = at - (expected.rfind("\n", 0, at) + 1)

    def cut(line: str) -> str:
        if len(line) <= 240:
            return line
        start = max(0, column - 80)
        more = "…" if start + 200 < len(line) else ""
        return ("…" if start else "") + line[start : start + 200] + more

    lo, hi = max(0, k - context), k + lines
    diff = difflib.unified_diff(
        [cut(x) for x in a[lo:hi]],
        [cut(x) for x in b[lo:hi]],
        "template",
        "toolschool",
        n=context,
        lineterm="",
    )
    return head + "\n" + "\n".join(diff)


def check_template(
    template_text: str,
    format_name: str | None = None,
    layout: Layout | None = None,
    tokens: dict[str, str] | None = None,
) -> TemplateCheck:
    """Render the sample conversations through a chat template and through toolschool.

    Each sample of :func:`samples` (tools and a first turn, one call and its result, several
    calls and results, a second user turn after an answer, a conversation without tools; for
    ``llama3_json`` also the tools in the system turn) is rendered by the template with
    transformers' sandboxed renderer (:func:`render_with_template`) and by toolschool — the
    format's ``render_*`` methods in the turn layout of :func:`layout_for` (the Gemma 4 variant
    picked by :func:`layout_options`) — and the two texts are compared byte for byte. A
    sample the template refuses (Llama 3 allows one call per turn; Hermes 2 Pro's cannot
    render a conversation without tools) is listed in :attr:`TemplateCheck.skipped` instead.
    A final answer after a tool result (``final_answer``) is among the samples: Qwen3 writes
    an empty ``<think>`` block there.

    Both sides get the same inputs: ``add_generation_prompt=True``, ``date_string``
    :data:`DATE_STRING` (Llama), the layout's BOS/EOS tokens, and call ids of 9 alphanumerics
    (the Mistral template refuses others).

    Args:
        template_text: the Jinja source of the chat template.
        format_name: the toolschool format to compare with; default
            :func:`detect_template_format`.
        layout: the turn layout of toolschool's side (a model's resolved layout, as training
            uses it); default :func:`layout_for`. Samples that need layout options
            (``tools_in_system``) are then listed in ``skipped``: the given layout is fixed.
        tokens: special tokens for the template (:func:`render_with_template`).

    Returns:
        :class:`TemplateCheck` with a :class:`SampleCheck` per compared sample (``identical``,
        and a :func:`first_difference` report where not).

    Raises:
        ConfigError: no format given and none detected, or the template does not compile.
        RegistryError: ``format_name`` is not a registered format.
    """
    import jinja2

    from toolschool.formats import get_format

    name = format_name or detect_template_format(template_text)
    if name is None:
        raise ConfigError("the chat template has no tool-call markers toolschool knows; pass a format name")
    options = layout_options(name, template_text)
    fmt = get_format(name)
    checked: list[SampleCheck] = []
    skipped: dict[str, str] = {}
    for sample in samples(name):
        if layout is not None and sample.options:
            skipped[sample.name] = f"needs layout options {sorted(sample.options)}; the layout is given"
            continue
        try:
            expected = render_with_template(template_text, sample, name, tokens)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(
                f"the chat template does not compile: line {exc.lineno}: {exc.message}"
            ) from None
        except Exception as exc:  # the template refused the sample or cannot render it at all
            skipped[sample.name] = f"{type(exc).__name__}: {exc}"
            continue
        if layout is None:
            actual = render_with_toolschool(sample, name, **options)
        else:
            actual = layout.render(sample.messages, sample.tools, fmt, add_generation_prompt=True)
        checked.append(
            SampleCheck(sample.name, expected == actual, first_difference(expected, actual), expected, actual)
        )
    used = layout if layout is not None else layout_for(name, **options)
    return TemplateCheck(name, used.name, checked, skipped)
