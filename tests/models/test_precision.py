import pytest
import torch

from toolschool.models.precision import bf16_is_fast, resolve_train_precision, resolve_weight_dtype


def test_auto_follows_what_this_cpu_supports():
    fast = bf16_is_fast()
    assert fast == bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    assert resolve_train_precision("auto") == ("bf16" if fast else "fp32")
    assert resolve_weight_dtype("auto") == ("bfloat16" if fast else "float32")


def test_explicit_choices_are_kept():
    assert resolve_train_precision("fp32") == "fp32"
    assert resolve_train_precision("bf16") == "bf16"
    assert resolve_weight_dtype("float32") == "float32"
    assert resolve_weight_dtype("bfloat16") == "bfloat16"


def test_fp16_runs_only_where_onednn_has_fp16_kernels_and_says_why_otherwise():
    from toolschool.models.precision import fp16_is_fast, precision_note

    assert fp16_is_fast() == bool(torch.ops.mkldnn._is_mkldnn_fp16_supported())
    if fp16_is_fast():
        assert resolve_train_precision("fp16") == "fp16" and precision_note("fp16") == ""
    else:
        assert resolve_train_precision("fp16") == resolve_train_precision("auto")
        note = precision_note("fp16")
        assert note.startswith(f"precision fp16 runs as {resolve_train_precision('auto')}")
        assert "no fp16 kernels" in note
    assert precision_note("bf16") == precision_note("auto") == ""


@pytest.mark.parametrize("bad", ["FP16", "", "BF16"])
def test_unknown_precision_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="auto, fp32, bf16 or fp16"):
        resolve_train_precision(bad)
    with pytest.raises(ValueError, match="auto, float32 or bfloat16"):
        resolve_weight_dtype(bad)


def test_auto_weights_for_inference_get_the_resolved_dtype(tiny_fresh):
    from toolschool.backends.local import prepare_for_inference

    model = prepare_for_inference(tiny_fresh.model, "auto")
    expected = torch.bfloat16 if bf16_is_fast() else torch.float32
    assert next(model.parameters()).dtype == expected


@pytest.mark.parametrize("question", ["weather in Oslo?", "define serendipity"])
def test_bfloat16_weights_keep_the_float32_predictions(question):
    """bf16 weights for generation change the tiny model's logits only by rounding: the same
    greedy tokens, the same top token wherever fp32 is confident (measured relative error
    ~3%, largest 0.75 on logits up to ~10; the random tiny model amplifies rounding)."""
    from toolschool.backends.local import prepare_for_inference
    from toolschool.chat import ChatMLLayout
    from toolschool.formats import get_format
    from toolschool.models import load_model
    from toolschool.types import Message

    fp32 = load_model("tiny")
    bf16 = prepare_for_inference(load_model("tiny").model, "bfloat16")
    assert next(bf16.parameters()).dtype == torch.bfloat16
    tok = fp32.tokenizer
    text = ChatMLLayout().render([Message(role="user", content=question)], [], get_format("tool_use"),
                                   "You are a helpful assistant.", add_generation_prompt=True)
    ids = tok(text, return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        ref = fp32.model(ids).logits[0]
        low = bf16(ids).logits[0].float()
    err = (ref - low).abs()
    assert 0 < err.mean() < 0.1 * ref.abs().mean()  # rounded, not a different model
    top2 = ref.topk(2, dim=-1).values
    confident = top2[:, 0] - top2[:, 1] > 1.5
    assert confident.sum() >= 3
    assert torch.equal(ref.argmax(-1)[confident], low.argmax(-1)[confident])
    assert (ref.argmax(-1) == low.argmax(-1)).float().mean() > 0.8
    kwargs = {"max_new_tokens": 3, "do_sample": False, "pad_token_id": tok.pad_token_id}
    with torch.no_grad():
        greedy = fp32.model.generate(ids, **kwargs)[0, ids.shape[1]:]
        greedy_bf16 = bf16.generate(ids, **kwargs)[0, ids.shape[1]:]
    assert greedy.tolist() == greedy_bf16.tolist()
