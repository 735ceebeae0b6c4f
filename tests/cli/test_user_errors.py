"""What a new user sees when something is wrong: one clear message on stderr, exit 2, no traceback."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.shared_data import CHAT_TEMPLATES
from toolschool.cli.app import app


def _fails_cleanly(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    for needle in needles:
        assert needle in result.stderr, result.stderr


def _runner() -> CliRunner:
    return CliRunner()


def test_version() -> None:
    from toolschool import __version__

    result = _runner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"toolschool {__version__}"


def test_eval_with_a_malformed_tiny_seed(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "a", "messages": [{"role": "user", "content": "hi"}], "expected": []}\n')
    result = _runner().invoke(app, ["eval", "-d", str(items), "-m", "tiny:abc"])
    _fails_cleanly(result, "tiny:<seed> needs a whole-number seed")


def test_unknown_model_fails_fast_and_names_the_choices(tmp_path: Path) -> None:
    result = _runner().invoke(app, ["run", "model=smollm3", f"out_dir={tmp_path}"])
    _fails_cleanly(result, "unknown model 'smollm3'", "smollm2-135m", "tiny")


def test_offline_hub_id_fails_at_once_not_after_retries(tmp_path: Path) -> None:
    from toolschool.errors import ModelLoadError
    from toolschool.models import load_model

    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        with pytest.raises(ModelLoadError, match="not in the local hub cache"):
            load_model("nobody-here/no-such-model")
    finally:
        del os.environ["HF_HUB_OFFLINE"]


def test_unknown_key_gets_did_you_mean_and_the_keys(tmp_path: Path) -> None:
    result = _runner().invoke(app, ["train", "lora.alhpa=8", "learning_rat=1e-3", "lora.rank=4"])
    _fails_cleanly(result, "lora.alhpa: unknown key; did you mean 'alpha'?", "keys here: alpha, dropout",
                   "learning_rat: unknown key; did you mean 'learning_rate'?",
                   "lora.rank: unknown key; did you mean 'r'?")


def test_train_tiny_at_the_default_max_length_says_to_raise_it(tmp_path: Path) -> None:
    data = tmp_path / "d"
    made = _runner().invoke(app, ["data", "generate", "-o", str(data), "n_train=6", "n_val=0", "n_test=0"])
    assert made.exit_code == 0, made.output
    result = _runner().invoke(app, ["train", "-d", str(data / "train.jsonl"), "-o", str(tmp_path / "t"),
                                    "model=tiny"])
    _fails_cleanly(result, "max_length=768", "raise max_length")


@pytest.mark.parametrize("override, needle", [
    ("train.lora.last_layers=99", "lora.last_layers=99 but the model has only 2 decoder layers"),
    ("train.lora.target_modules=[foo]", "match no module of this model"),
])
def test_lora_settings_that_do_not_fit_the_model_fail_before_training(
    tmp_path: Path, override: str, needle: str
) -> None:
    result = _runner().invoke(app, ["run", "model=tiny", override, f"out_dir={tmp_path}", "name=r"])
    _fails_cleanly(result, needle)
    assert not (tmp_path / "r" / "data").exists()  # before data generation


def test_training_data_that_is_missing(tmp_path: Path) -> None:
    result = _runner().invoke(app, ["train", "-d", str(tmp_path / "none.jsonl"), "model=tiny"])
    _fails_cleanly(result, "none.jsonl does not exist")


def test_malformed_jsonl_line_reports_line_and_column(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    bad = '{"id": "b", "messages": [,]}'
    good = '{"id": "a", "messages": [{"role": "user", "content": "hi"}], "expected": []}'
    items.write_text(good + "\n" + bad + "\n")
    result = _runner().invoke(app, ["eval", "-d", str(items), "-m", "tiny"])
    _fails_cleanly(result, f"{items}:2: column {bad.index(',]') + 1}: invalid JSON")


def test_eval_on_an_empty_file_warns(tmp_path: Path) -> None:
    items = tmp_path / "empty.jsonl"
    items.write_text("\n")
    result = _runner().invoke(app, ["eval", "-d", str(items), "-m", "tiny", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "has no eval items" in result.stderr


def test_formats_check_unknown_format() -> None:
    result = _runner().invoke(app, ["formats", "check", "-t", str(CHAT_TEMPLATES / "Qwen-Qwen3-0.6B.jinja"),
                                    "-f", "nope"])
    _fails_cleanly(result, "unknown tool format 'nope'", "known: block")


def test_formats_check_template_that_does_not_compile(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jinja"
    bad.write_text("{% for m in messages %}{{ m.content }\n")
    result = _runner().invoke(app, ["formats", "check", "-t", str(bad), "-f", "hermes"])
    _fails_cleanly(result, "bad.jinja:1: the template does not compile")


def test_formats_check_differs_has_its_own_exit_code(tmp_path: Path) -> None:
    changed = tmp_path / "qwen-changed.jinja"
    text = (CHAT_TEMPLATES / "Qwen-Qwen2.5-7B-Instruct.jinja").read_text()
    changed.write_text(text.replace("<tool_call>\\n", "<tool_call> \\n"))
    assert changed.read_text() != text
    result = _runner().invoke(app, ["formats", "check", "-t", str(changed)])
    assert result.exit_code == 3, result.output
    assert "differs" in result.stdout


def test_generated_files_have_ordinary_permissions(tmp_path: Path) -> None:
    out = tmp_path / "d"
    result = _runner().invoke(app, ["data", "generate", "-o", str(out), "n_train=4", "n_val=1", "n_test=2"])
    assert result.exit_code == 0, result.output
    umask = os.umask(0)
    os.umask(umask)
    for path in out.iterdir():
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == 0o666 & ~umask, (path.name, oct(mode))
    card = json.loads((out / "data_card.json").read_text())
    assert "out_dir" not in card["config"]  # where the data went is not part of what it is
