"""PII detector quality on presidio-research's synthetic sentences (span level).

Usage: python bench/pii_quality.py [--data ../shared/data/presidio-synth-pii] [--limit N]
       python bench/pii_quality.py --lang fr   # bench/data/pii_fr.txt, French, per entity

The French set (written for this project, {{ENTITY|value}} markup) uses the thresholds of
``guard/policies/fr.yaml``'s ``pii.mask`` rule; LOCATION is requested too so that places are
reported, though no shipped policy masks them (a predicted place inside a gold postal address
is not counted against it).

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
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from guard.detectors.pii import build
from guard.policy.compiled import load_policy

EVALUATED = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
             "IP_ADDRESS")
ALIASES = {"FR_PHONE_NUMBER": "PHONE_NUMBER"}
REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared/data/presidio-synth-pii"


FRENCH_DATA = REPO / "bench/data/pii_fr.txt"
FRENCH_EVALUATED = ("PERSON", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD",
                    "IBAN_CODE", "FR_NIR", "FR_SIREN", "FR_SIRET", "FR_CNI", "FR_PASSPORT",
                    "FR_LICENSE_PLATE", "FR_POSTAL_ADDRESS", "DATE_OF_BIRTH")
_MARKUP = re.compile(r"\{\{([A-Z_]+)\|(.+?)\}\}")


def load_french(path: Path) -> list[dict[str, Any]]:
    """Parse ``{{ENTITY|value}}`` markup into presidio-research style rows."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, spans, pos = "", [], 0
        for m in _MARKUP.finditer(line):
            text += line[pos:m.start()]
            entity = ALIASES.get(m.group(1), m.group(1))
            spans.append({"entity_type": entity, "start_position": len(text),
                          "end_position": len(text) + len(m.group(2))})
            text += m.group(2)
            pos = m.end()
        rows.append({"full_text": text + line[pos:], "spans": spans})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--lang", choices=("en", "fr"), default="en")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--pipelines", default="en,fr",
                        help="spaCy pipelines to load (en,fr; 'en' = the English-only baseline)")
    parser.add_argument("--policy", type=Path, default=None,
                        help="thresholds come from this policy's 'pii.mask' rule "
                             "(default: default.yaml, fr.yaml with --lang fr)")
    args = parser.parse_args()
    evaluated: tuple[str, ...] = EVALUATED
    if args.lang == "fr":
        rows = load_french(FRENCH_DATA)
        evaluated = FRENCH_EVALUATED
        policy = args.policy or REPO / "guard/policies/fr.yaml"
    else:
        rows = json.loads((args.data / "data/synth_dataset_v2.json").read_text())
        policy = args.policy or REPO / "guard/policies/default.yaml"
    if args.limit:
        rows = rows[: args.limit]
    rule = next(r for r in load_policy(policy).rules if r.id == "pii.mask")
    entities = [*EVALUATED, "FR_PHONE_NUMBER", "FR_NIR"]
    if args.lang == "fr":
        entities = [*(e for e in FRENCH_EVALUATED if e != "PHONE_NUMBER"), "PHONE_NUMBER",
                    "FR_PHONE_NUMBER"]
    detector = build({"entities": entities, "languages": args.pipelines.split(",")})
    detector.warmup()
    started = time.perf_counter()
    predictions = asyncio.run(detector.detect([r["full_text"] for r in rows]))
    elapsed = time.perf_counter() - started
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    gold_chars = covered_chars = 0
    for row, found in zip(rows, predictions, strict=True):
        found = [f for f in found if f.score >= _threshold(rule, f.category)]
        gold = [s for s in row["spans"] if s["entity_type"] in evaluated]
        addresses = [(g["start_position"], g["end_position"]) for g in row["spans"]
                     if g["entity_type"] == "FR_POSTAL_ADDRESS"]
        found = [f for f in found if not (f.category == "LOCATION" and any(
            s <= f.start and f.end <= e for s, e in addresses))]
        preds = [(ALIASES.get(f.category, f.category), f.start, f.end) for f in found]
        for g in gold:
            hit = any(t == g["entity_type"] and s < g["end_position"] and g["start_position"] < e
                      for t, s, e in preds)
            (tp if hit else fn)[g["entity_type"]] += 1
            span = range(g["start_position"], g["end_position"])
            gold_chars += len(span)
            covered_chars += sum(any(f.start <= c < f.end for f in found) for c in span)
        for t, s, e in preds:
            if t in evaluated and not any(g["entity_type"] == t and s < g["end_position"]
                                          and g["start_position"] < e for g in gold):
                fp[t] += 1
    print(f"{len(rows)} sentences, {elapsed / len(rows) * 1000:.1f} ms/sentence\n")
    print("| entity | gold | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|")
    for entity in (*evaluated, "all"):
        if entity == "all":
            t, p, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
        else:
            t, p, n = tp[entity], fp[entity], fn[entity]
        prec = t / (t + p) if t + p else 0.0
        rec = t / (t + n) if t + n else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        print(f"| {entity} | {t + n} | {prec:.3f} | {rec:.3f} | {f1:.3f} |")
    print(f"\nchar recall (gold PII characters masked): {covered_chars / max(gold_chars, 1):.3f}")


def _threshold(rule: Any, category: str) -> float:
    """The rule's threshold; a category the rule does not list (LOCATION) uses its default."""
    found = rule.threshold_for(category)
    return float(rule.spec.threshold if found is None else found)


if __name__ == "__main__":
    main()
