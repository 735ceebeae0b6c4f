"""Staged recipes: text → code → tool SFT, each stage from the previous one's best checkpoint."""

from __future__ import annotations

import json

import pytest
import torch
import yaml
from typer.testing import CliRunner

from tests.train.test_pretrain import TEXT, _val_blocks
from toolschool.cli.app import app
from toolschool.config import load_config
from toolschool.errors import ConfigError
from toolschool.models import load_model, load_trained
from toolschool.train.pretrain import validation_loss
from toolschool.train.pretrain_config import PretrainConfig
from toolschool.train.staged import StagedConfig, run

COMMON = {"block_size": 32, "batch_size": 8, "eval_every": 4, "precision": "fp32", "num_threads": 1}


def _recipe(tmp_path):
    (tmp_path / "text").mkdir()
    for i in range(4):
        (tmp_path / "text" / f"{i}.txt").write_text(TEXT * (3 + i))
    recipe = {
        "name": "chain", "out_dir": str(tmp_path / "runs"),
        "data": {"n_train": 8, "n_val": 2, "n_test": 2},
        "stages": [
            {"name": "text", "kind": "causal_lm", "from": "scratch llama-micro", "tokenizer": "tiny",
             "corpus": [str(tmp_path / "text")], "max_steps": 8, "learning_rate": 1e-2, **COMMON},
            {"name": "code", "kind": "causal_lm", "corpus": ["python-stdlib"], "max_bytes": 40_000,
             "max_steps": 4, **COMMON},
            {"name": "tools", "kind": "sft", "max_steps": 2, "batch_size": 4, "max_length": 4096,
             "precision": "fp32", "num_threads": 1, "lora": {"r": 4, "alpha": 8}},
        ],
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def test_three_stages_each_start_from_the_previous_best_checkpoint(tmp_path):
    config = load_config(StagedConfig, _recipe(tmp_path), ["stages.code.learning_rate=3e-3"])
    threads = torch.get_num_threads()
    result = run(config)
    assert torch.get_num_threads() == threads  # the stages' num_threads: 1 did not stay behind
    text, code, tools = result.stages
    run_dir = tmp_path / "runs" / "chain"
    assert result.run_dir == run_dir
    assert [o.out_dir for o in result.stages] == [str(run_dir / d) for d in ("1-text", "2-code", "3-tools")]
    assert text.started_from == "scratch:llama-micro:tiny:0"
    assert code.started_from == text.checkpoint == str(run_dir / "1-text" / "checkpoint")
    assert tools.started_from == code.checkpoint == str(run_dir / "2-code" / "checkpoint")
    assert result.final == tools.checkpoint == str(run_dir / "3-tools")
    for o in result.stages:  # each stage's own config names the model it started from
        assert yaml.safe_load((run_dir / o.out_dir / "config.yaml").read_text())["model"] == o.started_from
    assert text.result.best_val_loss < text.result.initial_val_loss
    assert code.result.initial_val_loss != text.result.best_val_loss  # other blocks (code) …
    # … measured on the text stage's best weights: the code stage's step 0 is that checkpoint
    code_config = load_config(PretrainConfig, run_dir / "2-code" / "config.yaml")
    assert code_config.learning_rate == 3e-3  # the override by stage name
    start = load_model(text.checkpoint)
    again = validation_loss(start.model, _val_blocks(code_config, start.tokenizer), 8, False)
    assert again == pytest.approx(code.result.initial_val_loss, rel=1e-4)
    # the SFT stage trained an adapter on the code checkpoint, trained on the generated data
    trained = load_trained(tools.out_dir)
    assert trained.loaded.info["base"] == code.checkpoint
    sft_config = yaml.safe_load((run_dir / "3-tools" / "config.yaml").read_text())
    assert sft_config["data"] == str(run_dir / "data" / "train.jsonl")
    base = load_model(code.checkpoint).model.state_dict()
    merged = trained.loaded.model.state_dict()
    assert torch.equal(merged["model.embed_tokens.weight"], base["model.embed_tokens.weight"])  # not adapted
    assert not torch.equal(merged["model.layers.0.self_attn.q_proj.weight"],
                           base["model.layers.0.self_attn.q_proj.weight"])
    summary = json.loads((run_dir / "staged_result.json").read_text())
    assert summary["final"] == tools.checkpoint
    assert [s["name"] for s in summary["stages"]] == ["text", "code", "tools"]
    # the recorded recipe loads again as the same recipe
    assert load_config(StagedConfig, run_dir / "config.yaml") == config


def test_a_middle_sft_stage_hands_on_its_merged_model(tmp_path):
    recipe = yaml.safe_load(_recipe(tmp_path).read_text())
    recipe["stages"] = [recipe["stages"][0], recipe["stages"][2], {**recipe["stages"][1], "max_steps": 2}]
    recipe["stages"][0]["max_steps"] = 2
    config = StagedConfig.model_validate(recipe)
    result = run(config)
    text, tools, code = result.stages
    assert tools.checkpoint == str(tmp_path / "runs" / "chain" / "2-tools" / "merged")
    assert code.started_from == tools.checkpoint
    merged = load_model(tools.checkpoint).model.state_dict()
    trained = load_trained(tools.out_dir).loaded.model.state_dict()
    assert all(torch.equal(merged[k], trained[k]) for k in trained)


def test_every_problem_of_a_bad_recipe_is_reported_at_once_with_where_it_is(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"data": {"n_train": 0}, "stages": [
        {"name": "text", "kind": "causal_lm", "corpus": [str(tmp_path / "none" / "*.txt")], "lr": 0.1,
         "tokenizer": "tiny"},
        {"name": "text", "kind": "causal_lm", "from": "scratch llama-11m", "corpus": ["python-stdlib"],
         "model": "tiny"},
        {"kind": "sft", "from": "pretrained smollm3", "lora": {"rank": 4}, "epochs": -1},
        {"kind": "rlhf"},
    ]}))
    with pytest.raises(ConfigError) as err:
        load_config(StagedConfig, bad)
    text = str(err.value)
    expected = [
        "data.n_train: Input should be greater than or equal to 1",
        "stages.0.corpus: corpus entry", "stages.0.lr: unknown key; did you mean 'learning_rate'?",
        "stages.1.from: unknown scratch size 'llama-11m'; sizes: llama-micro",
        "stages.2.lora.rank: unknown key; did you mean 'r'?",
        "stages.2.epochs: Input should be greater than 0",
        "stages.2.from: unknown model 'smollm3'", "stages.3: Input tag 'rlhf'",
        "stages.0.from: the first stage has no previous stage",
        "stages.0.tokenizer: only a `from: scratch <size>` stage takes a tokenizer",
        "stages.1.model: set by the recipe", "stages.1.name: 'text' is also the name of stage 0",
    ]
    assert f"{len(expected)} problem(s)" in text
    for line in expected:
        assert f"\n  {line}" in text, line
    assert not (tmp_path / "runs").exists()


def test_the_cli_runs_a_causal_lm_stage_again_from_its_config(tmp_path):
    recipe = _recipe(tmp_path)
    config = StagedConfig.model_validate({**yaml.safe_load(recipe.read_text()),
                                          "stages": [yaml.safe_load(recipe.read_text())["stages"][0]]})
    first = run(config).stages[0]
    stage_config = tmp_path / "runs" / "chain" / "1-text" / "config.yaml"
    result = CliRunner().invoke(app, ["train", "-c", str(stage_config), "-o", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    assert "checkpoint:" in result.output and "val loss" in result.output
    again = json.loads((tmp_path / "again" / "pretrain_result.json").read_text())
    assert again["best_val_loss"] == first.result.best_val_loss  # same seed, data and threads: same run
    refused = CliRunner().invoke(app, ["train", "-c", str(recipe), "-d", "x.jsonl"])
    assert refused.exit_code == 2 and "--data is for LoRA SFT configs" in refused.stderr
