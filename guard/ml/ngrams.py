"""Hashed character n-grams: the lexical half of the embedding-head classifiers.

MiniLM embeddings generalise across paraphrases but blur exact wording ("ignore previous
instructions" vs "ignore this warning") and know little French. Character n-grams of each
window, hashed into a fixed space (no vocabulary to ship), add a cheap lexical signal; the
head learns one weight per hashed n-gram and label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from guard.lru import LRU

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


class RowCache:
    """Hashed n-gram rows of recent window texts, by text.

    A streamed answer is re-checked with its look-behind at every release, and a non-streamed
    one read from a streamed upstream from its start: the same windows come back check after
    check, and hashing their n-grams again was two thirds of a check's fixed classifier cost.
    A row depends on its own text only (each is normalised alone), so a matrix assembled
    from cached rows equals the one hashed in one batch, value for value and in the same order.
    """

    def __init__(self, vec: Any, size: int) -> None:
        self._vec = vec
        self._rows: LRU[str, tuple[Any, Any]] = LRU(size)

    def transform(self, texts: Sequence[str]) -> Any:
        """CSR matrix (len(texts), n_features), like :func:`transform`."""
        import numpy as np
        import scipy.sparse as sp

        if not self._rows.size:
            return transform(self._vec, texts)
        held: dict[str, tuple[Any, Any]] = {}
        missing: list[str] = []
        for text in dict.fromkeys(texts):
            row = self._rows.get(text)
            if row is None:
                missing.append(text)
            else:
                held[text] = row
        if missing:
            m = transform(self._vec, missing)
            for j, text in enumerate(missing):
                lo, hi = m.indptr[j], m.indptr[j + 1]
                held[text] = row = (m.indices[lo:hi].copy(), m.data[lo:hi].copy())
                self._rows.put(text, row)
        rows = [held[t] for t in texts]
        indptr = np.zeros(len(rows) + 1, np.int32)
        np.cumsum([len(r[0]) for r in rows], out=indptr[1:])
        indices = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int32)
        data = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.float32)
        return sp.csr_matrix((data, indices, indptr), shape=(len(rows), self._vec.n_features))
