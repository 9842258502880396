"""Async entry point: concurrent detector calls share micro-batches and encoder passes.

``await apredict(clf, texts)`` enqueues ``(clf, text, min_score)`` items on the process-wide
:class:`MicroBatcher`; one worker thread embeds every distinct text of a batch once per encoder
and applies each requesting head, so ``content_safety`` and ``prompt_attack`` checking the same
message (started together by the engine) cost one MiniLM pass.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence

from guard.ml.batcher import MicroBatcher
from guard.ml.classifier import Prediction, Request, TextClassifier, predict_many

_Item = tuple[TextClassifier, str, float]
"""(classifier, text, the lowest score the caller acts on)."""


def _run_batch(items: list[_Item]) -> list[Prediction]:
    """Score a mixed batch: each distinct text is encoded once per encoder, and each head runs
    over the texts it was asked about (heads are cheap next to the encoder). A head asked about
    one text at two floors (an input and an output check of the same text) gets the text twice,
    once per floor: what a caller gets never depends on its batch-mates."""
    clfs: dict[int, TextClassifier] = {}
    texts: list[str] = []
    asked: list[dict[int, float]] = []  # per entry: classifier id -> floor
    entries: dict[str, list[int]] = {}  # text -> its entries
    slots: list[int] = []  # per item: its entry
    for clf, text, min_score in items:
        clfs.setdefault(id(clf), clf)
        mine = entries.setdefault(text, [])
        slot = next((e for e in mine if asked[e].get(id(clf), min_score) == min_score), None)
        if slot is None:
            slot = len(texts)
            texts.append(text)
            asked.append({})
            mine.append(slot)
        asked[slot][id(clf)] = min_score
        slots.append(slot)
    order = list(clfs)
    row = {k: n for n, k in enumerate(order)}
    requests: list[list[Request]] = [[a.get(k) for a in asked] for k in order]
    preds = predict_many([clfs[k] for k in order], texts, requests)
    return [preds[row[id(clf)]][slot] for (clf, _, _), slot in zip(items, slots, strict=True)]


_BATCHER: MicroBatcher[_Item, Prediction] | None = None
_LOCK = threading.Lock()


def batcher() -> MicroBatcher[_Item, Prediction]:
    global _BATCHER
    with _LOCK:
        if _BATCHER is None:
            _BATCHER = MicroBatcher(
                _run_batch,
                max_batch=int(os.environ.get("GUARD_ML_MAX_BATCH", "64")),
                max_wait_ms=float(os.environ.get("GUARD_ML_MAX_WAIT_MS", "3")),
                name="guard-ml",
                cost=lambda item: len(item[1]),
                key=lambda item: item[1],
                max_batch_cost=int(os.environ.get("GUARD_ML_MAX_BATCH_CHARS", "2048")),
            )
        return _BATCHER


PIECE_CHARS = 2048
PIECE_OVERLAP = 512
"""A text longer than PIECE_CHARS is scored as overlapping pieces submitted separately, so the
micro-batcher can serve other requests between them (and drop them if the caller timed out);
the overlap (several token windows) keeps any window-sized span whole in one piece."""


async def apredict(clf: TextClassifier, texts: Sequence[str],
                   min_score: float = 0.0) -> list[Prediction]:
    """Non-blocking, micro-batched ``clf.predict(texts, min_score)``."""
    min_score = clf.effective_floor(min_score)
    if all(len(t) <= PIECE_CHARS for t in texts):
        return await batcher().submit([(clf, t, min_score) for t in texts])
    return list(await asyncio.gather(*(_long(clf, t, min_score) for t in texts)))


async def _long(clf: TextClassifier, text: str, min_score: float) -> Prediction:
    """Score of one text as the max over its pieces' scores (spans shifted back)."""
    if len(text) <= PIECE_CHARS:
        return (await batcher().submit([(clf, text, min_score)]))[0]
    starts = list(range(0, max(1, len(text) - PIECE_OVERLAP), PIECE_CHARS - PIECE_OVERLAP))
    preds = await asyncio.gather(*(batcher().submit([(clf, text[s:s + PIECE_CHARS], min_score)])
                                   for s in starts))
    chars = sum(len(text[s:s + PIECE_CHARS]) for s in starts)
    return merge_pieces([(s, p[0]) for s, p in zip(starts, preds, strict=True)],
                        len(text) / chars)


def merge_pieces(pieces: Sequence[tuple[int, Prediction]], unique_share: float = 1.0) -> Prediction:
    """Per label, the highest-scoring piece's score, with its span in text coordinates; the
    window count is the pieces' total scaled by ``unique_share`` (the text's characters over the
    pieces' characters: overlaps hold windows counted twice)."""
    first = pieces[0][1]
    scores, spans, via, runner_up = {}, {}, {}, {}
    for label in first.scores:
        offset, best = max(pieces, key=lambda p: p[1].scores[label])
        scores[label] = best.scores[label]
        start, end = best.spans[label]
        spans[label] = (start + offset, end + offset)
        via[label] = best.via[label]
        # A window in two pieces' overlap scores the same in both: it counts once.
        model = {p.scores[label] for _, p in pieces if p.via[label] == "model"}
        model |= {p.runner_up.get(label, 0.0) for _, p in pieces}
        runner_up[label] = sorted(model, reverse=True)[1] if len(model) > 1 else 0.0
    return Prediction(scores=scores, spans=spans, primary=first.primary, via=via,
                      windows=max(1, round(sum(p.windows for _, p in pieces) * unique_share)),
                      runner_up=runner_up)
