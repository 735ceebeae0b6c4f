"""toolschool serve: the real app under uvicorn on 127.0.0.1 (a free port, background thread),
driven by the real ``openai`` client and by httpx for malformed input."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest

from tests.serve.support import FMT, TIME, USER, WEATHER, Server, accumulate, call_turn, scripted
from toolschool.backends.scripted import ScriptedBackend
from toolschool.backends.spec import OpenedBackend
from toolschool.serve.app import ServeLimits, create_app


def test_tool_call_then_answer_round_trip_with_null_content():
    turns = [call_turn(("weather", {"location": "Oslo"})), "It is 21 °C and sunny in Oslo."]
    with scripted(turns) as server:
        client = server.client()
        first = client.chat.completions.create(model="scripted-model", messages=USER, tools=[WEATHER])
        choice = first.choices[0]
        assert choice.finish_reason == "tool_calls" and choice.message.content is None
        (call,) = choice.message.tool_calls
        assert call.type == "function" and call.function.name == "weather" and call.id
        assert json.loads(call.function.arguments) == {"location": "Oslo"}
        messages = USER + [
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 21}'},
        ]
        second = client.chat.completions.create(model="scripted-model", messages=messages, tools=[WEATHER])
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == "It is 21 °C and sunny in Oslo."
    assert second.choices[0].message.tool_calls is None
    seen = server.backend.requests[1].messages
    assert [m.role for m in seen] == ["user", "assistant", "tool"]
    assert seen[1].tool_calls[0].arguments == {"location": "Oslo"}
    assert seen[2].tool_call_id == call.id and seen[2].name == "weather"
    assert [t.name for t in server.backend.requests[1].tools] == ["weather"]


def test_plain_answer_models_and_health():
    with scripted(["Hello there."]) as server:
        client = server.client()
        answer = client.chat.completions.create(model="scripted-model", messages=USER)
        assert [m.id for m in client.models.list().data] == ["scripted-model"]
        assert httpx.get(server.url + "/health").json()["status"] == "ok"
    assert answer.object == "chat.completion"
    assert answer.choices[0].message.content == "Hello there." and answer.choices[0].finish_reason == "stop"


def test_streaming_tool_calls_reassemble_with_names_once():
    turn = call_turn(("weather", {"location": "Oslo"}), ("clock", {"city": "Oslo"}))
    with scripted([turn]) as server:
        stream = server.client().chat.completions.create(
            model="scripted-model", messages=USER, tools=[WEATHER, TIME], stream=True
        )
        content, calls, finish, chunks = accumulate(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert finish == "tool_calls" and content == ""
    assert sorted(calls) == [0, 1]
    assert [calls[i]["name"] for i in (0, 1)] == ["weather", "clock"]
    assert [json.loads(calls[i]["arguments"]) for i in (0, 1)] == [{"location": "Oslo"}, {"city": "Oslo"}]
    assert len({calls[0]["id"], calls[1]["id"]}) == 2


def test_streaming_text_and_done_marker():
    text = "A fairly long answer, streamed in several chunks of text."
    with scripted([text, "Short."]) as server:
        content, calls, finish, chunks = accumulate(
            server.client().chat.completions.create(model="scripted-model", messages=USER, stream=True)
        )
        with httpx.stream("POST", server.url + "/v1/chat/completions",
                          json={"model": "m", "messages": USER, "stream": True}) as raw:
            assert raw.headers["content-type"].startswith("text/event-stream")
            lines = [line for line in raw.iter_lines() if line]
    assert content == text and calls == {} and finish == "stop" and len(chunks) > 3
    assert lines[-1] == "data: [DONE]" and all(line.startswith("data: ") for line in lines)
    events = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert {e["id"] for e in events} == {events[0]["id"]}
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events) == "Short."
    assert [e["choices"][0]["finish_reason"] for e in events][-1] == "stop"


def test_tool_choice_none_offers_no_tools_and_returns_no_calls():
    with scripted([call_turn(("weather", {"location": "Oslo"}), content="Let me check.")]) as server:
        answer = server.client().chat.completions.create(
            model="scripted-model", messages=USER, tools=[WEATHER], tool_choice="none"
        )
    assert answer.choices[0].message.tool_calls is None and answer.choices[0].finish_reason == "stop"
    assert answer.choices[0].message.content == "Let me check."
    assert server.backend.requests[0].tools == []


def test_named_tool_choice_offers_that_tool_and_unknown_name_is_400():
    with scripted([call_turn(("weather", {"location": "Oslo"}))]) as server:
        client = server.client()
        with pytest.raises(openai.BadRequestError) as bad:
            client.chat.completions.create(
                model="scripted-model", messages=USER, tools=[WEATHER],
                tool_choice={"type": "function", "function": {"name": "nope"}},
            )
        answer = client.chat.completions.create(
            model="scripted-model", messages=USER, tools=[WEATHER, TIME],
            tool_choice={"type": "function", "function": {"name": "weather"}},
        )
    assert "nope" in bad.value.body["message"] and bad.value.body["param"] == "tool_choice"
    assert [c.function.name for c in answer.choices[0].message.tool_calls] == ["weather"]
    assert [t.name for t in server.backend.requests[0].tools] == ["weather"]


def test_parallel_tool_calls_false_returns_only_the_first_call():
    turn = call_turn(("weather", {"location": "Oslo"}), ("clock", {"city": "Oslo"}))
    with scripted([turn, turn]) as server:
        client = server.client()
        one = client.chat.completions.create(
            model="scripted-model", messages=USER, tools=[WEATHER, TIME], parallel_tool_calls=False
        )
        both = client.chat.completions.create(model="scripted-model", messages=USER, tools=[WEATHER, TIME])
    assert [c.function.name for c in one.choices[0].message.tool_calls] == ["weather"]
    assert [c.function.name for c in both.choices[0].message.tool_calls] == ["weather", "clock"]


BAD = [
    (b'{"model": "m", "messages": [', 400, "not valid JSON"),
    (b"", 400, "empty"),
    (b'{"model": "m"}', 400, "messages"),
    (b'{"model": "m", "messages": []}', 400, "messages"),
    (json.dumps({"model": "m", "messages": USER, "max_tokens": -5}).encode(), 400, "max_tokens"),
    (json.dumps({"model": "m", "messages": USER, "max_tokens": 0}).encode(), 400, "max_tokens"),
    (b'{"model": "m", "messages": [{"role": "user", "content": "\xff\xfe"}]}', 400, "UTF-8"),
    (json.dumps({"model": "m", "messages": USER + [{"role": "tool", "content": "21"}]}).encode(), 400,
     "tool_call_id"),
    (b"[1, 2]", 400, "JSON object"),
    (json.dumps({"model": "m", "messages": USER * 40}).encode(), 400, "too many messages"),
    (json.dumps({"model": "m", "messages": USER, "tool_choice": "required"}).encode(), 400, "required"),
    (json.dumps({"model": "m", "messages": USER, "pad": "x" * 5000}).encode(), 413, "larger than"),
]


def test_bad_input_gets_clear_openai_shaped_errors():
    limits = ServeLimits(max_body_bytes=4000, max_messages=32)
    with scripted(["fine"], limits) as server:
        with httpx.Client(base_url=server.url) as http:
            for body, status, words in BAD:
                response = http.post("/v1/chat/completions", content=body,
                                     headers={"Content-Type": "application/json"})
                assert response.status_code == status, (body[:60], response.text)
                error = response.json()["error"]
                assert set(error) == {"message", "type", "param", "code"}
                assert words.lower() in error["message"].lower(), (body[:60], error)
            ok = http.post("/v1/chat/completions", json={"model": "m", "messages": USER})
    assert ok.status_code == 200 and ok.json()["choices"][0]["message"]["content"] == "fine"


def test_bounded_queue_turns_away_the_excess_with_503_and_stays_healthy():
    n = 50
    with scripted(["slow answer"] * n, ServeLimits(max_queue=5), delay_s=0.2) as server:
        def post(_):
            return httpx.post(server.url + "/v1/chat/completions", json={"model": "m", "messages": USER},
                              timeout=120)

        with ThreadPoolExecutor(n) as pool:
            responses = list(pool.map(post, range(n)))
        health = httpx.get(server.url + "/health").json()
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 503} and codes.count(200) >= 1 and codes.count(503) >= 1
    for r in responses:
        if r.status_code == 503:
            assert r.headers["retry-after"] and r.json()["error"]["code"] == "queue_full"
        else:
            assert r.json()["choices"][0]["message"]["content"] == "slow answer"
    assert health == {"status": "ok", "model": "scripted-model", "admitted": 0}
    assert server.backend.remaining == n - codes.count(200)


def test_tiny_local_model_answers_through_the_server(tiny):
    from toolschool.backends.local import LocalBackend, prepare_for_inference

    model = prepare_for_inference(tiny.model, "float32")
    backend = LocalBackend(model, tiny.tokenizer, FMT, batch_size=1, max_new_tokens=64)
    with Server(create_app(OpenedBackend(backend, FMT, None, "tiny"), "tiny")) as server:
        answer = server.client().chat.completions.create(
            model="tiny", messages=USER, tools=[WEATHER], max_tokens=8
        )
    choice = answer.choices[0]
    assert choice.finish_reason in ("stop", "length", "tool_calls")
    assert answer.usage.completion_tokens <= 8 and answer.usage.prompt_tokens > 0
    assert backend.max_new_tokens == 64  # the request's cap applied to that request only


def test_a_backend_factory_is_opened_once_by_the_first_request():
    opened_count = []

    def factory() -> OpenedBackend:
        opened_count.append(ScriptedBackend(["one", "two"]))
        return OpenedBackend(opened_count[-1], FMT, "Be brief.", "scripted")

    with Server(create_app(factory, "lazy")) as server:
        assert opened_count == []
        client = server.client()
        answers = [client.chat.completions.create(model="lazy", messages=USER) for _ in range(2)]
    assert [a.choices[0].message.content for a in answers] == ["one", "two"] and len(opened_count) == 1
    first = opened_count[0].requests[0].messages  # the opened system prompt leads when the client sent none
    assert [(m.role, m.content) for m in first] == [("system", "Be brief."), ("user", "Weather in Oslo?")]


def test_required_tool_choice_gets_a_valid_call_and_an_unreadable_schema_is_a_400(tiny):
    """The tiny random model under tool_choice="required" (a grammar): a schema-valid call of an
    offered tool, streamed and whole; a schema the grammar cannot read is the request's fault."""
    import jsonschema

    from toolschool.backends.local import LocalBackend, prepare_for_inference

    model = prepare_for_inference(tiny.model, "float32")
    backend = LocalBackend(model, tiny.tokenizer, FMT, batch_size=1, max_new_tokens=96)
    pick = {"type": "function", "function": {"name": "pick", "description": "Pick one.", "parameters": {
        "type": "object", "properties": {"n": {"type": "integer", "enum": [1, 2, 3]}}, "required": ["n"]}}}
    with Server(create_app(OpenedBackend(backend, FMT, None, "tiny"), "tiny")) as server:
        client = server.client()
        answer = client.chat.completions.create(model="tiny", messages=USER, tools=[pick],
                                                tool_choice="required")
        _, calls, finish, _ = accumulate(client.chat.completions.create(
            model="tiny", messages=USER, tools=[pick], tool_choice="required", stream=True))
        bad = {"type": "function", "function": {"name": "odd", "parameters": {
            "type": "object", "properties": {"x": {"type": "frobnicate"}}}}}
        with pytest.raises(openai.BadRequestError) as info:
            client.chat.completions.create(model="tiny", messages=USER, tools=[bad], tool_choice="required")
    call = answer.choices[0].message.tool_calls[0]
    assert answer.choices[0].finish_reason == "tool_calls" and call.function.name == "pick"
    jsonschema.validate(json.loads(call.function.arguments), pick["function"]["parameters"])
    assert finish == "tool_calls" and calls[0]["arguments"] == call.function.arguments
    assert info.value.body["code"] == "invalid_tools" and "frobnicate" in info.value.body["message"]
