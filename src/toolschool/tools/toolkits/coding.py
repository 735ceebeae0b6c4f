"""The ``coding`` toolkit: run, read, write, test, analyse and debug code in a session sandbox.

:data:`CODING_TOOLS` holds the schemas (registered as toolkit ``coding``); :func:`coding_tools`
binds the implementations to one :class:`~toolschool.tools.sandbox.Sandbox`, whose workspace
is the only place the file tools read or write. Every tool returns a JSON-able ``dict``;
a refused or failed call returns ``{"error": "..."}`` instead of raising (bad model
requests are data).

Code runs only inside the sandbox: ``execute_python``, ``execute_bash``, ``run_tests``,
``debug_code`` and ``search_docs`` (which imports modules by the model's choice, so it too
runs sandboxed). ``analyze_code`` only parses (``ast``; ``ruff`` when importable).
File tools run on the host but resolve every path through :meth:`Sandbox.resolve`
(``..`` and symlinks leaving the workspace are refused).
"""

from __future__ import annotations

import ast
import errno
import json
import os
import re
import stat
import subprocess
import types
from typing import Any

from toolschool.errors import SandboxPathError
from toolschool.tools.sandbox import ExecutionResult, Sandbox
from toolschool.tools.schema import Tool, function_schema
from toolschool.types import ToolSchema

MAX_READ_BYTES = 64 * 1024
"""Largest slice of a file ``read_file`` returns."""
MAX_LIST_ENTRIES = 500
"""Most entries ``list_dir`` returns."""
CONFIRMED = frozenset({"execute_python", "execute_bash", "write_file", "run_tests", "debug_code"})
"""Tools that run code or write files: safe mode asks before them
(``ToolExecutor(..., needs_confirmation=CONFIRMED, confirm=...)``)."""


def _result(r: ExecutionResult) -> dict[str, Any]:
    return {"stdout": r.stdout, "stderr": r.stderr, "exit_code": r.exit_code, "timed_out": r.timed_out,
            "truncated": r.truncated, "killed_by": r.killed_by, "sandboxed": r.sandboxed}


class CodingTools:
    """The implementations, bound to one sandbox session.

    Safe mode (asking before the tools of :data:`CONFIRMED`) and the session's allow-list
    are the runtime's (:class:`~toolschool.runtime.executor.ToolExecutor`), as for any tool.

    Args:
        sandbox: the session's sandbox (its workspace is the tools' working directory).
        timeout_s: wall-clock seconds per code run (``run_tests`` gets three times as much).
    """

    def __init__(self, sandbox: Sandbox, timeout_s: float = 10.0):
        self.sandbox = sandbox
        self.timeout_s = timeout_s

    def execute_python(self, code: str) -> dict[str, Any]:
        """Run Python code in the sandbox and return its stdout, stderr and exit code.

        Args:
            code: Python source; print what you want to see.
        """
        try:
            return _result(self.sandbox.run_python(code, timeout_s=self.timeout_s))
        except ValueError as exc:
            return {"error": str(exc)}

    def execute_bash(self, command: str) -> dict[str, Any]:
        """Run a bash command in the sandbox (no network) and return its output and exit code.

        Args:
            command: a bash script, run in the workspace directory.
        """
        try:
            return _result(self.sandbox.run_bash(command, timeout_s=self.timeout_s))
        except ValueError as exc:
            return {"error": str(exc)}

    def read_file(self, path: str) -> dict[str, Any]:
        """Read a text file from the workspace.

        Args:
            path: file path relative to the workspace.
        """
        try:
            p = self.sandbox.resolve(path)
            with open(p, "rb", opener=_nofollow) as f:
                data = f.read(MAX_READ_BYTES + 1)
        except SandboxPathError as exc:
            return {"error": str(exc)}
        except IsADirectoryError:
            return {"error": f"{path!r} is a directory; use list_dir"}
        except OSError as exc:
            return {"error": f"cannot read {path!r}: {exc.strerror}"}
        return {"path": path, "content": data[:MAX_READ_BYTES].decode("utf-8", errors="replace"),
                "truncated": len(data) > MAX_READ_BYTES}

    def write_file(self, path: str, content: str) -> dict[str, Any]:
        """Write a text file in the workspace, creating folders as needed (overwrites).

        Args:
            path: file path relative to the workspace.
            content: the full new text of the file.
        """
        data = content.encode()
        cap = self.sandbox.limits.file_size_mb * 1024 * 1024
        if len(data) > cap:
            return {"error": f"content is {len(data)} bytes; the file size limit is {cap}"}
        try:
            p = self.sandbox.resolve(path)
            if p == self.sandbox.workspace:
                return {"error": "path names the workspace itself, not a file"}
            missing = [d for d in [p.parent, *p.parent.parents] if not d.exists()]
            p.parent.mkdir(parents=True, exist_ok=True)
            for d in missing:
                if self.sandbox.workspace in d.parents:
                    self.sandbox.give(d)
            p = self.sandbox.resolve(path)  # again: a folder on the way may have been a link
            with open(p, "wb", opener=_nofollow) as f:
                f.write(data)
            self.sandbox.give(p)
        except SandboxPathError as exc:
            return {"error": str(exc)}
        except OSError as exc:
            return {"error": f"cannot write {path!r}: {exc.strerror}"}
        return {"path": path, "bytes": len(data)}

    def list_dir(self, path: str = ".") -> dict[str, Any]:
        """List a folder of the workspace: names, kinds (file, dir, link) and sizes in bytes.

        Args:
            path: folder path relative to the workspace.
        """
        try:
            p = self.sandbox.resolve(path)
            names = sorted(os.listdir(p))
        except SandboxPathError as exc:
            return {"error": str(exc)}
        except NotADirectoryError:
            return {"error": f"{path!r} is a file; use read_file"}
        except OSError as exc:
            return {"error": f"cannot list {path!r}: {exc.strerror}"}
        entries = []
        for name in names[:MAX_LIST_ENTRIES]:
            st = os.lstat(p / name)
            kind = "link" if os.path.islink(p / name) else "dir" if os.path.isdir(p / name) else "file"
            entries.append({"name": name, "type": kind, "size": st.st_size})
        return {"path": path, "entries": entries, "truncated": len(names) > MAX_LIST_ENTRIES}

    def run_tests(self, path: str = ".") -> dict[str, Any]:
        """Run pytest on a file or folder of the workspace; return the counts and the failures.

        Args:
            path: test file or folder relative to the workspace.
        """
        try:
            self.sandbox.resolve(path)
        except SandboxPathError as exc:
            return {"error": str(exc)}
        r = self.sandbox.run(
            ["python", "-m", "pytest", "-q", "-rfE", "--tb=short", "--no-header", "-p", "no:cacheprovider",
             "--", path],
            timeout_s=self.timeout_s * 3, env={"PYTHONPATH": "/workspace"},
        )
        return _pytest_summary(r)

    def analyze_code(self, code: str) -> dict[str, Any]:
        """Check Python code without running it: syntax errors, risky calls, complexity per function.

        Args:
            code: Python source.
        """
        return analyze(code)

    def debug_code(self, code: str) -> dict[str, Any]:
        """Run Python code; on failure return the error, the failing line with context and the traceback.

        Args:
            code: Python source.
        """
        try:
            r = self.sandbox.run_python(code, timeout_s=self.timeout_s)
        except ValueError as exc:
            return {"error": str(exc)}
        return debug_report(code, r)

    def search_docs(self, query: str) -> dict[str, Any]:
        """Look up Python documentation offline: a dotted name (json.dumps) or words of a module name.

        Args:
            query: a dotted name such as json.dumps, or words to find modules by name.
        """
        r = self.sandbox.run(["python", "-c", _DOCS_SCRIPT], stdin=query, timeout_s=self.timeout_s)
        try:
            return json.loads(r.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            return {"error": f"documentation lookup failed: {(r.stderr or r.stdout)[-500:]}"}


def _nofollow(path: str, flags: int) -> int:
    """Open without following a final symlink or blocking (a FIFO left by sandboxed code), and
    only a regular file: anything else raises ``OSError`` before a byte moves."""
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        raise OSError(errno.EINVAL, "not a regular file")
    return fd


_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def _pytest_summary(r: ExecutionResult) -> dict[str, Any]:
    """Counts, failures (``FAILED``/``ERROR`` lines of ``-rfE``) and the output's tail."""
    lines = r.stdout.strip().splitlines()
    summary = lines[-1].strip("= ") if lines else ""
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    for n, kind in _COUNT.findall(summary):
        key = "errors" if kind.startswith("error") else kind
        if key in counts:
            counts[key] = int(n)
    failures = []
    for line in lines:
        if line.startswith(("FAILED ", "ERROR ")):
            kind, _, rest = line.partition(" ")
            test, _, message = rest.partition(" - ")
            failures.append({"test": test, "kind": kind.lower(), "message": message})
    return {**counts, "summary": summary or (r.killed_by or "no output"), "failures": failures,
            "exit_code": r.exit_code, "timed_out": r.timed_out, "output": r.stdout[-4000:],
            "stderr": r.stderr[-2000:]}


_FRAME = re.compile(r'File "<string>", line (\d+)')


def debug_report(code: str, r: ExecutionResult) -> dict[str, Any]:
    """The failing line of ``code`` (the innermost ``<string>`` frame) with two lines of context."""
    if r.ok:
        return {"ok": True, "stdout": r.stdout, "stderr": r.stderr}
    tb = r.stderr
    last = tb.strip().splitlines()[-1] if tb.strip() else (r.killed_by or f"exit code {r.exit_code}")
    out: dict[str, Any] = {"ok": False, "error": last, "stdout": r.stdout, "traceback": tb,
                           "killed_by": r.killed_by, "line": None, "context": None}
    frames = _FRAME.findall(tb)
    if frames:
        n = int(frames[-1])
        src = code.splitlines()
        lo, hi = max(1, n - 2), min(len(src), n + 2)
        out["line"] = n
        marks = {i: ">" if i == n else " " for i in range(lo, hi + 1)}
        out["context"] = "\n".join(f"{mark}{i:4d} | {src[i - 1]}" for i, mark in marks.items())
    return out


# ---- static analysis ------------------------------------------------------------------------------
_BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.IfExp, ast.ExceptHandler, ast.match_case)


def complexity(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """McCabe cyclomatic complexity of one function: 1 + decision points in its own body.

    Decision points: ``if``/``elif``, loops, conditional expressions, ``except`` handlers,
    ``case`` arms, each extra operand of ``and``/``or``, each ``for``/``if`` of a
    comprehension. Nested functions and classes are measured separately.
    """
    score = 1
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, _BRANCHES):
            score += 1
        elif isinstance(node, ast.BoolOp):
            score += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            score += 1 + len(node.ifs)
        stack.extend(ast.iter_child_nodes(node))
    return score


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


_RISKY = {
    "eval": "eval() runs arbitrary code", "exec": "exec() runs arbitrary code",
    "os.system": "os.system() runs a shell command", "os.popen": "os.popen() runs a shell command",
    "pickle.loads": "unpickling untrusted data runs code",
    "pickle.load": "unpickling untrusted data runs code",
    "marshal.loads": "unmarshalling untrusted data is unsafe", "__import__": "dynamic import",
}


def _smells(tree: ast.AST) -> list[dict[str, Any]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in ("eval", "exec") and any(
                isinstance(a, ast.Call) and _dotted(a.func) == "input" for a in node.args
            ):
                found.append((node.lineno, f"{name}-input", f"{name}(input()) runs whatever the user types"))
            elif name in _RISKY:
                found.append((node.lineno, name, _RISKY[name]))
            elif name.startswith("subprocess.") and any(
                k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in node.keywords
            ):
                found.append((node.lineno, "shell=True", f"{name}(shell=True) invites shell injection"))
            elif name == "yaml.load" and len(node.args) < 2 and all(k.arg != "Loader" for k in node.keywords):
                found.append((node.lineno, "yaml.load", "yaml.load without a safe Loader"))
        elif isinstance(node, ast.ExceptHandler) and node.type is None:
            found.append((node.lineno, "bare-except", "bare except: also catches KeyboardInterrupt"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                if isinstance(d, (ast.List, ast.Dict, ast.Set)):
                    found.append((d.lineno, "mutable-default", f"{node.name}: a mutable default is shared"))
    return [{"line": ln, "kind": k, "message": m} for ln, k, m in sorted(found)]


def analyze(code: str) -> dict[str, Any]:
    """Static report on Python ``code``: syntax error (line, column), smells, complexity, ruff.

    Returns:
        ``{"syntax_error": {"line", "column", "message"} | None, "smells": [{"line", "kind",
        "message"}], "complexity": [{"function", "line", "complexity"}], "ruff": [...] }``;
        ``ruff`` (``{"line", "code", "message"}``) only when the ``ruff`` package is importable.
    """
    out: dict[str, Any] = {"syntax_error": None, "smells": [], "complexity": []}
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        out["syntax_error"] = {"line": exc.lineno, "column": exc.offset, "message": exc.msg}
        return out
    out["smells"] = _smells(tree)
    out["complexity"] = [
        {"function": n.name, "line": n.lineno, "complexity": complexity(n)}
        for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    lint = _ruff(code)
    if lint is not None:
        out["ruff"] = lint
    return out


def _ruff(code: str) -> list[dict[str, Any]] | None:
    """``ruff check`` findings (static: ruff parses, never runs the code); None without ruff."""
    try:
        import ruff  # type: ignore[import-not-found]

        exe = ruff.find_ruff_bin()
        done = subprocess.run([exe, "check", "--no-cache", "--isolated", "--output-format", "json",
                               "--stdin-filename", "snippet.py", "-"], input=code.encode(),
                              capture_output=True, timeout=10)
        items = json.loads(done.stdout or b"[]")
    except Exception:  # ruff absent, or broken: the report simply has no ruff section
        return None
    return [{"line": i["location"]["row"], "code": i["code"], "message": i["message"]} for i in items[:50]]


_DOCS_SCRIPT = r'''
import importlib, inspect, json, pkgutil, sys
q = sys.stdin.read().strip()
def head(doc, n=12):
    return "\n".join((doc or "").strip().splitlines()[:n])
def resolve(q):
    parts = q.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise LookupError(q)
out = {"query": q}
try:
    obj = resolve(q) if q and all(p.isidentifier() for p in q.split(".")) else None
except Exception:
    obj = None
if obj is not None:
    try:
        sig = str(inspect.signature(obj))
    except (TypeError, ValueError):
        sig = None
    out.update(found=True, name=q, kind=type(obj).__name__, signature=sig, doc=head(inspect.getdoc(obj)))
else:
    words = [w for w in q.lower().replace(".", " ").split() if w]
    names = sorted({m.name for m in pkgutil.iter_modules()} | set(sys.builtin_module_names))
    hits = [n for n in names if words and all(w in n.lower() for w in words)]
    hits = hits or [n for n in names if any(w in n.lower() for w in words)]
    hits = hits[:20]
    out.update(found=False, modules=hits)
print(json.dumps(out))
'''


class _Unbound:
    """Stands in for a session when the schemas are derived (no sandbox needed)."""


_NAMES = ("execute_python", "execute_bash", "read_file", "write_file", "list_dir", "run_tests",
          "analyze_code", "debug_code", "search_docs")

CODING_TOOLS: list[ToolSchema] = [
    function_schema(types.MethodType(getattr(CodingTools, n), _Unbound())) for n in _NAMES
]
"""The ``coding`` toolkit's schemas (``get_toolkit("coding")``)."""


def coding_tools(sandbox: Sandbox, timeout_s: float = 10.0) -> list[Tool]:
    """The ``coding`` tools bound to ``sandbox`` (schema + implementation each).

    The allow-list and safe mode of a session are the executor's::

        ToolExecutor(coding_tools(box), allow={"read_file", "run_tests"},
                     needs_confirmation=CONFIRMED, confirm=ask_the_user)

    Args:
        sandbox: the session's sandbox.
        timeout_s: wall-clock seconds per code run.
    """
    session = CodingTools(sandbox, timeout_s=timeout_s)
    schemas = {s.name: s for s in CODING_TOOLS}
    return [Tool(schema=schemas[n].model_copy(deep=True), fn=getattr(session, n)) for n in _NAMES]
