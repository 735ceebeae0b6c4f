"""Evaluating through an OpenAI-compatible endpoint: ``toolschool serve`` of the tiny model on
127.0.0.1, asked by the real ``openai`` client in each ``api_mode``, answers exactly as the
same model evaluated locally; ``completions`` mode sends the locally rendered prompt."""

from __future__ import annotations

import json

import pytest

from tests.openai_server import OpenAIServer
from tests.serve.support import Server
from tests.shared_data import shared_file
from toolschool.backends.local import LocalBackend, prepare_for_inference
from toolschool.backends.spec import OpenedBackend
from toolschool.chat.prompt import ChatMLLayout
from toolschool.errors import ConfigError
from toolschool.eval.config import EvalConfig
from toolschool.eval.items import load_items
from toolschool.eval.stage import run as run_eval
from toolschool.formats import get_format
from toolschool.models import load_model
from toolschool.serve.app import create_app
from toolschool.tools import get_toolkit
from toolschool.types import ToolCall

FORMAT = "tool_use"


@pytest.fixture(scope="module")
def items_file(tmp_path_factory):
    """Four single-turn requests and two with tool results in their history."""
    rows = [json.loads(line) for line in shared_file("eval", "natural_dev.jsonl").read_text().splitlines()]
    history = [r for r in rows if any(m["role"] == "tool" for m in r["messages"])][:2]
    chosen = [r for r in rows if r not in history][:4] + history
    path = tmp_path_factory.mktemp("endpoint") / "items.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in chosen))
    return path


def _sharp_tiny():
    """The tiny model with its output scaled up: its random logits are so flat that the rounding
    of a key/value cache computed in other chunks (each side reuses its own cached prefix)
    could flip a near-tie; scaled, greedy choices are clear-cut."""
    import torch

    tiny = load_model("tiny")
    head = tiny.model.get_output_embeddings()
    with torch.no_grad():
        head.weight.mul_(30.0)
    return tiny


def _local(items_file, tmp_path, tiny):
    config = EvalConfig(data=str(items_file), model="tiny", format=FORMAT, dtype="float32", call_window=None,
                        batch_size=1, max_new_tokens=24, out_dir=str(tmp_path / "local"))
    return run_eval(config, loaded=tiny)


@pytest.mark.parametrize("mode", ["tools", "prompt"])
def test_an_endpoint_answers_as_the_same_model_evaluated_locally(items_file, tmp_path, mode):
    tiny = _sharp_tiny()
    local = _local(items_file, tmp_path, tiny)
    fmt = get_format(FORMAT, lenient=True)
    backend = LocalBackend(prepare_for_inference(tiny.model, "float32"), tiny.tokenizer, fmt, batch_size=1)
    with Server(create_app(OpenedBackend(backend, fmt, None, "tiny"), "tiny-served")) as server:
        config = EvalConfig(data=str(items_file), model=server.url + "/v1", api_model="tiny-served",
                            api_mode=mode, format=FORMAT, max_new_tokens=24, out_dir=str(tmp_path / mode))
        remote = run_eval(config)
    assert [p.id for p in remote.predictions] == [p.id for p in local.predictions]
    for near, far in zip(local.predictions, remote.predictions):
        assert [(c.name, c.arguments) for c in far.calls] == [(c.name, c.arguments) for c in near.calls]
        if mode == "prompt":  # the text comes back (the server trims whitespace) and is parsed here
            assert far.raw == near.raw.strip(), near.id
    skip = {"latency", "failures"}  # (failures quote the raw text; compared above)
    assert remote.metrics.model_dump(exclude=skip) == local.metrics.model_dump(exclude=skip)
    assert f"({mode})" in remote.report_path.read_text()


def test_completions_mode_sends_the_locally_rendered_prompt_and_parses_the_text(items_file, tmp_path):
    fmt = get_format(FORMAT)
    items = load_items(str(items_file))
    answer = fmt.render_assistant("", [ToolCall(name="weather", arguments={"location": "Oslo"})])
    reply = {"id": "cmpl-1", "object": "text_completion", "created": 1765000000, "model": "m",
             "choices": [{"index": 0, "text": answer, "finish_reason": "stop", "logprobs": None}],
             "usage": {"prompt_tokens": 9, "completion_tokens": 7, "total_tokens": 16}}
    with OpenAIServer([(200, reply)] * len(items), path="/v1/completions") as server:
        config = EvalConfig(data=str(items_file), model=server.url, api_model="m", api_mode="completions",
                            format=FORMAT, max_new_tokens=24, out_dir=str(tmp_path / "completions"))
        result = run_eval(config)
    tools = get_toolkit("assistant")
    layout = ChatMLLayout()
    for item, body in zip(items, server.bodies):
        expected = layout.render(item.messages, item.tools or tools, fmt, result.system_prompt,
                                 add_generation_prompt=True)
        assert body["prompt"] == expected and body["stop"] == list(layout.stops) and body["max_tokens"] == 24
    assert all(p.calls[0].name == "weather" and p.calls[0].arguments == {"location": "Oslo"}
               for p in result.predictions)


def test_an_endpoint_needs_the_served_model_name(items_file):
    with pytest.raises(ConfigError, match="api_model"):
        EvalConfig(data=str(items_file), model="http://127.0.0.1:9/v1").require()
