"""Training throughput with and without sequence packing, on the bundled SmolLM2-135M.

Each setting trains a fresh LoRA adapter (r=16, all linear layers, bf16 autocast where the
CPU has it) with the real :func:`toolschool.train.train` for ``--steps`` optimizer steps on the
default run's 800 training conversations, and reports real (non-padding) tokens per second,
conversations per second and the loss after the steps. The settings:

* ``default``: length-grouped batches of 4, the shared system prompt run once per batch
  without its gradient (``min_shared_prefix=32``, ``prefix_gradient=False``);
* ``prefix_gradient``: the same with the gradient through the prefix (what packing must pay);
* ``packed``: rows of ``--pack-length`` tokens (``packing=true``), ``--pack-rows`` per batch.

Usage::

    python benchmarks/bench_packing.py [--steps 12] [--out benchmarks/results/packing.json]

Run it on a quiet machine: it measures wall time.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--pack-length", type=int, default=1536)
    parser.add_argument("--pack-rows", type=int, default=1)
    parser.add_argument("--out", default="benchmarks/results/packing.json")
    args = parser.parse_args()

    from toolschool.datagen import DataConfig, generate
    from toolschool.models import load_model
    from toolschool.train import TrainConfig, train
    from toolschool.train.dataset import batch_units
    from toolschool.train.sft import encode_training_set
    from toolschool.types import Conversation, read_jsonl

    work = Path(tempfile.mkdtemp(prefix="toolschool-bench-packing-"))
    data = generate(DataConfig(n_val=0, n_test=0), work / "data")
    conversations = read_jsonl(data.train_path, Conversation)
    settings = {
        "default": {},
        "prefix_gradient": {"prefix_gradient": True},
        "packed": {"packing": True, "max_length": args.pack_length, "batch_size": args.pack_rows},
    }
    out: dict = {"machine": platform.processor() or platform.machine(), "steps": args.steps, "settings": {}}
    for name, knobs in settings.items():
        loaded = load_model("smollm2-135m")
        cfg = TrainConfig(max_steps=args.steps, warmup_ratio=0.0, log_every=1, spectrum_every=0,
                          save_every=0, template_check="off", **knobs)
        encoded = encode_training_set(cfg, conversations, loaded.tokenizer, loaded.layout(None, cfg.format))
        rows = batch_units(encoded, cfg.max_length if cfg.packing else None)
        mean_length = encoded.n_tokens / len(encoded.examples)
        start = time.perf_counter()
        result = train(cfg, conversations, work / name, loaded.model, loaded.tokenizer,
                       layout=loaded.layout(None, cfg.format))
        wall = time.perf_counter() - start
        log = [json.loads(line) for line in (work / name / "train_log.jsonl").read_text().splitlines()]
        tokens = log[-1]["tokens"]
        out["settings"][name] = {
            "knobs": knobs,
            "rows_per_epoch": rows,
            "conversations_per_row": len(encoded.examples) / rows,
            "tokens": tokens,
            "seconds": result.seconds,
            "wall_seconds_with_setup": wall,
            "tokens_per_second": tokens / result.seconds,
            "conversations_per_second": tokens / mean_length / result.seconds,
            "final_loss": result.final_loss,
        }
        row = out["settings"][name]
        print(f"{name:16s} {row['tokens_per_second']:7.1f} tokens/s  "
              f"{row['conversations_per_second']:5.2f} conversations/s  "
              f"({row['conversations_per_row']:.2f} per row, loss {row['final_loss']:.3f})", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
