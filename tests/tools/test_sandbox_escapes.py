"""Escape attempts against the bubblewrap sandbox: each one is contained, and the result says why.

Every test runs real code in a real ``bwrap`` jail (no mocks) and checks both sides: what
the sandboxed code saw (its output, exit code, ``killed_by``) and that the host is unchanged.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.tools.sandbox_fixtures import SMALL, make_sandbox, needs_bwrap
from toolschool.errors import SandboxPathError
from toolschool.tools.sandbox import SANDBOX_UID, SandboxLimits

pytestmark = needs_bwrap


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    box = make_sandbox(tmp_path_factory)
    yield box
    box.close()


def py(sb, code: str, timeout_s: float = 3.0):
    return sb.run_python(code, timeout_s=timeout_s)


# ---- network -----------------------------------------------------------------------------
def test_cannot_connect_to_a_host_server_on_loopback(sb):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    accepted = []
    t = threading.Thread(target=lambda: _accept(server, accepted))
    t.start()
    r = py(
        sb,
        f"import socket\ntry:\n socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
        " print('CONNECTED')\nexcept OSError as e:\n print(type(e).__name__)",
    )
    t.join()
    server.close()
    assert r.stdout.strip() == "ConnectionRefusedError", r
    assert accepted == []


def _accept(server, accepted):
    try:
        accepted.append(server.accept())
    except OSError:
        pass


def test_cannot_reach_any_outside_address(sb):
    r = py(
        sb,
        "import socket\ntry:\n socket.create_connection(('1.1.1.1', 53), timeout=1)\n print('CONNECTED')\n"
        "except OSError as e:\n print(e.errno)",
    )
    assert r.stdout.strip() == "101", r  # ENETUNREACH: no route, no interface but lo


def test_dns_does_not_resolve(sb):
    r = py(
        sb,
        "import socket\ntry:\n print(socket.getaddrinfo('example.com', 80))\n"
        "except socket.gaierror as e:\n print('gaierror', e)",
    )
    assert r.stdout.startswith("gaierror"), r


def test_no_raw_sockets(sb):
    r = py(
        sb,
        "import socket\ntry:\n socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)\n"
        " print('RAW')\nexcept PermissionError as e:\n print('denied')",
    )
    assert r.stdout.strip() == "denied", r


def test_only_a_loopback_interface(sb):
    r = py(sb, "import socket; print([n for _, n in socket.if_nameindex()])")
    assert r.stdout.strip() == "['lo']", r


def test_host_abstract_unix_socket_is_unreachable(sb):
    name = f"\0toolschool-test-{uuid.uuid4().hex}"
    server = socket.socket(socket.AF_UNIX)
    server.bind(name)
    server.listen(1)
    try:
        r = py(
            sb,
            f"import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n s.connect({name!r})\n"
            " print('CONNECTED')\nexcept OSError as e:\n print(type(e).__name__)",
        )
    finally:
        server.close()
    assert r.stdout.strip() in {"ConnectionRefusedError", "FileNotFoundError"}, r


# ---- reading the host ---------------------------------------------------------------------
def test_etc_shadow_is_absent(sb):
    r = sb.run_bash("cat /etc/shadow; ls /etc")
    assert "No such file" in r.stderr and r.exit_code == 0
    assert set(r.stdout.split()) <= {
        "ld.so.cache",
        "ld.so.conf",
        "ld.so.conf.d",
        "localtime",
        "alternatives",
        "passwd",
        "group",
        "hosts",
        "hostname",
    }, r.stdout


def test_host_home_files_are_invisible(sb):
    host_files = (
        [p for p in Path("/root").iterdir() if p.name != ".pyenv"] if os.access("/root", os.R_OK) else []
    )
    r = py(
        sb,
        "import os; print(sorted(os.listdir('/root')) if os.path.exists('/root') else []); "
        "print(os.path.exists('/home') and os.listdir('/home'))",
    )
    listed = r.stdout.splitlines()[0]
    assert listed in ("[]", "['.pyenv']"), r  # only the interpreter's install dir, when it lives there
    for p in host_files[:5]:
        assert sb.run_bash(f"test -e {p}").exit_code == 1, p
    assert r.stdout.splitlines()[1] in ("False", "[]")


def test_project_directory_is_invisible(sb):
    here = Path(__file__).resolve()
    r = sb.run_bash(f"cat {here}; ls {here.parents[2]}")
    assert r.stdout == "" and "No such file" in r.stderr, r


def test_work_is_not_mounted(sb):
    r = sb.run_bash("ls /work; ls /home; ls /var; ls /run; ls /sys")
    assert r.stdout == "", r
    assert r.stderr.count("No such file") == 5, r


# ---- writing outside the workspace ----------------------------------------------------------
@pytest.mark.parametrize("target", ["/usr/escape", "/etc/escape", "/opt/venv/escape", "/escape"])
def test_cannot_write_system_paths(sb, target):
    r = py(
        sb, f"try:\n open({target!r}, 'w').write('x')\n print('WROTE')\nexcept OSError as e:\n print(e.errno)"
    )
    assert r.stdout.strip() in {"30", "13", "2"}, r  # EROFS, EACCES, ENOENT
    assert not Path(target).exists()


def test_tmp_is_private(sb):
    name = f"/tmp/toolschool-escape-{uuid.uuid4().hex}"
    r = sb.run_bash(f"echo x > {name} && cat {name}")
    assert r.stdout == "x\n"
    assert not Path(name).exists()
    assert sb.run_bash(f"test -e {name}").exit_code == 1  # fresh /tmp per run


def test_dotdot_from_the_workspace_stays_inside(sb):
    r = sb.run_bash("cd /workspace/../../..; pwd; touch escape 2>&1; ls")
    assert r.stdout.startswith("/\n") and "Permission denied" in r.stdout, r
    assert not Path("/escape").exists()


# ---- resources -----------------------------------------------------------------------------
def test_fork_bomb_is_bounded(sb):
    start = time.monotonic()
    r = sb.run_bash("bomb(){ bomb | bomb & }; bomb; sleep 1.5; echo survived", timeout_s=3)
    assert time.monotonic() - start < 6
    assert "Resource temporarily unavailable" in r.stderr, r  # fork() hit RLIMIT_NPROC
    assert not _host_processes_of(SANDBOX_UID, "bash")


def test_process_count_is_capped(sb):
    r = py(
        sb,
        "import os, time\nn = 0\ntry:\n while True:\n  if os.fork() == 0:\n   time.sleep(5); os._exit(0)\n"
        "  n += 1\nexcept OSError as e:\n print(n, e.errno)",
        timeout_s=3,
    )
    n, errno = map(int, r.stdout.split())
    assert errno == 11 and n < SMALL.processes, r  # EAGAIN from RLIMIT_NPROC


def test_memory_bomb_hits_the_memory_limit(sb):
    r = py(sb, "x = bytearray(4 * 1024**3)")
    assert r.killed_by == "memory limit" and "MemoryError" in r.stderr, r


def test_cpu_loop_hits_the_cpu_limit(tmp_path_factory):
    box = make_sandbox(tmp_path_factory, SandboxLimits(cpu_s=1))
    r = box.run_python("while True: pass", timeout_s=30)
    box.close()
    assert r.killed_by == "cpu limit" and not r.timed_out and r.exit_code == 128 + 24, r
    assert r.duration_ms < 30000  # CPU seconds, not wall: a busy machine stretches the wall time


def test_sleep_forever_hits_the_wall_timeout(sb):
    r = py(sb, "import time; time.sleep(100)", timeout_s=1)
    assert r.timed_out and r.killed_by == "timeout" and 900 < r.duration_ms < 3000, r


def test_huge_output_is_truncated_and_bounded(sb):
    r = py(sb, "import sys\nfor _ in range(50): sys.stdout.write('y' * 1_000_000)", timeout_s=10)
    assert r.truncated and "truncated: 50000000 bytes" in r.stdout, r.stdout[-200:]
    assert len(r.stdout) < SMALL.output_bytes + 200


def test_huge_file_hits_the_file_size_limit(sb):
    r = py(sb, "f = open('big.bin', 'wb')\nwhile True: f.write(b'z' * 65536)")
    assert r.killed_by == "file size limit", r
    assert (sb.workspace / "big.bin").stat().st_size <= SMALL.file_size_mb * 1024 * 1024
    (sb.workspace / "big.bin").unlink()


def test_open_files_are_capped(sb):
    r = py(
        sb,
        "fs = []\ntry:\n while True: fs.append(open('/dev/null'))\n"
        "except OSError as e:\n print(len(fs), e.errno)",
    )
    n, errno = map(int, r.stdout.split())
    assert errno == 24 and n < SMALL.open_files, r  # EMFILE


# ---- processes and signals ------------------------------------------------------------------
def test_killing_the_parent_does_not_reach_the_host(sb):
    r = py(
        sb,
        "import os, signal\nprint(os.getppid())\ntry:\n os.kill(os.getppid(), signal.SIGKILL)\n"
        "except OSError as e:\n print(e.errno)",
    )
    assert r.stdout.split() == ["1", "1"], r  # the parent is the namespace's init; EPERM
    assert sb.run_bash("echo alive").stdout == "alive\n"  # and the sandbox still works


def test_kill_minus_one_only_reaches_the_sandbox(sb):
    host = subprocess.Popen(["sleep", "30"])
    try:
        r = sb.run_bash("sleep 20 & kill -9 -1; wait $!; echo sleep=$?", timeout_s=2)
        assert host.poll() is None, "a host process was killed"
    finally:
        host.kill()
        host.wait()
    assert r.stdout == "sleep=137\n" and not r.timed_out, r  # it reached its own sleep only


def test_host_pids_cannot_be_signalled(sb):
    host = subprocess.Popen(["sleep", "30"])
    try:
        r = py(
            sb,
            f"import os\nfor pid in ({host.pid}, {os.getpid()}):\n try:\n  os.kill(pid, 9); print('KILLED')\n"
            " except OSError as e:\n  print(e.errno)",
        )
        assert host.poll() is None
    finally:
        host.kill()
        host.wait()
    assert "KILLED" not in r.stdout and r.exit_code == 0, r


def test_host_processes_are_invisible(sb):
    r = sb.run_bash("ls /proc | grep -E '^[0-9]+$' | wc -l")
    assert int(r.stdout) <= 5, r  # init, bash, ls, grep, wc
    assert sb.run_bash(f"test -e /proc/{os.getpid()}").exit_code == 1
    init = sb.run_bash("tr '\\0' ' ' < /proc/1/cmdline").stdout
    assert init.split()[1:3] == ["--args", str(init.split()[2])] and "/work" not in init, (
        init
    )  # no host paths


def test_proc_1_root_is_not_the_host_root(sb):
    r = sb.run_bash("ls /proc/1/root/ 2>&1; ls /proc/1/root/work 2>&1")
    assert "Permission denied" in r.stdout and "/work" not in r.stdout.replace("/proc/1/root/work", ""), r


def test_no_stragglers_after_a_timeout(sb):
    r = sb.run_bash("setsid sleep 987.5 & disown; (sleep 986.5 &); sleep 100", timeout_s=1)
    assert r.timed_out
    time.sleep(0.2)
    assert not _host_processes_of(SANDBOX_UID, "987.5") and not _host_processes_of(SANDBOX_UID, "986.5")


# ---- environment and paths ------------------------------------------------------------------
def test_host_environment_does_not_leak(sb, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-toolschool-canary-123")
    r = sb.run_bash("env; cat /proc/self/environ; cat /proc/1/environ 2>/dev/null")
    assert "sk-toolschool-canary" not in r.stdout and "OPENAI_API_KEY" not in r.stdout, r


def test_symlink_to_a_host_secret_is_dead_inside_and_refused_outside(sb, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (sb.workspace / "link").symlink_to(secret)
    (sb.workspace / "shadow").symlink_to("/etc/shadow")
    try:
        r = sb.run_bash("cat link shadow")
        assert "top secret" not in r.stdout and r.stderr.count("No such file") == 2, r
        for name in ("link", "shadow"):
            with pytest.raises(SandboxPathError):
                sb.resolve(name)
    finally:
        (sb.workspace / "link").unlink()
        (sb.workspace / "shadow").unlink()


def test_symlink_made_inside_is_refused_by_host_side_file_access(sb):
    r = sb.run_bash("ln -s /etc/passwd pw && ln -s ../../../root rt && echo ok")
    assert r.stdout == "ok\n"
    for name in ("pw", "rt", "rt/.bashrc", "../x", "/etc/passwd"):
        with pytest.raises(SandboxPathError):
            sb.resolve(name)
    (sb.workspace / "pw").unlink()
    (sb.workspace / "rt").unlink()


# ---- privileges -------------------------------------------------------------------------------
def test_runs_unprivileged_without_capabilities(sb):
    r = sb.run_bash("id -u; grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status")
    lines = r.stdout.split()
    assert lines[0] != "0", r
    assert "CapEff:" in lines and lines[lines.index("CapEff:") + 1] == "0000000000000000"
    assert lines[lines.index("NoNewPrivs:") + 1] == "1"


def test_ptrace_is_denied(sb):
    r = py(
        sb,
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.ptrace(16, 1, 0, 0), ctypes.get_errno())",
    )  # PTRACE_ATTACH to init
    assert r.stdout.split() == ["-1", "1"], r  # EPERM


def test_mount_is_denied(sb):
    r = sb.run_bash("mount -t tmpfs none /workspace 2>&1; mount --bind /workspace /usr 2>&1; echo rc=$?")
    assert "rc=" in r.stdout and "rc=0" not in r.stdout, r
    assert not (sb.workspace / "..").resolve() == Path("/usr")


def test_chroot_is_denied(sb):
    r = py(sb, "import os\ntry:\n os.chroot('/tmp'); print('CHROOT')\nexcept OSError as e:\n print(e.errno)")
    assert r.stdout.strip() == "1", r  # EPERM


def test_unshare_gives_no_way_out(sb):
    r = sb.run_bash("unshare -rm sh -c 'cat /etc/shadow; touch /usr/x' 2>&1; unshare -U true 2>&1; echo done")
    assert r.stdout.count("Operation not permitted") == 2 and r.stdout.endswith("done\n"), r  # seccomp
    assert not Path("/usr/x").exists()


@pytest.mark.parametrize(
    "call",
    [
        "libc.syscall(272, 0x10000000)",  # unshare(CLONE_NEWUSER)
        "libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)",  # clone(CLONE_NEWUSER | SIGCHLD)
        "libc.syscall(165, b'none', b'/tmp', b'tmpfs', 0, 0)",  # mount
        "libc.syscall(308, 0, 0)",  # setns
        "libc.syscall(321, 0, 0, 0)",  # bpf
    ],
)
def test_seccomp_denies_namespace_mount_and_bpf_syscalls(sb, call):
    r = py(sb, f"import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint({call}, ctypes.get_errno())")
    assert r.stdout.split() == ["-1", "1"], r  # EPERM


def test_seccomp_filter_is_loaded(sb):
    r = sb.run_bash("grep -E '^Seccomp:' /proc/self/status")
    assert r.stdout.split() == ["Seccomp:", "2"], r  # SECCOMP_MODE_FILTER


def test_devices_are_minimal(sb):
    r = sb.run_bash("ls /dev; echo x > /dev/sda 2>&1; mknod /workspace/disk b 8 0 2>&1; echo end")
    devs = set(r.stdout.split("\n")[0:20])
    assert "sda" not in devs and "mem" not in devs and "kmsg" not in devs, r
    assert not (sb.workspace / "disk").exists()


def test_setuid_binaries_do_not_elevate(sb):
    r = sb.run_bash(
        "grep ' /usr ' /proc/self/mountinfo; su -c id root </dev/null 2>&1; "
        "python -c 'import os; print(os.geteuid())'"
    )
    assert "nosuid" in r.stdout.splitlines()[0], r
    assert r.stdout.splitlines()[-1] != "0", r


def test_hostname_cannot_be_changed_and_is_private(sb):
    before = socket.gethostname()
    r = sb.run_bash("hostname; hostname evil 2>&1; echo x > /proc/sys/kernel/hostname 2>&1; hostname")
    assert r.stdout.splitlines()[0] == "sandbox" and r.stdout.splitlines()[-1] == "sandbox", r
    assert socket.gethostname() == before


def _host_processes_of(uid: int, needle: str) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if d.stat().st_uid == uid and needle in (d / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(d.name))
        except OSError:
            continue
    return found


def test_python_inside_is_the_hosts(sb):
    r = py(sb, "import sys, pytest; print(sys.version_info[:2])")
    assert r.stdout.strip() == str(sys.version_info[:2]), r
