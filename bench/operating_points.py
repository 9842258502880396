"""Recall at a fixed benign false-positive rate, per language, from saved score files.

    python -m bench.operating_points \
        --scores "LOSO v2.2 MiniLM=bench/results/v2.2-loso.npz" \
        --scores "LOSO v3.1 e5=bench/results/v3.1-loso.npz"

Issue 9's targets are recall at <= 3 % benign FPR. ``bench.quality`` reports each head at its
calibrated 0.5; this prints, per score file, the same pooled slices (``attacks EN/FR`` against
``benign FPR EN/FR``, ``harmful requests EN/FR`` likewise) at the policies' thresholds and at
the threshold where the *held-out* benign rows reach 1, 3 and 5 % FPR. The latter is an oracle
operating point (the threshold is read off the rows it is scored on): it says what ranking the
model has, not what a deployment gets; only the fixed thresholds are honest deployment figures.
With LOSO files, a benign family is only pooled when it was held out, so two files with
different folds pool different benign rows: the row counts are printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.quality import _attack_lang, _benign_lang, _harm_lang
from bench.quality_eval import scores_from_file
from training.data import CS_LABELS, PA_LABELS, Example, load_all

FPRS = (0.01, 0.03, 0.05)
Selector = Callable[[str], Callable[[Example], bool]]
POINTS: tuple[tuple[str, str, str, Selector, tuple[float, ...]], ...] = (
    ("attacks", "prompt_attack", "attack", _attack_lang, (0.5, 0.7, 0.9)),
    ("harmful requests", "content_safety", "harmful", _harm_lang, (0.35, 0.5, 0.7)),
)


def _column(scores: dict[int, np.ndarray], rows: Sequence[int], index: int) -> np.ndarray:
    return np.array([scores[i][index] for i in rows if i in scores], np.float64)


def _threshold_at(neg: np.ndarray, fpr: float) -> float:
    """Lowest threshold whose FPR on ``neg`` is <= ``fpr`` (scores >= threshold flag)."""
    ranked = np.sort(neg)[::-1]
    allowed = int(np.floor(fpr * len(ranked)))
    return float(np.nextafter(ranked[allowed], np.inf)) if allowed < len(ranked) else 0.0


def report(
    name: str,
    table: dict[str, dict[int, np.ndarray]],
    examples: list[Example],
) -> list[str]:
    lines = [f"### {name}", ""]
    lines.append(
        "| slice | lang | positives / benign rows | fixed thresholds: recall / benign FPR "
        "| oracle @ benign FPR 1 / 3 / 5 %: recall |"
    )
    lines.append("|---|---|---|---|---|")
    for title, task, label, positives, fixed in POINTS:
        index = (CS_LABELS if task == "content_safety" else PA_LABELS).index(label)
        scores = table[task]
        for lang in ("en", "fr"):
            pos_rows = [i for i, e in enumerate(examples) if positives(lang)(e)]
            neg_rows = [i for i, e in enumerate(examples) if _benign_lang(lang)(e)]
            pos, neg = _column(scores, pos_rows, index), _column(scores, neg_rows, index)
            if len(pos) == 0 or len(neg) == 0:
                lines.append(f"| {title} | {lang} | {len(pos)} / {len(neg)} | – | – |")
                continue
            at_fixed = " · ".join(
                f"{t}: {float((pos >= t).mean()):.3f} / {float((neg >= t).mean()):.1%}"
                for t in fixed
            )
            oracle = " / ".join(f"{float((pos >= _threshold_at(neg, f)).mean()):.3f}" for f in FPRS)
            lines.append(f"| {title} | {lang} | {len(pos)} / {len(neg)} | {at_fixed} | {oracle} |")
    return [*lines, ""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scores", action="append", required=True, metavar="NAME=PATH")
    ap.add_argument(
        "--common",
        action="store_true",
        help="only rows every file scored (LOSO files with different folds, made comparable)",
    )
    args = ap.parse_args()
    examples = load_all()
    tables = {}
    for spec in args.scores:
        name, _, path = spec.partition("=")
        tables[name] = scores_from_file(Path(path), examples)
    if args.common:
        for task in ("content_safety", "prompt_attack"):
            shared = set.intersection(*(set(t[task]) for t in tables.values()))
            for t in tables.values():
                t[task] = {i: v for i, v in t[task].items() if i in shared}
    out: list[str] = []
    for name, table in tables.items():
        out += report(name, table, examples)
    print("\n".join(out))


if __name__ == "__main__":
    main()
