from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolschool.cli.app import app
from toolschool.cli.config import STAGES, config_class, stage_of
from toolschool.config import apply_overrides, describe_config, dump_config, load_config
from toolschool.errors import ConfigError
from toolschool.train import TrainConfig

REPO = Path(__file__).resolve().parents[1]
#: toolschool's own presets; configs/accelerate/ holds `accelerate launch` configs (tested below)
PRESETS = sorted(p for p in (REPO / "configs").glob("*/*.yaml") if p.parent.name != "accelerate")
ACCELERATE = sorted((REPO / "configs" / "accelerate").glob("*.yaml"))


def test_overrides_parse_yaml_values_and_nest():
    data = apply_overrides({"lora": {"r": 16}}, ["lora.r=8", "learning_rate=1e-4", "lora.target_modules=[q_proj, v_proj]"])
    assert data == {"lora": {"r": 8, "target_modules": ["q_proj", "v_proj"]}, "learning_rate": 1e-4}


def test_overrides_reach_list_items_by_index_or_name():
    data = {"stages": [{"name": "text", "lr": 1}, {"kind": "sft"}]}
    out = apply_overrides(data, ["stages.text.lr=2", "stages.1.max_steps=5", "stages.0.lora.r=4"])
    assert out == {"stages": [{"name": "text", "lr": 2, "lora": {"r": 4}}, {"kind": "sft", "max_steps": 5}]}
    assert data["stages"][0]["lr"] == 1  # a copy
    with pytest.raises(ConfigError) as err:
        apply_overrides(data, ["stages.code.lr=1", "stages.2.lr=1", "stages.0=1"])
    text = str(err.value)
    assert "'stages.code.lr=1': no item 'code'" in text and "'stages.2.lr=1': no item '2'" in text
    assert "'stages.0=1': set a list item's keys one by one (stages.0.<key>=…)" in text


def test_yaml_file_round_trip(tmp_path):
    cfg = load_config(TrainConfig, None, ["epochs=2", "lora.r=4"])
    path = dump_config(cfg, tmp_path / "c.yaml")
    assert load_config(TrainConfig, path) == cfg


def test_file_then_options_then_overrides(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("out_dir: from-file\ndata: from-file.jsonl\nseed: 3\n")
    cfg = load_config(TrainConfig, path, ["seed=4"], {"out_dir": "from-option", "data": None})
    assert (cfg.out_dir, cfg.data, cfg.seed) == ("from-option", "from-file.jsonl", 4)


def test_bad_inputs_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(TrainConfig, tmp_path / "nope.yaml")
    bad = tmp_path / "list.yaml"
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(TrainConfig, bad)
    with pytest.raises(ConfigError, match="expected key=value"):
        load_config(TrainConfig, None, ["epochs"])
    with pytest.raises(ConfigError, match=r"lora\.r: Input should be a valid integer"):
        load_config(TrainConfig, None, ["lora.r.x=1"])


def test_registry_names_are_checked_when_the_config_loads():
    with pytest.raises(ConfigError) as err:
        overrides = ["format=hermez", "layout=chatmlx", "toolkit=nope", "model=tiny:x"]
        load_config(config_class("run"), None, overrides)
    text = str(err.value)
    assert "4 problem(s)" in text
    assert "format: unknown tool format 'hermez'; known: block" in text
    assert "layout: unknown chat layout 'chatmlx'" in text
    assert "toolkit: unknown toolkit 'nope'; known: assistant" in text
    assert "model: model 'tiny:x'" in text


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_preset_loads(preset):
    assert stage_of(preset) in STAGES
    load_config(config_class(stage_of(preset)), preset)


#: recipe file → (base model, its native tool-call format)
RECIPES = {
    "smollm2-135m": ("smollm2-135m", "tool_use"), "gemma3-270m": ("gemma3-270m", "pythonic"),
    "qwen2.5-0.5b": ("Qwen/Qwen2.5-0.5B-Instruct", "hermes"),
    "qwen2.5-1.5b": ("Qwen/Qwen2.5-1.5B-Instruct", "hermes"), "qwen3-0.6b": ("Qwen/Qwen3-0.6B", "hermes"),
    "llama3.2-1b": ("meta-llama/Llama-3.2-1B-Instruct", "llama3_json"),
    "gemma3-1b": ("google/gemma-3-1b-it", "pythonic"), "gemma4-e2b": ("google/gemma-4-E2B-it", "gemma4"),
    "functiongemma-270m": ("google/functiongemma-270m-it", "functiongemma"),
}


@pytest.mark.parametrize("name", RECIPES)
def test_training_recipes_name_their_model_and_its_format(name):
    """Validating a recipe needs no hub access: a hub id is checked by its form only (the LoRA
    targets are checked against the model's skeleton when training starts)."""
    cfg = load_config(config_class("train"), REPO / "configs" / "train" / f"{name}.yaml")
    assert (cfg.model, cfg.format) == RECIPES[name]
    assert cfg.out_dir == f"runs/train-{name}" and cfg.quantization == "none"
    assert (REPO / "configs" / "train" / f"{name}.yaml").read_text().startswith("# ")  # a comment header


def test_there_are_presets_for_every_stage_folder():
    assert {p.parent.name for p in PRESETS} == {"data", "run", "train"}


@pytest.mark.parametrize("path", ACCELERATE, ids=lambda p: p.name)
def test_every_accelerate_config_loads_in_accelerate(path):
    """The shipped launch configs are read by accelerate's own config loader (what `accelerate
    launch --config_file` does), each for a multi-process launch."""
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(path))
    assert config.num_processes >= 2 and config.distributed_type.value != "NO"


def test_the_accelerate_configs_cover_ddp_fsdp_and_deepspeed():
    assert {p.stem for p in ACCELERATE} >= {"multi_gpu", "fsdp", "deepspeed_zero2"}


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_key_has_a_one_line_description(stage):
    keys = describe_config(config_class(stage))
    assert keys
    for key in keys:
        assert key.description, f"{stage}: {key.key} has no description"
        assert "\n" not in key.description and len(key.description) <= 110, key.key


def test_config_show_lists_keys_defaults_and_descriptions():
    result = CliRunner().invoke(app, ["config", "show", "train"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "lora.r" in result.output and "peak learning rate" in result.output and "0.002" in result.output
    bad = CliRunner().invoke(app, ["config", "show", "trian"])
    assert bad.exit_code == 2 and "unknown stage 'trian'; stages: run, data, train, eval" in bad.stderr


def test_config_validate_checks_without_running(tmp_path):
    good = tmp_path / "train" / "ok.yaml"
    good.parent.mkdir()
    good.write_text("model: tiny\nlora:\n  r: 4\n")
    result = CliRunner().invoke(app, ["config", "validate", str(good)])
    assert result.exit_code == 0 and "a valid train config" in result.stdout
    bad = tmp_path / "run.yaml"
    bad.write_text("model: tiny\ntrain:\n  lora:\n    rank: 4\n")
    result = CliRunner().invoke(app, ["config", "validate", str(bad)])
    assert result.exit_code == 2 and "train.lora.rank: unknown key; did you mean 'r'?" in result.stderr
    assert not list(tmp_path.glob("runs*"))
