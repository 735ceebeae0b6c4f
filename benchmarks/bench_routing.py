"""Routing latency: one request, one tool call, on the CPU — plain ``model.generate`` against
toolschool's fast path, measured in one run.

Requests: the single-call items of the hand-written ``natural_dev`` set (``../shared/eval``;
evaluation only), each answered with the ``assistant`` toolkit's tools declared in the
system prompt, as a router would be asked: ``parallel_tool_calls=False`` (one call), greedy.

Paths, run on the same weights (bf16 where this CPU has bf16 kernels), one request at a time,
interleaved request by request so that machine noise hits every path alike:

* ``generate``: ``model.generate`` on the whole prompt (transformers' own loop and KV cache);
  the answer is parsed with the wire format afterwards.
* ``prefix``: :class:`~toolschool.backends.local.LocalBackend` with its prefix cache — the
  system prompt with the tool declarations (~90% of the prompt) is computed once and reused
  by every request; only the user's turn is prefilled. No grammar.
* ``grammar``: ``prefix`` plus constrained decoding with jump-forward
  (:mod:`toolschool.backends.constrained`): tokens the grammar forces (the call opener, the
  rest of a tool name once it is unique, JSON keys, closing brackets) are fed in the same
  forward pass instead of one pass each, and the answer ends as soon as the grammar allows
  nothing but the stop token.
* ``fast``: ``grammar`` plus prompt-lookup drafts (up to 8 tokens copied from the
  conversation, verified in the same pass): what ``toolschool serve`` runs.
* ``fast_required``: ``fast`` with ``tool_choice="required"`` (the router knows a tool is due).
* ``fast_int8``, ``fast_required_int8``: the same on int8 weights (weight-only, per output
  channel, bf16 activations; :func:`~toolschool.backends.local.prepare_for_inference`): a
  decode step reads half the bytes of bf16.

Every backend path answers a lone request with
:func:`~toolschool.backends.sequence.decode_sequence` (a static key/value cache reused across
requests where the model allows it).

Reported per path: latency p50/p95 (ms, wall time from request to parsed answer), right tool
(the first call's name equals the expected tool), valid syntax (strict parse, no errors),
model steps and forced tokens per answer, and the mask cost per token. The bar: llama.cpp's
server on SmolLM2 measured here, p50 997 ms, right tool 11 of 30 (``../shared/PEERS.md``);
the target: p50 ≤ 250 ms and ≥ 2× faster than ``generate``.

Usage::

    python benchmarks/bench_routing.py [--model smollm2-135m | RUN_DIR] [--format tool_use]
        [--limit 30] [--max-new-tokens 64] [--out benchmarks/results/routing.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATURAL_DEV = ROOT.parent / "shared" / "eval" / "natural_dev.jsonl"


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0–1) of ``values``, linear between ranks."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2-135m", help="bundled name, model dir or run dir")
    parser.add_argument("--format", default=None, help="wire format (default: the run's, else tool_use)")
    parser.add_argument("--limit", type=int, default=30, help="single-call requests to time")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--data", type=Path, default=NATURAL_DEV)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "routing.json")
    args = parser.parse_args(argv)

    import torch

    from toolschool.backends.local import ChatRequest, LocalBackend, prepare_for_inference
    from toolschool.eval.items import load_items
    from toolschool.formats import get_format
    from toolschool.models.loading import load_for_prompting
    from toolschool.tools import get_toolkit

    torch.manual_seed(0)
    items = [it for it in load_items(args.data) if len(it.expected) == 1][: args.limit]
    if not items:
        print(f"no single-call items in {args.data}", file=sys.stderr)
        return 2
    loaded, settings = load_for_prompting(args.model, args.format)
    layout = loaded.layout(settings.layout, settings.format, native=True)
    fmt = get_format(settings.format)
    import copy

    model = prepare_for_inference(copy.deepcopy(loaded.model), "auto")
    model_int8 = prepare_for_inference(loaded.model, "int8")
    tokenizer = loaded.tokenizer
    tools = get_toolkit("assistant")

    def backend(constrained: bool, lookup: int = 0, weights=model) -> LocalBackend:
        return LocalBackend(weights, tokenizer, fmt, settings.system_prompt, batch_size=1,
                            max_new_tokens=args.max_new_tokens, layout=layout, constrained=constrained,
                            prompt_lookup=lookup)

    prefix, grammar, fast = backend(False), backend(True), backend(True, lookup=8)
    fast8 = backend(True, lookup=8, weights=model_int8)
    stop_ids = prefix.stop_ids

    def run_generate(request: ChatRequest) -> tuple[str, dict]:
        ids = tokenizer(prefix.prompt(request), add_special_tokens=False, return_tensors="pt")["input_ids"]
        with torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                 max_new_tokens=args.max_new_tokens, do_sample=False,
                                 eos_token_id=stop_ids, pad_token_id=tokenizer.pad_token_id)
        new = out[0, ids.shape[1]:].tolist()
        n = next((k for k, t in enumerate(new) if t in stop_ids), len(new))
        return tokenizer.decode(new[:n], skip_special_tokens=False), {"steps": n + (n < len(new)), "forced": 0}

    def run_backend(b: LocalBackend, request: ChatRequest) -> tuple[str, dict]:
        completion = b.complete([request])[0]
        if b.masker is not None and request.tool_choice != "none" and (b.constrained or request.tool_choice != "auto"):
            m = b.masker
            return completion.raw, {"steps": m.masked_steps, "forced": m.forced_tokens, "mask_ms": m.mask_ms,
                                    "tokens": completion.new_tokens}
        return completion.raw, {"steps": completion.new_tokens + (completion.finish_reason == "stop"),
                                "forced": 0, "tokens": completion.new_tokens}

    paths = {
        "generate": lambda r: run_generate(r),
        "prefix": lambda r: run_backend(prefix, r),
        "grammar": lambda r: run_backend(grammar, r),
        "fast": lambda r: run_backend(fast, r),
        "fast_required": lambda r: run_backend(fast, ChatRequest(r.messages, r.tools, "required", False)),
        "fast_int8": lambda r: run_backend(fast8, r),
        "fast_required_int8": lambda r: run_backend(fast8, ChatRequest(r.messages, r.tools, "required", False)),
    }
    requests = [ChatRequest(it.messages, tools, "auto", False) for it in items]
    for fn in paths.values():  # warm-up: the prefix caches, the grammar compile, first-call costs
        fn(requests[0])
    rows: dict[str, list[dict]] = {name: [] for name in paths}
    for i, (item, request) in enumerate(zip(items, requests), 1):
        for name, fn in paths.items():
            start = time.perf_counter()
            raw, info = fn(request)
            ms = (time.perf_counter() - start) * 1000
            parsed = fmt.parse(raw)
            first = parsed.calls[0].name if parsed.calls else None
            rows[name].append({"id": item.id, "ms": ms, "raw": raw, "right_tool": first == item.expected[0].name,
                               "valid": parsed.ok, **info})
        line = "  ".join(f"{n} {rows[n][-1]['ms']:6.0f}" for n in paths)
        print(f"[{i:2d}/{len(items)}] {line}", file=sys.stderr)

    summary = {}
    for name, rs in rows.items():
        ms = [r["ms"] for r in rs]
        steps = [r["steps"] for r in rs]
        forced = [r["forced"] for r in rs]
        tokens = sum(r.get("tokens", r["steps"]) for r in rs)
        mask = sum(r.get("mask_ms", 0.0) for r in rs)
        summary[name] = {
            "p50_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1),
            "mean_ms": round(statistics.mean(ms), 1),
            "right_tool": sum(r["right_tool"] for r in rs), "valid_syntax": sum(r["valid"] for r in rs),
            "requests": len(rs), "model_steps_mean": round(statistics.mean(steps), 2),
            "forced_tokens_mean": round(statistics.mean(forced), 2),
            "mask_ms_per_token": round(mask / tokens, 3) if tokens and mask else None,
        }
    base = summary["generate"]["p50_ms"]
    for name in summary:
        summary[name]["speedup_p50_vs_generate"] = round(base / summary[name]["p50_ms"], 2)
    result = {
        "benchmark": "routing", "model": args.model, "format": fmt.name, "layout": layout.name,
        "dtype": str(next(model.parameters()).dtype), "toolkit": "assistant", "tools": len(tools),
        "prompt_tokens_mean": round(statistics.mean(
            len(tokenizer(prefix.prompt(r), add_special_tokens=False)["input_ids"]) for r in requests), 1),
        "machine": {"cpu_count": __import__("os").cpu_count(), "python": platform.python_version(),
                    "torch": torch.__version__},
        "summary": summary, "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    tmp.replace(args.out)
    print(f"{'path':19s} {'p50':>7s} {'p95':>7s} {'×gen':>5s} {'right':>6s} {'valid':>6s} {'steps':>6s} {'forced':>6s}")
    for name, s in summary.items():
        print(f"{name:19s} {s['p50_ms']:7.0f} {s['p95_ms']:7.0f} {s['speedup_p50_vs_generate']:5.2f} "
              f"{s['right_tool']:3d}/{s['requests']:<2d} {s['valid_syntax']:3d}/{s['requests']:<2d} "
              f"{s['model_steps_mean']:6.1f} {s['forced_tokens_mean']:6.1f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
