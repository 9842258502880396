"""Hashed character n-grams: the lexical half of the embedding-head classifiers.

MiniLM embeddings generalise across paraphrases but blur exact wording ("ignore previous
instructions" vs "ignore this warning") and know little French. Character n-grams of each
window, hashed into a fixed space (no vocabulary to ship), add a cheap lexical signal; the
head learns one weight per hashed n-gram and label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

N_FEATURES_DEFAULT = 2**18


def vectorizer(n_features: int = N_FEATURES_DEFAULT, ngram_range: tuple[int, int] = (2, 5)) -> Any:
    """A stateless sklearn HashingVectorizer (same config at training and inference time)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=ngram_range,
        n_features=n_features,
        alternate_sign=False,
        norm="l2",
        lowercase=True,
        dtype=__import__("numpy").float32,
    )


def transform(vec: Any, texts: Sequence[str]) -> Any:
    """CSR matrix (len(texts), n_features)."""
    return vec.transform(list(texts))
