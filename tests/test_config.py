import pytest

from toolschool.config import apply_overrides, dump_config, load_config
from toolschool.errors import ConfigError
from toolschool.train import TrainConfig


def test_overrides_parse_yaml_values_and_nest():
    data = apply_overrides({"lora": {"r": 16}}, ["lora.r=8", "learning_rate=1e-4", "lora.target_modules=[q_proj, v_proj]"])
    assert data == {"lora": {"r": 8, "target_modules": ["q_proj", "v_proj"]}, "learning_rate": 1e-4}


def test_yaml_file_round_trip(tmp_path):
    cfg = load_config(TrainConfig, None, ["epochs=2", "lora.r=4"])
    path = dump_config(cfg, tmp_path / "c.yaml")
    assert load_config(TrainConfig, path) == cfg


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
