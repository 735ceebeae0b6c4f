"""``toolschool chat`` in a REAL terminal: tmux runs the command on a pseudo-terminal of its own
(a private tmux server per test), keys are typed with ``send-keys`` and the screen is read with
``capture-pane``. The model is scripted (``--model script:FILE``); every tool runs for real
(code in the bubblewrap sandbox, the offline calculator)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.openai_server import ANSWER, CALL, OpenAIServer
from toolschool.types import Conversation, read_jsonl

SRC = Path(__file__).resolve().parents[2] / "src"
needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(SRC), HF_HUB_OFFLINE="1", NO_COLOR="1")
    env.pop("TMUX", None)
    return env


class Terminal:
    """One command in a detached 160x50 tmux session on a private server (``tmux -L``)."""

    def __init__(self, argv: list[str], cwd: Path):
        self.server = f"ts-chat-{uuid.uuid4().hex[:10]}"
        self.session = "chat"
        command = " ".join(shlex.quote(a) for a in argv)
        subprocess.run(
            ["tmux", "-L", self.server, "-f", "/dev/null", "new-session", "-d", "-s", self.session,
             "-x", "160", "-y", "50", "-c", str(cwd), command],
            check=True, env=_env(),
        )

    def _tmux(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.server, *args], capture_output=True, text=True)

    def type(self, text: str) -> None:
        """Type ``text`` literally, then Enter."""
        self._tmux("send-keys", "-t", self.session, "-l", text)
        self._tmux("send-keys", "-t", self.session, "Enter")

    def key(self, key: str) -> None:
        self._tmux("send-keys", "-t", self.session, key)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-S", "-500", "-t", self.session).stdout

    def alive(self) -> bool:
        return self._tmux("has-session", "-t", self.session).returncode == 0

    def wait(self, ready: Callable[[str], bool] | str, timeout: float = 60.0) -> str:
        """Poll the screen until ``ready(screen)`` (or the text is on it); fail with the screen."""
        check = (lambda s: ready in s) if isinstance(ready, str) else ready
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            if not self.alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"waited for {ready!r}; the screen shows:\n{self.screen()}")

    def wait_gone(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return
            time.sleep(0.1)
        raise AssertionError(f"the chat did not end; the screen shows:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server")


def _chat(tmp_path: Path, turns: list, *options: str) -> Terminal:
    script = tmp_path / "turns.json"
    script.write_text(json.dumps(turns), encoding="utf-8")
    argv = [sys.executable, "-m", "toolschool.cli.app", "chat", "--model", f"script:{script}",
            "--trace", str(tmp_path / "trace.jsonl"), *options]
    return Terminal(argv, tmp_path)


def _call(name: str, **arguments) -> dict:
    return {"calls": [{"name": name, "arguments": arguments}]}


@needs_tmux
@needs_bwrap
def test_coding_chat_asks_before_running_code_runs_it_on_yes_and_declines_on_no(tmp_path):
    workspace = tmp_path / "ws"
    turns = [
        _call("execute_python", code="print(1234 * 5678)"),
        "The product is 7006652.",
        _call("execute_python", code="open('pwned.txt', 'w').write('x'); print('ran anyway')"),
        "You declined, so I did not run it.",
    ]
    term = _chat(tmp_path, turns, "--toolkit", "coding", "--workspace", str(workspace))
    try:
        term.wait("you>")
        assert "toolkit coding" in term.screen() and "safe mode" in term.screen()
        term.type("What is 1234 * 5678? Use Python.")
        screen = term.wait("Run execute_python? [y/N]")
        assert "call execute_python" in screen and "code = 'print(1234 * 5678)'" in screen
        assert "result execute_python" not in screen  # nothing ran before the answer
        term.type("y")
        screen = term.wait("assistant> The product is 7006652.")
        assert "result execute_python" in screen and "stdout: 7006652" in screen
        assert "sandboxed: true" in screen

        term.type("Now write pwned.txt.")
        screen = term.wait(lambda s: s.count("Run execute_python? [y/N]") == 2)
        assert "open('pwned.txt', 'w')" in screen
        term.type("n")
        screen = term.wait("assistant> You declined, so I did not run it.")
        assert "error execute_python" in screen
        assert "Error: the user declined the call to execute_python" in screen
        assert "stdout: ran anyway" not in screen and not (workspace / "pwned.txt").exists()

        term.type("/exit")
        term.wait_gone()
    finally:
        term.close()

    first, second = read_jsonl(tmp_path / "trace.jsonl", Conversation)
    assert [m.role for m in first.messages] == ["user", "assistant", "tool", "assistant"]
    assert "7006652" in first.messages[2].content
    # the conversation goes on: the second exchange carries the first, and the model saw the refusal
    assert second.messages[:4] == first.messages
    assert second.messages[6].role == "tool"
    assert second.messages[6].content == "Error: the user declined the call to execute_python"


@needs_tmux
def test_assistant_chat_runs_the_calculator_lists_tools_resets_and_ends_on_ctrl_d(tmp_path):
    turns = [_call("calculator", expression="17 * 23"), "17 × 23 = 391.", "Hello again!"]
    term = _chat(tmp_path, turns)
    try:
        term.wait("you>")
        term.type("/tools")
        screen = term.wait("unit_converter")
        assert "calculator" in screen and "asks first" not in screen
        term.type("What is 17 * 23?")
        screen = term.wait("assistant> 17 × 23 = 391.")
        assert "call calculator" in screen and "expression = '17 * 23'" in screen
        assert "result calculator" in screen and "391" in screen.split("result calculator")[1]
        term.type("/reset")
        term.wait("new conversation")
        term.type("hi")
        term.wait("assistant> Hello again!")
        term.type("/nope")
        term.wait("unknown command /nope")
        term.key("C-d")
        term.wait_gone()
    finally:
        term.close()
    conversations = read_jsonl(tmp_path / "trace.jsonl", Conversation)
    assert [len(c.messages) for c in conversations] == [4, 2]  # /reset started a new conversation


@needs_tmux
def test_a_script_out_of_turns_is_an_error_and_the_chat_goes_on(tmp_path):
    term = _chat(tmp_path, ["Only one answer."])
    try:
        term.wait("you>")
        term.type("one")
        term.wait("assistant> Only one answer.")
        term.type("two")
        term.wait("ScriptedBackend has only 1 turns")
        term.type("/exit")
        term.wait_gone()
    finally:
        term.close()


@needs_tmux
def test_chat_with_an_openai_compatible_endpoint(tmp_path):
    with OpenAIServer([(200, CALL), (200, ANSWER)]) as server:
        argv = [sys.executable, "-m", "toolschool.cli.app", "chat", "--model", server.url,
                "--api-model", "tiny-agent", "--api-key-env", "TS_CHAT_TEST_KEY"]
        term = Terminal(argv, tmp_path)
        try:
            term.wait("you>")
            assert "tiny-agent at http://127.0.0.1:" in term.screen()
            term.type("What is 17 * 23?")
            screen = term.wait("assistant> 17 × 23 = 391.")
            assert "call calculator" in screen and "expression = '17 * 23'" in screen
            assert "result calculator" in screen
            term.type("/exit")
            term.wait_gone()
        finally:
            term.close()
    assert [b["model"] for b in server.bodies] == ["tiny-agent", "tiny-agent"]
    assert server.bodies[1]["messages"][-1]["tool_call_id"] == "call_abc"


def test_chat_with_a_local_model_answers_on_a_pipe():
    """The local path end to end (load, layout, LocalBackend) with the tiny random model."""
    result = subprocess.run(
        [sys.executable, "-m", "toolschool.cli.app", "chat", "--model", "tiny", "--max-new-tokens", "3",
         "--max-steps", "1"],
        input="hi\n", capture_output=True, text=True, env=_env(), timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "tiny (tool_use, layout chatml)" in result.stdout and "you> " in result.stdout
    assert "assistant> " in result.stdout or "stopped after 1 steps" in result.stdout


@needs_bwrap
def test_no_safe_runs_code_without_asking(tmp_path):
    script = tmp_path / "turns.json"
    script.write_text(json.dumps([_call("execute_python", code="print(2 ** 20)"), "It is 1048576."]))
    result = subprocess.run(
        [sys.executable, "-m", "toolschool.cli.app", "chat", "-m", f"script:{script}", "-t", "coding",
         "--no-safe", "-w", str(tmp_path / "ws")],
        input="2 to the 20th?\n", capture_output=True, text=True, env=_env(), timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "[y/N]" not in result.stdout and "no confirmations" in result.stdout
    assert "stdout: 1048576" in result.stdout and "assistant> It is 1048576." in result.stdout


def test_chat_help_imports_no_model_code():
    code = (
        "import sys, toolschool.cli.app as a; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(a.app, ['chat', '--help']); assert r.exit_code == 0, r.output; "
        "assert 'script:FILE' in r.output and '--no-safe' in r.output, r.output; "
        "heavy = [m for m in ('torch', 'transformers', 'openai') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=_env())


def _run_chat(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolschool.cli.app", "chat", *args],
                          capture_output=True, text=True, env=_env(), timeout=120, stdin=subprocess.DEVNULL)


def test_an_unknown_model_exits_2_with_a_clear_message():
    result = _run_chat("--model", "nope")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "error:" in result.stderr and "'nope'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_specs_exit_2_with_a_clear_message(tmp_path):
    missing = _run_chat("--model", f"script:{tmp_path / 'none.json'}")
    assert missing.returncode == 2 and "does not exist" in missing.stderr, missing.stderr
    endpoint = _run_chat("--model", "http://127.0.0.1:9/v1")
    assert endpoint.returncode == 2 and "--api-model" in endpoint.stderr, endpoint.stderr
    toolkit = _run_chat("--model", "script:x", "--toolkit", "shell")
    assert toolkit.returncode == 2 and "unknown toolkit 'shell'" in toolkit.stderr, toolkit.stderr
    for result in (missing, endpoint, toolkit):
        assert "Traceback" not in result.stderr
