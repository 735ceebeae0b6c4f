"""Where the workplace's shared data (``shared/``: chat templates, BFCL, eval sets) lives.

``$TOOLSCHOOL_SHARED`` when set, else ``shared/`` beside the repository (``<repo>/../shared``),
as in a session and in CI. Nothing else is guessed. A test that needs a shared file asks for
it through :func:`shared_file` or :func:`chat_template` (or marks itself with
:func:`needs_shared`), and is skipped with the missing path as the reason when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    """``$TOOLSCHOOL_SHARED`` if set, else ``<repo>/../shared`` (which may not exist)."""
    env = os.environ.get("TOOLSCHOOL_SHARED")
    return Path(env).expanduser() if env else REPO_ROOT.parent / "shared"


SHARED = shared_root()
CHAT_TEMPLATES = SHARED / "chat_templates"
NATURAL_DEV = SHARED / "eval" / "natural_dev.jsonl"


def _missing(path: Path) -> str:
    return f"shared data not found: {path} (set TOOLSCHOOL_SHARED to the shared/ directory)"


def shared_file(*parts: str) -> Path:
    """``SHARED/<parts…>``; skips the calling test when it does not exist."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(_missing(path))
    return path


def chat_template(name: str) -> str:
    """Text of ``chat_templates/<name>``; skips the calling test when it is absent."""
    return shared_file("chat_templates", name).read_text(encoding="utf-8")


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    """A ``skipif`` mark for tests that need ``SHARED/<parts…>`` (checked at collection)."""
    path = SHARED.joinpath(*parts)
    return pytest.mark.skipif(not path.exists(), reason=_missing(path))
