"""Teacher labelling against a real teacher server on 127.0.0.1 (tests/datagen/teacher_server.py)
through the real openai client: back-off, key rotation and retirement, every key exhausted,
verification of the teacher's calls and paraphrases, and resuming a journal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.datagen.teacher_server import TeacherServer
from toolschool.backends.key_rotation import KeysExhaustedError
from toolschool.datagen.teacher import run
from toolschool.datagen.teacher_config import TeacherConfig
from toolschool.errors import ConfigError, DataError
from toolschool.types import Conversation, read_jsonl


def _requests(tmp_path: Path, texts: list[str], name: str = "requests.jsonl") -> Path:
    path = tmp_path / name
    lines = [json.dumps({"id": f"r{i:02d}", "request": t}) for i, t in enumerate(texts)]
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _config(tmp_path: Path, server: TeacherServer, data: Path, **overrides) -> TeacherConfig:
    values = {"data": str(data), "out_dir": str(tmp_path / "out"), "model": "teacher", "base_url": server.url,
              "api_key_envs": ["TS_KEY_A"], "concurrency": 1, "backoff_base_s": 0.1, "backoff_max_s": 10.0,
              "timeout_s": 10.0, **overrides}
    return TeacherConfig(**values)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture()
def keys(monkeypatch):
    for name, secret in {"TS_KEY_A": "sk-a", "TS_KEY_B": "sk-b", "TS_KEY_C": "sk-c"}.items():
        monkeypatch.setenv(name, secret)


def test_transient_failures_back_off_exponentially_and_honour_retry_after(tmp_path, keys):
    data = _requests(tmp_path, ["Weather in Oslo?"])
    sleeps: list[float] = []
    with TeacherServer(faults=["500", ("429", 0.75), "drop", "slow", "500"]) as server:
        result = run(_config(tmp_path, server, data, timeout_s=3.0), sleep=sleeps.append)

    assert [h.fault for h in server.hits] == ["500", "429", "drop", "slow", "500", "ok"]
    assert result.failures == {"http_500": 2, "rate_limit": 1, "connection": 1, "timeout": 1}
    # equal jitter: the n-th wait lies in [b·2^(n-1)/2, b·2^(n-1)] (b = 0.1 s); the 429's is its Retry-After
    assert len(sleeps) == 5
    assert 0.05 <= sleeps[0] <= 0.1
    assert sleeps[1] == 0.75
    assert 0.2 <= sleeps[2] <= 0.4 and 0.4 <= sleeps[3] <= 0.8 and 0.8 <= sleeps[4] <= 1.6
    (conv,) = read_jsonl(result.conversations_path, Conversation)
    assert conv.messages[-1].tool_calls[0].name == "weather"
    assert conv.messages[-1].tool_calls[0].arguments == {"location": "Oslo"}
    assert _lines(result.journal_path)[0]["attempts"] == 6


def test_a_200_that_is_not_a_chat_completion_is_retried_not_journaled(tmp_path, keys):
    data = _requests(tmp_path, ["Weather in Oslo?"])
    with TeacherServer(faults=["html", "empty"]) as server:
        result = run(_config(tmp_path, server, data), sleep=lambda s: None)
    assert [h.fault for h in server.hits] == ["html", "empty", "ok"]
    assert result.failures == {"bad_reply": 2} and result.outputs == 1 and not result.rejects


def test_the_default_wait_really_sleeps(tmp_path, keys):
    data = _requests(tmp_path, ["Weather in Oslo?"])
    with TeacherServer(faults=["500", "500"]) as server:
        run(_config(tmp_path, server, data, backoff_base_s=0.4, backoff_max_s=0.4))
    first, second, third = (h.at for h in server.hits)
    assert second - first >= 0.2 and third - second >= 0.2  # equal jitter: at least half of 0.4 s


def test_a_request_gives_up_after_max_attempts_and_resume_asks_it_again(tmp_path, keys):
    data = _requests(tmp_path, ["Weather in Oslo?", "Weather in Rome?"])
    with TeacherServer(faults=["500", "500", "500"]) as server:
        result = run(_config(tmp_path, server, data, max_attempts=3), sleep=lambda s: None)
        assert [h.fault for h in server.hits][:3] == ["500", "500", "500"]
        assert list(result.unfinished) == ["r00"] and "after 3 attempts" in result.unfinished["r00"]
        assert [r["id"] for r in _lines(result.journal_path)] == ["r01"]
        card = json.loads(result.card_path.read_text())
        assert card["requests"] == {"total": 2, "done": 1, "unfinished": 1}

        again = run(_config(tmp_path, server, data, max_attempts=3, resume=True), sleep=lambda s: None)
    assert again.resumed == 1 and again.done == 2 and not again.unfinished
    assert server.texts() == ["Weather in Rome?", "Weather in Oslo?"]  # r01 was not asked twice
    assert [c.meta["id"] for c in read_jsonl(again.conversations_path, Conversation)] == ["r00", "r01"]


def test_keys_rotate_and_are_retired_for_quota_and_refusal(tmp_path, keys):
    data = _requests(tmp_path, [f"Weather in City{i}?" for i in range(6)])
    sleeps: list[float] = []
    server = TeacherServer(quota_after={"sk-a": 2}, refused_keys={"sk-b"}, key_faults={"sk-c": ["429"]})
    with server:
        cfg = _config(tmp_path, server, data, api_key_envs=["TS_KEY_A", "TS_KEY_B", "TS_KEY_C"])
        result = run(cfg, sleep=sleeps.append)

    seen = [(h.key, h.fault) for h in server.hits]
    assert seen == [("sk-a", "ok"), ("sk-b", "401"), ("sk-c", "429"), ("sk-a", "ok"), ("sk-c", "ok"),
                    ("sk-a", "quota"), ("sk-c", "ok"), ("sk-c", "ok"), ("sk-c", "ok")]
    assert len(sleeps) == 1  # only the rate limit waits; retirements move on at once
    fates = {k["name"]: k for k in result.keys}
    assert fates["TS_KEY_A"]["state"] == "retired" and "insufficient_quota" in fates["TS_KEY_A"]["reason"]
    assert fates["TS_KEY_B"]["state"] == "retired" and "HTTP 401" in fates["TS_KEY_B"]["reason"]
    assert fates["TS_KEY_C"]["state"] == "live" and fates["TS_KEY_C"]["ok"] == 4
    assert result.done == 6 and result.outputs == 6
    written = [result.journal_path, result.card_path, result.conversations_path, tmp_path / "out/config.yaml"]
    for path in written:
        text = path.read_text()
        assert "sk-a" not in text and "sk-b" not in text and "sk-c" not in text  # names only, never secrets


def test_a_403_daily_limit_retires_the_key_and_a_per_minute_429_does_not(tmp_path, keys):
    data = _requests(tmp_path, ["Weather in Oslo?", "Weather in Rome?"])
    with TeacherServer(key_faults={"sk-a": ["quota403"], "sk-b": ["429", "429"]}) as server:
        cfg = _config(tmp_path, server, data, api_key_envs=["TS_KEY_A", "TS_KEY_B"])
        result = run(cfg, sleep=lambda s: None)
    states = {k["name"]: k["state"] for k in result.keys}
    assert states == {"TS_KEY_A": "retired", "TS_KEY_B": "live"} and result.done == 2


def test_every_key_exhausted_is_a_clear_error_and_the_journal_keeps_the_done_requests(tmp_path, keys):
    texts = [f"Weather in City{i}?" for i in range(6)]
    data = _requests(tmp_path, texts)
    with TeacherServer(quota_after={"sk-a": 2, "sk-b": 1}) as server:
        cfg = _config(tmp_path, server, data, api_key_envs=["TS_KEY_A", "TS_KEY_B"], concurrency=2)
        with pytest.raises(KeysExhaustedError) as caught:
            run(cfg, sleep=lambda s: None)
        first_run = set(server.texts())

    message = str(caught.value)
    assert "every API key is retired (2 key(s))" in message
    assert "TS_KEY_A: retired: quota exhausted (HTTP 429 insufficient_quota" in message
    assert "TS_KEY_B: retired: quota exhausted" in message and "3 of 6 requests are done" in message
    assert "--resume" in message and "sk-a" not in message
    assert set(caught.value.fates) == {"TS_KEY_A", "TS_KEY_B"}
    journal = _lines(tmp_path / "out/journal.jsonl")
    assert len(journal) == 3 and len(first_run) == 3
    card = json.loads((tmp_path / "out/teacher_card.json").read_text())
    assert [k["state"] for k in card["last_run"]["keys"]] == ["retired", "retired"]
    assert card["requests"]["done"] == 3

    with TeacherServer() as server:  # a fresh key the next day
        result = run(_config(tmp_path, server, data, api_key_envs=["TS_KEY_C"], resume=True))
    assert set(server.texts()) == set(texts) - first_run and len(server.texts()) == 3
    ids = [c.meta["id"] for c in read_jsonl(result.conversations_path, Conversation)]
    assert ids == [f"r{i:02d}" for i in range(6)]


def test_a_404_stops_the_run_with_the_endpoint_named(tmp_path, keys):
    from toolschool.backends.openai_http import EndpointError

    data = _requests(tmp_path, ["Weather in Oslo?"])
    with TeacherServer(faults=["404"]) as server:
        with pytest.raises(EndpointError, match="HTTP 404 model_not_found.*base URL or model name"):
            run(_config(tmp_path, server, data), sleep=lambda s: None)


def test_verification_rejects_bad_calls_with_counted_reasons(tmp_path, keys):
    texts = ["Weather in Oslo?", "BAD unknown", "BAD schema", "BAD json", "BAD long", "BAD dup", "Hello",
             "Weather in Rome and Paris?", "BAD unknown"]
    data = _requests(tmp_path, texts)
    # one request at a time: the server's faults go by arrival order, and the 400 must meet the
    # last request (with concurrency it met another one now and then: a flaky count)
    with TeacherServer(faults=["ok"] * 8 + ["400"]) as server:
        result = run(_config(tmp_path, server, data, concurrency=1), sleep=lambda s: None)

    assert result.rejects == {"unknown_tool": 1, "invalid_arguments": 1, "arguments_not_json": 1,
                              "truncated": 1, "duplicate_call": 1, "endpoint_refused": 1}
    rejects = {r["id"]: r for r in _lines(result.rejects_path)}
    assert "not among the offered tools" in rejects["r01"]["detail"]
    assert "location: 5 is not of type 'string'" in rejects["r02"]["detail"]
    assert rejects["r03"]["answer"]["tool_calls"][0]["arguments"] == "{location: Oslo"
    assert "HTTP 400" in rejects["r08"]["detail"]
    convs = {c.meta["id"]: c for c in read_jsonl(result.conversations_path, Conversation)}
    assert list(convs) == ["r00", "r06", "r07"]
    assert [c.meta["category"] for c in convs.values()] == ["single", "no_tool", "parallel"]
    assert convs["r00"].messages[-1].content == ""  # the teacher's "Let me check." beside calls is dropped
    assert convs["r06"].messages[-1].content == "Hello! How can I help?"
    card = json.loads(result.card_path.read_text())
    assert card["rejects_by_reason"]["unknown_tool"] == 1 and card["outputs"] == 3
    assert card["outputs_by_category"] == {"no_tool": 1, "parallel": 1, "single": 1}
    body = server.hits[0].body
    assert body["model"] == "teacher" and body["temperature"] == 0.0 and len(body["tools"]) == 9
    assert body["messages"][0]["role"] == "system" and "label requests" in body["messages"][0]["content"]


def test_paraphrases_keep_the_copied_values_and_the_calls(tmp_path, keys):
    def conversation(city: str, meta: dict) -> dict:
        call = {"name": "weather", "arguments": {"location": city}}
        return {"messages": [{"role": "user", "content": f"Weather in {city}?"},
                             {"role": "assistant", "tool_calls": [call]}], "meta": meta}

    conversations = [conversation("Oslo", {"id": "w1", "family": "weather_basic"}),
                     conversation("Lima", {"id": "w2"})]
    data = tmp_path / "convs.jsonl"
    data.write_text("".join(json.dumps(c) + "\n" for c in conversations))
    with TeacherServer() as server:
        cfg = _config(tmp_path, server, data, task="paraphrase", n_paraphrases=5)
        result = run(cfg, sleep=lambda s: None)

    assert result.rejects == {"unchanged": 2, "lost_value": 2, "duplicate": 2}
    convs = read_jsonl(result.conversations_path, Conversation)
    assert [c.meta["id"] for c in convs] == ["w1~p0", "w1~p1", "w2~p0", "w2~p1"]
    first = convs[0]
    assert first.messages[0].content == "What's the weather like in Oslo?"
    assert first.messages[1].tool_calls[0].arguments == {"location": "Oslo"}
    assert first.meta["source_id"] == "w1" and first.meta["family"] == "weather_basic"
    lost = [r for r in _lines(result.rejects_path) if r["reason"] == "lost_value"]
    assert lost[0]["detail"] == "missing 'Oslo'" and lost[0]["text"] == "How is the weather over there?"
    system = server.hits[0].body["messages"][0]["content"]
    assert "Write 5 different rephrasings" in system and 'Keep these values exactly as written: "' in system
    assert server.hits[0].body["temperature"] == 0.8 and "tools" not in server.hits[0].body


def test_a_journal_is_not_overwritten_and_resume_needs_the_same_config(tmp_path, keys):
    data = _requests(tmp_path, ["Weather in Oslo?"])
    with TeacherServer() as server:
        run(_config(tmp_path, server, data))
        with pytest.raises(ConfigError, match="already holds 1 finished request.*--resume"):
            run(_config(tmp_path, server, data))
        with pytest.raises(ConfigError, match="task: 'label' → 'paraphrase'"):
            run(_config(tmp_path, server, data, resume=True, task="paraphrase"))
        result = run(_config(tmp_path, server, data, resume=True, concurrency=4))
    assert result.resumed == 1 and len(server.hits) == 1


def test_bad_input_is_reported_before_any_request(tmp_path, keys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "request": "hi"}\n{"id": "a", "request": "again"}\n')
    with TeacherServer() as server:
        with pytest.raises(DataError, match="id 'a' of request 1 repeats request 0"):
            run(_config(tmp_path, server, bad))
        bad.write_text('{"id": "a", "text": "hi"}\n')
        with pytest.raises(DataError, match=r"bad.jsonl:1: .*either 'request'"):
            run(_config(tmp_path, server, bad))
        bad.write_text('{"messages": [{"role": "assistant", "content": "hi"}]}\n')
        with pytest.raises(DataError, match="must end with a user message"):
            run(_config(tmp_path, server, bad))
        with pytest.raises(ConfigError, match="neither a toolkit"):
            run(_config(tmp_path, server, _requests(tmp_path, ["hi"]), tools="nope.json"))
        with pytest.raises(ConfigError, match="model is required"):
            run(_config(tmp_path, server, _requests(tmp_path, ["hi"]), model=""))
    assert server.hits == []


def test_tools_from_an_openai_tools_file(tmp_path, keys):
    tools = [{"type": "function", "function": {"name": "weather", "description": "Weather.", "parameters": {
        "type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}]
    (tmp_path / "tools.json").write_text(json.dumps({"tools": tools}))
    data = _requests(tmp_path, ["Weather in Oslo?"])
    with TeacherServer() as server:
        result = run(_config(tmp_path, server, data, tools=str(tmp_path / "tools.json")))
    assert [t["function"]["name"] for t in server.hits[0].body["tools"]] == ["weather"]
    assert result.outputs == 1


def test_the_command_reports_exhausted_keys_on_stderr_and_exits_2(tmp_path, keys):
    from typer.testing import CliRunner

    from toolschool.cli.app import app

    data = _requests(tmp_path, ["Weather in Oslo?", "Weather in Rome?"])
    with TeacherServer(refused_keys={"sk-a", "sk-b"}) as server:
        args = ["data", "label", "-d", str(data), "-o", str(tmp_path / "out"), "-m", "teacher", "--base-url",
                server.url, "api_key_envs=[TS_KEY_A,TS_KEY_B]"]
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "every API key is retired (2 key(s))" in result.stderr
    assert "TS_KEY_A: retired: key refused (HTTP 401 invalid_api_key" in result.stderr
    assert "0 of 2 requests are done" in result.stderr


def test_the_command_exits_1_when_requests_are_left_unfinished(tmp_path, keys):
    from typer.testing import CliRunner

    from toolschool.cli.app import app

    data = _requests(tmp_path, ["Weather in Oslo?"])
    with TeacherServer(faults=["drop", "drop"]) as server:
        args = ["data", "label", "-d", str(data), "-o", str(tmp_path / "out"), "-m", "teacher", "--base-url",
                server.url, "api_key_envs=[TS_KEY_A]", "max_attempts=2", "backoff_base_s=0.01"]
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "1 request(s) failed after every retry" in result.stderr and "connection failed" in result.stderr
