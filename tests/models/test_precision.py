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


@pytest.mark.parametrize("bad", ["fp16", "", "BF16"])
def test_unknown_precision_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="auto, fp32 or bf16"):
        resolve_train_precision(bad)
    with pytest.raises(ValueError, match="auto, float32 or bfloat16"):
        resolve_weight_dtype(bad)


def test_auto_weights_for_inference_get_the_resolved_dtype(tiny_fresh):
    from toolschool.backends.local import prepare_for_inference

    model = prepare_for_inference(tiny_fresh.model, "auto")
    expected = torch.bfloat16 if bf16_is_fast() else torch.float32
    assert next(model.parameters()).dtype == expected
