"""Load a causal LM and its tokenizer from a bundled name, a local directory or a hub id.

One function, :func:`load_model`, serves every source:

* a bundled name (``smollm2-135m``…, see :mod:`toolschool.models.bundled`): the GGUF file is
  dequantised by transformers (``gguf_file=``) once, then cached as safetensors + tokenizer
  under ``<cache>/converted/<name>-<key>/`` so later loads take seconds;
* ``tiny`` or ``tiny:<seed>``: a randomly initialised Llama-style model with a real BPE
  tokenizer, built in-process (tests, smoke runs); ``tiny-gemma3`` / ``tiny-gemma3:<seed>``:
  the same with Gemma 3's architecture, special tokens and turns (:mod:`toolschool.models.tiny`);
* ``scratch:<size>[:<tokenizer>[:<seed>]]``: a named size of a standard architecture
  (Llama-style dense or Mixtral-style MoE), randomly initialised (:mod:`toolschool.models.scratch`);
* a local directory with ``config.json`` (a merged model, a saved run);
* anything else is passed to ``from_pretrained`` as a hub id (needs network, which this
  workplace does not have; the code path is the standard one all the same).

The GGUF's chat template (metadata ``tokenizer.chat_template``) is kept as the tokenizer's
``chat_template``: transformers' GGUF loader does not read it, and toolschool resolves a
model's turn layout from it (:func:`toolschool.chat.resolve.resolve_layout`). Cache entries
converted before that get it from their GGUF at load time (:func:`gguf_chat_template`).

Why the cache step resets the quantizer: a GGUF-loaded model carries
``hf_quantizer``/``config.quantization_config`` and refuses ``save_pretrained`` until both
are removed; the weights are already plain dequantised tensors by then.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolschool.errors import ModelLoadError
from toolschool.models.bundled import BUNDLED, cache_dir
from toolschool.models.names import model_choices

if TYPE_CHECKING:
    from toolschool.chat.prompt import Layout

_DTYPES = ("float32", "bfloat16", "float16")


@dataclass
class LoadedModel:
    """A model, its tokenizer, and where they came from.

    Attributes:
        model: a ``transformers`` causal LM (``PreTrainedModel``), in eval mode.
        tokenizer: its tokenizer, with ``pad_token`` set and ``padding_side="left"``.
        source: what was asked for (``"smollm2-135m"``, a path, a hub id…).
        path: the local directory the weights were read from (None for ``tiny``).
        seconds: wall time of the load, including a first-time conversion.
        converted: True when this call converted a GGUF file into the cache.
        info: extra facts about the load (adapter and base of a trained run…).

    :attr:`chat_template` is the tokenizer's template text and :meth:`layout` the turn layout
    the model speaks (:func:`toolschool.chat.resolve.resolve_layout`).
    """

    model: Any
    tokenizer: Any
    source: str
    path: Path | None
    seconds: float
    converted: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def chat_template(self) -> str | None:
        """The tokenizer's chat template (Jinja text; of a dict of named templates, ``tool_use``
        else ``default``), or None when it has none."""
        from toolschool.chat.resolve import template_text

        return template_text(self.tokenizer)

    def layout(self, name: str | None = None, fmt_name: str | None = None, native: bool = False) -> Layout:
        """The turn layout to render this model's prompts in:
        ``resolve_layout(self.tokenizer, name, fmt_name, native)``.

        Raises:
            RegistryError: ``name`` is not a known layout.
        """
        from toolschool.chat.resolve import resolve_layout

        return resolve_layout(self.tokenizer, name, fmt_name, native)


def _torch_dtype(name: str) -> Any:
    import torch

    if name not in _DTYPES:
        raise ModelLoadError(f"dtype {name!r} is not one of {', '.join(_DTYPES)}")
    return getattr(torch, name)


def _gguf_cache_key(gguf: Path) -> str:
    stat = gguf.stat()
    return hashlib.sha256(f"{gguf.resolve()}|{stat.st_size}|{int(stat.st_mtime)}".encode()).hexdigest()[:12]


def gguf_chat_template(gguf: Path) -> str | None:
    """The chat template in a GGUF file's metadata (``tokenizer.chat_template``), or None.

    Read with the ``gguf`` package (the header only; tensors are memory-mapped, not read).
    None as well when the file cannot be read as GGUF.
    """
    try:
        from gguf import GGUFReader

        field = GGUFReader(str(gguf)).fields.get("tokenizer.chat_template")
    except (OSError, ValueError, KeyError, IndexError):  # not a GGUF file, truncated, unknown version…
        return None
    if field is None or not field.data:
        return None
    return bytes(field.parts[field.data[0]]).decode("utf-8") or None


def _restore_chat_template(tokenizer: Any, directory: Path | None) -> Any:
    """Give a tokenizer converted from GGUF (``toolschool_source.json``) its GGUF's template."""
    source = directory / "toolschool_source.json" if directory is not None else None
    if getattr(tokenizer, "chat_template", None) or source is None or not source.is_file():
        return tokenizer
    gguf = json.loads(source.read_text()).get("gguf")
    template = gguf_chat_template(Path(gguf)) if gguf and Path(gguf).is_file() else None
    if template:
        tokenizer.chat_template = template
    return tokenizer


def convert_gguf(gguf: Path, target: Path) -> Path:
    """Dequantise a GGUF checkpoint with transformers and save it as safetensors at ``target``.

    The write goes to a temporary sibling directory that is renamed into place, so an
    interrupted conversion never leaves a half-written cache entry. The GGUF's chat template
    is saved with the tokenizer (:func:`gguf_chat_template`).

    Raises:
        ModelLoadError: transformers cannot read the file.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    except Exception as exc:  # transformers raises many types here
        raise ModelLoadError(f"cannot load GGUF {gguf}: {exc}") from exc
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = gguf_chat_template(gguf)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / "toolschool_source.json").write_text(json.dumps({"gguf": str(gguf)}) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    return target


def resolve_source(source: str) -> tuple[Path | None, bool]:
    """Map ``source`` to a local directory, converting a bundled GGUF if needed.

    Returns:
        ``(directory or None for a hub id, converted_now)``.
    """
    if source in BUNDLED:
        gguf = BUNDLED[source].gguf_path()
        target = cache_dir() / "converted" / f"{source}-{_gguf_cache_key(gguf)}"
        if (target / "config.json").is_file():
            return target, False
        target.parent.mkdir(parents=True, exist_ok=True)
        return convert_gguf(gguf, target), True
    path = Path(source).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelLoadError(f"{path} is a directory but has no config.json (not a saved model)")
        return path, False
    if path.suffix == ".gguf" and path.is_file():
        target = cache_dir() / "converted" / f"{path.stem}-{_gguf_cache_key(path)}"
        if (target / "config.json").is_file():
            return target, False
        target.parent.mkdir(parents=True, exist_ok=True)
        return convert_gguf(path, target), True
    if source.startswith((".", "/", "~")) or source.count("/") > 1:
        raise ModelLoadError(f"model path {source!r} does not exist")
    return None, False


#: seconds to wait for the hub to answer before a hub id counts as unreachable
HUB_PROBE_SECONDS = 5.0


def check_hub(repo_id: str) -> None:
    """Fail fast when hub id ``repo_id`` can be neither read from the local cache nor fetched.

    A cached model is used as is. Otherwise one metadata request (timeout
    :data:`HUB_PROBE_SECONDS`) tells whether the hub answers and has the repository, so an
    offline machine gets a clear error at once instead of transformers' download retries.

    Raises:
        ModelLoadError: not cached and the hub is offline, unreachable or has no such model.
    """
    from huggingface_hub import model_info, try_to_load_from_cache
    from huggingface_hub.errors import RepositoryNotFoundError

    if isinstance(try_to_load_from_cache(repo_id, "config.json"), str):
        return
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        raise ModelLoadError(f"model {repo_id!r} is not in the local hub cache and HF_HUB_OFFLINE is set; "
                             f"{model_choices()}")
    try:
        model_info(repo_id, timeout=HUB_PROBE_SECONDS)
    except RepositoryNotFoundError:
        raise ModelLoadError(f"the hub has no model {repo_id!r}; {model_choices()}") from None
    except Exception as exc:  # connection errors of several kinds
        raise ModelLoadError(
            f"model {repo_id!r} is not in the local hub cache and the hub cannot be reached "
            f"({type(exc).__name__}: {exc}); {model_choices()}"
        ) from None


def _finish_tokenizer(tokenizer: Any) -> Any:
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


def load_model(source: str, dtype: str = "float32", **from_pretrained: Any) -> LoadedModel:
    """Load a causal LM and tokenizer.

    Args:
        source: a bundled name (``smollm2-135m``, ``gemma3-270m``, ``qwen2.5-coder-0.5b``),
            ``tiny``/``tiny:<seed>``, ``tiny-gemma3``/``tiny-gemma3:<seed>``,
            ``scratch:<size>[:<tokenizer>[:<seed>]]``, a local model directory, a ``.gguf``
            file, or a hub id.
        dtype: ``float32`` (training), ``bfloat16`` (fast CPU generation) or ``float16``.
        from_pretrained: more keyword arguments of transformers' ``from_pretrained``
            (``quantization_config``, ``device_map``: :mod:`toolschool.train.quant`); not for
            ``tiny``/``scratch:`` models.

    Raises:
        ModelLoadError: the source cannot be found or read; the message says which and why.
    """
    start = time.perf_counter()
    name = source.partition(":")[0]
    if name in ("tiny", "tiny-gemma3"):
        from toolschool.models.tiny import tiny_model

        seed = int(source.partition(":")[2] or 0)
        model, tokenizer = tiny_model(seed=seed, arch="gemma3" if name == "tiny-gemma3" else "llama")
        model = model.to(_torch_dtype(dtype)).eval()
        return LoadedModel(model, _finish_tokenizer(tokenizer), source, None, time.perf_counter() - start)
    if name == "scratch":
        from toolschool.models.scratch import scratch_model

        try:
            model, tokenizer = scratch_model(source)
        except ValueError as exc:
            raise ModelLoadError(str(exc)) from None
        model = model.to(_torch_dtype(dtype)).eval()
        return LoadedModel(model, _finish_tokenizer(tokenizer), source, None, time.perf_counter() - start,
                           info={"parameters": sum(p.numel() for p in model.parameters())})

    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch_dtype = _torch_dtype(dtype)
    path, converted = resolve_source(source)
    where = str(path) if path is not None else source
    if path is None:
        check_hub(source)
    try:
        tokenizer = AutoTokenizer.from_pretrained(where)
        model = AutoModelForCausalLM.from_pretrained(where, dtype=torch_dtype, **from_pretrained)
    except OSError as exc:
        raise ModelLoadError(
            f"cannot load model {source!r} from {where}: {exc}. Hub ids need network access; "
            f"{model_choices()}"
        ) from exc
    model.eval()
    tokenizer = _restore_chat_template(tokenizer, path)
    return LoadedModel(
        model, _finish_tokenizer(tokenizer), source, path, time.perf_counter() - start, converted=converted,
    )


@dataclass
class TrainedModel:
    """A fine-tuned model loaded from a run or train directory, with the settings it was trained on.

    Attributes:
        loaded: the base model with the adapter merged in (float32 unless asked otherwise).
        format: the wire format the model was taught (from the training ``config.yaml``).
        system_prompt: the system prompt used in training.
        run_dir: the directory asked for.
        layout: the layout name of the training ``config.yaml`` (key ``layout``), None when it
            names none (the layout then resolves from the tokenizer, as in training:
            ``loaded.layout(trained.layout)``).
    """

    loaded: LoadedModel
    format: str
    system_prompt: str
    run_dir: Path
    layout: str | None = None


def train_dir(path: str | os.PathLike[str]) -> Path | None:
    """The directory holding the training ``config.yaml`` and ``adapter/`` of ``path``, or None.

    That is ``path`` itself (a ``toolschool train`` output) or ``path/train`` (a
    ``toolschool run`` directory).
    """
    for candidate in (Path(path), Path(path) / "train"):
        adapter = candidate / "adapter" / "adapter_config.json"
        if (candidate / "config.yaml").is_file() and adapter.is_file():
            return candidate
    return None


def is_run_dir(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a toolschool run or train directory with an adapter."""
    return train_dir(path) is not None


def load_trained(run_dir: str | os.PathLike[str], dtype: str = "float32") -> TrainedModel:
    """Load the base model named in the training ``config.yaml`` and merge its ``adapter/``.

    ``run_dir`` is a run directory or a train directory (:func:`train_dir`). ``dtype`` of
    the merged weights: ``float32``, ``bfloat16``, ``float16`` or ``auto``
    (:func:`toolschool.models.precision.resolve_weight_dtype`).

    Raises:
        ModelLoadError: not a run directory, or the config lacks ``model``/``format``.
    """
    import yaml

    run = train_dir(run_dir)
    if run is None:
        raise ModelLoadError(
            f"{run_dir} is not a run directory (needs config.yaml and adapter/adapter_config.json, "
            "or train/ holding them)"
        )
    config = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8")) or {}
    missing = [k for k in ("model", "format") if not config.get(k)]
    if missing:
        raise ModelLoadError(f"{run / 'config.yaml'}: missing {', '.join(missing)}")
    start = time.perf_counter()
    base = load_model(config["model"], dtype="float32")
    from peft import PeftModel

    merged = PeftModel.from_pretrained(base.model, str(run / "adapter")).merge_and_unload()
    if dtype == "auto":
        from toolschool.models.precision import resolve_weight_dtype

        dtype = resolve_weight_dtype(dtype)
    merged = merged.to(_torch_dtype(dtype)).eval()
    loaded = LoadedModel(
        merged, base.tokenizer, str(run_dir), base.path, time.perf_counter() - start, base.converted,
        info={"adapter": str(run / "adapter"), "base": config["model"]},
    )
    system = config.get("system_prompt") or ""
    return TrainedModel(loaded, config["format"], system, Path(run_dir), config.get("layout") or None)


@dataclass(frozen=True)
class PromptSettings:
    """How a model is prompted and parsed: the wire format, system prompt and layout name.

    Explicit choices win; a run directory supplies what it was trained with; otherwise
    ``tool_use``, the built-in system prompt and the tokenizer's own layout (``layout`` None).
    """

    format: str
    system_prompt: str
    layout: str | None


def prompt_settings(
    fmt_name: str | None = None,
    system: str | None = None,
    layout: str | None = None,
    trained: TrainedModel | None = None,
) -> PromptSettings:
    """The :class:`PromptSettings` of the explicit choices, falling back to ``trained``'s, then defaults."""
    from toolschool.chat.prompt import DEFAULT_SYSTEM

    if trained is not None:
        fmt_name = fmt_name or trained.format
        system = system if system is not None else trained.system_prompt
        layout = layout or trained.layout
    return PromptSettings(fmt_name or "tool_use", system if system is not None else DEFAULT_SYSTEM, layout)


def load_for_prompting(
    spec: str,
    fmt_name: str | None = None,
    system: str | None = None,
    layout: str | None = None,
    dtype: str = "float32",
) -> tuple[LoadedModel, PromptSettings]:
    """Load ``spec`` — a run or train directory (adapter merged) or any :func:`load_model`
    source — with the settings to prompt it in (:func:`prompt_settings`).

    Raises:
        ModelLoadError: the model cannot be loaded.
    """
    if is_run_dir(spec):
        trained = load_trained(spec, dtype=dtype)
        return trained.loaded, prompt_settings(fmt_name, system, layout, trained)
    return load_model(spec, dtype=dtype), prompt_settings(fmt_name, system, layout)
