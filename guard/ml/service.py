"""Async entry point: concurrent detector calls share micro-batches and encoder passes.

``await apredict(clf, texts)`` enqueues ``(clf, text)`` items on the process-wide
:class:`MicroBatcher`; one worker thread embeds every distinct text of a batch once per encoder
and applies each requesting head, so ``content_safety`` and ``prompt_attack`` checking the same
message (started together by the engine) cost one MiniLM pass.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

from guard.ml.batcher import MicroBatcher
from guard.ml.classifier import Prediction, TextClassifier, predict_many

_Item = tuple[TextClassifier, str]


def _run_batch(items: list[_Item]) -> list[Prediction]:
    """Score a mixed batch: each distinct text is encoded once per encoder, and every
    requested head runs over the batch's distinct texts (heads are cheap next to the encoder)."""
    clfs: dict[int, TextClassifier] = {}
    for clf, _ in items:
        clfs.setdefault(id(clf), clf)
    index: dict[str, int] = {}
    for _, text in items:
        index.setdefault(text, len(index))
    order = list(clfs)
    preds = predict_many([clfs[k] for k in order], list(index))
    slot = {k: n for n, k in enumerate(order)}
    return [preds[slot[id(clf)]][index[text]] for clf, text in items]


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
            )
        return _BATCHER


async def apredict(clf: TextClassifier, texts: Sequence[str]) -> list[Prediction]:
    """Non-blocking, micro-batched ``clf.predict(texts)``."""
    return await batcher().submit([(clf, t) for t in texts])
