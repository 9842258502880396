"""Window embeddings cached on disk (``/tmp/guard-ml-cache``), keyed by text hash.

Training, leave-one-source-out evaluation and the quality bench all need the same frozen
encoder outputs; computing them once keeps the shared 2-core machine usable for others.
A text that fits one window is keyed by its hash alone (its embedding does not depend on the
windowing); a longer one by the window spec and its hash, so two window specs share the cost
of every short text.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from guard.ml.adapter import Adapter
from guard.ml.encoder import INT8_TAG, Encoder
from guard.ml.windows import Window

CACHE_DIR = Path(os.environ.get("GUARD_ML_TRAIN_CACHE", "/tmp/guard-ml-cache"))
WINDOW_TOKENS = 128
STRIDE_TOKENS = 96
SENTENCE_TOKENS: int | None = 34  # the shipped manifests' window.sentence_tokens
SENTENCE_PACKED = True  # ... and window.sentence_packed

Entry = tuple[list[tuple[int, int]], np.ndarray]  # window char spans, (n_windows, dim) float16


def _key(text: str, spec: str = "") -> str:
    return hashlib.sha1((spec + text).encode("utf-8", "surrogatepass")).hexdigest()


def sentence_spec(spec: str | None) -> tuple[int | None, bool]:
    """``"34p"`` → (34, packed); ``"64"`` → (64, overlapping); None → the training default."""
    if not spec:
        return SENTENCE_TOKENS, SENTENCE_PACKED
    return int(spec.rstrip("p")), spec.endswith("p")


class EmbeddingCache:
    """``adapter``: an encoder adapter file (layer cut / LoRA); each adapter has its own cache."""

    def __init__(
        self,
        name: str = "minilm-w128-s96",
        adapter: Path | None = None,
        backend: str = "auto",
        sentence_tokens: int | None = SENTENCE_TOKENS,
        packed: bool = SENTENCE_PACKED,
    ) -> None:
        self.sentence_tokens, self.packed = sentence_tokens, packed
        pack = "p" if packed and sentence_tokens else ""
        self.spec = f"w{WINDOW_TOKENS}-s{STRIDE_TOKENS}-st{sentence_tokens}{pack}|"
        self.adapter, self.backend = adapter, backend
        # Which encoder variant this cache holds ("" = the plain fp32 encoder); other caches
        # derived from these embeddings (LOSO scores) carry it in their names too.
        self.variant = (f"-{Adapter.load(adapter).digest}" if adapter is not None else "") + (
            f"-{INT8_TAG}" if backend == "onnx-int8" else ""
        )
        self.path = CACHE_DIR / f"emb-{name}{self.variant}.pkl"
        self.data: dict[str, Entry] = {}
        if self.path.exists():
            with self.path.open("rb") as f:
                self.data = pickle.load(f)
        self._encoder: Encoder | None = None
        self._windows: dict[tuple[int, ...], np.ndarray] = {}  # this run's window embeddings

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = Encoder(backend=self.backend, adapter=self.adapter)  # type: ignore[arg-type]
        return self._encoder

    def save(self) -> None:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump(self.data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path)

    def _embed_unique(self, wins: list[Window]) -> np.ndarray:
        """Embed each distinct window once: template fills and carriers repeat most windows."""
        first: dict[tuple[int, ...], int] = {}
        for w in wins:
            first.setdefault(w.ids, len(first))
        uniq = list(first)
        todo = [i for i, ids in enumerate(uniq) if ids not in self._windows]
        if todo:
            vecs = self.encoder.embed([Window(0, uniq[i], 0, 0) for i in todo]).astype(np.float16)
            for k, i in enumerate(todo):
                self._windows[uniq[i]] = vecs[k]
        return np.stack([self._windows[w.ids] for w in wins])

    def _lookup(self, text: str) -> Entry | None:
        return self.data.get(_key(text, self.spec)) or self.data.get(_key(text))

    def get(self, texts: Sequence[str], chunk: int = 512, verbose: bool = True) -> list[Entry]:
        missing = sorted({t for t in texts if self._lookup(t) is None}, key=len)
        t0 = time.time()
        for b in range(0, len(missing), chunk):
            batch = missing[b : b + chunk]
            wins = self.encoder.windows(
                batch, WINDOW_TOKENS, STRIDE_TOKENS, self.sentence_tokens, self.packed
            )
            emb = self._embed_unique(wins)
            per: dict[int, list[int]] = {}
            for w_i, w in enumerate(wins):
                per.setdefault(w.text_index, []).append(w_i)
            for i, text in enumerate(batch):
                idx = per[i]
                whole = len(idx) == 1 and len(wins[idx[0]].ids) <= WINDOW_TOKENS - 2
                key = _key(text) if whole else _key(text, self.spec)
                self.data[key] = ([(wins[j].start, wins[j].end) for j in idx], emb[idx])
            if verbose:
                done = b + len(batch)
                print(f"embedded {done}/{len(missing)} texts ({time.time() - t0:.0f}s)", flush=True)
            if (b // chunk) % 10 == 9:
                self.save()
        if missing:
            self.save()
        out = [self._lookup(t) for t in texts]
        return [e for e in out if e is not None]
