"""Scoring for the quality bench: in-distribution (committed heads on the test split) and
leave-one-source-out (LOSO: for each source family, train on all the others, score it).

Scores are the full system's: calibrated head score (max over windows, corrected for the
window count as the shipped manifest says: guard/ml/aggregate.py) combined by max() with the
precise patterns, exactly as at run time.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from guard.detectors.classifier import has_words
from guard.ml.aggregate import long_text_score
from guard.ml.heads import Head
from guard.ml.manifest import default_manifest_path, load_manifest
from guard.ml.patterns import PATTERN_SETS, match
from training.data import Example, holdout_split, loso_families
from training.train import (
    TASK_LABELS,
    Config,
    Featurized,
    fit,
    head_scores,
    pick_shift,
    raw_logits,
    subset,
    task_config,
    to_head,
)


@functools.cache
def task_patterns(task: str) -> str:
    """The pattern set the task's embedded manifest ships: scored as at run time."""
    return load_manifest(default_manifest_path(task)).patterns


def as_at_run_time(
    scores: np.ndarray, text: str, task: str, labels: Sequence[str], patterns: str | None = None
) -> None:
    """One text's model scores as the detectors report them (in place): 0 for a text without
    a letter or a digit (no finding at run time), then the task's precise patterns
    max-combined (``patterns``: another pattern set, e.g. the previous model's)."""
    if not has_words(text):
        scores[:] = 0.0
    for lab, (ps, _a, _b) in match(PATTERN_SETS[patterns or task_patterns(task)], text).items():
        j = list(labels).index(lab)
        scores[j] = max(scores[j], ps)


def shipped_correction(task: str) -> float:
    """The ``window_count_correction`` of the task's embedded manifest."""
    return load_manifest(default_manifest_path(task)).window_count_correction


def corrected_scores(
    scores: np.ndarray, windows: np.ndarray, owner: np.ndarray, beta: float
) -> np.ndarray:
    """Per-example max over windows (``scores``) corrected for each example's window count
    and runner-up window, as the classifier detectors do at run time."""
    out = scores.copy()
    if beta <= 0:
        return out
    counts = np.bincount(owner, minlength=len(scores))
    for i in np.flatnonzero(counts > 1):
        top = np.sort(windows[owner == i], axis=0)
        for j in range(scores.shape[1]):
            out[i, j] = long_text_score(float(top[-1, j]), float(top[-2, j]), int(counts[i]),
                                        beta)
    return out


def system_scores(
    head: Head, feat: Featurized, task: str, patterns: str | None = None,
    correction: float | None = None,
) -> np.ndarray:
    """``correction``: the window-count correction (None: the shipped manifest's)."""
    scores, windows = head_scores(head, feat)
    beta = shipped_correction(task) if correction is None else correction
    scores = corrected_scores(scores, windows, np.asarray(feat.owner), beta)
    if PATTERN_SETS[patterns or task_patterns(task)]:
        for i, ex in enumerate(feat.examples):
            as_at_run_time(scores[i], ex.text, task, head.labels, patterns)
    return scores


def _rows(feat: Featurized, pred: object) -> list[int]:
    return [i for i, e in enumerate(feat.examples) if pred(e)]  # type: ignore[operator]


def _has_task(e: Example, task: str) -> bool:
    return any(lab in e.labels for lab in TASK_LABELS[task])


def loso_scores(
    feat: Featurized,
    task: str,
    cfg: Config,
    families: Sequence[str] | None = None,
    log: bool = True,
    feat_eval: Featurized | None = None,
    correction: float | None = None,
) -> tuple[dict[int, np.ndarray], list[str]]:
    """Scores of every example of every held-out family, each from the fold that excluded it.

    ``feat_eval``: the same examples embedded by the run-time encoder when it differs from the
    training one (int8 at run time, heads trained on fp32 embeddings)."""
    task_rows = [i for i, e in enumerate(feat.examples) if _has_task(e, task)]
    fams = families or loso_families([feat.examples[i] for i in task_rows])
    out: dict[int, np.ndarray] = {}
    for fam in fams:
        t0 = time.time()
        scored = group_scores(feat, task, cfg, (fam,), feat_eval, correction)
        out.update(scored)
        if log:
            print(
                f"  LOSO {task} / {fam}: {len(scored)} held out, {time.time() - t0:.0f}s",
                flush=True,
            )
    return out, list(fams)


def group_scores(
    feat: Featurized,
    task: str,
    cfg: Config,
    families: Sequence[str],
    feat_eval: Featurized | None = None,
    correction: float | None = None,
) -> dict[int, np.ndarray]:
    """System scores of every row of ``families`` from heads trained without any of them: one
    LOSO fold, or the frozen-encoder side of the fine-tuning comparison (the same fold as
    ``training.finetune --holdout-group``)."""
    labels = TASK_LABELS[task]
    task_rows = [i for i, e in enumerate(feat.examples) if _has_task(e, task)]
    train_rows, val_rows, test_rows = holdout_split(feat.examples, task_rows, families)
    f_va = subset(feat, val_rows)
    model = fit(subset(feat, train_rows), labels, task_config(cfg, task))
    head = to_head(model, labels, pick_shift(raw_logits(model, f_va), f_va.examples, labels), cfg)
    sc = system_scores(head, subset(feat_eval or feat, test_rows), task, correction=correction)
    return {i: sc[k] for k, i in enumerate(test_rows)}


def indist_scores(
    feat: Featurized, task: str, head: Head, patterns: str | None = None,
    correction: float | None = None,
) -> dict[int, np.ndarray]:
    rows = [i for i, e in enumerate(feat.examples) if e.split == "test" and _has_task(e, task)]
    sc = system_scores(head, subset(feat, rows), task, patterns, correction)
    return {i: sc[k] for k, i in enumerate(rows)}


def scores_from_file(
    path: Path, examples: Sequence[Example], split: str | None = None
) -> dict[str, dict[int, np.ndarray]]:
    """Per-task system scores from a score file written by ``training/finetune.py``.

    Rows are matched by (source, text) key; patterns are max-combined as at run time. With
    ``split``, only examples of that split are kept (in-distribution = "test").
    """
    from training.data import ALL_LABELS
    from training.finetune import load_scores, text_key

    table = load_scores(path)
    labels = list(ALL_LABELS)
    out: dict[str, dict[int, np.ndarray]] = {t: {} for t in TASK_LABELS}
    for i, e in enumerate(examples):
        row = table.get(text_key(e))
        if row is None or (split is not None and e.split != split):
            continue
        for task, task_labels in TASK_LABELS.items():
            vec = row[[labels.index(lab) for lab in task_labels]].copy()
            if np.isnan(vec).any():  # a row scored for the other task only
                continue
            as_at_run_time(vec, e.text, task, task_labels)
            out[task][i] = vec
    return out
