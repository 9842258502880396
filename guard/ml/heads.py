"""Classification heads over window embeddings + hashed n-grams (numpy inference).

A head is a tiny model trained by ``training/train.py`` and committed as one ``.npz``:

    logit[label] = MLP(embedding) + ngrams @ W_ngram + bias - shift

``shift`` is the logit of the default decision threshold picked on the validation split, so a
calibrated score of 0.5 is the default threshold for every label and policies can reason about
one scale. Numpy keeps inference free of torch autograd overhead and makes the artifact
framework-neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from guard.ml import ngrams

FloatArray = npt.NDArray[np.float32]


def dense(a: FloatArray, w: FloatArray) -> FloatArray:
    """``a @ w`` in numpy's own loops, not BLAS (the heads' and the topic detector's products).

    These matrices are small (tens of windows x 384 x 256: ~0.3 ms either way), but OpenBLAS
    wakes its worker threads for them and those threads spin after each call: measured in the
    sidecar, numpy's OpenBLAS thread burned 100-410 ms of CPU per request, more than the
    encoder. Changing BLAS's thread count would change the host process's numpy (the library
    runs inside applications), so the heads simply do not call BLAS. Also row-independent: a
    window's score cannot depend on how many windows share the batch.
    """
    out: FloatArray = np.einsum("ij,jk->ik", a, w, optimize=False)
    return out


@dataclass(frozen=True)
class Head:
    labels: tuple[str, ...]
    layers: tuple[tuple[FloatArray, FloatArray], ...]
    ngram_weight: FloatArray | None
    ngram_range: tuple[int, int]
    shift: FloatArray

    @classmethod
    def load(cls, path: str | Path) -> Head:
        with np.load(path, allow_pickle=False) as z:
            labels = tuple(str(x) for x in z["labels"])
            n_layers = int(z["n_layers"])
            layers = tuple(
                (z[f"w{i}"].astype(np.float32), z[f"b{i}"].astype(np.float32))
                for i in range(n_layers)
            )
            ngram_weight = z["ngram_weight"].astype(np.float32) if "ngram_weight" in z else None
            ngram_range = tuple(int(x) for x in z["ngram_range"]) if "ngram_range" in z else (2, 5)
            shift = z["shift"].astype(np.float32)
        if layers[-1][0].shape[1] != len(labels) or shift.shape != (len(labels),):
            raise ValueError(f"{path}: head shape does not match its {len(labels)} labels")
        return cls(labels, layers, ngram_weight, (ngram_range[0], ngram_range[1]), shift)

    def save(self, path: str | Path) -> None:
        arrays: dict[str, Any] = {
            "labels": np.array(self.labels),
            "n_layers": np.array(len(self.layers)),
            "shift": self.shift.astype(np.float32),
            "ngram_range": np.array(self.ngram_range),
        }
        for i, (w, b) in enumerate(self.layers):
            arrays[f"w{i}"] = w.astype(np.float16)
            arrays[f"b{i}"] = b.astype(np.float32)
        if self.ngram_weight is not None:
            arrays["ngram_weight"] = self.ngram_weight.astype(np.float16)
        np.savez_compressed(path, **arrays)

    def vectorizer(self) -> Any:
        if self.ngram_weight is None:
            return None
        return ngrams.vectorizer(self.ngram_weight.shape[0], self.ngram_range)

    @property
    def ngram_key(self) -> tuple[int, int, int] | None:
        """Heads with equal keys can share one n-gram matrix per batch."""
        if self.ngram_weight is None:
            return None
        return (self.ngram_weight.shape[0], *self.ngram_range)

    def logits(
        self, emb: FloatArray, window_texts: list[str] | None, vec: Any, x: Any = None
    ) -> FloatArray:
        """Raw (uncalibrated) logits per window, shape (n_windows, n_labels).

        ``x`` is an optional precomputed n-gram matrix of ``window_texts``.
        """
        h = emb
        for i, (w, b) in enumerate(self.layers):
            h = dense(h, w) + b
            if i < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        if self.ngram_weight is not None and (x is not None or window_texts is not None):
            if x is None:
                x = ngrams.transform(vec, window_texts or [])
            h = h + np.asarray(x @ self.ngram_weight, dtype=np.float32)
        out: FloatArray = h.astype(np.float32)
        return out

    def scores(
        self, emb: FloatArray, window_texts: list[str] | None, vec: Any, x: Any = None
    ) -> FloatArray:
        """Calibrated probabilities per window (0.5 = the default threshold)."""
        z = self.logits(emb, window_texts, vec, x) - self.shift
        out: FloatArray = (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)
        return out
