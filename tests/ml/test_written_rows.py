"""The project's written negatives (``training/everyday.py``, ``help_seeking.py``,
``chat_tasks.py``, ``family_tasks.py``, ``security_tasks.py``, ``followups.py``):
deterministic, all labels 0, in English and French, split by their subject, and out of every
threshold's calibration pool."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from training import (
    chat_tasks,
    everyday,
    family_tasks,
    followups,
    help_seeking,
    security_tasks,
)
from training.data import (
    BENIGN_SOURCES,
    CHAT_SOURCE_PREFIX,
    DATA_ROOT,
    FAMILY_SOURCE_PREFIX,
    FOLLOWUP_SOURCE_PREFIX,
    HELP_SOURCE_PREFIX,
    HOWTO_SOURCE_PREFIX,
    PA_LABELS,
    SECURITY_SOURCE_PREFIX,
    Example,
    mtbench,
    mtbench_x,
    outside_calibration,
    split_of,
)

WRITTEN = [(everyday, HOWTO_SOURCE_PREFIX), (help_seeking, HELP_SOURCE_PREFIX),
           (chat_tasks, CHAT_SOURCE_PREFIX), (family_tasks, FAMILY_SOURCE_PREFIX),
           (security_tasks, SECURITY_SOURCE_PREFIX), (followups, FOLLOWUP_SOURCE_PREFIX)]


@pytest.mark.parametrize(("module", "prefix"), WRITTEN, ids=lambda v: getattr(v, "__name__", v))
def test_rows_are_deterministic_negatives_in_both_languages(module: ModuleType,
                                                            prefix: str) -> None:
    generate: Callable[[], Iterator[Example]] = module.generate
    rows = list(generate())
    assert [(e.text, e.group) for e in rows] == [(e.text, e.group) for e in generate()]
    assert {e.lang for e in rows} == {"en", "fr"}
    for e in rows:
        assert e.labels and not any(e.labels.values()), (e.text, e.labels)
        # follow-up turns train prompt_attack only; the others both heads
        assert e.labels["attack"] == 0
        if module is followups:
            assert set(e.labels) == set(PA_LABELS)
        else:
            assert e.labels["harmful"] == 0
        assert e.source == f"{prefix}{e.lang}"
        # trained on, but no calibration pool: easy negatives would lower the thresholds
        assert e.source not in BENIGN_SOURCES and outside_calibration(e)
        assert "{" not in e.text, e.text  # every frame was filled


@pytest.mark.parametrize("module", [m for m, _ in WRITTEN], ids=lambda m: m.__name__)
def test_a_subject_lands_in_one_split_and_each_split_has_some(module: ModuleType) -> None:
    by_group: dict[str, set[str]] = defaultdict(set)
    for e in module.generate():
        by_group[e.group].add(split_of(e.group))
    assert all(len(s) == 1 for s in by_group.values())
    # validation and test hold subjects the head never saw
    assert {next(iter(s)) for s in by_group.values()} == {"train", "val", "test"}


def _five_word_runs(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}


@pytest.mark.skipif(not DATA_ROOT.is_dir(), reason="the shared datasets are not here")
@pytest.mark.parametrize("module", [chat_tasks, followups], ids=lambda m: m.__name__)
def test_chat_rows_copy_no_mt_bench_prompt(module: ModuleType) -> None:
    # MT-Bench is the held-out family the chat tasks and follow-up turns are measured on
    # (leave-one-source-out)
    held_out = set().union(*(_five_word_runs(e.text)
                             for e in [*mtbench(DATA_ROOT), *mtbench_x(DATA_ROOT)]))
    assert len(held_out) > 1000
    assert not [e.text for e in module.generate() if _five_word_runs(e.text) & held_out]



def test_a_set_outside_the_corpus_is_added_without_repeats_and_split_by_group() -> None:
    from bench.written_rows import added_rows

    rows = list(followups.generate())
    repeated = "  " + rows[0].text.upper().replace(" ", "   ")
    corpus = [Example(repeated, "x", "en", "g", {})]
    added = added_rows(corpus, followups.generate())
    # the corpus text (whitespace and case aside) is not added again
    assert [e.text for e in added] == [e.text for e in rows[1:]]
    assert all(e.split == split_of(e.group) for e in added)
