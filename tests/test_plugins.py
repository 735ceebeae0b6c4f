"""Plugins: a format and a toolkit registered from a config's dotted paths, before validation."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from toolschool.cli.app import app
from toolschool.config import load_config
from toolschool.errors import ConfigError
from toolschool.pipeline import RunConfig

PLUGIN = '''
from toolschool.formats.hermes import HermesFormat
from toolschool.tools import tool


class BracketHermes(HermesFormat):
    """Hermes calls, registered from a plugin."""

    name = "bracket_hermes"


@tool
def shout(text: str) -> str:
    """Repeat a text in capitals.

    Args:
        text: what to shout.
    """
    return text.upper()


TOOLS = [shout]
'''


@pytest.fixture()
def plugin_module(tmp_path, monkeypatch):
    (tmp_path / "tsplugin_demo.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "tsplugin_demo"


def test_a_format_and_a_toolkit_from_plugins_validate_like_built_ins(plugin_module):
    from toolschool.formats import get_format
    from toolschool.tools import get_toolkit

    overrides = [f"plugins=[{plugin_module}:BracketHermes, loud={plugin_module}:TOOLS]",
                 "format=bracket_hermes", "toolkit=loud", "model=tiny"]
    config = load_config(RunConfig, None, overrides)
    assert config.format == "bracket_hermes" and config.toolkit == "loud"
    assert type(get_format("bracket_hermes")).__name__ == "BracketHermes"
    assert [t.name for t in get_toolkit("loud")] == ["shout"]


def test_without_the_plugin_the_same_names_are_refused():
    with pytest.raises(ConfigError, match="format: unknown tool format 'not_registered_fmt'"):
        load_config(RunConfig, None, ["format=not_registered_fmt"])


def test_bad_plugin_entries_are_clear_errors(plugin_module, tmp_path):
    with pytest.raises(ConfigError, match="cannot import 'no_such_module_xyz'"):
        load_config(RunConfig, None, ["plugins=[no_such_module_xyz:Thing]"])
    with pytest.raises(ConfigError, match="has no attribute 'Missing'"):
        load_config(RunConfig, None, [f"plugins=[{plugin_module}:Missing]"])
    with pytest.raises(ConfigError, match="is not a ToolFormat or Layout subclass"):
        load_config(RunConfig, None, [f"plugins=[{plugin_module}:shout]"])  # one Tool, not a list
    config = tmp_path / "run.yaml"
    config.write_text(f"plugins: [{plugin_module}:BracketHermes]\nformat: bracket_hermes\nmodel: tiny\n")
    result = CliRunner().invoke(app, ["config", "validate", str(config)])
    assert result.exit_code == 0, result.output
