"""Which turn layout a model speaks: the layout registry, detection from a chat template, and
the model's own template as a layout.

A model is trained, evaluated and served in the turns of its own chat template (Gemma 3 270M
in ``<start_of_turn>user … <end_of_turn>``, SmolLM2 and Qwen in ChatML…). The turn wrapping is
a :class:`~toolschool.chat.prompt.Layout`; this module names them (:data:`LAYOUTS`), finds the
one a tokenizer's ``chat_template`` writes (:func:`detect_layout`) and builds it
(:func:`resolve_layout`). Where the taught format is the one the model's template writes
natively (Qwen2.5 and ``hermes``…), ``resolve_layout(..., native=True)`` returns a
:class:`TokenizerTemplateLayout`: prompts rendered by the tokenizer's own template
(``apply_chat_template``), training segments still by the toolschool layout, which writes
the same text (a test checks Qwen2.5's template against ``ChatMLLayout`` + ``hermes``).
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from toolschool.chat.prompt import Layout, RenderInput, Segment
from toolschool.chat.templates import detect_template_format, hf_messages, layout_options
from toolschool.errors import ConfigError
from toolschool.formats.base import ToolFormat
from toolschool.registry import Registry
from toolschool.types import Message, ToolSchema

__all__ = [
    "LAYOUTS",
    "TokenizerTemplateLayout",
    "detect_layout",
    "detect_layout_from_tokens",
    "layout_name",
    "resolve_layout",
    "template_text",
]

log = logging.getLogger(__name__)

#: layout name → :class:`~toolschool.chat.prompt.Layout` subclass (constructed with defaults)
LAYOUTS: Registry[type[Layout]] = Registry(
    "chat layout",
    {
        "chatml": "toolschool.chat.prompt:ChatMLLayout",
        "qwen3": "toolschool.chat.prompt:Qwen3Layout",
        "llama3": "toolschool.chat.layouts:Llama3Layout",
        "mistral": "toolschool.chat.layouts:MistralLayout",
        "gemma": "toolschool.chat.layouts:GemmaLayout",
        "gemma4": "toolschool.chat.layouts:Gemma4Layout",
        "hermes_pro": "toolschool.chat.layouts:HermesProLayout",
    },
)

#: the fixed system prompt of the Hermes 2 Pro / Hermes 3 ``tool_use`` templates
_HERMES_PRO = "You are a function calling AI model."
#: turn markers → layout, in the order they are tested (see :func:`detect_layout`)
_MARKERS: list[tuple[str, str]] = [
    ("<|turn>", "gemma4"),
    ("<start_of_turn>", "gemma"),
    (_HERMES_PRO, "hermes_pro"),
    ("<|im_start|>", "chatml"),
    ("<|start_header_id|>", "llama3"),
    ("[INST]", "mistral"),
]


def detect_layout(template_text: str | None) -> str | None:
    """The layout name of a chat template, from its turn markers (the template's own text).

    Tested in this order: ``<|turn>`` → ``gemma4`` (Gemma 4); ``<start_of_turn>`` → ``gemma``
    (Gemma 2/3); Hermes 2 Pro's fixed prompt (``You are a function calling AI model.``) →
    ``hermes_pro`` (Hermes 2 Pro / Hermes 3 ``tool_use``, which are ChatML too);
    ``<|im_start|>`` → ``chatml``, or ``qwen3`` when the template has Qwen3's ``<think>``
    handling (a ``last_query_index`` and ``</think>``, the rule of
    :func:`~toolschool.chat.templates.layout_options`); ``<|start_header_id|>`` → ``llama3``;
    ``[INST]`` → ``mistral``.

    Returns:
        the name (a key of :data:`LAYOUTS`), or None for no template or no known marker.
    """
    if not template_text:
        return None
    for marker, name in _MARKERS:
        if marker in template_text:
            if name == "chatml" and layout_options("hermes", template_text).get("think_blocks"):
                return "qwen3"
            return name
    return None


#: special tokens → layout, for a tokenizer without a chat template (see :func:`detect_layout_from_tokens`)
_TOKEN_MARKERS: list[tuple[str, str]] = [
    ("<|turn>", "gemma4"),
    ("<start_of_turn>", "gemma"),
    ("<|start_header_id|>", "llama3"),
    ("<|im_start|>", "chatml"),
    ("[INST]", "mistral"),
]


def detect_layout_from_tokens(tokenizer: Any) -> tuple[str, str] | None:
    """``(layout name, token)`` from the turn-marker tokens in a tokenizer's vocabulary, or None.

    For a tokenizer without a chat template — e.g. one converted from a GGUF file that stores
    none. Tested in this order: ``<|turn>`` → ``gemma4``, ``<start_of_turn>`` → ``gemma``,
    ``<|start_header_id|>`` → ``llama3``, ``<|im_start|>`` → ``chatml``, ``[INST]`` →
    ``mistral``. Only a token of the vocabulary counts (not a string it would split).
    """
    get_vocab = getattr(tokenizer, "get_vocab", None)
    vocab = get_vocab() if callable(get_vocab) else {}
    return next(((name, token) for token, name in _TOKEN_MARKERS if token in vocab), None)


def template_text(tokenizer: Any) -> str | None:
    """The tokenizer's chat template as one Jinja string, or None when it has none.

    ``tokenizer.chat_template`` is a string, None, or a dict of named templates (Hermes ships
    ``default`` and ``tool_use``): then ``tool_use`` is taken — toolschool renders tools —,
    else ``default``, else the first one.
    """
    template = getattr(tokenizer, "chat_template", None) if tokenizer is not None else None
    if isinstance(template, dict):
        named = template.get("tool_use") or template.get("default")
        template = named if named else next(iter(template.values()), None)
    return template or None


def layout_name(layout: Layout) -> str:
    """The registry name of ``layout``: ``qwen3`` for ChatML with ``think_blocks``, else its
    ``name`` (a :class:`TokenizerTemplateLayout` has the name of its toolschool layout)."""
    from toolschool.chat.prompt import ChatMLLayout

    if type(layout) is ChatMLLayout and layout.think_blocks:
        return "qwen3"
    return layout.name


def _token_bos(tokenizer: Any, default: str) -> str:
    """The BOS a layout writes for ``tokenizer``: the layout's default when the tokenizer has it
    as one token, else the tokenizer's ``bos_token``, else none (``""``)."""
    if tokenizer is None or not default:
        return default
    ids = tokenizer.encode(default, add_special_tokens=False)
    if len(ids) == 1 and ids[0] != getattr(tokenizer, "unk_token_id", None):
        return default
    return getattr(tokenizer, "bos_token", None) or ""


def _build(name: str, tokenizer: Any, text: str | None) -> Layout:
    cls = LAYOUTS.get(name)  # RegistryError lists the known names
    options: dict[str, Any] = {}
    if name == "gemma4" and text:
        options.update(layout_options("gemma4", text))
    if "bos" in inspect.signature(cls.__init__).parameters:
        default = inspect.signature(cls.__init__).parameters["bos"].default
        options["bos"] = _token_bos(tokenizer, default)
    if name == "mistral" and tokenizer is not None and getattr(tokenizer, "eos_token", None):
        options["eos"] = tokenizer.eos_token
    return cls(**options)


def resolve_layout(
    tokenizer: Any = None,
    layout: str | None = None,
    fmt_name: str | None = None,
    native: bool = False,
) -> Layout:
    """The turn layout to train, evaluate and serve a model in.

    Args:
        tokenizer: the model's Hugging Face tokenizer (its ``chat_template`` and BOS/EOS
            tokens are read), or None.
        layout: a layout name (key of :data:`LAYOUTS`); wins over detection.
        fmt_name: the wire format taught (only used with ``native``).
        native: when the tokenizer's template writes ``fmt_name`` natively
            (:func:`~toolschool.chat.templates.detect_template_format` of the template is
            ``fmt_name``) and its layout is the one resolved, return a
            :class:`TokenizerTemplateLayout` whose prompts the template renders.

    Resolution: an explicit ``layout`` name; else :func:`detect_layout` of the tokenizer's
    template (:func:`template_text`); else, with no template or no known marker in it,
    :func:`detect_layout_from_tokens` (the turn-marker tokens of its vocabulary: Gemma 3
    270M's ``<start_of_turn>``…); else ChatML, logged as a warning. The layout's ``note``
    says which rule chose it. Layouts that write a BOS
    token write the layout's own one when the tokenizer has it as a single token, else the
    tokenizer's ``bos_token``, else none; Mistral's EOS is the tokenizer's ``eos_token``.
    Gemma 4 templates give their ``empty_thought`` variant
    (:func:`~toolschool.chat.templates.layout_options`).

    Returns:
        a :class:`~toolschool.chat.prompt.Layout` with ``note`` saying how it was chosen.

    Raises:
        RegistryError: ``layout`` is not a known name (the message lists the known ones).
    """
    text = template_text(tokenizer)
    if layout is not None:
        chosen, note = layout, f"layout {layout!r} asked for"
    else:
        detected = detect_layout(text)
        if detected is not None:
            chosen, note = detected, f"layout {detected!r} detected from the tokenizer's chat template"
        else:
            why = "no chat template" if text is None else "a chat template without known turn markers"
            found = detect_layout_from_tokens(tokenizer) if tokenizer is not None else None
            if found is not None:
                chosen = found[0]
                note = f"the tokenizer has {why}; layout {chosen!r} from its token {found[1]!r}"
                log.info(note)
            else:
                chosen = "chatml"
                note = f"the tokenizer has {why} and no turn-marker token; ChatML turns assumed"
                if tokenizer is not None:
                    log.warning(note)
    result = _build(chosen, tokenizer, text)
    speaks = text is not None and fmt_name is not None and detect_template_format(text) == fmt_name
    if native and speaks and detect_layout(text) == layout_name(result):
        result = TokenizerTemplateLayout(tokenizer, result, text)
        note += f"; prompts rendered by the tokenizer's own template (native {fmt_name!r})"
    result.note = note
    return result


class TokenizerTemplateLayout(Layout):
    """The model's own chat template for prompts; a toolschool layout for training segments.

    :meth:`render` (prompts for generation, evaluation) goes through the tokenizer's Jinja
    template with ``tokenizer.apply_chat_template`` — transformers' sandboxed renderer, the
    messages as :func:`~toolschool.chat.templates.hf_messages`, the tools as their OpenAI JSON
    schemas, the tokenizer's special tokens. :meth:`segments` (training, loss masks) comes
    from ``layout``, which must write the same text: use it only where the template speaks the
    format natively (``resolve_layout(..., native=True)`` checks that), and the text then
    matches byte for byte (tested for Qwen2.5 with ``hermes``).

    The template ignores ``fmt``: it writes its own format. The ``system`` argument becomes a
    leading system message when the conversation has none; with ``system`` None the template
    writes its own default (Qwen2.5: "You are Qwen, created by Alibaba Cloud…"), where the
    toolschool layout would write :data:`~toolschool.chat.prompt.DEFAULT_SYSTEM`.

    Args:
        tokenizer: a Hugging Face tokenizer with a chat template.
        layout: the toolschool layout the template's turns are (for segments, stop, BOS).
        template: the Jinja text to use (default: :func:`template_text` of the tokenizer).

    Raises:
        ConfigError: the tokenizer has no chat template.
    """

    def __init__(self, tokenizer: Any, layout: Layout, template: str | None = None) -> None:
        template = template or template_text(tokenizer)
        if template is None:
            raise ConfigError("the tokenizer has no chat template to render prompts with")
        self.tokenizer = tokenizer
        self.layout = layout
        self.template = template
        self.name = layout.name
        self.bos = layout.bos
        self.stop = layout.stop

    @property
    def stops(self) -> tuple[str, ...]:
        return self.layout.stops

    def _segments(self, job: RenderInput) -> list[Segment]:
        return self.layout._segments(job)

    def render(
        self,
        messages: list[Message],
        tools: list[ToolSchema],
        fmt: ToolFormat,
        system: str | None = None,
        add_generation_prompt: bool = False,
    ) -> str:
        """The prompt as the tokenizer's template renders it (see the class docstring).

        Raises:
            Exception: whatever the template raises for a conversation it refuses
                (``jinja2.TemplateError`` from ``raise_exception``…).
        """
        msgs = list(messages)
        if system is not None and not (msgs and msgs[0].role == "system"):
            msgs.insert(0, Message(role="system", content=system))
        return self.tokenizer.apply_chat_template(
            hf_messages(msgs),
            tools=[t.to_openai() for t in tools] or None,
            chat_template=self.template,
            add_generation_prompt=add_generation_prompt,
            tokenize=False,
        )
