"""The Sandbox API: results, workspace, limits, the unavailable error and the unsandboxed opt-in."""

from __future__ import annotations

import logging
import signal

import pytest

from tests.tools.sandbox_fixtures import SMALL, make_sandbox, needs_bwrap
from toolschool.errors import SandboxPathError, SandboxUnavailableError, ToolschoolError
from toolschool.tools.sandbox import (
    WORKSPACE,
    ExecutionResult,
    Sandbox,
    SandboxLimits,
    _killed_by,
    seccomp_filter,
)


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    box = make_sandbox(tmp_path_factory)
    yield box
    box.close()


@needs_bwrap
def test_run_returns_a_result(sb):
    r = sb.run(["python", "-c", "import sys; print(sys.stdin.read().upper()); sys.exit(3)"], stdin="hi")
    assert isinstance(r, ExecutionResult)
    assert (r.stdout, r.exit_code, r.timed_out, r.truncated, r.sandboxed) == ("HI\n", 3, False, False, True)
    assert r.killed_by is None and not r.ok and r.duration_ms > 0


@needs_bwrap
def test_env_is_minimal_plus_what_is_passed(sb):
    r = sb.run(["bash", "-c", "echo $HOME $PWD $MY_VAR; env | wc -l"], env={"MY_VAR": "v1"})
    first, count = r.stdout.splitlines()
    assert first == f"{WORKSPACE} {WORKSPACE} v1" and int(count) <= 10, r


@needs_bwrap
def test_workspace_persists_across_runs_and_is_shared_with_the_host(sb):
    assert sb.run_bash("echo data > kept.txt").ok
    assert sb.run_python("print(open('kept.txt').read().strip())").stdout == "data\n"
    assert (sb.workspace / "kept.txt").read_text() == "data\n"


@needs_bwrap
def test_a_temporary_workspace_is_removed_on_close():
    with Sandbox() as box:
        ws = box.workspace
        assert box.run_bash("touch f").ok and (ws / "f").exists()
    assert not ws.exists()


@needs_bwrap
def test_stderr_is_truncated_too(sb):
    r = sb.run_bash("head -c 100000 /dev/zero | tr '\\0' e >&2")
    assert r.truncated and r.stderr.endswith(f"the first {SMALL.output_bytes} shown]")


@needs_bwrap
def test_run_bash_and_python_errors(sb):
    r = sb.run_python("1/0")
    assert r.exit_code == 1 and "ZeroDivisionError" in r.stderr and r.killed_by is None
    assert sb.run_bash("exit 7").exit_code == 7
    with pytest.raises(ValueError, match="at most"):
        sb.run_python("#" * 200_000)
    with pytest.raises(ValueError, match="argv is empty"):
        sb.run([])


@needs_bwrap
def test_resolve_keeps_paths_inside_the_workspace(sb):
    (sb.workspace / "d").mkdir(exist_ok=True)
    assert sb.resolve("d/x.py") == sb.workspace / "d" / "x.py"
    assert sb.resolve(f"{WORKSPACE}/d") == sb.workspace / "d"
    assert sb.resolve(".") == sb.workspace
    for bad in ("../x", "/etc/passwd", "d/../../x", "/workspace/../etc"):
        with pytest.raises(SandboxPathError, match="outside the workspace"):
            sb.resolve(bad)


def test_missing_bwrap_raises_a_clear_error(tmp_path):
    with pytest.raises(SandboxUnavailableError, match="bubblewrap") as err:
        Sandbox(tmp_path, bwrap="/nonexistent/bwrap")
    assert "apt-get install bubblewrap" in str(err.value) and "allow_unsandboxed=True" in str(err.value)
    assert isinstance(err.value, ToolschoolError)


def test_unsandboxed_opt_in_warns_and_says_so(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        box = Sandbox(tmp_path, limits=SMALL, allow_unsandboxed=True, bwrap="/nonexistent/bwrap")
        r = box.run_python("import os; print(os.getcwd())")
    assert not box.sandboxed and not r.sandboxed and r.stdout.strip() == str(tmp_path.resolve())
    assert "UNSANDBOXED" in caplog.text
    box.close()


def test_unsandboxed_mode_keeps_limits_timeout_and_a_clean_env(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary")
    box = Sandbox(tmp_path, limits=SMALL, allow_unsandboxed=True, bwrap="/nonexistent/bwrap")
    assert box.run_python("x = bytearray(4 * 1024**3)").killed_by == "memory limit"
    r = box.run_bash("sleep 30 & sleep 30", timeout_s=1)
    assert r.timed_out and r.killed_by == "timeout" and r.duration_ms < 3000
    assert "sk-canary" not in box.run_bash("env").stdout
    box.close()


def test_killed_by_reads_signals_and_messages():
    assert _killed_by(128 + signal.SIGXCPU, "", False) == "cpu limit"
    assert _killed_by(128 + signal.SIGXFSZ, "", False) == "file size limit"
    assert _killed_by(1, "OSError: [Errno 27] File too large", False) == "file size limit"
    assert _killed_by(1, "MemoryError", False) == "memory limit"
    assert _killed_by(137, "", False) == "signal SIGKILL"
    assert _killed_by(137, "", True) == "timeout"
    assert _killed_by(0, "MemoryError", False) is None and _killed_by(3, "", False) is None


def test_limits_map_to_rlimits():
    import resource

    lim = SandboxLimits(cpu_s=2, memory_mb=100, processes=5, file_size_mb=1, open_files=20).rlimits()
    assert lim[resource.RLIMIT_CPU] == (2, 3) and lim[resource.RLIMIT_AS] == (100 << 20, 100 << 20)
    assert lim[resource.RLIMIT_NPROC] == (5, 5) and lim[resource.RLIMIT_NOFILE] == (20, 20)


def test_seccomp_filter_is_well_formed():
    import platform

    bpf = seccomp_filter()
    if platform.machine() != "x86_64":
        assert bpf is None
        return
    assert bpf is not None and len(bpf) % 8 == 0 and len(bpf) // 8 < 4096  # BPF_MAXINSNS


_UNPRIVILEGED_CHECKS = r"""
import json
from toolschool.tools.sandbox import Sandbox, SandboxLimits
with Sandbox(limits=SandboxLimits(processes=32, cpu_s=3)) as box:
    print(json.dumps({
        "uid": box.run_bash("id -u").stdout.strip(),
        "shadow": box.run_bash("cat /etc/shadow").exit_code,
        "ifaces": box.run_python("import socket; print(len(socket.if_nameindex()))").stdout.strip(),
        "unshare": box.run_bash("unshare -U true").exit_code,
        "bomb": box.run_bash("b(){ b | b & }; b; sleep 1", timeout_s=3).stderr.count("Resource temporarily"),
        "caps": box.run_bash("grep CapEff /proc/self/status").stdout.split()[-1],
    }))
"""


@needs_bwrap
def test_unprivileged_callers_get_the_user_namespace_sandbox():
    """The non-root path (bwrap with a user namespace), run as uid 65534 with the system Python."""
    import json
    import os
    import subprocess
    import sys
    import sysconfig
    from pathlib import Path

    import toolschool

    system_python = Path("/usr/bin/python3")
    if os.geteuid() != 0 or not system_python.exists():
        pytest.skip("needs root (to become uid 65534) and /usr/bin/python3")
    probe = subprocess.run(
        [system_python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True
    )
    if probe.stdout.decode().strip() != str(sys.version_info[:2]):
        pytest.skip("/usr/bin/python3 is another Python version than the venv's packages")
    path = f"{Path(toolschool.__file__).parents[1]}:{sysconfig.get_paths()['purelib']}"
    done = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "env",
            f"PYTHONPATH={path}",
            str(system_python),
            "-c",
            _UNPRIVILEGED_CHECKS,
        ],
        capture_output=True,
        text=True,
        cwd="/tmp",
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["uid"] == "65534" and got["shadow"] == 1 and got["ifaces"] == "1", got
    assert got["unshare"] != 0 and got["bomb"] > 0 and got["caps"] == "0000000000000000", got
