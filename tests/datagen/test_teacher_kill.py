"""A real ``toolschool data label`` process is killed (SIGKILL) with requests in flight and a torn
journal line, then run again with ``--resume``: in the end every request is labelled exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.datagen.teacher_server import TeacherServer
from toolschool.types import Conversation, read_jsonl

SRC = Path(__file__).resolve().parents[2] / "src"


def _journal_ids(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["id"] for line in path.read_text().splitlines() if line.endswith("}")]


def test_a_killed_run_resumes_and_labels_every_request_exactly_once(tmp_path):
    ids = [f"r{i:02d}" for i in range(30)]
    texts = {f"Weather in City{i:02d}?": item for i, item in enumerate(ids)}
    data = tmp_path / "requests.jsonl"
    data.write_text("".join(json.dumps({"id": i, "request": t}) + "\n" for t, i in texts.items()))
    out = tmp_path / "out"
    journal = out / "journal.jsonl"
    env = {**os.environ, "PYTHONPATH": str(SRC), "TS_KILL_KEY": "sk-kill"}
    with TeacherServer(hold_after=10) as server:
        command = [sys.executable, "-m", "toolschool.cli.app", "data", "label", "-d", str(data),
                   "-o", str(out), "-m", "teacher", "--base-url", server.url, "api_key_envs=[TS_KILL_KEY]",
                   "concurrency=3", "backoff_base_s=0.05", "timeout_s=60"]
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 180
        while len(_journal_ids(journal)) < 10 or len(server.texts("hold")) < 3:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run did not get going"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # three requests are in flight, held by the server
        first.communicate(timeout=60)
        assert first.returncode == -signal.SIGKILL

        done_before = _journal_ids(journal)
        answered_before = server.texts("ok")
        assert sorted(done_before) == sorted(texts[t] for t in answered_before) and len(done_before) == 10
        with journal.open("ab") as handle:  # a write cut short by the kill
            handle.write(b'{"id": "r29", "outputs": [{"messages": [{"role": "us')
        server.release()
        server.hold_after = None

        second = subprocess.run([*command, "--resume"], env=env, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stderr
        answered = server.texts("ok")

    assert "cut a torn last line" in second.stderr
    resumed = answered[len(answered_before):]
    assert sorted(resumed) == sorted(set(texts) - set(answered_before))  # nothing finished is asked again
    assert sorted(answered) == sorted(texts)  # every request answered once over both runs
    convs = read_jsonl(out / "conversations.jsonl", Conversation)
    assert [c.meta["id"] for c in convs] == ids  # each exactly once, in input order
    for conv in convs:
        city = conv.messages[0].content.removeprefix("Weather in ").removesuffix("?")
        assert conv.messages[-1].tool_calls[0].arguments == {"location": city}
    lines = journal.read_text().splitlines()
    assert len(lines) == 30 and sorted(json.loads(line)["id"] for line in lines) == ids
    card = json.loads((out / "teacher_card.json").read_text())
    assert card["requests"] == {"total": 30, "done": 30, "unfinished": 0}
    assert card["last_run"]["resumed_with"] == 10 and card["last_run"]["finished"] == 20
