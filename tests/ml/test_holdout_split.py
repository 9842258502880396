"""Held-out folds: the fine-tuning comparison holds a group of families out at once."""

from __future__ import annotations

from training.data import HEADLINE_FAMILIES, Example, holdout_split, loso_split
from training.embed_cache import SENTENCE_PACKED, SENTENCE_TOKENS, sentence_spec


def _ex(family: str, split: str, uses: str = "") -> Example:
    tags = {"uses": uses} if uses else {}
    return Example(f"{family} {split} {uses}", family, "en", family, {"harmful": 0},
                   family=family, split=split, tags=tags)


ROWS = [
    _ex("bipia", "train"),
    _ex("bipia", "test"),
    _ex("mtbench", "val"),
    _ex("generated-attacks", "train", uses="bipia"),  # a composition borrowing bipia carriers
    _ex("generated-attacks", "train"),
    _ex("benign-arena-hard", "val"),
    _ex("benign-arena-hard", "test"),
]


def test_a_group_fold_scores_every_row_of_every_held_family_and_trains_on_none() -> None:
    train, val, test = holdout_split(ROWS, range(len(ROWS)), {"bipia", "mtbench"})
    assert test == [0, 1, 2]  # all splits of the held families, val included
    assert 3 not in train + val + test  # a row built from a held family is left out entirely
    assert train == [4, 6] and val == [5]  # the others: train + test train, val calibrates


def test_one_family_fold_is_the_group_fold_of_one() -> None:
    for fam in ("bipia", "mtbench", "benign-arena-hard"):
        assert loso_split(ROWS, range(len(ROWS)), fam) == holdout_split(
            ROWS, range(len(ROWS)), {fam}
        )


def test_headline_families_cover_both_tasks() -> None:
    assert set(HEADLINE_FAMILIES) == {"content_safety", "prompt_attack"}
    assert "openai-moderation" in HEADLINE_FAMILIES["content_safety"]
    assert "bipia" in HEADLINE_FAMILIES["prompt_attack"]


def test_sentence_spec_reads_the_bench_flag() -> None:
    assert sentence_spec("34p") == (34, True)
    assert sentence_spec("64") == (64, False)
    assert sentence_spec(None) == (SENTENCE_TOKENS, SENTENCE_PACKED)
