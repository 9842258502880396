"""Cheap first stage of the classifier cascade: clear confidently benign windows.

The transformer costs ~5-30 ms of CPU per window; most traffic (ordinary questions and
answers) never comes near a block threshold. The screen scores each window with a linear model
over features that cost microseconds:

* the mean and the element-wise max of MiniLM's *static* input word-embedding rows of the
  window's tokens (``embeddings.word_embeddings.weight`` read from the encoder's own
  safetensors file: nothing extra is shipped or downloaded), and
* the hashed character n-grams the heads already use (same hashing, so one matrix serves both).

A window whose screen score is below the artifact's ``threshold`` is *cleared*: it skips the
encoder and every head, and scores 0 on every label. That is only harmless where nothing acts
on a low score, so a screen has a ``floor``: it clears windows only for a check whose rules act
on no score below it (the engine passes each detector call the lowest threshold its rules apply
at that stage; ``default``'s output rules start at 0.5, its input rules flag ``harmful`` from
0.35, so prompts are never screened). The threshold is fixed by ``python -m training.screen``
on out-of-fold scores of the train and validation splits, so that at most 0.5 % of the texts
the full model scores at or above the floor (per language) would lose that score;
``bench/cascade.py`` measures what it saves and what it loses, leave-one-source-out.
``GUARD_ML_SCREEN=off`` switches it off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from guard.ml import ngrams
from guard.ml.switches import switched_on
from guard.ml.windows import Window

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]

ENV_SWITCH = "GUARD_ML_SCREEN"
_STATIC_KEY = "embeddings.word_embeddings.weight"


def screen_enabled() -> bool:
    """False when ``GUARD_ML_SCREEN`` is ``off`` (or ``0``/``false``/``no``)."""
    return switched_on(ENV_SWITCH)


def static_embeddings(encoder_dir: str | Path) -> FloatArray:
    """The encoder's input word-embedding matrix (vocab, dim) from its safetensors file."""
    from safetensors import safe_open

    files = sorted(Path(encoder_dir).glob("*.safetensors"))
    for f in files:
        with safe_open(str(f), "numpy") as s:
            if _STATIC_KEY in s.keys():
                out: FloatArray = s.get_tensor(_STATIC_KEY).astype(np.float32)
                return out
    raise FileNotFoundError(f"{encoder_dir}: no safetensors file holds {_STATIC_KEY}")


def pooled_static(table: FloatArray, windows: Sequence[Window]) -> FloatArray:
    """Per window: [mean of its tokens' static rows, element-wise max] -> (n, 2 * dim)."""
    dim = table.shape[1]
    out = np.zeros((len(windows), 2 * dim), np.float32)
    for i, w in enumerate(windows):
        if w.ids:
            rows = table[np.fromiter(w.ids, np.int64, len(w.ids))]
            out[i, :dim] = rows.mean(0)
            out[i, dim:] = rows.max(0)
    return out


@dataclass(frozen=True)
class Screen:
    """Linear window screen: ``score = [mean, max] @ w_static + ngrams @ w_ngram + bias``."""

    w_static: FloatArray  # (2 * dim,)
    w_ngram: FloatArray | None  # (n_features,)
    bias: float
    threshold: float
    ngram_range: tuple[int, int]
    table: FloatArray  # the encoder's static word embeddings (vocab, dim)
    floor: float  # cleared windows may have scored up to this: used only where nothing acts below

    @classmethod
    def load(cls, path: str | Path, encoder_dir: str | Path) -> Screen:
        with np.load(path, allow_pickle=False) as z:
            w_static = z["w_static"].astype(np.float32)
            w_ngram = z["w_ngram"].astype(np.float32) if "w_ngram" in z else None
            bias, threshold = float(z["bias"]), float(z["threshold"])
            lo, hi = (int(x) for x in z["ngram_range"])
            if "floor" not in z:
                raise ValueError(f"{path}: no 'floor' (retrain with python -m training.screen)")
            floor = float(z["floor"])
        table = static_embeddings(encoder_dir)
        if w_static.shape != (2 * table.shape[1],):
            raise ValueError(f"{path}: screen weights do not match the encoder's {table.shape}")
        return cls(w_static, w_ngram, bias, threshold, (lo, hi), table, floor)

    def save(self, path: str | Path) -> None:
        arrays: dict[str, Any] = {
            "w_static": self.w_static.astype(np.float16),
            "bias": np.array(self.bias, np.float32),
            "threshold": np.array(self.threshold, np.float32),
            "ngram_range": np.array(self.ngram_range),
            "floor": np.array(self.floor, np.float32),
        }
        if self.w_ngram is not None:
            arrays["w_ngram"] = self.w_ngram.astype(np.float16)
        np.savez_compressed(path, **arrays)

    @property
    def ngram_key(self) -> tuple[int, int, int] | None:
        """Equal to a head's ``ngram_key`` when both can share one n-gram matrix."""
        if self.w_ngram is None:
            return None
        return (self.w_ngram.shape[0], *self.ngram_range)

    def vectorizer(self) -> Any:
        if self.w_ngram is None:
            return None
        return ngrams.vectorizer(self.w_ngram.shape[0], self.ngram_range)

    def scores(self, texts: Sequence[str], windows: Sequence[Window], x: Any = None) -> FloatArray:
        """Screen score per window (a logit: higher = more likely to need the transformer).

        ``x``: the windows' n-gram matrix when the caller already has it (same hashing).
        """
        # Row-wise products, not a matrix-vector BLAS call: a window's score must not depend
        # on how many other windows share the batch.
        s = (pooled_static(self.table, windows) * self.w_static).sum(axis=1) + self.bias
        if self.w_ngram is not None:
            if x is None:
                x = ngrams.transform(
                    self.vectorizer(), [texts[w.text_index][w.start : w.end] for w in windows]
                )
            s = s + np.asarray(x @ self.w_ngram, dtype=np.float32).reshape(-1)
        out: FloatArray = s.astype(np.float32)
        return out

    def applies(self, min_scores: FloatArray) -> BoolArray:
        """Per entry: whether a caller that acts on no score below it may use this screen."""
        out: BoolArray = min_scores >= self.floor
        return out

    def cleared(self, texts: Sequence[str], windows: Sequence[Window], x: Any = None) -> BoolArray:
        """True for windows confidently benign (below the threshold): the encoder skips them."""
        out: BoolArray = self.scores(texts, windows, x) < self.threshold
        return out
