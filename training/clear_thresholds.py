"""Per-language "clear" thresholds of the committed content-safety head, on the validation split.

    HF_HUB_OFFLINE=1 python -m training.clear_thresholds [--fpr 0.02]
    python -m training.clear_thresholds --scores /tmp/ft/scores-indist.npz   # a fine-tuned model

A policy *blocks* hate and harassment only when the score is clear: the lowest threshold at
which at most ``--fpr`` of the validation rows known *not* to carry the label score above it
(public contrast sets, the project's identity-positive / neutral / counter-speech templates and
the benign pools), per language; and *flags* from the calibration point (0.5). The policies'
``abuse.block`` thresholds (guard/policies/*.yaml) are read off this table.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from guard.ml.heads import Head
from training.data import CS_LABELS, Example, load_all, outside_calibration
from training.embed_cache import EmbeddingCache
from training.train import ART_DIR, Config, featurize, head_scores, task_examples

LABELS = ("hate", "harassment", "self-harm", "sexual/minors")


def clear_threshold(scores: np.ndarray, y: np.ndarray, fpr: float) -> float:
    """Lowest threshold with a false-positive rate <= ``fpr`` among the ``y == 0`` rows."""
    neg = np.sort(scores[y == 0])
    if len(neg) == 0:
        return float("nan")
    allowed = int(np.floor(fpr * len(neg)))  # negatives that may score at or above it
    return float(neg[len(neg) - allowed - 1]) + 1e-6 if allowed < len(neg) else 0.0


def _file_scores(path: Path, rows: list[Example], labels: Sequence[str]) -> np.ndarray:
    from training.data import ALL_LABELS
    from training.finetune import load_scores, text_key

    table = load_scores(path)
    cols = [ALL_LABELS.index(lab) for lab in labels]
    missing = [e.source for e in rows if text_key(e) not in table]
    if missing:
        raise SystemExit(f"{path}: {len(missing)} validation rows not scored ({missing[0]}, ...)")
    return np.stack([table[text_key(e)][cols] for e in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fpr", type=float, action="append", default=None)
    ap.add_argument(
        "--scores",
        type=Path,
        default=None,
        help="read the scores from a training/finetune.py score file instead of scoring the "
        "committed head on MiniLM embeddings (a fine-tuned encoder's own validation scores)",
    )
    args = ap.parse_args()
    fprs = args.fpr or [0.01, 0.02, 0.05]
    va = [
        e
        for e in task_examples(load_all(), "content_safety")
        if e.split == "val" and not outside_calibration(e)
    ]
    if args.scores is not None:
        scores = _file_scores(args.scores, va, CS_LABELS)
    else:
        head = Head.load(ART_DIR / "content_safety.npz")
        scores, _ = head_scores(head, featurize(va, EmbeddingCache(), Config()))
    print("| language | label | negatives | positives | " + " | ".join(
        f"threshold @ FPR {f:.0%} (recall)" for f in fprs) + " |")
    print("|---|---|---|---|" + "---|" * len(fprs))
    for lang in ("en", "fr"):
        for label in LABELS:
            j = CS_LABELS.index(label)
            rows = [i for i, e in enumerate(va) if e.lang == lang and label in e.labels]
            y = np.array([va[i].labels[label] for i in rows])
            s = scores[rows, j]
            cells = []
            for f in fprs:
                thr = clear_threshold(s, y, f)
                rec = float((s[y == 1] >= thr).mean()) if (y == 1).any() else float("nan")
                cells.append(f"{thr:.3f} ({rec:.3f})")
            print(
                f"| {lang} | {label} | {int((y == 0).sum())} | {int(y.sum())} | "
                + " | ".join(cells) + " |"
            )


if __name__ == "__main__":
    main()
