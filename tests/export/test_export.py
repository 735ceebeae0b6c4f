"""``toolschool export`` on a tiny run: the GGUF and safetensors exports load back in transformers and
decode like the merged model; the prompts their templates write are toolschool's."""

import json

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from typer.testing import CliRunner

from tests.export.conversations import PLAIN_TOOLS, UNSORTED_TOOLS
from toolschool.chat.templates import hf_messages
from toolschool.cli.app import app
from toolschool.config import dump_config
from toolschool.errors import ExportError
from toolschool.export.chat_template import chat_template
from toolschool.export.ollama import ollama_template
from toolschool.export.run import export
from toolschool.formats import get_format
from toolschool.models import load_model, load_trained
from toolschool.train import TrainConfig
from toolschool.types import Conversation, Message, ToolCall, write_jsonl

SYSTEM = "Be brief."


def make_run(path, model="tiny", fmt="tool_use"):
    """A run directory as ``toolschool train`` writes it, with a random non-zero LoRA adapter."""
    from toolschool.train.sft import attach_lora

    lora = {"r": 4, "alpha": 8, "dropout": 0.0}
    cfg = TrainConfig(model=model, format=fmt, system_prompt=SYSTEM, lora=lora, data="train.jsonl")
    path.mkdir(parents=True)
    conversation = Conversation(messages=[Message(role="user", content="hi")], tools=UNSORTED_TOOLS)
    write_jsonl(path / "train.jsonl", [conversation])  # the training data, relative to the run
    dump_config(cfg, path / "config.yaml")
    peft_model = attach_lora(load_model(model).model, cfg)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:  # B starts at zero: make the adapter change the outputs
                p.copy_(torch.randn(p.shape, generator=generator) * 0.05)
    peft_model.save_pretrained(path / "adapter")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("export") / "run")


@pytest.fixture(scope="module")
def merged(run):
    return load_trained(run)


CONVERSATIONS = [
    [Message(role="user", content="weather in Oslo?")],
    [Message(role="system", content="Answer in French."), Message(role="user", content="Translate hello")],
    [
        Message(role="user", content="What is the weather in Tokyo?"),
        Message(role="assistant", tool_calls=[ToolCall(id="a", name="get_weather", arguments={"city": "X"})]),
        Message(role="tool", tool_call_id="a", name="get_weather", content='{"temp": 9}'),
    ],
]


def _prompt_ids(tokenizer, prompt):
    return tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]


def _template_prompt(tokenizer, messages):
    tools = [t.to_openai() for t in PLAIN_TOOLS]
    return tokenizer.apply_chat_template(
        hf_messages(messages), tools=tools, tokenize=False, add_generation_prompt=True
    )


def _greedy(model, ids, n=24):
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=n, do_sample=False, pad_token_id=0)
    return out[0, ids.shape[1] :].tolist()


def test_the_gguf_loads_back_in_transformers_and_decodes_like_the_merged_model(run, merged, tmp_path):
    result = export(run, tmp_path, to="gguf", gguf_type="f32")
    assert result.files == ["model.gguf", "toolschool_export.json"]
    assert result.gguf.tensor_type == "f32" and result.gguf.pre_tokenizer == "gpt-2"
    gguf_model = AutoModelForCausalLM.from_pretrained(tmp_path, gguf_file="model.gguf", dtype=torch.float32)
    gguf_model.eval()
    gguf_tokenizer = AutoTokenizer.from_pretrained(tmp_path, gguf_file="model.gguf")
    assert gguf_tokenizer.chat_template == chat_template("tool_use", "chatml", SYSTEM)

    base = load_model("tiny").model
    fmt, layout = get_format("tool_use"), merged.loaded.layout()
    differs_from_base = False
    for messages in CONVERSATIONS:
        ours = layout.render(messages, PLAIN_TOOLS, fmt, SYSTEM, add_generation_prompt=True)
        theirs = _template_prompt(gguf_tokenizer, messages)
        assert theirs == ours
        ids = _prompt_ids(merged.loaded.tokenizer, ours)
        assert torch.equal(_prompt_ids(gguf_tokenizer, theirs), ids)  # same tokens from the GGUF's tokenizer
        with torch.no_grad():
            expected = merged.loaded.model(input_ids=ids).logits
            assert torch.allclose(gguf_model(input_ids=ids).logits, expected, atol=1e-5)
            differs_from_base |= not torch.allclose(base(input_ids=ids).logits, expected, atol=1e-3)
        assert _greedy(gguf_model, ids) == _greedy(merged.loaded.model, ids)
    assert differs_from_base  # the adapter was merged, so the comparison means something


@pytest.mark.parametrize("gguf_type", ["f16", "bf16", "q8_0"])
def test_smaller_gguf_types_load_and_stay_close(run, merged, tmp_path, gguf_type):
    result = export(run, tmp_path, to="gguf", gguf_type=gguf_type)
    model = AutoModelForCausalLM.from_pretrained(tmp_path, gguf_file="model.gguf", dtype=torch.float32).eval()
    ids = _prompt_ids(merged.loaded.tokenizer, "<|im_start|>user\nweather in Oslo?<|im_end|>\n")
    with torch.no_grad():
        expected = merged.loaded.model(input_ids=ids).logits.softmax(-1)
        got = model(input_ids=ids).logits.softmax(-1)
    assert (got - expected).abs().max() < 0.05, gguf_type
    assert result.gguf.bytes == (tmp_path / "model.gguf").stat().st_size


def test_the_safetensors_export_prompts_and_decodes_like_toolschool(run, merged, tmp_path):
    result = export(run, tmp_path, to="safetensors")
    expected_files = {"config.json", "model.safetensors", "chat_template.jinja", "toolschool_export.json"}
    assert expected_files <= set(result.files)
    manifest = json.loads((tmp_path / "toolschool_export.json").read_text())
    assert manifest["vllm_tool_call_parser"] == "toolschool-tool_use"
    assert [manifest[k] for k in ("format", "layout", "system_prompt")] == ["tool_use", "chatml", SYSTEM]
    model = AutoModelForCausalLM.from_pretrained(tmp_path, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    fmt, layout = get_format("tool_use"), merged.loaded.layout()
    for messages in CONVERSATIONS:
        prompt = _template_prompt(tokenizer, messages)
        assert prompt == layout.render(messages, PLAIN_TOOLS, fmt, SYSTEM, add_generation_prompt=True)
        ids = _prompt_ids(tokenizer, prompt)
        assert _greedy(model, ids) == _greedy(merged.loaded.model, ids)


def test_the_ollama_export_is_a_gguf_and_a_modelfile(run, tmp_path):
    result = export(run, tmp_path, to="ollama", gguf_type="q8_0")
    assert result.files == ["model.gguf", "Modelfile", "toolschool_export.json"]
    text = (tmp_path / "Modelfile").read_text()
    assert "FROM ./model.gguf\n" in text
    assert 'SYSTEM """Be brief."""' in text and 'PARAMETER stop "<|im_end|>"' in text
    assert "PARAMETER num_ctx 4096" in text  # the tiny model's context
    # the trained tools keep their property order in Ollama's prompts
    orders = {"unit_converter": ["value", "from", "to"], "datetime": ["action", "timezone", "date", "days"]}
    assert f'TEMPLATE """{ollama_template("tool_use", property_orders=orders)}"""' in text
    assert result.trained_tools_from == run / "train.jsonl"


def test_a_gemma_run_exports_to_safetensors_with_gemma_turns_but_not_to_gguf(tmp_path):
    run = make_run(tmp_path / "gemma", model="tiny-gemma3", fmt="hermes")
    result = export(run, tmp_path / "st", to="safetensors")
    assert (result.layout, result.format) == ("gemma", "hermes")
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "st")
    trained = load_trained(run)
    messages = CONVERSATIONS[2]
    prompt = _template_prompt(tokenizer, messages)
    layout = trained.loaded.layout()
    assert prompt == layout.render(messages, PLAIN_TOOLS, get_format("hermes"), SYSTEM, True)
    assert prompt.startswith("<bos><start_of_turn>user\nBe brief.")
    config = json.loads((tmp_path / "st" / "generation_config.json").read_text())
    assert tokenizer.convert_tokens_to_ids("<end_of_turn>") in config["eos_token_id"]  # stops at turn ends
    with pytest.raises(ExportError, match="GGUF export supports the llama architecture.*'gemma3_text'"):
        export(run, tmp_path / "g", to="gguf")


def test_the_export_command_writes_the_files_and_reports_user_errors(run, tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["export", str(run), "--out", str(tmp_path / "o"), "--gguf-type", "q8_0"])
    assert done.exit_code == 0, done.output
    assert "ollama create" in done.output and (tmp_path / "o" / "Modelfile").is_file()
    done = runner.invoke(app, ["export", str(tmp_path / "nothing"), "--out", str(tmp_path / "x")])
    assert done.exit_code == 2 and "is not a run directory" in done.output
    done = runner.invoke(app, ["export", str(run), "--out", str(tmp_path / "x"), "--to", "onnx"])
    assert done.exit_code == 2 and "choose one of ollama, gguf, safetensors" in done.output


def test_an_unsupported_format_is_refused_before_the_model_is_loaded(tmp_path, monkeypatch):
    run = tmp_path / "run"
    run.mkdir()
    dump_config(TrainConfig(model="tiny", format="pythonic"), run / "config.yaml")
    (run / "adapter").mkdir()
    (run / "adapter" / "adapter_config.json").write_text("{}")
    monkeypatch.setattr("toolschool.models.loading.load_trained", lambda *a, **k: pytest.fail("loaded"))
    with pytest.raises(ExportError, match="format 'pythonic'"):
        export(run, tmp_path / "out")
