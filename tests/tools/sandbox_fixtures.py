"""Shared helpers of the sandbox tests: skip without bwrap, a small-limits sandbox."""

from __future__ import annotations

import shutil

import pytest

from toolschool.tools.sandbox import Sandbox, SandboxLimits

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None,
    reason="bubblewrap (bwrap) is not installed: apt-get install bubblewrap (CI installs it)",
)

SMALL = SandboxLimits(cpu_s=3, memory_mb=512, processes=48, file_size_mb=1, open_files=32, output_bytes=16384)


def make_sandbox(tmp_path_factory, limits: SandboxLimits = SMALL) -> Sandbox:
    return Sandbox(tmp_path_factory.mktemp("ws"), limits=limits)
