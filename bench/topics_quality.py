"""``topics`` detector quality on a small labelled EN + FR set (bench/data/topics.jsonl).

Usage: python bench/topics_quality.py [--policy guard/policies/examples/topics.yaml]

The topics, their examples and the threshold come from the policy's ``topics.denied`` rule;
the set's sentences were written separately from those examples (none is a copy). Reported:
per topic and language, precision and recall at the rule's threshold, and ROC AUC of the
score (threshold-free). Also prints the raw cosine quantiles of on-topic and off-topic texts,
the figures behind the ``floor``/``ceiling`` defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import numpy as np

from guard.policy.compiled import load_policy

REPO = Path(__file__).resolve().parents[1]


def _auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policy", type=Path, default=REPO / "guard/policies/examples/topics.yaml")
    parser.add_argument("--data", type=Path, default=REPO / "bench/data/topics.jsonl")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rule = next(r for r in load_policy(args.policy).rules if r.spec.detector == "topics")
    detector = rule.detector
    topics = [t["name"] for t in rule.spec.settings["topics"]]
    started = time.perf_counter()
    found = asyncio.run(detector.detect([r["text"] for r in rows]))
    ms = (time.perf_counter() - started) / len(rows) * 1000
    scores = [{f.category: f.score for f in fs} for fs in found]
    print(f"{len(rows)} texts, threshold {rule.spec.threshold}, {ms:.1f} ms/text\n")
    print("| topic | lang | positives | precision | recall | AUC |")
    print("|---|---|---:|---:|---:|---:|")
    totals = {"tp": 0, "fp": 0, "fn": 0}
    for topic in topics:
        for lang in ("en", "fr", "all"):
            sel = [i for i, r in enumerate(rows) if lang == "all" or r["lang"] == lang]
            pos = [scores[i].get(topic, 0.0) for i in sel if rows[i]["topic"] == topic]
            neg = [scores[i].get(topic, 0.0) for i in sel if rows[i]["topic"] != topic]
            tp = sum(s >= rule.spec.threshold for s in pos)
            fp = sum(s >= rule.spec.threshold for s in neg)
            fn = len(pos) - tp
            if lang == "all":
                totals["tp"] += tp
                totals["fp"] += fp
                totals["fn"] += fn
            prec = tp / (tp + fp) if tp + fp else 0.0
            rec = tp / len(pos) if pos else 0.0
            print(f"| {topic} | {lang} | {len(pos)} | {prec:.2f} | {rec:.2f} | "
                  f"{_auc(pos, neg):.3f} |")
    tp, fp, fn = totals["tp"], totals["fp"], totals["fn"]
    blocked_benign = sum(
        1 for i, r in enumerate(rows)
        if r["topic"] is None and max(scores[i].values(), default=0.0) >= rule.spec.threshold)
    benign = sum(r["topic"] is None for r in rows)
    print(f"\nall topics: precision {tp / max(tp + fp, 1):.2f}, recall {tp / max(tp + fn, 1):.2f};"
          f" benign texts blocked: {blocked_benign}/{benign}")
    sweep = []
    for th in (0.3, 0.4, 0.5, 0.6, 0.7):
        tp = sum(scores[i].get(r["topic"], 0.0) >= th for i, r in enumerate(rows) if r["topic"])
        fp = sum(1 for i, r in enumerate(rows) for t, v in scores[i].items()
                 if v >= th and t != r["topic"])
        pos = sum(1 for r in rows if r["topic"])
        sweep.append(f"{th}: P {tp / max(tp + fp, 1):.2f} R {tp / pos:.2f}")
    print("threshold sweep (all topics): " + "; ".join(sweep))
    # raw margins, for calibrating floor / ceiling
    s = detector.settings  # type: ignore[attr-defined]
    span = s.ceiling - s.floor
    on = [scores[i].get(r["topic"], 0.0) * span + s.floor for i, r in enumerate(rows)
          if r["topic"]]
    off = [max(scores[i].values(), default=0.0) * span + s.floor for i, r in enumerate(rows)
           if not r["topic"]]
    q = (10, 50, 90)
    print(f"on-topic margin p10/p50/p90 (clipped): {np.percentile(on, q).round(2).tolist()}")
    print(f"benign best margin p10/p50/p90 (clipped): {np.percentile(off, q).round(2).tolist()}")


if __name__ == "__main__":
    main()
