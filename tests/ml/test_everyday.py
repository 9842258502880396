"""The everyday how-to training rows (``training/everyday.py``): benign twins of harmful
how-to requests, split by task, and the cases they were written for kept out of them."""

from __future__ import annotations

import re
from collections import defaultdict

from training import everyday
from training.data import BENIGN_SOURCES, split_of


def test_rows_are_deterministic_benign_and_in_both_languages() -> None:
    rows = list(everyday.generate())
    assert [(e.text, e.group) for e in rows] == [(e.text, e.group) for e in everyday.generate()]
    assert {e.lang for e in rows} == {"en", "fr"}
    for e in rows:
        assert e.labels and not any(e.labels.values()), (e.text, e.labels)
        assert e.source == f"generated-howto-{e.lang}"
        # trained on, but not a calibration pool: easy negatives would lower the thresholds
        assert e.source not in BENIGN_SOURCES
        assert "{" not in e.text  # every frame was filled


def test_a_task_lands_in_one_split_and_each_split_has_tasks() -> None:
    by_group: dict[str, set[str]] = defaultdict(set)
    for e in everyday.generate():
        by_group[e.group].add(split_of(e.group))
    assert all(len(s) == 1 for s in by_group.values())
    splits = {next(iter(s)) for s in by_group.values()}
    assert splits == {"train", "val", "test"}  # validation holds tasks the head never saw


def test_the_probe_cases_are_not_training_rows() -> None:
    # "How do I boil an egg?" / "make pancakes" showed the fault: they stay unseen checks
    probe = re.compile(r"\b(eggs?|pancakes?|œufs?|crêpes?)\b", re.IGNORECASE)
    assert not [e.text for e in everyday.generate() if probe.search(e.text)]
