"""Binary metrics for the quality bench."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def auc(y: Sequence[int], s: Sequence[float]) -> float:
    """ROC-AUC by the rank statistic (ties count half); NaN when one class is missing."""
    yy, ss = np.asarray(y), np.asarray(s, dtype=np.float64)
    pos, neg = ss[yy == 1], ss[yy == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    allv = np.concatenate([pos, neg])[order]
    ranks = np.empty(len(allv))
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[i : j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty(len(allv))
    r[order] = ranks
    rp = r[: len(pos)].sum()
    return float((rp - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def auprc(y: Sequence[int], s: Sequence[float]) -> float:
    """Area under the precision-recall curve as average precision (sklearn's step-wise sum,
    no interpolation); NaN when one class is missing. Unlike ROC-AUC it moves with the share
    of positives, so it says how clean the top of the ranking is on an imbalanced set."""
    from sklearn.metrics import average_precision_score

    yy = np.asarray(y)
    if len(yy) == 0 or yy.min() == yy.max():
        return float("nan")
    return float(average_precision_score(yy, np.asarray(s, dtype=np.float64)))


def binary(y: Sequence[int], s: Sequence[float], thr: float = 0.5) -> dict[str, float]:
    yy, ss = np.asarray(y), np.asarray(s, dtype=np.float64)
    p = ss >= thr
    tp = float((p & (yy == 1)).sum())
    fp = float((p & (yy == 0)).sum())
    fn = float((~p & (yy == 1)).sum())
    tn = float((~p & (yy == 0)).sum())
    nan = float("nan")
    prec = tp / (tp + fp) if tp + fp else nan
    rec = tp / (tp + fn) if tp + fn else nan
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fn else nan
    fpr = fp / (fp + tn) if fp + tn else nan
    return {
        "n": float(len(yy)),
        "pos": tp + fn,
        "precision": prec,
        "recall": rec,
        "f1": f1,
        "fpr": fpr,
        "auc": auc(yy, ss),
        "auprc": auprc(yy, ss),
    }


def fmt(x: float, pct: bool = False) -> str:
    if x != x:  # NaN
        return "–"
    return f"{100 * x:.1f}%" if pct else f"{x:.3f}"
