"""vLLM tool-call parser plugin: vLLM parses a toolschool model's answers with toolschool's parsers.

Serve an exported model (``toolschool export RUN --to safetensors``) with::

    vllm serve OUT_DIR --enable-auto-tool-choice \\
        --tool-parser-plugin toolschool.integrations.vllm_tool_parser \\
        --tool-call-parser toolschool-tool_use

(``--tool-parser-plugin`` also takes this file's path). toolschool goes into vLLM's environment
with ``pip install --no-deps /path/to/toolschool json-repair``: the parsers need only pydantic
(which vLLM has) and json-repair, and toolschool's own pins (torch 2.13 CPU, transformers) are
not vLLM's. Importing the module registers, for
every toolschool format ``F`` (:func:`toolschool.formats.format_names`), a ``ToolParser``
subclass under the names ``toolschool-F`` (lenient parsing, as ``toolschool serve`` and
``toolschool chat`` parse) and ``toolschool-F-strict``, with
``ToolParserManager.register_module(name=..., module=...)``. The exported chat template writes
the prompt, this parser reads the answer, both in the trained format.

What each parser does (the work is :mod:`toolschool.integrations.tool_calls`, which does not
import vLLM):

* ``extract_tool_calls`` (non-streaming): the format's ``parse`` → ``ExtractedToolCallInformation``
  (calls with JSON-string arguments; ``content`` the text outside the calls, or the whole answer
  when no call parses);
* ``extract_tool_calls_streaming``: the format's incremental parser fed the new text → a
  ``DeltaMessage`` with content as soon as it is known not to open a call, and each call whole
  (id, name, JSON arguments in one ``DeltaToolCall``) when its last character arrives. vLLM has
  no end-of-stream hook for these parsers, so the stream is finished (held-back content flushed,
  lenient end-of-output repairs applied) when a delta's token ids hold the EOS token or a
  single-token end-of-turn marker (``<|im_end|>``, ``<end_of_turn>``…); if vLLM strips those ids,
  a call missing only its closing tag at the very end is not repaired in streaming mode;
* ``supports_required_and_named = False``: vLLM then does not force ``tool_choice`` "required" or
  a named tool into its own JSON call syntax (which the model was not trained on); such requests
  are parsed like "auto" — the call is asked for, not enforced, as in ``toolschool serve``;
* ``adjust_request`` keeps special tokens in the output when the format's call opener is a
  special token of the tokenizer (so the parser sees it).

vLLM is imported when this module is imported (inside vLLM that is at start-up); without vLLM
the import fails with an :class:`ImportError` that says so. Tested against vLLM 0.34's own
``ToolParser``, ``ToolParserManager`` and request parser (``tests/integrations/test_vllm_plugin.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

try:  # vLLM ≥ 0.12 keeps tool parsers in vllm.tool_parsers
    from vllm.tool_parsers.abstract_tool_parser import ToolParser, ToolParserManager
except ImportError:
    try:  # older releases
        from vllm.entrypoints.openai.tool_parsers.abstract_tool_parser import (  # type: ignore[no-redef]
            ToolParser,
            ToolParserManager,
        )
    except ImportError as exc:
        raise ImportError(
            "toolschool.integrations.vllm_tool_parser is a vLLM plugin and needs vLLM "
            "(pip install vllm; then: vllm serve MODEL --enable-auto-tool-choice "
            "--tool-parser-plugin toolschool.integrations.vllm_tool_parser "
            "--tool-call-parser toolschool-FORMAT)"
        ) from exc

try:  # the response shapes moved between vLLM releases
    from vllm.entrypoints.generate.base.protocol import (
        DeltaFunctionCall,
        DeltaMessage,
        DeltaToolCall,
        ExtractedToolCallInformation,
        FunctionCall,
    )
    from vllm.entrypoints.generate.base.protocol import ToolCall as VllmToolCall
except ImportError:  # pragma: no cover - older vLLM
    from vllm.entrypoints.openai.protocol import (  # type: ignore[no-redef]
        DeltaFunctionCall,
        DeltaMessage,
        DeltaToolCall,
        ExtractedToolCallInformation,
        FunctionCall,
    )
    from vllm.entrypoints.openai.protocol import ToolCall as VllmToolCall  # type: ignore[no-redef]

from toolschool.formats import format_names, get_format
from toolschool.integrations.tool_calls import ToolCallStream, extract_tool_calls

__all__ = ["PARSER_NAMES", "ToolschoolToolParser"]

log = logging.getLogger(__name__)

#: the end-of-turn markers of toolschool's layouts, stopped at when they are single tokens
_TURN_ENDS = ("<|im_end|>", "<end_of_turn>", "<turn|>", "<|eot_id|>", "<|eom_id|>", "<|tool_response>")


try:  # vLLM's own call ids (chatcmpl-tool-…)
    from vllm.renderers.chat_utils import make_tool_call_id as _new_id
except ImportError:  # pragma: no cover - older vLLM
    try:
        from vllm.entrypoints.chat_utils import make_tool_call_id as _new_id  # type: ignore[no-redef]
    except ImportError:
        from toolschool.integrations.tool_calls import _new_id  # type: ignore[no-redef]


class ToolschoolToolParser(ToolParser):
    """A vLLM ``ToolParser`` over one toolschool format (subclasses set :attr:`format_name`).

    Attributes:
        format_name: the toolschool format parsed.
        lenient: repair predictable slips (toolschool's lenient parsing) or report them.
    """

    format_name = "tool_use"
    lenient = True
    supports_required_and_named = False

    def __init__(self, tokenizer: Any, tools: Any = None, *args: Any, **kwargs: Any) -> None:
        try:
            super().__init__(tokenizer, tools, *args, **kwargs)
        except TypeError:  # vLLM before 0.20: ToolParser(tokenizer)
            super().__init__(tokenizer)
        self._format = get_format(self.format_name, lenient=self.lenient)
        self._stream = ToolCallStream(self._format, _new_id)
        self._fed = ""
        self._end_ids = self._turn_end_ids(tokenizer)

    @staticmethod
    def _turn_end_ids(tokenizer: Any) -> set[int]:
        ids = {getattr(tokenizer, "eos_token_id", None)}
        vocab = tokenizer.get_vocab() if hasattr(tokenizer, "get_vocab") else {}
        ids.update(vocab.get(marker) for marker in _TURN_ENDS)
        return {i for i in ids if isinstance(i, int)}

    def adjust_request(self, request: Any) -> Any:
        """vLLM's adjustment, and special tokens kept when the call opener is one."""
        request = super().adjust_request(request)
        opener = self._format.call_start.strip()
        special = set(getattr(self.model_tokenizer, "all_special_tokens", []) or [])
        if getattr(request, "tools", None) and opener and opener in special:
            request.skip_special_tokens = False
        return request

    def extract_tool_calls(self, model_output: str, request: Any) -> Any:
        """The calls of a whole answer (``ExtractedToolCallInformation``)."""
        found = extract_tool_calls(self._format, model_output, _new_id)
        for error in found.errors:
            log.info("toolschool %s parser: %s", self.format_name, error)
        calls = [
            VllmToolCall(id=c["id"], type="function", function=FunctionCall(**c["function"]))
            for c in found.tool_calls
        ]
        return ExtractedToolCallInformation(
            tools_called=found.tools_called, tool_calls=calls, content=found.content
        )

    def extract_tool_calls_streaming(
        self,
        previous_text: str,
        current_text: str,
        delta_text: str,
        previous_token_ids: Sequence[int],
        current_token_ids: Sequence[int],
        delta_token_ids: Sequence[int],
        request: Any,
    ) -> Any:
        """The next ``DeltaMessage`` (content and finished calls), or None when nothing is new."""
        new = current_text[len(self._fed) :] if current_text.startswith(self._fed) else delta_text
        self._fed += new
        deltas = [self._stream.feed(new)]
        if self._end_ids.intersection(delta_token_ids or ()):
            deltas.append(self._stream.finish())
        content = "".join(d["content"] or "" for d in deltas if d)
        calls = [c for d in deltas if d for c in d["tool_calls"]]
        for call in calls:
            self.prev_tool_call_arr.append(dict(call["function"]))
            self.streamed_args_for_tool.append(call["function"]["arguments"])
            self.current_tool_id = call["index"]
            self.current_tool_name_sent = True
        if not content and not calls:
            return None
        return DeltaMessage(
            content=content or None,
            tool_calls=[
                DeltaToolCall(
                    index=c["index"], id=c["id"], type="function", function=DeltaFunctionCall(**c["function"])
                )
                for c in calls
            ],
        )


def _register() -> list[str]:
    names = []
    for format_name in format_names():
        camel = "".join(part.capitalize() for part in format_name.split("_"))
        for suffix, lenient in (("", True), ("-strict", False)):
            cls = type(
                f"Toolschool{camel}{'Strict' if not lenient else ''}ToolParser",
                (ToolschoolToolParser,),
                {"format_name": format_name, "lenient": lenient, "__module__": __name__},
            )
            globals()[cls.__name__] = cls
            name = f"toolschool-{format_name}{suffix}"
            ToolParserManager.register_module(name=name, module=cls)
            names.append(name)
    return names


#: the parser names this plugin registers (``toolschool-<format>`` and ``toolschool-<format>-strict``)
PARSER_NAMES: list[str] = _register()
