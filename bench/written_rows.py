"""Held-out benign families with and without one of the project's written sets.

A written set (``training/everyday.py``, ``help_seeking.py``, ``chat_tasks.py``) is aimed at
false blocks seen on some source; whether it helps beyond that source is what this measures.
Each benign family is held out in turn (leave-one-source-out folds, as ``bench.quality``), the
``content_safety`` head is trained with and without the written set's rows, and the held-out
family's texts are scored by the run-time (int8) encoder with the window-count correction and
patterns: the share at or above 0.5 on `harmful` (the default's `harmful-request.block`) and
0.35 (`harmful-request.flag`). MiniLM only (no French blend).

    python -m bench.written_rows [--prefix generated-chattask-] [--families a,b,...]

About 30 s per fold and run on 2 quiet cores. Results: ``bench/RESULTS-classifiers.md`` (v2.6).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality_eval import loso_scores
from training.data import CHAT_SOURCE_PREFIX, CS_LABELS, load_all
from training.embed_cache import EmbeddingCache, sentence_spec
from training.train import Config, Featurized, featurize, subset

# Benign pools the chat tasks were not written from (MT-Bench was: bench.quality's headline).
FAMILIES = ("benign-arena-hard", "cyberseceval-frr", "nq-open", "counsel-chat",
            "benign-intent", "medquad")


def held_out_rates(feat: Featurized, feat_eval: Featurized,
                   families: Sequence[str]) -> dict[str, tuple[int, float, float]]:
    """Per held-out family: n, the share >= 0.5 and the share >= 0.35 on `harmful`."""
    scores, _ = loso_scores(feat, "content_safety", Config(), families=families,
                            feat_eval=feat_eval)
    harmful = list(CS_LABELS).index("harmful")
    out: dict[str, tuple[int, float, float]] = {}
    for fam in families:
        s = np.array([scores[i][harmful] for i in scores if feat.examples[i].family == fam])
        out[fam] = (len(s), float(np.mean(s >= 0.5)), float(np.mean(s >= 0.35)))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prefix", default=CHAT_SOURCE_PREFIX, help="source prefix of the set")
    ap.add_argument("--families", default=",".join(FAMILIES))
    args = ap.parse_args(argv)
    started = time.perf_counter()
    families = tuple(args.families.split(","))
    rows = load_all()
    without = [i for i, e in enumerate(rows) if not e.source.startswith(args.prefix)]
    if len(without) == len(rows):
        raise SystemExit(f"no training row's source starts with {args.prefix!r}")
    # Embedded once (training encoder and run-time int8 encoder); the run without the set
    # reads a subset of the same features.
    tokens, packed = sentence_spec("34p")
    feat = featurize(rows, EmbeddingCache(sentence_tokens=tokens, packed=packed), Config())
    feat_eval = featurize(
        rows, EmbeddingCache(backend="onnx-int8", sentence_tokens=tokens, packed=packed), Config())
    runs = {"with": held_out_rates(feat, feat_eval, families),
            "without": held_out_rates(subset(feat, without), subset(feat_eval, without), families)}
    print(f"`{args.prefix}*` rows: {len(rows) - len(without)}; "
          f"{time.perf_counter() - started:.0f} s.\n")
    print("| held-out family | n | `harmful` >= 0.5 without / with | >= 0.35 without / with |")
    print("|---|---:|---:|---:|")
    for fam in families:
        n, block0, flag0 = runs["without"][fam]
        _, block1, flag1 = runs["with"][fam]
        print(f"| {fam} | {n} | {block0:.1%} ({round(block0 * n)}) / {block1:.1%} "
              f"({round(block1 * n)}) | {flag0:.1%} / {flag1:.1%} |")


if __name__ == "__main__":
    main()
