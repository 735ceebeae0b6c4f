"""Run untrusted code (a model's ``execute_python`` / ``execute_bash`` calls) in a real sandbox.

The sandbox is `bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``, Debian
package ``bubblewrap``) plus POSIX resource limits. "Runs in a subprocess" is not a sandbox;
:class:`Sandbox` says exactly what it isolates and what it does not (its docstring), and
refuses to run at all when ``bwrap`` is missing unless told ``allow_unsandboxed=True``.

Every run returns an :class:`ExecutionResult` (the shape follows nanochat's execution
result: stdout, stderr, exit code, timed out, truncated), never raises for anything the
code itself does: a timeout, a crash, a limit hit are data.
"""

from __future__ import annotations

import logging
import os
import platform
import resource
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from toolschool.errors import SandboxPathError, SandboxUnavailableError

log = logging.getLogger(__name__)

WORKSPACE = "/workspace"
"""Where the session's workspace is mounted inside the sandbox (and the working directory)."""
VENV = "/opt/venv"
"""Where the host's Python virtual environment (if any) is mounted, read-only."""
SANDBOX_UID = 65534
"""The unprivileged uid/gid (``nobody``/``nogroup``) sandboxed code runs as when the host is root."""
_MAX_ARG = 100_000  # bytes of code passed with ``-c``; Linux caps one argument at 128 KiB


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits applied to every process of a run (POSIX rlimits, inherited on fork).

    Attributes:
        cpu_s: CPU seconds per process (``RLIMIT_CPU``; SIGXCPU, then SIGKILL).
        memory_mb: address space per process, MiB (``RLIMIT_AS``; allocation fails: MemoryError).
        processes: processes of the sandbox uid (``RLIMIT_NPROC``; ``fork`` fails with EAGAIN).
            Counted per real uid on the host, so it binds only for a non-root uid: as root
            the sandbox drops to uid 65534 for this reason.
        file_size_mb: largest file a process may write, MiB (``RLIMIT_FSIZE``; SIGXFSZ).
        open_files: open file descriptors per process (``RLIMIT_NOFILE``; EMFILE).
        output_bytes: bytes of stdout and of stderr kept each; the rest is read and dropped.
    """

    cpu_s: int = 10
    memory_mb: int = 1024
    processes: int = 64
    file_size_mb: int = 16
    open_files: int = 64
    output_bytes: int = 64 * 1024

    def rlimits(self) -> dict[int, tuple[int, int]]:
        """The ``resource.RLIMIT_*`` → ``(soft, hard)`` map these limits stand for.

        The CPU hard limit is one second above the soft one, so SIGXCPU (not SIGKILL) comes
        first and the result can say "cpu limit".
        """
        pairs = {
            resource.RLIMIT_CPU: self.cpu_s,
            resource.RLIMIT_AS: self.memory_mb * 1024 * 1024,
            resource.RLIMIT_NPROC: self.processes,
            resource.RLIMIT_FSIZE: self.file_size_mb * 1024 * 1024,
            resource.RLIMIT_NOFILE: self.open_files,
            resource.RLIMIT_CORE: 0,
        }
        out = {k: (v, v) for k, v in pairs.items()}
        out[resource.RLIMIT_CPU] = (self.cpu_s, self.cpu_s + 1)
        return out


@dataclass
class ExecutionResult:
    """What one sandboxed run did.

    Attributes:
        stdout, stderr: decoded output (UTF-8, invalid bytes replaced), each at most
            ``limits.output_bytes`` bytes of the stream plus a ``[… truncated …]`` note.
        exit_code: the process's exit status; ``128 + N`` when signal N ended it (as a
            shell reports it), ``-1`` when it never started.
        timed_out: the wall-clock timeout ended the run (the whole sandbox was killed).
        truncated: stdout or stderr was longer than the byte limit.
        duration_ms: wall time of the run, milliseconds.
        killed_by: why the run was stopped, when it was: ``"timeout"``, ``"cpu limit"``,
            ``"memory limit"``, ``"file size limit"``, ``"signal SIGKILL"``…; ``None`` otherwise.
        sandboxed: ``True`` when bubblewrap isolated the run; ``False`` in the opt-in
            unsandboxed mode.
    """

    stdout: str
    stderr: str
    exit_code: int
    timed_out: bool = False
    truncated: bool = False
    duration_ms: float = 0.0
    killed_by: str | None = None
    sandboxed: bool = True

    @property
    def ok(self) -> bool:
        """Exit code 0 and not stopped."""
        return self.exit_code == 0 and not self.timed_out and self.killed_by is None


@dataclass
class _Capture:
    limit: int
    data: bytearray = field(default_factory=bytearray)
    total: int = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]

    def text(self) -> str:
        out = self.data.decode("utf-8", errors="replace")
        if self.total > self.limit:
            out += f"\n[… truncated: {self.total} bytes, the first {self.limit} shown]"
        return out

# ---- seccomp: a small deny-list BPF filter (x86_64) -------------------------------------------
# Syscalls an unprivileged process could use to widen the kernel attack surface or look
# beyond its own processes; each returns EPERM. Numbers: arch/x86/entry/syscalls/syscall_64.tbl.
_DENIED_X86_64 = {
    "ptrace": 101, "syslog": 103, "personality": 135, "vhangup": 153, "pivot_root": 155, "chroot": 161,
    "acct": 163, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168, "reboot": 169,
    "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173, "init_module": 175,
    "delete_module": 176, "quotactl": 179, "kexec_load": 246, "add_key": 248, "request_key": 249,
    "keyctl": 250, "unshare": 272, "perf_event_open": 298, "name_to_handle_at": 303,
    "open_by_handle_at": 304, "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311,
    "finit_module": 313, "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323, "open_tree": 428,
    "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
}
_CLONE, _CLONE3 = 56, 435
_NAMESPACE_FLAGS = 0x7E020080  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME
_RET_ALLOW, _RET_EPERM, _RET_ENOSYS = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
_LD_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06


def seccomp_filter() -> bytes | None:
    """The compiled classic-BPF program bwrap loads (``--seccomp FD``), or ``None`` off x86_64.

    Denies (EPERM) the syscalls in ``_DENIED_X86_64`` and ``clone`` with any namespace flag;
    ``clone3`` returns ENOSYS (its flags sit in memory BPF cannot read; libc falls back to
    ``clone``); any non-x86_64 syscall ABI (i386 ``int 0x80``, x32) is denied.
    Shape: ``struct sock_filter {u16 code; u8 jt, jf; u32 k}`` per instruction.
    """
    if platform.machine() != "x86_64":
        return None
    ins = [(_LD_ABS, 0, 0, 4), (_JEQ, 1, 0, 0xC000003E), (_RET, 0, 0, _RET_EPERM),  # arch == x86_64
           (_LD_ABS, 0, 0, 0), (_JGE, 0, 1, 0x40000000), (_RET, 0, 0, _RET_EPERM)]  # no x32 ABI
    for nr in sorted(_DENIED_X86_64.values()):
        ins += [(_JEQ, 0, 1, nr), (_RET, 0, 0, _RET_EPERM)]
    ins += [(_JEQ, 0, 1, _CLONE3), (_RET, 0, 0, _RET_ENOSYS),  # clone3: ENOSYS, libc falls back
            (_JEQ, 0, 3, _CLONE), (_LD_ABS, 0, 0, 16),  # clone: load flags (args[0], low 32 bits)
            (_JSET, 0, 1, _NAMESPACE_FLAGS), (_RET, 0, 0, _RET_EPERM),
            (_RET, 0, 0, _RET_ALLOW)]
    return b"".join(struct.pack("<HBBI", *i) for i in ins)


def _killed_by(exit_code: int, stderr: str, timed_out: bool) -> str | None:
    if timed_out:
        return "timeout"
    signo = exit_code - 128 if exit_code > 128 else None
    if signo == signal.SIGXCPU:
        return "cpu limit"
    if signo == signal.SIGXFSZ or (exit_code != 0 and "File too large" in stderr):  # Python ignores SIGXFSZ
        return "file size limit"
    if exit_code != 0 and any(s in stderr for s in ("MemoryError", "Cannot allocate memory", "bad_alloc")):
        return "memory limit"
    if signo is not None and 0 < signo < 65:
        try:
            return f"signal {signal.Signals(signo).name}"
        except ValueError:
            return f"signal {signo}"
    return None


class Sandbox:
    """A per-session sandbox: a writable workspace and a bubblewrap jail around each run.

    **Isolated** (each :meth:`run` is a fresh ``bwrap`` jail):

    - network: a new, empty network namespace (only a loopback of its own) — no host
      services, no internet, no DNS;
    - filesystem: a new mount namespace holding only ``/usr`` (with ``/bin``, ``/lib*``,
      ``/sbin`` as links into it), the ld cache, a generated ``/etc/passwd``/``group``/``hosts``,
      the Python interpreter and the host virtual environment (at :data:`VENV`), all
      read-only and ``nosuid``; the workspace read-write at :data:`WORKSPACE` (the working
      directory and ``HOME``); a fresh ``tmpfs`` at ``/tmp``; a new ``/proc`` and a minimal
      ``/dev``. Not visible: the rest of ``/etc`` (``shadow``, keys…), ``/root`` and
      ``/home`` (except the interpreter's install directory when it lives there), ``/work``
      and the project, ``/var``, ``/run``, ``/sys``;
    - processes: a new PID namespace (host processes can be neither seen nor signalled),
      new IPC and UTS namespaces (own hostname), a new cgroup namespace; the sandbox dies
      with its parent (``--die-with-parent``) and runs in a new session (no terminal
      injection, ``--new-session``);
    - privileges: as root, code runs as uid/gid 65534 with every capability dropped and
      ``no_new_privs`` set (setuid binaries do not elevate); otherwise as the caller's uid
      in a user namespace;
    - system calls (x86_64): a seccomp filter denies new namespaces (``unshare``, ``setns``,
      ``clone`` with namespace flags), ``mount`` and its new-API relatives, ``ptrace``,
      ``process_vm_*``, ``bpf``, ``perf_event_open``, ``userfaultfd``, ``keyctl``, module and
      ``kexec`` calls, and the 32-bit syscall ABIs (:func:`seccomp_filter`);
    - environment: cleared; only ``PATH``, ``HOME``, ``LANG``, ``TMPDIR``,
      ``PYTHONDONTWRITEBYTECODE``, ``PYTHONUNBUFFERED`` and the ``env`` passed to
      :meth:`run` are set (host API keys never reach the code);
    - resources: :class:`SandboxLimits` (CPU seconds, address space, processes, file size,
      open files), a wall-clock timeout that kills the whole PID namespace, and output
      capped at a byte limit while being read (a flood cannot exhaust the host's memory).

    **Not isolated**:

    - the kernel: the seccomp filter is a short deny-list, not an allow-list; every other
      system call an unprivileged user may make is reachable, so a kernel bug there is an
      escape (off x86_64 there is no filter at all);
    - CPU and memory are per process, not per sandbox (no cgroups): up to ``processes``
      processes each with the CPU and memory limits, bounded by the wall-clock timeout;
      the process limit counts every process of uid 65534 on the host;
    - disk: the workspace may fill up to ``file_size_mb`` per file, with no quota on the
      number of files; ``/tmp`` is RAM (tmpfs) bounded only by the host's tmpfs size;
    - reading what is mounted: the Python installation, ``/usr`` and the workspace are
      readable; timing and ``/proc`` information about the machine (CPU, memory) are visible;
    - in the opt-in unsandboxed mode (``allow_unsandboxed=True``, ``sandboxed=False``):
      nothing but the rlimits, the cleared environment and the working directory.

    Args:
        workspace: host directory mounted at :data:`WORKSPACE`; created if missing. ``None``
            makes a temporary one, deleted by :meth:`close`. As root, the directory itself
            is given to uid 65534 (mode 0755) so the sandboxed code can write in it.
        limits: resource limits of every run.
        allow_unsandboxed: when ``bwrap`` is unavailable, run plain subprocesses (with the
            rlimits) instead of raising; logs a warning at construction and on every run.
        bwrap: the ``bwrap`` executable (name on ``PATH`` or a path).
        seccomp: load the deny-list filter (:func:`seccomp_filter`; x86_64 only).

    Raises:
        SandboxUnavailableError: ``bwrap`` is missing or cannot create a sandbox here, and
            ``allow_unsandboxed`` is false.
    """

    def __init__(
        self,
        workspace: Path | str | None = None,
        limits: SandboxLimits | None = None,
        allow_unsandboxed: bool = False,
        bwrap: str = "bwrap",
        seccomp: bool = True,
    ):
        self.limits = limits or SandboxLimits()
        self.seccomp = seccomp
        self._own_workspace = workspace is None
        self.workspace = Path(tempfile.mkdtemp(prefix="toolschool-ws-") if workspace is None else workspace)
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.workspace = self.workspace.resolve()
        self._root = os.geteuid() == 0
        self._etc = Path(tempfile.mkdtemp(prefix="toolschool-etc-"))
        self._bwrap = shutil.which(bwrap)
        problem = self._probe()
        self.sandboxed = problem is None
        if problem is not None:
            if not allow_unsandboxed:
                raise SandboxUnavailableError(
                    f"{problem}; install it (Debian/Ubuntu: apt-get install bubblewrap) or pass "
                    "allow_unsandboxed=True to run code WITHOUT isolation"
                )
            log.warning(
                "UNSANDBOXED code execution: %s. Code runs as a plain subprocess with only rlimits; "
                "it can read and write your files and use the network.",
                problem,
            )
        elif self._root:  # owned by the sandbox uid; 0755 so bwrap (root, no capabilities) can chdir
            os.chown(self.workspace, SANDBOX_UID, SANDBOX_UID)
            self.workspace.chmod(0o755)
        self._write_etc()

    # ---- public API -------------------------------------------------------------------
    def run(
        self,
        argv: list[str],
        stdin: str | None = None,
        timeout_s: float = 5.0,
        env: dict[str, str] | None = None,
    ) -> ExecutionResult:
        """Run ``argv`` in the sandbox, in :data:`WORKSPACE`.

        Args:
            argv: the command as seen inside (``["python", "-c", "…"]``; ``python`` is the
                host's interpreter, with the host venv's packages).
            stdin: text fed to the process's standard input (closed after it).
            timeout_s: wall-clock seconds before the whole sandbox is killed.
            env: extra environment variables (on top of the minimal environment).

        Returns:
            An :class:`ExecutionResult`; never raises for what the code does.
        """
        if not argv:
            raise ValueError("argv is empty")
        base_env = {
            "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
            "HOME": WORKSPACE,
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        base_env.update(env or {})
        if self.sandboxed:
            cmd, run_env, cwd = self._bwrap_argv(argv, base_env), {}, None
        else:
            log.warning("running UNSANDBOXED: %s", argv[0])
            base_env.update(PATH=f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
                            HOME=str(self.workspace))
            cmd, run_env, cwd = list(argv), base_env, str(self.workspace)
            if cmd[0] == "python":
                cmd[0] = sys.executable
        return self._execute(cmd, stdin, timeout_s, run_env, cwd)

    def run_python(self, code: str, stdin: str | None = None, timeout_s: float = 5.0) -> ExecutionResult:
        """Run Python source ``code`` (``python -c``; tracebacks name ``<string>``)."""
        if len(code.encode()) > _MAX_ARG:
            raise ValueError(f"code is {len(code.encode())} bytes; at most {_MAX_ARG} (write a file instead)")
        return self.run(["python", "-c", code], stdin=stdin, timeout_s=timeout_s)

    def run_bash(self, script: str, stdin: str | None = None, timeout_s: float = 5.0) -> ExecutionResult:
        """Run a bash script (``bash -c``)."""
        if len(script.encode()) > _MAX_ARG:
            raise ValueError(f"script is {len(script.encode())} bytes; at most {_MAX_ARG}")
        return self.run(["bash", "-c", script], stdin=stdin, timeout_s=timeout_s)

    def resolve(self, path: str) -> Path:
        """The host path of workspace-relative ``path``, refusing anything outside it.

        ``..`` segments and symlinks are resolved first, so a link in the workspace that
        points at ``/etc/shadow`` (or at another link that does) is refused.

        Raises:
            SandboxPathError: the resolved path is not inside the workspace.
        """
        p = Path(path)
        if p.is_absolute():
            try:  # the sandbox's own view: /workspace/x is the workspace's x
                p = p.relative_to(WORKSPACE)
            except ValueError:
                raise SandboxPathError(f"{path!r} is outside the workspace ({WORKSPACE})") from None
        resolved = (self.workspace / p).resolve()
        if resolved != self.workspace and self.workspace not in resolved.parents:
            raise SandboxPathError(f"{path!r} resolves outside the workspace ({WORKSPACE})")
        return resolved

    def give(self, path: Path) -> None:
        """Hand a host-created file or directory in the workspace to the sandbox uid."""
        if self.sandboxed and self._root:
            os.chown(path, SANDBOX_UID, SANDBOX_UID, follow_symlinks=False)

    def close(self) -> None:
        """Delete the generated ``/etc`` and, when the sandbox made it, the workspace."""
        shutil.rmtree(self._etc, ignore_errors=True)
        if self._own_workspace:
            shutil.rmtree(self.workspace, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- internals ----------------------------------------------------------------------
    def _probe(self) -> str | None:
        if self._bwrap is None:
            return "bubblewrap (bwrap) is not installed"
        try:
            probe = subprocess.run(
                [self._bwrap, "--unshare-all", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                 "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--proc", "/proc",
                 "--dev", "/dev", "--", "/usr/bin/true"],
                capture_output=True, timeout=10,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bwrap ({self._bwrap}) cannot run: {exc}"
        if probe.returncode != 0:
            return f"bwrap ({self._bwrap}) cannot create a sandbox here: {probe.stderr.decode().strip()}"
        return None

    def _write_etc(self) -> None:
        uid = SANDBOX_UID if self._root else os.getuid()
        gid = SANDBOX_UID if self._root else os.getgid()
        (self._etc / "passwd").write_text(f"sandbox:x:{uid}:{gid}:sandbox:{WORKSPACE}:/bin/bash\n")
        (self._etc / "group").write_text(f"sandbox:x:{gid}:\n")
        (self._etc / "hosts").write_text("127.0.0.1 localhost sandbox\n::1 localhost\n")
        (self._etc / "hostname").write_text("sandbox\n")
        for f in self._etc.iterdir():
            f.chmod(0o644)

    def _bwrap_argv(self, argv: list[str], env: dict[str, str]) -> list[str]:
        assert self._bwrap is not None
        a = [self._bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
             "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent", "--new-session"]
        if not self._root:  # unprivileged bwrap: a user namespace holding only the caller's uid
            a += ["--unshare-user", "--disable-userns"]
        a += ["--ro-bind", "/usr", "/usr"]
        for link in ("bin", "lib", "lib32", "lib64", "sbin", "libx32"):
            host = Path("/") / link
            if host.is_symlink():
                a += ["--symlink", os.readlink(host), f"/{link}"]
            elif host.is_dir():
                a += ["--ro-bind", str(host), f"/{link}"]
        a += ["--perms", "0755", "--dir", "/etc"]
        for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives"):
            a += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        for name in ("passwd", "group", "hosts", "hostname"):
            a += ["--ro-bind", str(self._etc / name), f"/etc/{name}"]
        a += self._python_mounts()
        a += ["--bind", str(self.workspace), WORKSPACE, "--chdir", WORKSPACE,
              "--perms", "1777", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev", "--clearenv"]
        for k, v in env.items():
            a += ["--setenv", k, v]
        if self._root:  # drop to an unprivileged host uid so RLIMIT_NPROC binds and nothing is root
            a += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                  "/usr/bin/setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
                  "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--"]
        else:
            a += ["--cap-drop", "ALL", "--"]
        return a + argv

    def _python_mounts(self) -> list[str]:
        """Read-only mounts of the host interpreter (at its own path: its rpath and the
        venv's ``home`` name it) and of the host venv (at :data:`VENV`)."""
        out: list[str] = []
        base = Path(sys.base_prefix).resolve()
        if not str(base).startswith("/usr"):
            for parent in reversed(base.parents[:-1]):  # bwrap makes missing parents 0700
                out += ["--perms", "0755", "--dir", str(parent)]
            out += ["--ro-bind", str(base), str(base)]
        if sys.prefix != sys.base_prefix:
            out += ["--perms", "0755", "--dir", "/opt", "--ro-bind", sys.prefix, VENV]
        else:
            out += ["--perms", "0755", "--dir", "/opt", "--perms", "0755", "--dir", f"{VENV}",
                    "--perms", "0755", "--dir", f"{VENV}/bin",
                    "--symlink", str(Path(sys.executable)), f"{VENV}/bin/python"]
        return out

    def _preexec(self) -> None:  # runs in the child between fork and exec
        for res, pair in self.limits.rlimits().items():
            resource.setrlimit(res, pair)

    def _execute(
        self, cmd: list[str], stdin: str | None, timeout_s: float, env: dict[str, str], cwd: str | None
    ) -> ExecutionResult:
        limit = self.limits.output_bytes
        out, err = _Capture(limit), _Capture(limit)
        start = time.monotonic()
        fds: list[int] = []
        if self.sandboxed:  # bwrap reads its options from a memfd: /proc/1/cmdline shows no host paths
            end = cmd.index("--")
            options = cmd[1:end]
            bpf = seccomp_filter() if self.seccomp else None
            if bpf is not None:
                fds.append(_memfd("seccomp", bpf))
                options += ["--seccomp", str(fds[-1])]
            fds.append(_memfd("bwrap-args", b"".join(a.encode() + b"\0" for a in options)))
            cmd = [cmd[0], "--args", str(fds[-1]), *cmd[end:]]
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                preexec_fn=self._preexec, start_new_session=True, close_fds=True,
                pass_fds=tuple(fds),
            )
        except OSError as exc:
            return ExecutionResult("", f"cannot start {cmd[0]}: {exc}", -1, sandboxed=self.sandboxed)
        finally:
            for fd in fds:
                os.close(fd)
        if stdin is not None:
            threading.Thread(target=_feed, args=(proc.stdin, stdin.encode()), daemon=True).start()
        timed_out = _pump(proc, out, err, start + timeout_s)
        if timed_out:
            _kill(proc)
        if not self.sandboxed:  # leftovers in the process group (bwrap's die with its PID namespace)
            _kill(proc)
        code = proc.wait()
        exit_code = 128 - code if code < 0 else code
        stderr = err.text()
        return ExecutionResult(
            stdout=out.text(), stderr=stderr, exit_code=exit_code, timed_out=timed_out,
            truncated=out.total > limit or err.total > limit,
            duration_ms=round((time.monotonic() - start) * 1000, 2),
            killed_by=_killed_by(exit_code, stderr, timed_out), sandboxed=self.sandboxed,
        )


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
        pipe.close()
    except OSError:  # the process exited without reading
        pass


def _pump(proc: subprocess.Popen, out: _Capture, err: _Capture, deadline: float) -> bool:
    """Read both pipes in 64 KiB chunks until EOF on both, or the deadline.

    Returns True when the process was still running at the deadline. Pipes held open by
    leftovers after the process exited are read for 0.2 s more, then abandoned.
    """
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, out)
    sel.register(proc.stderr, selectors.EVENT_READ, err)
    try:
        while sel.get_map():
            now = time.monotonic()
            if proc.poll() is not None:
                deadline = min(deadline, now + 0.2)
            if now >= deadline:
                break
            for key, _ in sel.select(timeout=min(deadline - now, 0.1)):
                chunk = os.read(key.fd, 65536)
                if chunk:
                    key.data.feed(chunk)
                else:
                    sel.unregister(key.fileobj)
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return True
        return False
    finally:
        sel.close()
        proc.stdout.close()
        proc.stderr.close()


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the process group; for bwrap this ends its PID namespace and everything in it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
