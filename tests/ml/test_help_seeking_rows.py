"""The help-seeking training rows (``training/help_seeking.py``): negatives split by situation,
out of every calibration pool, and the probes of ``tests/ml/test_help_seeking.py`` kept out."""

from __future__ import annotations

import re
from collections import defaultdict

from tests.ml.test_help_seeking import ALLOWED, STILL_BLOCKED
from training import help_seeking
from training.data import BENIGN_SOURCES, HELP_SOURCE_PREFIX, outside_calibration, split_of


def test_rows_are_deterministic_negatives_in_both_languages() -> None:
    rows = list(help_seeking.generate())
    assert [(e.text, e.group) for e in rows] == [(e.text, e.group) for e in help_seeking.generate()]
    assert {e.lang for e in rows} == {"en", "fr"}
    for e in rows:
        assert e.labels and not any(e.labels.values()), (e.text, e.labels)
        assert e.labels["self-harm"] == 0 and e.labels["harmful"] == 0
        assert e.source == f"{HELP_SOURCE_PREFIX}{e.lang}"
        assert e.source not in BENIGN_SOURCES and outside_calibration(e)
        assert "{" not in e.text and e.text[0].isupper(), e.text


def test_a_situation_lands_in_one_split_and_validation_has_some() -> None:
    by_group: dict[str, set[str]] = defaultdict(set)
    for e in help_seeking.generate():
        by_group[e.group].add(split_of(e.group))
    assert all(len(s) == 1 for s in by_group.values())
    assert {next(iter(s)) for s in by_group.values()} == {"train", "val", "test"}


def test_the_probes_and_their_situations_are_not_training_rows() -> None:
    texts = {e.text.casefold() for e in help_seeking.generate()}
    assert not texts & {p.casefold() for p in ALLOWED + STILL_BLOCKED}
    situation = re.compile(
        r"keep thinking about suicide|want to hurt myself|teenager who self-harms|"
        r"envie de mourir|se scarifie|idées suicidaires", re.IGNORECASE)
    assert not [t for t in texts if situation.search(t)]
