"""Held-out benign families with and without one of the project's written sets.

A written set (``training/everyday.py``, ``help_seeking.py``, ``chat_tasks.py``,
``family_tasks.py``, ``followups.py``) is aimed at false blocks seen on some source; whether it
helps beyond that source is what this measures. Each benign family is held out in turn
(leave-one-source-out folds, as ``bench.quality``), the task's head is trained with and without
the written set's rows, and the held-out family's texts are scored by the run-time (int8)
encoder with the window-count correction and patterns: the share at or above the default
policy's block and flag thresholds of the task's primary label (``content_safety``: `harmful`
0.5 and 0.35, `harmful-request.block` / `.flag`; ``prompt_attack``: `attack` 0.7,
`prompt-attack.classifier`, and its 0.5 calibration point). MiniLM only (no French blend).

    python -m bench.written_rows [--prefix generated-chattask-] [--task content_safety]
        [--families a,b,...] [--add followups]

``--add``: a written set that is not in the training corpus (``training/followups.py``, tried
and not shipped) is added to it for this run, so the set can be measured before it goes in.

About 30 s per fold and run on 2 quiet cores. Results: ``bench/RESULTS-classifiers.md`` (v2.6).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality_eval import loso_scores
from training import followups, security_tasks
from training.data import (
    CHAT_SOURCE_PREFIX,
    CS_LABELS,
    PA_LABELS,
    Example,
    dedup_key,
    load_all,
    split_of,
)
from training.embed_cache import EmbeddingCache, sentence_spec
from training.train import Config, Featurized, featurize, subset

# Benign pools the chat tasks were not written from (MT-Bench was: bench.quality's headline).
FAMILIES = ("benign-arena-hard", "cyberseceval-frr", "nq-open", "counsel-chat",
            "benign-intent", "medquad")


# task -> (labels, primary label, block threshold, flag threshold) of the default policy
TASKS: dict[str, tuple[Sequence[str], str, float, float]] = {
    "content_safety": (CS_LABELS, "harmful", 0.5, 0.35),
    "prompt_attack": (PA_LABELS, "attack", 0.7, 0.5),
}


# Written sets kept out of the training corpus (``--add``), by name.
NOT_IN_CORPUS: dict[str, Callable[[], Iterable[Example]]] = {
    "followups": followups.generate, "security": security_tasks.generate}


def added_rows(corpus: Sequence[Example], extra: Iterable[Example]) -> list[Example]:
    """``extra``'s rows that repeat no corpus text, each in its group's split (as ``load_all``)."""
    seen = {dedup_key(e.text) for e in corpus}
    out = []
    for e in extra:
        key = dedup_key(e.text)
        if key not in seen:
            seen.add(key)
            e.split = e.split or split_of(e.group)
            out.append(e)
    return out


def held_out_rates(feat: Featurized, feat_eval: Featurized, families: Sequence[str],
                   task: str = "content_safety") -> dict[str, tuple[int, float, float]]:
    """Per held-out family: n, the shares at or above the block and the flag threshold."""
    labels, primary, block, flag = TASKS[task]
    scores, _ = loso_scores(feat, task, Config(), families=families, feat_eval=feat_eval)
    column = list(labels).index(primary)
    out: dict[str, tuple[int, float, float]] = {}
    for fam in families:
        s = np.array([scores[i][column] for i in scores if feat.examples[i].family == fam])
        out[fam] = (len(s), float(np.mean(s >= block)), float(np.mean(s >= flag)))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prefix", default=CHAT_SOURCE_PREFIX, help="source prefix of the set")
    ap.add_argument("--task", choices=list(TASKS), default="content_safety")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--add", choices=list(NOT_IN_CORPUS), default=None,
                    help="a written set outside the corpus, added for this run")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    families = tuple(args.families.split(","))
    rows = load_all()
    if args.add:
        rows += added_rows(rows, NOT_IN_CORPUS[args.add]())
    without = [i for i, e in enumerate(rows) if not e.source.startswith(args.prefix)]
    if len(without) == len(rows):
        raise SystemExit(f"no training row's source starts with {args.prefix!r}")
    # Embedded once (training encoder and run-time int8 encoder); the run without the set
    # reads a subset of the same features.
    tokens, packed = sentence_spec("34p")
    feat = featurize(rows, EmbeddingCache(sentence_tokens=tokens, packed=packed), Config())
    feat_eval = featurize(
        rows, EmbeddingCache(backend="onnx-int8", sentence_tokens=tokens, packed=packed), Config())
    runs = {"with": held_out_rates(feat, feat_eval, families, args.task),
            "without": held_out_rates(subset(feat, without), subset(feat_eval, without),
                                      families, args.task)}
    _, primary, block, flag = TASKS[args.task]
    print(f"`{args.prefix}*` rows: {len(rows) - len(without)}; "
          f"{time.perf_counter() - started:.0f} s.\n")
    print(f"| held-out family | n | `{primary}` >= {block} without / with | >= {flag} without / "
          "with |")
    print("|---|---:|---:|---:|")
    for fam in families:
        n, block0, flag0 = runs["without"][fam]
        _, block1, flag1 = runs["with"][fam]
        print(f"| {fam} | {n} | {block0:.1%} ({round(block0 * n)}) / {block1:.1%} "
              f"({round(block1 * n)}) | {flag0:.1%} / {flag1:.1%} |")


if __name__ == "__main__":
    main()
