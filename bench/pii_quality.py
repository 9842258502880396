"""PII detector quality on presidio-research's synthetic sentences (span level).

Usage: python bench/pii_quality.py [--data ../shared/data/presidio-synth-pii] [--limit N]

A predicted span is a true positive when it overlaps a gold span of the same entity type
(FR_PHONE_NUMBER counts as PHONE_NUMBER). ``char recall`` is the share of gold PII characters
that a rewrite would mask, whatever type the finding had: the figure that matters for
leakage. Caveat (see the dataset's PROVENANCE.md): Presidio was developed on this generator,
so the figures are optimistic for real traffic.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path

from guard.detectors.pii import build
from guard.policy.compiled import load_policy

EVALUATED = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
             "IP_ADDRESS")
ALIASES = {"FR_PHONE_NUMBER": "PHONE_NUMBER"}
REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared/data/presidio-synth-pii"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--policy", type=Path, default=REPO / "policies/default.yaml",
                        help="thresholds come from this policy's 'pii.mask' rule")
    args = parser.parse_args()
    rows = json.loads((args.data / "data/synth_dataset_v2.json").read_text())
    if args.limit:
        rows = rows[: args.limit]
    rule = next(r for r in load_policy(args.policy).rules if r.id == "pii.mask")
    detector = build({"entities": [*EVALUATED, "FR_PHONE_NUMBER", "FR_NIR"]})
    detector.warmup()
    started = time.perf_counter()
    predictions = asyncio.run(detector.detect([r["full_text"] for r in rows]))
    elapsed = time.perf_counter() - started
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    gold_chars = covered_chars = 0
    for row, found in zip(rows, predictions, strict=True):
        found = [f for f in found if f.score >= (rule.threshold_for(f.category) or 1.1)]
        gold = [s for s in row["spans"] if s["entity_type"] in EVALUATED]
        preds = [(ALIASES.get(f.category, f.category), f.start, f.end) for f in found]
        for g in gold:
            hit = any(t == g["entity_type"] and s < g["end_position"] and g["start_position"] < e
                      for t, s, e in preds)
            (tp if hit else fn)[g["entity_type"]] += 1
            span = range(g["start_position"], g["end_position"])
            gold_chars += len(span)
            covered_chars += sum(any(f.start <= c < f.end for f in found) for c in span)
        for t, s, e in preds:
            if t in EVALUATED and not any(g["entity_type"] == t and s < g["end_position"]
                                          and g["start_position"] < e for g in gold):
                fp[t] += 1
    print(f"{len(rows)} sentences, {elapsed / len(rows) * 1000:.1f} ms/sentence\n")
    print("| entity | gold | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|")
    for entity in (*EVALUATED, "all"):
        if entity == "all":
            t, p, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
        else:
            t, p, n = tp[entity], fp[entity], fn[entity]
        prec = t / (t + p) if t + p else 0.0
        rec = t / (t + n) if t + n else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        print(f"| {entity} | {t + n} | {prec:.3f} | {rec:.3f} | {f1:.3f} |")
    print(f"\nchar recall (gold PII characters masked): {covered_chars / max(gold_chars, 1):.3f}")


if __name__ == "__main__":
    main()
