"""The ``coding`` toolkit: schemas in the registry, implementations bound to a real sandbox."""

from __future__ import annotations

import ast

import pytest

from tests.tools.sandbox_fixtures import make_sandbox, needs_bwrap
from toolschool.errors import ArgumentValidationError
from toolschool.tools import get_toolkit
from toolschool.tools.toolkits.coding import CODING_TOOLS, analyze, coding_tools, complexity
from toolschool.types import ToolCall

NAMES = [
    "execute_python",
    "execute_bash",
    "read_file",
    "write_file",
    "list_dir",
    "run_tests",
    "analyze_code",
    "debug_code",
    "search_docs",
]


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    box = make_sandbox(tmp_path_factory)
    yield box
    box.close()


@pytest.fixture(scope="module")
def tools(sb):
    return {t.name: t for t in coding_tools(sb)}


def test_schemas_are_registered_as_the_coding_toolkit():
    assert [s.name for s in get_toolkit("coding")] == NAMES == [s.name for s in CODING_TOOLS]
    write = {s.name: s for s in CODING_TOOLS}["write_file"].function.parameters
    assert write["required"] == ["path", "content"] and write["properties"]["path"]["type"] == "string"
    assert {s.name: s for s in CODING_TOOLS}["list_dir"].properties["path"]["default"] == "."


@needs_bwrap
def test_execute_python_and_bash(tools):
    r = tools["execute_python"](code="print(6 * 7)")
    assert r["stdout"] == "42\n" and r["exit_code"] == 0 and r["sandboxed"] is True
    r = tools["execute_bash"](command="echo $PWD; exit 4")
    assert r["stdout"] == "/workspace\n" and r["exit_code"] == 4
    with pytest.raises(ArgumentValidationError):
        tools["execute_python"](source="x")


@needs_bwrap
def test_write_read_list_round_trip_and_the_sandbox_sees_it(tools, sb):
    assert tools["write_file"](path="pkg/mod.py", content="X = 1\n") == {"path": "pkg/mod.py", "bytes": 6}
    assert tools["read_file"](path="pkg/mod.py")["content"] == "X = 1\n"
    listing = tools["list_dir"](path="pkg")
    assert listing["entries"] == [{"name": "mod.py", "type": "file", "size": 6}]
    r = tools["execute_bash"](command="cat pkg/mod.py && echo more >> pkg/mod.py && echo ok")
    assert r["stdout"] == "X = 1\nok\n", r  # the sandbox uid can modify what the host wrote
    assert "pkg" in [e["name"] for e in tools["list_dir"]()["entries"]]


@needs_bwrap
@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "pkg/../../x", "/workspace/../etc/shadow"])
def test_file_tools_refuse_paths_outside_the_workspace(tools, path):
    for name, args in (("read_file", {}), ("write_file", {"content": "x"}), ("list_dir", {})):
        r = tools[name](path=path, **args)
        assert "outside the workspace" in r["error"], (name, r)
    assert "outside the workspace" in tools["run_tests"](path=path)["error"]


@needs_bwrap
def test_file_tools_refuse_symlinks_that_leave_the_workspace(tools, sb, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret")
    tools["execute_bash"](command=f"ln -sf {secret} leak; ln -sfn /etc linkdir")
    assert "outside" in tools["read_file"](path="leak")["error"]
    assert "outside" in tools["write_file"](path="leak", content="x")["error"]
    assert "outside" in tools["write_file"](path="linkdir/evil", content="x")["error"]
    assert "outside" in tools["list_dir"](path="linkdir")["error"]
    assert secret.read_text() == "s3cret"
    kinds = {e["name"]: e["type"] for e in tools["list_dir"]()["entries"]}
    assert kinds["leak"] == "link" and kinds["linkdir"] == "link"


@needs_bwrap
def test_read_file_errors_are_results(tools):
    assert "cannot read" in tools["read_file"](path="nope.txt")["error"]
    tools["execute_bash"](command="mkdir -p adir")
    assert "directory" in tools["read_file"](path="adir")["error"]
    assert "is a file" in tools["list_dir"](path="pkg/mod.py")["error"]


@needs_bwrap
def test_run_tests_reports_counts_and_failures(tools):
    tools["write_file"](
        path="tdir/test_demo.py",
        content=("def test_ok():\n    assert 1 + 1 == 2\n\ndef test_bad():\n    assert [1, 2] == [1, 3]\n"),
    )
    r = tools["run_tests"](path="tdir")
    assert (r["passed"], r["failed"], r["errors"]) == (1, 1, 0), r
    assert (
        r["failures"][0]["test"] == "tdir/test_demo.py::test_bad" and "assert" in r["failures"][0]["message"]
    )
    assert r["exit_code"] == 1 and "1 failed, 1 passed" in r["summary"]


@needs_bwrap
def test_debug_code_points_at_the_failing_line(tools):
    code = "a = 1\nb = 0\n\ndef f(x):\n    return x / b\n\nprint(f(a))\n"
    r = tools["debug_code"](code=code)
    assert r["ok"] is False and r["error"] == "ZeroDivisionError: division by zero" and r["line"] == 5
    assert r["context"].splitlines() == [
        "    3 | ",
        "    4 | def f(x):",
        ">   5 |     return x / b",
        "    6 | ",
        "    7 | print(f(a))",
    ]
    assert tools["debug_code"](code="print('fine')") == {"ok": True, "stdout": "fine\n", "stderr": ""}
    r = tools["debug_code"](code="x = (\n")
    assert r["line"] in (1, 2) and "SyntaxError" in r["error"]


@needs_bwrap
def test_search_docs_resolves_names_and_finds_modules(tools):
    r = tools["search_docs"](query="json.dumps")
    assert r["found"] and r["signature"].startswith("(obj, *, skipkeys=False") and "JSON" in r["doc"]
    r = tools["search_docs"](query="xml etree")
    assert not r["found"] and "xml" in r["modules"], r  # no module has both words: either word
    assert "json" in tools["search_docs"](query="JSON")["modules"]
    assert tools["search_docs"](query="")["modules"] == []
    r = tools["search_docs"](query="pathlib.Path.read_text")
    assert r["found"] and r["kind"] == "function"


def test_analyze_code_finds_syntax_errors_smells_and_complexity():
    assert analyze("def f(:\n")["syntax_error"]["line"] == 1
    code = (
        "import os, pickle, subprocess\n"
        "def run(cmd, opts=[]):\n"
        "    if cmd and opts or not cmd:\n"
        "        os.system(cmd)\n"
        "    for x in opts:\n"
        "        try:\n"
        "            subprocess.run(x, shell=True)\n"
        "        except:\n"
        "            pass\n"
        "    return eval(input()), pickle.loads(b''), [y for y in opts if y]\n"
    )
    report = analyze(code)
    kinds = [s["kind"] for s in report["smells"]]
    assert kinds == [
        "mutable-default",
        "os.system",
        "shell=True",
        "bare-except",
        "eval-input",
        "pickle.loads",
    ]
    # 1 + if + (and, or: 2) + for + except + comprehension (for 1 + if 1) = 8
    assert report["complexity"] == [{"function": "run", "line": 2, "complexity": 8}]


def test_complexity_measures_nested_functions_separately():
    tree = ast.parse(
        "def outer(a):\n    def inner(b):\n        return 1 if b else 2\n    while a:\n        a -= 1\n"
    )
    outer, inner = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    assert complexity(outer) == 2 and complexity(inner) == 2


@needs_bwrap
def test_safe_mode_asks_before_running_or_writing(sb):
    from toolschool.runtime import ToolExecutor
    from toolschool.tools.toolkits.coding import CONFIRMED

    asked = []
    executor = ToolExecutor(coding_tools(sb), needs_confirmation=CONFIRMED,
                            confirm=lambda call: asked.append(call.name) or False)
    ran = executor.run(ToolCall(name="execute_python", arguments={"code": "print(1)"}))
    wrote = executor.run(ToolCall(name="write_file", arguments={"path": "x.txt", "content": "x"}))
    assert not ran.ok and "declined" in ran.error and not wrote.ok and "declined" in wrote.error
    assert not (sb.workspace / "x.txt").exists()
    assert executor.run(ToolCall(name="read_file", arguments={"path": "pkg/mod.py"})).ok
    assert executor.run(ToolCall(name="analyze_code", arguments={"code": "1"})).ok
    assert asked == ["execute_python", "write_file"]


def test_allow_list_limits_the_session_tools(tmp_path_factory):
    from tests.tools.sandbox_fixtures import SMALL
    from toolschool.runtime import ToolExecutor
    from toolschool.tools.sandbox import Sandbox

    box = Sandbox(tmp_path_factory.mktemp("ws"), limits=SMALL, allow_unsandboxed=True)
    executor = ToolExecutor(coding_tools(box), allow={"read_file", "analyze_code"})
    assert [s.name for s in executor.schemas] == ["read_file", "analyze_code"]
    refused = executor.run(ToolCall(name="execute_bash", arguments={"command": "true"}))
    assert not refused.ok and "not allowed here; allowed tools: analyze_code, read_file" in refused.error
    box.close()


@needs_bwrap
def test_file_tools_do_not_hang_on_a_fifo_left_by_sandboxed_code(tools):
    assert tools["execute_bash"](command="mkfifo trap && echo ok")["stdout"] == "ok\n"
    assert "not a regular file" in tools["read_file"](path="trap")["error"]
    assert "error" in tools["write_file"](path="trap", content="x")
