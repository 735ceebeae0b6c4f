"""What a model name in a config may be, checked before any work starts.

A model is named by one of: a bundled name (:data:`~toolschool.models.bundled.BUNDLED`),
``tiny`` / ``tiny-gemma3`` (random test models; ``:<seed>`` optional), a random model of a
named size ``scratch:<size>[:<tokenizer>[:<seed>]]`` (:mod:`toolschool.models.scratch`), an
existing local model directory (``config.json``), an existing ``.gguf`` file, a toolschool run
directory (where a trained model is accepted), or a hub id ``owner/name``. Nothing here loads weights.
"""

from __future__ import annotations

import re
from pathlib import Path

#: the random test models (:mod:`toolschool.models.tiny`), each also as ``<name>:<seed>``
TINY = ("tiny", "tiny-gemma3")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


def model_choices() -> str:
    """One line naming every accepted kind of model name."""
    from toolschool.models.bundled import BUNDLED
    from toolschool.models.scratch import SIZES

    return (f"bundled models: {', '.join(BUNDLED)}; {' or '.join(TINY)} (optionally :<seed>); "
            f"scratch:<size>[:smollm2|tiny[:<seed>]] with a size of {', '.join(SIZES)}; "
            "a local model directory; a .gguf file; a run directory (evaluation); a hub id 'owner/name'")


def check_model_name(name: str, trained: bool = False) -> str:
    """Return ``name`` if it names a model (see module docstring), else raise.

    Args:
        name: the config value.
        trained: also accept a toolschool run or train directory (a fine-tuned model).

    Raises:
        ValueError: naming what is wrong and listing the accepted kinds.
    """
    from toolschool.models.bundled import BUNDLED
    from toolschool.models.loading import is_run_dir
    from toolschool.models.scratch import is_scratch_name, parse_scratch_name

    if is_scratch_name(name):
        parse_scratch_name(name)  # raises ValueError naming the bad part
        return name
    base, colon, seed = name.partition(":")
    if name in BUNDLED or base in TINY:
        if colon and not seed.isdigit():
            raise ValueError(f"model {name!r}: {base}:<seed> needs a whole-number seed, e.g. {base}:1")
        return name
    path = Path(name).expanduser()
    if path.is_dir():
        if (path / "config.json").is_file() or (trained and is_run_dir(path)):
            return name
        what = "a model directory (config.json)"
        if trained:
            what += " or a run directory (config.yaml + adapter/)"
        raise ValueError(f"model {name!r} is a directory but not {what}")
    if path.suffix == ".gguf" or name.startswith((".", "/", "~")):
        if path.is_file() and path.suffix == ".gguf":
            return name
        raise ValueError(f"model path {name!r} does not exist")
    if _HUB_ID.match(name):
        return name
    raise ValueError(f"unknown model {name!r}; {model_choices()}")
