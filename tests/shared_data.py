"""Where the workplace's shared data (``shared/``: chat templates, BFCL, eval sets) lives.

It sits beside the repository (``<repo>/../shared``) in a session and in CI; ``/work/shared``
is the fallback for a checkout elsewhere on the same machine.
"""

from __future__ import annotations

from pathlib import Path

_BESIDE = Path(__file__).resolve().parents[1].parent / "shared"
SHARED = _BESIDE if _BESIDE.is_dir() else Path("/work/shared")
CHAT_TEMPLATES = SHARED / "chat_templates"
