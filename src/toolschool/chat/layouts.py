"""Turn layouts of official chat templates: Llama 3, Mistral Nemo, Gemma 2/3, Gemma 4, Hermes 2 Pro.

A chat template wraps a format's pieces (declarations, calls, results; see
:mod:`toolschool.formats`) in turns. ChatML, the wrapping of Qwen (Qwen3's ``<think>`` blocks
included, as an option), is :class:`~toolschool.chat.prompt.ChatMLLayout`; Hermes 2 Pro /
Hermes 3 ``tool_use`` write ChatML with quirks of their own (:class:`HermesProLayout`). The
classes here are the wrapping of the other official templates in the workplace's
``shared/chat_templates``, quirks included (each class docstring lists them), so that a
format rendered in its layout is byte-identical to what the model's own template writes
(checked by :func:`toolschool.chat.templates.check_template`). :class:`GemmaLayout` (Gemma 2 /
Gemma 3, e.g. Gemma 3 270M) has no template file there; its docstring states the rules of
Google's Gemma 3 template that it follows.

Each layout is a :class:`~toolschool.chat.prompt.Layout`, like ``ChatMLLayout``:
``segments(messages, tools, fmt, system=None, add_generation_prompt=False)`` — the prompt as
:class:`~toolschool.chat.prompt.Segment` pieces, assistant output marked trainable — and
``render`` (the segments joined); a layout writes the segments of a
:class:`~toolschool.chat.prompt.RenderInput` (the conversation, its leading system message
taken out). ``bos`` is the begin-of-sequence token a layout writes, ``stop``/``stops`` the
strings that end a generated turn.
"""

from __future__ import annotations

from toolschool.chat.prompt import Layout, RenderInput, Segment, tool_results
from toolschool.errors import DataError
from toolschool.types import ToolCall, ToolResult


def _segment(text: str, trainable: bool = False) -> list[Segment]:
    return [Segment(text, trainable)] if text else []


class Llama3Layout(Layout):
    """Llama 3.1 / 3.2 turns (``meta-llama-Llama-3.{1,2}-*-Instruct.jinja``).

    ``<|start_header_id|>role<|end_header_id|>\\n\\nbody<|eot_id|>``, after the BOS token. The
    system turn is ``Environment: ipython\\n`` (with tools) + ``Cutting Knowledge Date:
    December 2023\\nToday Date: {date_string}\\n\\n`` + (tools in the system turn) + the trimmed
    system text; by default the tool instructions and declarations open the first user
    message instead (``tools_in_user_message``). Message contents are trimmed. An assistant
    message with calls is the calls alone (its content is dropped) ending in ``<|eot_id|>``;
    each tool message is its own ``ipython`` turn. The templates refuse more than one call in
    a turn; this layout writes them joined as the format does. With a format other than
    ``llama3_json``, the format's ``render_system`` body follows the date lines.

    Args:
        date_string: the ``Today Date`` (the 3.1 template's default; 3.2 uses today's date).
        tools_in_user_message: the template variable of that name.
        bos: the begin-of-text token written first.
    """

    name = "llama3"
    stop = "<|eot_id|>"
    #: ``<|eom_id|>`` ends a turn that called a built-in tool (``<|python_tag|>``; the 3.1 template)
    stops = ("<|eot_id|>", "<|eom_id|>")

    def __init__(
        self,
        date_string: str = "26 Jul 2024",
        tools_in_user_message: bool = True,
        bos: str = "<|begin_of_text|>",
    ) -> None:
        self.date_string = date_string
        self.tools_in_user_message = tools_in_user_message
        self.bos = bos

    def _turn(self, role: str, body: str, trainable: bool = False) -> list[Segment]:
        header = Segment(f"<|start_header_id|>{role}<|end_header_id|>\n\n")
        return [header, Segment(body + self.stop, trainable)]

    def _segments(self, job: RenderInput) -> list[Segment]:
        """Raises :class:`DataError` when tools go in the first user message but there is no
        message after the system one (the template raises too)."""
        from toolschool.formats.llama3_json import ENVIRONMENT, Llama3JsonFormat

        msgs, tools, fmt = list(job.messages), job.tools, job.fmt
        system = (job.system or "").strip()
        native = isinstance(fmt, Llama3JsonFormat)
        head = f"Cutting Knowledge Date: December 2023\nToday Date: {self.date_string}\n\n"
        if not tools:
            body = head + system
        elif not native:
            body = head + fmt.render_system(tools, system)
        elif self.tools_in_user_message:
            body = ENVIRONMENT + head + system
        else:
            body = ENVIRONMENT + head + fmt.render_instructions(tools, in_user_message=False) + system
        out = _segment(self.bos) + self._turn("system", body)
        if tools and native and self.tools_in_user_message:
            if not msgs:
                raise DataError("Llama 3 puts the tools in the first user message, and there is none")
            out += self._turn("user", fmt.render_user(tools, msgs.pop(0).content))
        for msg in msgs:
            if msg.role == "tool":
                result = ToolResult(call_id=msg.tool_call_id, name=msg.name or "", content=msg.content)
                out += self._turn(fmt.result_role, fmt.render_results([result]))
            elif msg.tool_calls:
                out += self._turn("assistant", fmt.render_calls(msg.tool_calls), True)
            else:
                out += self._turn(msg.role, msg.content.strip(), msg.role == "assistant")
        if job.add_generation_prompt:
            out.append(Segment("<|start_header_id|>assistant<|end_header_id|>\n\n"))
        return out


class MistralLayout(Layout):
    """Mistral Nemo turns (``mistralai-Mistral-Nemo-Instruct-2407.jinja``).

    BOS, then ``[INST]user[/INST]`` per user message, assistant text + EOS, calls + EOS (the
    content of a message with calls is dropped), and the results of consecutive tool
    messages concatenated. The declarations go right before the last user message (before
    every user message equal to it, as the template compares messages by value); the system
    text goes inside that ``[INST]``, as ``system\\n\\nuser``, only when that user message is
    the last message — otherwise it is not written. Contents are not trimmed. There is no
    generation prompt: the model continues after ``[/INST]`` or ``[/TOOL_RESULTS]``.

    Args:
        bos, eos: the sequence tokens (``<s>``, ``</s>``).
    """

    name = "mistral"

    def __init__(self, bos: str = "<s>", eos: str = "</s>") -> None:
        self.bos = bos
        self.eos = eos

    @property
    def stop(self) -> str:
        return self.eos

    def _segments(self, job: RenderInput) -> list[Segment]:
        """Raises :class:`DataError` for a system message after the first message (the
        template refuses it)."""
        msgs, tools, fmt, system = job.messages, job.tools, job.fmt, job.system
        users = [m for m in msgs if m.role == "user"]
        last_user = users[-1].content if users else None
        out = _segment(self.bos)
        i = 0
        while i < len(msgs):
            msg = msgs[i]
            if msg.role == "user":
                prefix = fmt.render_tools(tools) if tools and msg.content == last_user else ""
                body = msg.content
                if i == len(msgs) - 1 and system is not None:
                    body = system + "\n\n" + body
                out.append(Segment(f"{prefix}[INST]{body}[/INST]"))
            elif msg.role == "assistant":
                text = fmt.render_calls(msg.tool_calls) if msg.tool_calls else msg.content
                out.append(Segment(text + self.eos, True))
            elif msg.role == "tool":
                results, i = tool_results(msgs, i)
                out.append(Segment(fmt.render_results(results)))
                continue
            else:
                at = i + job.system_message
                raise DataError(f"message {at}: Mistral has no {msg.role!r} turn after the first message")
            i += 1
        return out


class GemmaLayout(Layout):
    """Gemma 2 / Gemma 3 turns (Gemma 3 270M, 1B…; registry name ``gemma``).

    Source: the ``chat_template`` of Google's Gemma 3 instruction-tuned tokenizers
    (``tokenizer_config.json`` of ``google/gemma-3-*-it``; Gemma 2's writes the same turns
    without a system message). No copy is in the workplace's ``shared/chat_templates`` (its
    README says so), so these are the rules that template follows, as this layout writes them:

    * the text opens with the BOS token (``{{ bos_token }}``, ``<bos>``);
    * a turn is ``<start_of_turn>{role}\\n`` + the message content, trimmed of surrounding
      whitespace (``| trim``), + ``<end_of_turn>\\n``; the assistant role is written
      ``model``;
    * there is no system turn: a leading system message becomes a prefix of the first turn,
      ``{system}\\n\\n`` before the trimmed content (the system text itself is not trimmed);
    * the generation prompt is ``<start_of_turn>model\\n``.

    What the template has no rule for, and this layout does:

    * tools: Gemma 3 has no tool role or tool tokens. The declarations are the system text,
      ``fmt.render_system(tools, system)`` (``system`` None counts as ``""``), so they
      prefix the first user turn as a system message would;
    * tool results: the results of consecutive tool messages are one ``user`` turn whose body
      is ``fmt.render_results`` (trimmed) — whatever ``fmt.result_role`` says, since a role
      other than user/model breaks the template's alternation check;
    * an assistant turn's body is ``fmt.render_assistant(content, calls)``, trimmed; it and
      the ``<end_of_turn>`` after it are trainable (not the header, not the ``\\n``);
    * the template raises unless roles alternate user/model; this layout writes the turns in
      the order given (e.g. a user message after tool results is a second user turn).

    Args:
        bos: the begin-of-sequence token written first (``<bos>``; ``""`` writes none).

    Raises (from :meth:`segments`):
        DataError: a system message after the first message, a role other than user,
            assistant or tool, or a system text (or tools) with no message to carry it.
    """

    name = "gemma"
    stop = "<end_of_turn>"

    def __init__(self, bos: str = "<bos>") -> None:
        self.bos = bos

    def _segments(self, job: RenderInput) -> list[Segment]:
        msgs, tools, fmt = job.messages, job.tools, job.fmt
        system = fmt.render_system(tools, job.system or "") if tools else job.system
        prefix = "" if system is None else system + "\n\n"
        if system and not msgs:
            raise DataError("Gemma writes the system text in the first turn, and there is none")
        out = _segment(self.bos)
        i = 0
        while i < len(msgs):
            msg, first = msgs[i], i == 0
            head = prefix if first else ""
            if msg.role == "tool":
                results, i = tool_results(msgs, i)
                body = fmt.render_results(results).strip()
                out.append(Segment(f"<start_of_turn>user\n{head}{body}<end_of_turn>\n"))
                continue
            if msg.role == "assistant":
                body = fmt.render_assistant(msg.content, msg.tool_calls).strip()
                out += [Segment(f"<start_of_turn>model\n{head}"), Segment(body + self.stop, True)]
                out.append(Segment("\n"))
            elif msg.role == "user":
                out.append(Segment(f"<start_of_turn>user\n{head}{msg.content.strip()}<end_of_turn>\n"))
            else:
                at = i + job.system_message
                raise DataError(f"message {at}: Gemma has no {msg.role!r} turn after the first message")
            i += 1
        if job.add_generation_prompt:
            out.append(Segment("<start_of_turn>model\n"))
        return out


class Gemma4Layout(Layout):
    """Gemma 4 turns, thinking off (``google-gemma-4-*.2026-07.jinja``).

    BOS; ``<|turn>system\\n`` + trimmed system text + declarations + ``<turn|>\\n`` when there
    is a system message or tools; ``<|turn>user\\n`` + trimmed text + ``<turn|>\\n``. The model
    turn holds the calls, then the results of the tool messages that follow (named after the
    call with the same id, else the message's ``name``, else ``unknown``), then the content
    without its thought channels (with ``Gemma4Format(keep_reasoning=True)`` their reasoning
    opens the turn, before the calls; see :mod:`toolschool.formats.gemma4`);
    an assistant message right after such a turn continues it. A model turn ends with
    ``<turn|>\\n`` except when its calls got no results yet (then ``<|tool_response>``), when
    the next assistant message continues it, or when it ends the conversation with results
    and no text (the model is to go on). The generation prompt is ``<|turn>model\\n`` plus,
    in the 26B/31B templates, an empty thought channel ``<|channel>thought\\n<channel|>``,
    unless the conversation ends on calls or results.

    Args:
        bos: the begin-of-sequence token (``<bos>``).
        empty_thought: write the empty thought channel (26B/31B: True; E2B/E4B: False).
    """

    name = "gemma4"
    stop = "<turn|>"
    #: a model turn that made calls ends in ``<|tool_response>`` (the results follow in it)
    stops = ("<turn|>", "<|tool_response>")

    def __init__(self, bos: str = "<bos>", empty_thought: bool = True) -> None:
        self.bos = bos
        self.empty_thought = empty_thought

    def _segments(self, job: RenderInput) -> list[Segment]:
        from toolschool.formats.gemma4 import Gemma4Format, strip_thinking

        msgs, tools, fmt, system = job.messages, job.tools, job.fmt, job.system
        native = isinstance(fmt, Gemma4Format)
        out = _segment(self.bos)
        last = None  # what the last non-tool message ended on: None | "tool" | "call" | "response"
        if tools or system is not None:
            body = fmt.render_system(tools, (system or "").strip()) if tools else (system or "").strip()
            out.append(Segment(f"<|turn>system\n{body}<turn|>\n"))
            last = "tool" if tools else None
        previous_role = None
        for i, msg in enumerate(msgs):
            if msg.role == "tool":
                continue
            role = "model" if msg.role == "assistant" else msg.role
            if not (role == "model" and previous_role == "assistant"):
                out.append(Segment(f"<|turn>{role}\n"))
            last = None
            results: list[ToolResult] = []
            if role == "model":
                if msg.tool_calls:
                    results, _ = tool_results(msgs, i + 1)
                    results = [_named(r, msg.tool_calls) for r in results]
                    last = "response" if results else "call"
                thought = fmt.render_thought(msg.content) if native else ""
                out += _segment(thought + fmt.render_calls(msg.tool_calls), True)
                out += _segment(fmt.render_results(results)) if results else []
                content = strip_thinking(msg.content) if native else fmt.render_assistant(msg.content, [])
                out += _segment(content, True)
            else:
                content = msg.content.strip()
                out += _segment(content)
            following = next((m.role for m in msgs[i + 1 :] if m.role != "tool"), None)
            if msg.tool_calls and not results:
                out.append(Segment("<|tool_response>", True))
            elif role == "model" and following == "assistant" and (not msg.tool_calls or results):
                pass
            elif not (results and not content.strip() and following is None):
                out += [Segment("<turn|>", role == "model"), Segment("\n")]
            previous_role = msg.role
        if job.add_generation_prompt and last not in ("response", "call"):
            out.append(
                Segment("<|turn>model\n" + ("<|channel>thought\n<channel|>" if self.empty_thought else ""))
            )
        return out


def _named(result: ToolResult, calls: list[ToolCall]) -> ToolResult:
    """The Gemma 4 template names a result after the call with its id, else keeps its name."""
    name = next((c.name for c in calls if c.id is not None and c.id == result.call_id), None)
    return result.model_copy(update={"name": name or result.name or "unknown"})


class HermesProLayout(Layout):
    """Hermes 2 Pro / Hermes 3 ``tool_use`` turns.

    Source: ``NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja`` (the Hermes 3 file is identical).

    ChatML turns ``<|im_start|>role\\nbody<|im_end|>\\n`` after the BOS token, with these quirks:

    * with tools, a first system turn of its own holding the format's fixed prompt and
      declarations (``fmt.render_system(tools, "")``); the conversation's system message (or
      ``system``) follows as a second system turn, untrimmed. A system message later in the
      conversation is a system turn where it stands. Without tools there is no fixed turn
      (the template cannot render that case at all: it iterates ``tools``, which is None).
    * an assistant message with calls is the calls alone (its content is dropped), as
      ``<|im_start|>assistant\\n`` + ``fmt.render_calls`` + ``<|im_end|>\\n``.
    * consecutive tool messages are one turn of role ``fmt.result_role`` (``tool`` for
      ``hermes_pro``) with the results joined by the format; the body ends with a ``"\\n"``
      before ``<|im_end|>`` unless the results end the conversation, and no ``"\\n"`` follows
      ``<|im_end|>``. A conversation that starts with a tool message gets no turn header.
    * the generation prompt is ``<|im_start|>assistant\\n``.

    Args:
        bos: the begin-of-text token written first (``<|begin_of_text|>``, the Llama 3
            tokenizer's, which the Hermes 2 Pro Llama 3 and Hermes 3 models use).
    """

    name = "hermes_pro"
    start = "<|im_start|>"
    end = "<|im_end|>"
    stop = "<|im_end|>"

    def __init__(self, bos: str = "<|begin_of_text|>") -> None:
        self.bos = bos

    def _turn(self, role: str, body: str) -> list[Segment]:
        return [Segment(f"{self.start}{role}\n{body}{self.end}\n")]

    def _segments(self, job: RenderInput) -> list[Segment]:
        msgs, tools, fmt, system = job.messages, job.tools, job.fmt, job.system
        out = _segment(self.bos)
        if tools:
            out += self._turn("system", fmt.render_system(tools, ""))
        if system is not None:
            out += self._turn("system", system)
        i = 0
        while i < len(msgs):
            msg = msgs[i]
            if msg.role == "tool":
                opens = i == 0 and not job.system_message  # the template's ``loop.previtem``
                results, i = tool_results(msgs, i)
                header = "" if opens else f"{self.start}{fmt.result_role}\n"
                tail = "" if i == len(msgs) else "\n"
                out.append(Segment(header + fmt.render_results(results) + tail + self.end))
                continue
            if msg.role == "assistant":
                body = fmt.render_calls(msg.tool_calls) if msg.tool_calls else msg.content
                out += [Segment(f"{self.start}assistant\n"), Segment(body + self.end, True), Segment("\n")]
            else:
                out += self._turn(msg.role, msg.content)
            i += 1
        if job.add_generation_prompt:
            out.append(Segment(f"{self.start}assistant\n"))
        return out
