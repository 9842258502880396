"""Speed of the embedded classifiers on this machine.

    HF_HUB_OFFLINE=1 python -m bench.classifier_speed [--backend onnx|onnx-int8|torch]
    python -m bench.classifier_speed --manifests guard/ml/artifacts/variants/fast   # another

Reports (1) p50/p90 latency of ONE text of 30, 128 and 512 tokens scored by both classifiers
(shared encoder pass), (2) the same for a 500-char text on the sync and the async
micro-batched path, and (3) batch throughput in texts/s for 500-char texts. Texts over one
window (126 tokens) are cut into packed sentence windows of 34 tokens, so the 512-token case
shows what that windowing costs; ``--manifests`` runs another model (e.g. the previous one)
the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

BASE = (
    "Could you help me draft a polite e-mail to my landlord about the broken heating in my "
    "flat? It has been cold for a week, I called twice and nobody came. I would like a repair "
    "date this week and a small rent reduction for the days without heating. Please keep it "
    "friendly but firm, and mention that I have photos and the dates of my calls. Thanks a lot "
    "for your help, and add a subject line too. Also suggest what to do if they do not answer."
)


def texts_500(n: int) -> list[str]:
    return [(f"[{i}] " + BASE)[:500] for i in range(n)]


def text_of_tokens(tokenizer: object, n: int, i: int) -> str:
    """A distinct benign text of about ``n`` tokens (without special tokens)."""
    words = (f"[{i}] " + BASE * (1 + n // 60)).split(" ")
    lo, hi = 1, len(words)
    while lo < hi:  # the longest word prefix within n tokens
        mid = (lo + hi + 1) // 2
        ids = tokenizer(" ".join(words[:mid]), add_special_tokens=False)["input_ids"]  # type: ignore[operator]
        lo, hi = (mid, hi) if len(ids) <= n else (lo, mid - 1)
    return " ".join(words[:lo])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default=None, choices=["onnx", "onnx-int8", "torch"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument(
        "--manifests",
        type=Path,
        default=None,
        help="folder with content_safety.yaml and prompt_attack.yaml (default: embedded)",
    )
    args = ap.parse_args()
    os.environ["GUARD_ML_THREADS"] = str(args.threads)
    # The bench repeats the same texts: with the encoder's window cache on it would time cache
    # hits, not inference.
    os.environ["GUARD_ML_WINDOW_CACHE"] = "0"
    if args.backend:
        os.environ["GUARD_ML_BACKEND"] = args.backend
    from guard.ml import apredict, load_classifier, predict_many

    t0 = time.perf_counter()
    if args.manifests:
        cs = load_classifier(args.manifests / "content_safety.yaml")
        pa = load_classifier(args.manifests / "prompt_attack.yaml")
    else:
        cs = load_classifier(None, task="content_safety")
        pa = load_classifier(None, task="prompt_attack")
    load_s = time.perf_counter() - t0
    backend = cs.encoder.backend  # type: ignore[attr-defined]
    layers = cs.encoder._model.config.num_hidden_layers  # type: ignore[attr-defined]
    one = texts_500(1)
    for _ in range(10):
        predict_many([cs, pa], one)
    tok = cs.encoder.tokenizer  # type: ignore[attr-defined]
    by_len: dict[int, list[float]] = {}
    for n in (30, 128, 512):
        samples = []
        for i in range(max(10, args.runs // 4)):
            text = text_of_tokens(tok, n, i)
            t = time.perf_counter()
            predict_many([cs, pa], [text])
            samples.append((time.perf_counter() - t) * 1000)
        by_len[n] = sorted(samples)
    lat = []
    for i in range(args.runs):
        t = time.perf_counter()
        predict_many([cs, pa], texts_500(i + 1)[-1:])
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()

    async def one_async(i: int) -> None:
        text = texts_500(i + 1)[-1:]
        await asyncio.gather(apredict(cs, text), apredict(pa, text))

    async def async_lat() -> list[float]:
        out = []
        for i in range(args.runs):
            t = time.perf_counter()
            await one_async(i)
            out.append((time.perf_counter() - t) * 1000)
        return sorted(out)

    alat = asyncio.run(async_lat())

    rows = []
    for bs in (32, 64):
        batch = texts_500(bs)
        predict_many([cs, pa], batch)
        reps = max(2, 256 // bs)
        t = time.perf_counter()
        for _ in range(reps):
            predict_many([cs, pa], batch)
        rows.append((bs, reps * bs / (time.perf_counter() - t)))

    async def concurrent(n: int) -> float:
        texts = texts_500(n)
        t = time.perf_counter()
        await asyncio.gather(
            *(apredict(cs, [x]) for x in texts), *(apredict(pa, [x]) for x in texts)
        )
        return n / (time.perf_counter() - t)

    conc = asyncio.run(concurrent(128))
    n_tok = len(cs.encoder.tokenizer(one[0])["input_ids"])
    print(
        f"backend={backend} layers={layers} threads={args.threads} load={load_s:.1f}s "
        f"text=500 chars "
        f"({n_tok} tokens)"
    )
    print("| measure | value |\n|---|---|")
    for n, samples in by_len.items():
        print(
            f"| {n}-token text, both classifiers, p50 / p90 | {statistics.median(samples):.1f} / "
            f"{samples[int(0.9 * len(samples))]:.1f} ms |"
        )
    print(
        f"| single text, both classifiers, sync p50 / p90 | {statistics.median(lat):.1f} / "
        f"{lat[int(0.9 * len(lat))]:.1f} ms |"
    )
    print(
        f"| single text, both detectors via async micro-batcher p50 / p90 | "
        f"{statistics.median(alat):.1f} / {alat[int(0.9 * len(alat))]:.1f} ms |"
    )
    for bs, tps in rows:
        print(f"| batch {bs}, both classifiers | {tps:.0f} texts/s |")
    print(
        f"| 128 concurrent single-text requests x 2 detectors (micro-batched) | {conc:.0f} "
        f"texts/s |"
    )


if __name__ == "__main__":
    main()
