"""Layout resolution: detection on every shared template, Gemma 2/3 turns on a tiny Gemma 3 model,
the layout in masks, training data and generation, and the native-template path."""

from __future__ import annotations

import logging

import pytest

from tests.shared_data import CHAT_TEMPLATES
from toolschool.backends import ChatRequest, LocalBackend, prepare_for_inference
from toolschool.chat import (
    IGNORE_INDEX,
    LAYOUTS,
    ChatMLLayout,
    Gemma4Layout,
    GemmaLayout,
    HermesProLayout,
    Qwen3Layout,
    TokenizerTemplateLayout,
    detect_layout,
    layout_name,
    prompt_for_next_turn,
    resolve_layout,
    tokenise_segments,
)
from toolschool.chat.templates import samples
from toolschool.errors import DataError, RegistryError
from toolschool.formats import get_format
from toolschool.models.tiny import GEMMA3_CHAT_TEMPLATE, tiny_model, tiny_tokenizer
from toolschool.train.dataset import encode_conversations
from toolschool.types import Conversation, Message, ToolCall, ToolSchema

#: every template of the shared directory → the layout its turns are (a new file must be added here)
EXPECTED = {
    "HuggingFaceTB-SmolLM3-3B.jinja": "chatml",  # ChatML turns; its <think> handling is not Qwen3's
    "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja": "hermes_pro",
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja": "hermes_pro",
    "Qwen-Qwen2.5-7B-Instruct.jinja": "chatml",
    "Qwen-Qwen3-0.6B.jinja": "qwen3",
    "google-gemma-4-31B-it.2026-07.jinja": "gemma4",
    "google-gemma-4-31B-it.initial-release.jinja": "gemma4",
    "google-gemma-4-31B-it.jinja": "gemma4",
    "google-gemma-4-E2B-it.2026-07.jinja": "gemma4",
    "llama-cpp-gemma-4-31B-it-interleaved.jinja": "gemma4",
    "meta-llama-Llama-3.1-8B-Instruct.jinja": "llama3",
    "meta-llama-Llama-3.2-3B-Instruct.jinja": "llama3",
    "mistralai-Mistral-Nemo-Instruct-2407.jinja": "mistral",
}
TEMPLATE_FILES = sorted(p.name for p in CHAT_TEMPLATES.glob("*.jinja"))

WEATHER = ToolSchema.model_validate(
    {
        "type": "function",
        "function": {
            "name": "weather",
            "description": "Weather now.",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
        },
    }
)
CALL = ToolCall(id="c0", name="weather", arguments={"location": "Oslo"})
CONVERSATION = [
    Message(role="user", content="  weather in Oslo?  "),
    Message(role="assistant", tool_calls=[CALL]),
    Message(role="tool", tool_call_id="c0", name="weather", content='{"temp_c": 3}'),
    Message(role="assistant", content="It is 3 °C in Oslo.\n"),
]


@pytest.fixture(scope="module")
def gemma_tokenizer():
    return tiny_tokenizer(arch="gemma3")


# -- detection ------------------------------------------------------------------------------


def test_every_shared_template_is_listed():
    assert TEMPLATE_FILES == sorted(EXPECTED)


@pytest.mark.parametrize("name", TEMPLATE_FILES)
def test_detect_layout_on_every_shared_template(name):
    text = (CHAT_TEMPLATES / name).read_text()
    assert detect_layout(text) == EXPECTED[name]
    assert EXPECTED[name] in LAYOUTS


@pytest.mark.parametrize("name", TEMPLATE_FILES)
def test_resolve_layout_from_a_tokenizer_with_each_template(name):
    tok = tiny_tokenizer()
    tok.chat_template = (CHAT_TEMPLATES / name).read_text()
    layout = resolve_layout(tok)
    assert layout_name(layout) == EXPECTED[name]
    assert "detected" in layout.note and layout.stop


def test_gemma4_variant_follows_the_template():
    e2b = (CHAT_TEMPLATES / "google-gemma-4-E2B-it.2026-07.jinja").read_text()
    big = (CHAT_TEMPLATES / "google-gemma-4-31B-it.2026-07.jinja").read_text()
    tok = tiny_tokenizer()
    tok.chat_template = e2b
    assert isinstance(resolve_layout(tok), Gemma4Layout) and not resolve_layout(tok).empty_thought
    tok.chat_template = big
    assert resolve_layout(tok).empty_thought


def test_detect_layout_without_markers():
    assert detect_layout(None) is None
    assert detect_layout("") is None
    assert detect_layout("{% for m in messages %}{{ m.content }}{% endfor %}") is None
    assert detect_layout(GEMMA3_CHAT_TEMPLATE) == "gemma"


def test_a_dict_of_templates_takes_tool_use():
    tok = tiny_tokenizer()
    tok.chat_template = {
        "default": (CHAT_TEMPLATES / "Qwen-Qwen2.5-7B-Instruct.jinja").read_text(),
        "tool_use": (CHAT_TEMPLATES / "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja").read_text(),
    }
    assert layout_name(resolve_layout(tok)) == "hermes_pro"
    tok.chat_template = {"default": GEMMA3_CHAT_TEMPLATE}
    assert layout_name(resolve_layout(tok)) == "gemma"


def test_no_template_is_chatml_with_a_note(caplog):
    class Bare:  # no chat template, no turn-marker tokens
        chat_template = None
        bos_token = None

        def get_vocab(self):
            return {"a": 0}

    with caplog.at_level(logging.WARNING, logger="toolschool.chat.resolve"):
        layout = resolve_layout(Bare())
    assert type(layout) is ChatMLLayout and "no chat template" in layout.note
    assert "ChatML turns assumed" in caplog.text
    assert type(resolve_layout()) is ChatMLLayout


def test_without_a_template_the_turn_tokens_decide():
    """A GGUF may store no template (transformers does not read it anyway): the vocabulary has
    the turn markers."""
    gemma_tokenizer = tiny_tokenizer(arch="gemma3")
    gemma_tokenizer.chat_template = None
    layout = resolve_layout(gemma_tokenizer)
    assert isinstance(layout, GemmaLayout) and "'<start_of_turn>'" in layout.note
    chatml = resolve_layout(tiny_tokenizer())  # SmolLM2-like: <|im_start|>
    assert type(chatml) is ChatMLLayout
    assert "no chat template" in chatml.note and "<|im_start|>" in chatml.note


def test_explicit_name_wins_and_unknown_names_are_listed(gemma_tokenizer):
    assert type(resolve_layout(gemma_tokenizer, "chatml")) is ChatMLLayout
    assert isinstance(resolve_layout(None, "qwen3"), Qwen3Layout)
    names = ["chatml", "gemma", "gemma4", "hermes_pro", "llama3", "mistral", "qwen3"]
    with pytest.raises(RegistryError, match="known: " + ", ".join(names)):
        resolve_layout(gemma_tokenizer, "chatlm")
    assert LAYOUTS.names() == names


def test_layout_names_and_stops():
    assert layout_name(ChatMLLayout(think_blocks=True)) == "qwen3"
    assert layout_name(ChatMLLayout()) == "chatml"
    for name in LAYOUTS.names():
        layout = LAYOUTS.get(name)()
        assert layout_name(layout) == name
        assert layout.stops and layout.stops[0] == layout.stop
    assert GemmaLayout().stop == "<end_of_turn>" and GemmaLayout().bos == "<bos>"
    assert ChatMLLayout().bos == ""


def test_bos_is_the_tokenizers_when_it_lacks_the_layouts(gemma_tokenizer):
    assert resolve_layout(gemma_tokenizer, "gemma").bos == "<bos>"
    llama_tok = tiny_tokenizer()  # no <bos> token: its own BOS is written
    assert resolve_layout(llama_tok, "gemma").bos == "<|endoftext|>"
    assert resolve_layout(llama_tok, "mistral").stop == llama_tok.eos_token


# -- Gemma 2/3 turns ------------------------------------------------------------------------


def test_gemma_layout_matches_a_gemma3_template_without_tools(gemma_tokenizer):
    """The tiny tokenizer's template writes the Gemma 3 rules independently (Jinja)."""
    fmt = get_format("hermes")
    chat = [
        Message(role="system", content="Be brief."),
        Message(role="user", content=" Hi! \n"),
        Message(role="assistant", content="\nHello. "),
        Message(role="user", content="A joke?"),
    ]
    for messages in (chat, chat[1:], chat[:2]):
        hf = [{"role": m.role, "content": m.content} for m in messages]
        expected = gemma_tokenizer.apply_chat_template(hf, tokenize=False, add_generation_prompt=True)
        ours = GemmaLayout().render(messages, [], fmt, add_generation_prompt=True)
        assert ours == expected
    assert GemmaLayout().render(chat, [], fmt, add_generation_prompt=True) == (
        "<bos><start_of_turn>user\nBe brief.\n\nHi!<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"
        "<start_of_turn>user\nA joke?<end_of_turn>\n<start_of_turn>model\n"
    )


def test_tiny_gemma3_resolves_to_gemma_turns(gemma_tokenizer):
    layout = resolve_layout(gemma_tokenizer)
    assert isinstance(layout, GemmaLayout) and layout.bos == "<bos>"
    fmt = get_format("hermes")
    text = layout.render(CONVERSATION, [WEATHER], fmt, "Sys.", add_generation_prompt=True)
    assert text.startswith("<bos><start_of_turn>user\nSys.\n\n")  # declarations prefix the user turn
    assert fmt.render_system([WEATHER], "Sys.") + "\n\nweather in Oslo?<end_of_turn>\n" in text
    assert "<start_of_turn>model\n<tool_call>" in text
    assert "<start_of_turn>user\n<tool_response>" in text  # results: a user turn
    assert text.endswith("It is 3 °C in Oslo.<end_of_turn>\n<start_of_turn>model\n")
    assert "<|im_start|>" not in text and "<|im_end|>" not in text and "system" not in text.split("\n")[0]
    assert text.count("<start_of_turn>") == 5


def test_gemma_layout_refuses_what_it_cannot_place():
    fmt = get_format("hermes")
    with pytest.raises(DataError, match="message 1"):
        late_system = [Message(role="user", content="a"), Message(role="system", content="b")]
        GemmaLayout().render(late_system, [], fmt)
    with pytest.raises(DataError, match="first turn"):
        GemmaLayout().render([], [], fmt, "Sys.")
    assert GemmaLayout().render([], [], fmt) == "<bos>"


def test_gemma_masks_label_only_model_output_and_end_of_turn(gemma_tokenizer):
    fmt = get_format("hermes")
    segments = GemmaLayout().segments(CONVERSATION, [WEATHER], fmt, "Sys.")
    enc = tokenise_segments(segments, gemma_tokenizer)
    assert enc.input_ids[0] == gemma_tokenizer.bos_token_id
    assert enc.input_ids.count(gemma_tokenizer.bos_token_id) == 1  # BOS in the text, not doubled
    trained = [t for t, lab in zip(enc.input_ids, enc.labels) if lab != IGNORE_INDEX]
    text = gemma_tokenizer.decode(trained)
    assert text == fmt.render_calls([CALL]) + "<end_of_turn>" + "It is 3 °C in Oslo.<end_of_turn>"
    end_id = gemma_tokenizer.convert_tokens_to_ids("<end_of_turn>")
    assert trained.count(end_id) == 2


def test_encode_conversations_with_gemma_layout(gemma_tokenizer):
    fmt = get_format("hermes")
    conversations = [Conversation(messages=CONVERSATION, tools=[WEATHER])] * 3
    gemma = encode_conversations(conversations, gemma_tokenizer, fmt, "Sys.", 4096, layout=GemmaLayout())
    assert len(gemma.examples) == 3 and gemma.n_trainable > 0 and gemma.n_truncated == 0
    text = gemma_tokenizer.decode(gemma.examples[0].input_ids)
    assert text.startswith("<bos><start_of_turn>user\nSys.") and "<|im_start|>" not in text
    # the default stays ChatML (backward compatible)
    llama_tok = tiny_tokenizer()
    default = encode_conversations(conversations, llama_tok, fmt, "Sys.", 4096)
    assert llama_tok.decode(default.examples[0].input_ids).startswith("<|im_start|>system\nSys.")


def test_prompt_for_next_turn_in_a_layout():
    fmt = get_format("hermes")
    assert prompt_for_next_turn(CONVERSATION[:1], [], fmt).endswith("<|im_start|>assistant\n")
    gemma = prompt_for_next_turn(CONVERSATION[:1], [], fmt, "S", layout=GemmaLayout())
    assert gemma == "<bos><start_of_turn>user\nS\n\nweather in Oslo?<end_of_turn>\n<start_of_turn>model\n"


# -- generation -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gemma_model():
    model, tokenizer = tiny_model(seed=1, arch="gemma3")
    return prepare_for_inference(model.eval(), "float32"), tokenizer


def test_local_backend_stops_at_the_layouts_token(gemma_model):
    model, tokenizer = gemma_model
    layout = resolve_layout(tokenizer)
    fmt = get_format("hermes")
    backend = LocalBackend(model, tokenizer, fmt, batch_size=2, max_new_tokens=8, layout=layout)
    end_id = tokenizer.convert_tokens_to_ids("<end_of_turn>")
    assert backend.stop_ids == sorted({end_id, tokenizer.eos_token_id}) and backend.stop_strings == []
    request = ChatRequest([Message(role="user", content="weather in Oslo?")], [WEATHER])
    assert backend.prompt(request).startswith("<bos><start_of_turn>user\n")
    # the default layout is still ChatML
    plain = LocalBackend(model, tokenizer, fmt, max_new_tokens=8)
    assert plain.prompt(request).startswith("<|im_start|>system\n")


def test_prefix_cached_decoder_equals_generate_on_gemma3(gemma_model):
    model, tokenizer = gemma_model
    fmt = get_format("hermes")
    layout = resolve_layout(tokenizer)
    requests = [
        ChatRequest([Message(role="user", content=q)], [WEATHER])
        for q in ("weather in Oslo?", "hi", "what is the weather like in Kyoto today, please?")
    ]
    fast = LocalBackend(model, tokenizer, fmt, batch_size=3, max_new_tokens=12, layout=layout)
    plain = LocalBackend(
        model, tokenizer, fmt, batch_size=3, max_new_tokens=12, prefix_cache=False, layout=layout
    )
    a, b = fast.complete(requests), plain.complete(requests)
    assert [x.raw for x in a] == [x.raw for x in b]
    assert all(x.new_tokens <= 12 for x in a)


def test_a_stop_string_that_is_not_one_token_is_trimmed(tiny):
    fmt = get_format("hermes")
    backend = LocalBackend(tiny.model, tiny.tokenizer, fmt, max_new_tokens=4, layout=GemmaLayout())
    assert backend.stop_strings == ["<end_of_turn>"]
    assert backend.stop_ids == [tiny.tokenizer.eos_token_id]
    tokens = tiny.tokenizer.encode("Hi.<end_of_turn>\nmore", add_special_tokens=False)
    backend._generate = lambda prompts, matchers=None: [(tokens, 1.0, "length") for _ in prompts]
    [answer] = backend.complete([ChatRequest([Message(role="user", content="x")], [])])
    assert answer.raw == "Hi." and answer.finish_reason == "stop"


def test_llama3_and_gemma4_stop_on_every_end_marker():
    from toolschool.chat import Llama3Layout

    assert Llama3Layout().stops == ("<|eot_id|>", "<|eom_id|>")
    assert Gemma4Layout().stops == ("<turn|>", "<|tool_response>")
    assert HermesProLayout().stops == ("<|im_end|>",)


def test_loaded_tiny_gemma3_knows_its_layout():
    from toolschool.models import load_model

    loaded = load_model("tiny-gemma3:2")
    assert type(loaded.model).__name__ == "Gemma3ForCausalLM"
    assert loaded.chat_template == GEMMA3_CHAT_TEMPLATE
    assert isinstance(loaded.layout(), GemmaLayout)
    assert type(loaded.layout("chatml")) is ChatMLLayout
    assert load_model("tiny").chat_template is None


# -- native templates -----------------------------------------------------------------------

NATIVE = ["Qwen-Qwen2.5-7B-Instruct.jinja", "Qwen-Qwen3-0.6B.jinja"]


@pytest.mark.parametrize("name", NATIVE)
def test_native_template_renders_what_the_toolschool_layout_renders(name):
    tok = tiny_tokenizer()
    tok.chat_template = (CHAT_TEMPLATES / name).read_text()
    native = resolve_layout(tok, fmt_name="hermes", native=True)
    assert isinstance(native, TokenizerTemplateLayout) and "native" in native.note
    ours = resolve_layout(tok)
    assert layout_name(native) == layout_name(ours) == EXPECTED[name]
    fmt = get_format("hermes")
    compared = 0
    for sample in samples("hermes"):  # tools, one call, parallel calls, results, final answer…
        for messages in (sample.messages, sample.messages[:2]):
            a = native.render(messages, sample.tools, fmt, add_generation_prompt=True)
            b = ours.render(messages, sample.tools, fmt, add_generation_prompt=True)
            assert a == b, (sample.name, a, b)
            compared += 1
        # the system text given as an argument (no system message) works the same
        rest = sample.messages[1:]
        a = native.render(rest, sample.tools, fmt, "Be useful.", add_generation_prompt=True)
        assert a == ours.render(rest, sample.tools, fmt, "Be useful.", add_generation_prompt=True)
    assert compared >= 10
    # training still uses the toolschool layout's segments
    conv = samples("hermes")[2].messages
    assert native.segments(conv, [WEATHER], fmt) == ours.segments(conv, [WEATHER], fmt)


def test_native_only_when_the_template_speaks_the_format():
    tok = tiny_tokenizer()
    tok.chat_template = (CHAT_TEMPLATES / "Qwen-Qwen2.5-7B-Instruct.jinja").read_text()
    assert type(resolve_layout(tok, fmt_name="tool_use", native=True)) is ChatMLLayout
    assert type(resolve_layout(tok, layout="gemma", fmt_name="hermes", native=True)) is GemmaLayout
    assert type(resolve_layout(tok, fmt_name="hermes")) is ChatMLLayout  # native is opt-in
    assert type(resolve_layout(tiny_tokenizer(), fmt_name="hermes", native=True)) is ChatMLLayout


def test_native_prompt_through_the_backend(tiny):
    tok = tiny_tokenizer()
    tok.chat_template = (CHAT_TEMPLATES / "Qwen-Qwen2.5-7B-Instruct.jinja").read_text()
    fmt = get_format("hermes")
    native = resolve_layout(tok, fmt_name="hermes", native=True)
    backend = LocalBackend(tiny.model, tok, fmt, layout=native)
    request = ChatRequest([Message(role="user", content="weather in Oslo?")], [WEATHER])
    assert backend.prompt(request) == ChatMLLayout().render(
        request.messages, request.tools, fmt, backend.system, add_generation_prompt=True
    )
    assert backend.stop_ids == [tok.convert_tokens_to_ids("<|im_end|>")]


def test_training_a_tiny_gemma3_in_its_layout(tmp_path):
    from toolschool.models import load_model
    from toolschool.train import TrainConfig, train

    loaded = load_model("tiny-gemma3")
    cfg = TrainConfig(model="tiny-gemma3", format="hermes", max_steps=2, batch_size=2, precision="fp32")
    conversations = [Conversation(messages=CONVERSATION, tools=[WEATHER])] * 4
    result = train(cfg, conversations, tmp_path, loaded.model, loaded.tokenizer, layout=loaded.layout())
    assert result.steps == 2 and result.layout == "gemma"
    assert result.final_loss == result.final_loss  # not NaN
    assert '"layout": "gemma"' in (tmp_path / "train_result.json").read_text()
