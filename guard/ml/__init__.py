"""Machine-learned classifiers (content safety, prompt attacks) that run fully offline.

Public API::

    clf = load_classifier(None, task="prompt_attack")   # or a manifest path
    clf.labels                      # ("injection", "jailbreak", "attack")
    preds = clf.predict(["..."])    # list[Prediction]; preds[0].scores["attack"], .span
    await apredict(clf, texts)      # micro-batched, off the event loop

See docs/classifiers.md and guard/ml/artifacts/MODEL_CARD.md.
"""

from __future__ import annotations

from guard.ml.batcher import MicroBatcher
from guard.ml.classifier import (
    EmbeddingHeadClassifier,
    HFSequenceClassifier,
    Prediction,
    TextClassifier,
    load_classifier,
    predict_many,
)
from guard.ml.manifest import Manifest, load_manifest
from guard.ml.service import apredict

__all__ = [
    "EmbeddingHeadClassifier",
    "HFSequenceClassifier",
    "Manifest",
    "MicroBatcher",
    "Prediction",
    "TextClassifier",
    "apredict",
    "load_classifier",
    "load_manifest",
    "predict_many",
]
