"""The hate-contrast training rows, the "clear" threshold rule and the bench's AUPRC."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from bench.quality_metrics import auprc
from training import hate_contrast
from training.clear_thresholds import clear_threshold
from training.data import split_of


def test_rows_are_deterministic_and_labelled_for_hate_only() -> None:
    rows = list(hate_contrast.generate())
    again = list(hate_contrast.generate())
    assert [(e.text, e.group, e.labels) for e in rows] == [
        (e.text, e.group, e.labels) for e in again
    ]
    for e in rows:
        positive = e.tags["kind"] in ("hate", "harassment")
        # hate rows leave harmful masked (labelled 1 it moved its threshold); the non-hate
        # rows say harmful 0 too: a kind word about a group is not a harmful request
        assert set(e.labels) <= {"hate", "harassment"} if positive else (
            e.labels == {"hate": 0, "harassment": 0, "harmful": 0}), e.labels
        assert any(e.labels.values()) is positive, (e.text, e.labels)
        assert e.source.startswith("generated-hate-" if positive else "generated-nonhate-")


def test_both_languages_have_every_frame() -> None:
    kinds: dict[str, set[str]] = defaultdict(set)
    for e in hate_contrast.generate():
        kinds[e.lang].add(e.tags["kind"])
    expected = {"hate", "harassment", "positive", "neutral", "counter", "help"}
    assert kinds == {"en": expected, "fr": expected}


def test_a_template_lands_in_one_split() -> None:
    by_group: dict[str, set[str]] = defaultdict(set)
    for e in hate_contrast.generate():
        by_group[e.group].add(split_of(e.group))
    assert all(len(s) == 1 for s in by_group.values())
    assert len(by_group) > 100  # split by template, not by composed row


def test_clear_threshold_bounds_the_false_positive_rate() -> None:
    rng = np.random.default_rng(0)
    y = np.array([0] * 200 + [1] * 50)
    s = np.concatenate([rng.uniform(0, 1, 200), rng.uniform(0.5, 1, 50)])
    neg = np.sort(s[y == 0])
    for fpr in (0.01, 0.02, 0.05):
        thr = clear_threshold(s, y, fpr)
        assert (neg >= thr).mean() <= fpr
        # the next lower negative would break the bound: the threshold is the lowest one
        assert (neg >= neg[neg < thr][-1]).mean() > fpr


def test_auprc_is_average_precision() -> None:
    # ranks: 1 (pos), 2 (neg), 3 (pos), 4 (neg) -> AP = (1/2)*1 + (1/2)*(2/3)
    assert auprc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(5 / 6)
    assert auprc([1, 1, 0], [0.9, 0.8, 0.1]) == pytest.approx(1.0)
    assert np.isnan(auprc([1, 1], [0.3, 0.4]))
