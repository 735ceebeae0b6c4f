"""Prompt building: canonical conversations → model text, in a turn layout.

The turn layout (:class:`Layout`) owns the turn markers; the wire format
(:mod:`toolschool.formats`) owns what goes inside the turns (tool declarations in the system
turn, calls in assistant turns, results in the result turn). ChatML is here — the turn
syntax of SmolLM2, Qwen2.5/Qwen3 and Hermes: ``<|im_start|>{role}\\n{body}<|im_end|>\\n``;
the layouts of the other official templates are in :mod:`toolschool.chat.layouts`, and
:func:`toolschool.chat.resolve.resolve_layout` picks a model's own layout from its
tokenizer's chat template.

With the ``hermes`` format :class:`ChatMLLayout` renders byte-for-byte what the official
Qwen2.5 chat template renders (consecutive tool messages become one ``user`` turn of
``<tool_response>`` blocks); a test checks it against the jinja file. With
``ChatMLLayout(think_blocks=True)`` (or :class:`Qwen3Layout`) it also writes Qwen3's
``<think>`` blocks, as the Qwen3 template does (``Qwen-Qwen3-0.6B.jinja``; rule in
:meth:`ChatMLLayout.assistant_body`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from toolschool.errors import DataError
from toolschool.formats.base import ToolFormat
from toolschool.types import Message, ToolResult, ToolSchema

DEFAULT_SYSTEM = "You are a helpful assistant. Use a tool only when the request needs one."


@dataclass(frozen=True)
class Segment:
    """A piece of rendered prompt text; ``trainable`` marks assistant output (loss on it)."""

    text: str
    trainable: bool = False


@dataclass(frozen=True)
class RenderInput:
    """What a layout renders: the conversation with its leading system message taken out.

    Attributes:
        messages: the messages after the leading system message (all of them if none).
        tools: the tools offered.
        fmt: the wire format that writes declarations, calls and results.
        system: the leading system message's text, else the ``system`` argument (None: not given).
        add_generation_prompt: end with the header of the assistant turn to generate.
        system_message: the conversation began with a system message.
    """

    messages: list[Message]
    tools: list[ToolSchema]
    fmt: ToolFormat
    system: str | None
    add_generation_prompt: bool
    system_message: bool


def tool_results(messages: list[Message], start: int) -> tuple[list[ToolResult], int]:
    """The tool messages from ``start`` on, as results, and the index after them."""
    results = []
    i = start
    while i < len(messages) and messages[i].role == "tool":
        m = messages[i]
        results.append(ToolResult(call_id=m.tool_call_id, name=m.name or "", content=m.content))
        i += 1
    return results, i


class Layout(ABC):
    """A turn layout: a conversation as prompt :class:`Segment` pieces, and as one string.

    Attributes:
        name: the registry name (:data:`toolschool.chat.resolve.LAYOUTS`).
        bos: the begin-of-sequence token the layout writes at the start of the text (``""``:
            none). Prompts are tokenised with ``add_special_tokens=False``, so it is not
            doubled by the tokenizer.
        stop: the string that ends an assistant turn (generation stops there); it is part
            of the trainable output.
        note: how the layout was chosen, when :func:`~toolschool.chat.resolve.resolve_layout`
            made it (``""`` otherwise).
    """

    name = ""
    bos = ""
    stop = ""
    note = ""

    @property
    def stops(self) -> tuple[str, ...]:
        """Every string that ends a generated turn; :attr:`stop` first."""
        return (self.stop,) if self.stop else ()

    def segments(
        self,
        messages: list[Message],
        tools: list[ToolSchema],
        fmt: ToolFormat,
        system: str | None = None,
        add_generation_prompt: bool = False,
    ) -> list[Segment]:
        """Render ``messages`` (a leading system message replaces ``system``); assistant output
        is marked trainable.

        Raises:
            DataError: a message the layout cannot place (each layout says which).
        """
        msgs = list(messages)
        if msgs and msgs[0].role == "system":
            system = msgs.pop(0).content
        dropped = len(msgs) < len(messages)
        return self._segments(RenderInput(msgs, tools, fmt, system, add_generation_prompt, dropped))

    @abstractmethod
    def _segments(self, job: RenderInput) -> list[Segment]:
        """The segments of ``job`` (see :meth:`segments`)."""

    def render(
        self,
        messages: list[Message],
        tools: list[ToolSchema],
        fmt: ToolFormat,
        system: str | None = None,
        add_generation_prompt: bool = False,
    ) -> str:
        """The whole prompt as one string (see :meth:`segments`)."""
        return "".join(s.text for s in self.segments(messages, tools, fmt, system, add_generation_prompt))


class ChatMLLayout(Layout):
    """ChatML turns: ``<|im_start|>role\\nbody<|im_end|>\\n``.

    Args:
        think_blocks: write assistant turns as the Qwen3 template does, with ``<think>``
            blocks (see :meth:`assistant_body`). Off by default: the plain ChatML that
            SmolLM2 is trained and evaluated in, and Qwen2.5's template.

    The system turn is ``system``, or :data:`DEFAULT_SYSTEM` when it is not given (None).
    Tool messages that follow one another become one result turn (role ``fmt.result_role``).
    A message with another role than user, assistant or tool after the first message is a
    :class:`~toolschool.errors.DataError`.

    Attributes:
        start, end: the turn markers.
        stop: the string that ends an assistant turn (generation stops there).
    """

    name = "chatml"
    start = "<|im_start|>"
    end = "<|im_end|>"
    stop = "<|im_end|>"

    def __init__(self, think_blocks: bool = False) -> None:
        self.think_blocks = think_blocks

    def _turn(self, role: str, body: str, trainable: bool) -> list[Segment]:
        header = Segment(f"{self.start}{role}\n")
        if trainable:
            # loss on the body and the end marker (the model must learn to stop), not the header
            return [header, Segment(body + self.end, True), Segment("\n")]
        return [Segment(f"{self.start}{role}\n{body}{self.end}\n")]

    def _segments(self, job: RenderInput) -> list[Segment]:
        msgs, tools, fmt = job.messages, job.tools, job.fmt
        system = DEFAULT_SYSTEM if job.system is None else job.system
        out: list[Segment] = []
        last_query = _last_query(msgs) if self.think_blocks else -1
        out += self._turn("system", fmt.render_system(tools, system) if tools else system, False)
        i = 0
        while i < len(msgs):
            msg = msgs[i]
            if msg.role == "user":
                out += self._turn("user", msg.content, False)
            elif msg.role == "assistant":
                if self.think_blocks:
                    body = self.assistant_body(msg, fmt, i > last_query, i == len(msgs) - 1)
                else:
                    body = fmt.render_assistant(msg.content, msg.tool_calls)
                out += self._turn("assistant", body, True)
            elif msg.role == "tool":
                results, i = tool_results(msgs, i)
                out += self._turn(fmt.result_role, fmt.render_results(results), False)
                continue
            else:
                at = i + job.system_message
                raise DataError(f"message {at}: role {msg.role!r} cannot appear after the first message")
            i += 1
        if job.add_generation_prompt:
            out.append(Segment(f"{self.start}assistant\n"))
        return out

    @staticmethod
    def assistant_body(msg: Message, fmt: ToolFormat, after_last_query: bool, last: bool) -> str:
        """An assistant turn's body with Qwen3's ``<think>`` rule (``think_blocks=True``).

        Source: ``Qwen-Qwen3-0.6B.jinja``. Reasoning is the text of ``content`` before
        ``</think>`` (after ``<think>``, newlines trimmed); the content is what follows
        ``</think>`` (leading newlines dropped) — all of ``content`` when there is no
        ``</think>``. An assistant message after the last user query (the last user message
        that is not a bare ``<tool_response>…</tool_response>``) that is the last message or
        has reasoning is written ``<think>\\n{reasoning}\\n</think>\\n\\n{content}``; so the
        final answer after tool results gets an empty ``<think>\\n\\n</think>\\n\\n``. Any other
        assistant message is its content alone, its reasoning dropped. Calls follow as
        ``fmt.render_assistant`` writes them.
        """
        content, reasoning = msg.content, ""
        if "</think>" in content:
            reasoning = content.split("</think>")[0].rstrip("\n").split("<think>")[-1].lstrip("\n")
            content = content.split("</think>")[-1].lstrip("\n")
        if not (after_last_query and (last or reasoning)):
            return fmt.render_assistant(content, msg.tool_calls)
        shown = content.lstrip("\n")
        body = fmt.render_assistant(shown, msg.tool_calls)
        if msg.tool_calls and content and not shown:  # the template tests the unstripped content
            body = "\n" + body
        return "<think>\n" + reasoning.strip("\n") + "\n</think>\n\n" + body


class Qwen3Layout(ChatMLLayout):
    """ChatML with Qwen3's ``<think>`` blocks: :class:`ChatMLLayout` with ``think_blocks=True``
    by default (registry name ``qwen3``)."""

    name = "qwen3"

    def __init__(self, think_blocks: bool = True) -> None:
        super().__init__(think_blocks)


def _last_query(messages: list[Message]) -> int:
    """Qwen3's ``last_query_index``: the last user message that is not only a tool response."""
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        wrapped = m.content.startswith("<tool_response>") and m.content.endswith("</tool_response>")
        if m.role == "user" and not wrapped:
            return i
    return len(messages) - 1


def prompt_for_next_turn(
    messages: list[Message],
    tools: list[ToolSchema],
    fmt: ToolFormat,
    system: str = DEFAULT_SYSTEM,
    layout: Layout | None = None,
) -> str:
    """Prompt text that asks the model for the next assistant turn (generation prompt added).

    Args:
        messages, tools, fmt, system: as :meth:`Layout.render`.
        layout: the model's turn layout (see :func:`toolschool.chat.resolve.resolve_layout`);
            None: :class:`ChatMLLayout`.

    Raises:
        DataError: a message the layout cannot place.
    """
    layout = ChatMLLayout() if layout is None else layout
    return layout.render(messages, tools, fmt, system, add_generation_prompt=True)
