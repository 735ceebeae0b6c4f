"""The training stage: ``run(config, progress, loaded=None) -> TrainResult``.

Reads ``config.data``, fine-tunes ``config.model`` and writes into ``config.out_dir``:
``config.yaml`` (the resolved :class:`TrainConfig`; with ``adapter/`` it makes the
directory loadable by :func:`toolschool.models.load_trained`, and ``toolschool train -c
<out_dir>/config.yaml`` trains the same adapter again), ``adapter/``, ``train_log.jsonl``,
``train_result.json``, ``loss.png``, and with the spectrum monitor on ``spectrum.jsonl`` and
``spectrum.png``; ``checkpoints/`` while ``save_every`` is set (``resume: true`` continues
from the newest).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolschool.config import dump_config
from toolschool.errors import ConfigError, DataError
from toolschool.progress import NullProgress, Progress
from toolschool.train.config import TrainConfig
from toolschool.train.distributed import is_main_process
from toolschool.train.sft import TrainResult, encode_training_set, train

if TYPE_CHECKING:
    from toolschool.models import LoadedModel
    from toolschool.train.dataset import EncodedSet
    from toolschool.types import Conversation


def check(config: TrainConfig) -> None:
    """Check what can fail before any weight is loaded: QLoRA's needs (a CUDA GPU and
    bitsandbytes), the ``report_to`` packages, LoRA targets and depth of the model.

    Raises:
        ConfigError: QLoRA cannot run here (:func:`toolschool.train.quant.check_quantization`);
            the LoRA settings do not fit the model's architecture.
        ModelLoadError: the model's config cannot be read.
    """
    from toolschool.models.skeleton import model_skeleton
    from toolschool.train.lora import lora_targets
    from toolschool.train.quant import check_quantization
    from toolschool.train.report import check_reporters

    check_quantization(config)
    check_reporters(config.report_to)
    lora_targets(model_skeleton(config.model), config.lora)


def check_data(config: TrainConfig, loaded: LoadedModel) -> EncodedSet:
    """Tokenise ``config.data`` as training will (the loaded model's layout, the format, the
    system prompt, ``max_length``): the check that needs the data and the tokenizer, for a
    caller with long work before training (the run's base evaluation, a sweep of runs).

    Raises:
        DataError: the data file is missing, malformed or empty, or nothing fits ``max_length``.
    """
    layout = loaded.layout(config.layout, config.format)
    return encode_training_set(config, read_conversations(config.data), loaded.tokenizer, layout)


def read_conversations(path: str | Path) -> list[Conversation]:
    """The training conversations in ``path``.

    Raises:
        DataError: the file is missing, malformed or empty.
    """
    from toolschool.types import Conversation, read_jsonl

    p = Path(path)
    if not p.is_file():
        raise DataError(
            f"training data {p} does not exist (write it with `toolschool data generate`, or set data=PATH)"
        )
    conversations = read_jsonl(p, Conversation)
    if not conversations:
        raise DataError(f"training data {p} has no conversations")
    return conversations


def start_stage(
    config: Any, check_config: Callable[[Any], None], progress: Progress, loaded: LoadedModel | None
) -> tuple[Path, LoadedModel]:
    """What a training stage does before its loop: ``check_config(config)`` (only when it loads
    the model itself), ``config.yaml`` into ``config.out_dir``, then ``config.model`` loaded in
    float32 with ``load model`` progress unless ``loaded`` is given. Returns ``(out_dir, loaded)``.
    """
    from toolschool.models import load_model

    if loaded is None:
        check_config(config)
    out = Path(config.out_dir)
    if is_main_process():
        dump_config(config, out / "config.yaml")
    if loaded is None:
        progress.start("load model", None)
        loaded = load_model(config.model, dtype="float32")
        progress.finish("load model")
    return out, loaded


def run(
    config: TrainConfig, progress: Progress | None = None, loaded: LoadedModel | None = None
) -> TrainResult:
    """Fine-tune ``config.model`` on ``config.data`` into ``config.out_dir``.

    Args:
        config: the resolved training config.
        progress: receives ``load model`` and ``train`` progress.
        loaded: the model already in memory (float32; the pipeline loads it once for the
            base evaluation and training); None loads ``config.model``. It is wrapped with
            the adapter in place.

    Raises:
        DataError: the data file is missing, malformed or empty, or nothing fits ``max_length``.
        ConfigError: the LoRA settings do not fit the model; ``quantization: qlora`` without a
            CUDA GPU and bitsandbytes, or with a ``loaded`` model that is not 4-bit.
        ModelLoadError: the model cannot be loaded.
    """
    from toolschool.eval.plots import plot_loss, plot_spectrum
    from toolschool.train.spectrum import read_spectrum

    progress = progress or NullProgress()
    conversations = read_conversations(config.data)
    if config.quantization == "qlora":
        if loaded is not None and not getattr(loaded.model, "is_loaded_in_4bit", False):
            raise ConfigError("quantization: qlora, but the model handed to training is not 4-bit; "
                              "train it on its own (`toolschool train`) so it is loaded quantized")
        if loaded is None:
            from toolschool.train.quant import load_qlora

            check(config)
            progress.start("load model", None)
            loaded = load_qlora(config)
            progress.finish("load model")
    out, loaded = start_stage(config, check, progress, loaded)
    layout = loaded.layout(config.layout, config.format)

    started = []

    def on_step(step: int, total: int, loss: float) -> None:
        if not started:  # the first step of this session: a resumed run starts at its checkpoint
            started.append(step)
            progress.start("train", total)
            progress.advance("train", step - 1)
        progress.advance("train", 1, loss=round(loss, 4))

    result = train(config, conversations, out, loaded.model, loaded.tokenizer, on_step=on_step, layout=layout)
    if result.steps < result.planned_steps:  # stopped early: the bar ends at the steps taken
        progress.start("train", result.steps)
    progress.finish("train")
    if not is_main_process():  # under a multi-process launch rank 0 draws the plots
        return result
    plot_loss([s for s, _ in result.losses], [v for _, v in result.losses], out / "loss.png")
    spectra = read_spectrum(out / "spectrum.jsonl")
    if spectra:
        plot_spectrum(spectra, out / "spectrum.png")
    return result
