"""Text classifiers: one interface over embedded heads and any HF sequence classifier.

``predict`` is synchronous and batched; every text is cut into token windows and each label's
score is the max over windows (long texts are never silently truncated); the window count and
runner-up score travel with it for the detectors' length correction (guard/ml/aggregate.py). A
:class:`Prediction` carries, per label, the calibrated score and the character span of the
window (or pattern match) that produced it.

Cascade: an embedding-head manifest may name a ``screen`` (guard/ml/screen.py). For a text
whose caller acts on no score below the screen's floor (``min_score``), windows the screen
clears never reach the encoder and score 0 on every label of that classifier; the text's score
stays the max over its windows (and the patterns still see the whole text). A window is encoded
when any classifier sharing the encoder pass did not clear it. ``min_score`` 0 (the default) and
``GUARD_ML_SCREEN=off`` encode every window.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from guard.ml import ngrams
from guard.ml.aggregate import long_text_score
from guard.ml.counters import count
from guard.ml.encoder import Encoder, configure_threads, offline
from guard.ml.heads import Head
from guard.ml.manifest import (
    Manifest,
    default_manifest_path,
    load_manifest,
    variant_manifest_path,
)
from guard.ml.patterns import PATTERN_SETS, Pattern, match_named
from guard.ml.screen import Screen, screen_enabled
from guard.ml.windows import Window

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Prediction:
    """Scores of one text. ``span`` is the char span behind the primary label's score;
    ``windows``: how many token windows the model's max ran over; ``runner_up``: per label,
    the model's second-highest window score (0 for one window; guard/ml/aggregate.py)."""

    scores: dict[str, float]
    spans: dict[str, tuple[int, int]]
    primary: str
    via: dict[str, str]  # per label: "model" or "pattern:<name>"
    windows: int = 1
    runner_up: dict[str, float] = field(default_factory=dict)

    @property
    def span(self) -> tuple[int, int]:
        return self.spans[self.primary]

    def __getitem__(self, label: str) -> float:
        return self.scores[label]

    def corrected(self, label: str, beta: float) -> float:
        """``label``'s score with the window-count correction ``beta``
        (guard/ml/aggregate.py); a pattern's score as it is."""
        if self.via[label] != "model":
            return self.scores[label]
        return long_text_score(self.scores[label], self.runner_up.get(label, 0.0), self.windows,
                               beta)


class TextClassifier:
    """Base: subclasses implement :meth:`_window_scores`."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.labels: tuple[str, ...] = manifest.labels
        self.primary = manifest.primary
        self.thresholds: dict[str, float] = {lab: 0.5 for lab in self.labels}
        self.thresholds.update(manifest.thresholds)
        self._patterns: tuple[Pattern, ...] = PATTERN_SETS[manifest.patterns]

    # -- shared-encoder support (overridden by EmbeddingHeadClassifier)
    @property
    def encoder_key(self) -> tuple[Any, ...] | None:
        return None

    def effective_floor(self, min_score: float) -> float:
        """The floor that changes what :meth:`predict` returns: ``min_score`` where a screen
        applies from it, else 0 (callers at floors no screen uses get the same scores, so
        their requests are one request to the micro-batcher)."""
        return 0.0

    def predict(self, texts: Sequence[str], min_score: float = 0.0) -> list[Prediction]:
        """Scores of ``texts``; ``min_score``: the caller acts on no score below it (a cascade
        may then report 0 for what its screen clears)."""
        texts = list(texts)
        if not texts:
            return []
        windows, scores = self._window_scores(texts, [min_score] * len(texts))
        return self._aggregate(texts, windows, scores)

    def _window_scores(
        self, texts: list[str], min_scores: Sequence[float]
    ) -> tuple[list[Window], FloatArray]:
        raise NotImplementedError

    def _aggregate(
        self, texts: list[str], windows: list[Window], scores: FloatArray
    ) -> list[Prediction]:
        out: list[Prediction] = []
        owner = np.array([w.text_index for w in windows])
        for i, text in enumerate(texts):
            idx = np.where(owner == i)[0]
            best = idx[np.argmax(scores[idx], axis=0)]
            sc = {lab: float(scores[best[j], j]) for j, lab in enumerate(self.labels)}
            second = (np.sort(scores[idx], axis=0)[-2] if len(idx) > 1
                      else np.zeros(len(self.labels), np.float32))
            runner_up = {lab: float(second[j]) for j, lab in enumerate(self.labels)}
            sp = {
                lab: (windows[best[j]].start, windows[best[j]].end)
                for j, lab in enumerate(self.labels)
            }
            via = {lab: "model" for lab in self.labels}
            for lab, (ps, a, b, name) in match_named(self._patterns, text).items():
                if lab in sc and ps > sc[lab]:
                    sc[lab], sp[lab], via[lab] = ps, (a, b), f"pattern:{name}"
            out.append(Prediction(sc, sp, self.primary, via, windows=len(idx),
                                  runner_up=runner_up))
        return out


class EmbeddingHeadClassifier(TextClassifier):
    """Shared sentence encoder + a committed head (the offline default)."""

    def __init__(
        self, manifest: Manifest, encoder: Encoder, head: Head, screen: Screen | None = None
    ) -> None:
        super().__init__(manifest)
        if head.labels != manifest.labels:
            raise ValueError(f"head labels {head.labels} != manifest labels {manifest.labels}")
        self.encoder = encoder
        self.head = head
        self.screen = screen
        self._vec = head.vectorizer()
        self._rows = (ngrams.RowCache(self._vec, encoder.cache_size)
                      if self._vec is not None else None)

    def effective_floor(self, min_score: float) -> float:
        screen = self.screen if screen_enabled() else None
        return min_score if screen is not None and min_score >= screen.floor else 0.0

    @property
    def encoder_key(self) -> tuple[Any, ...]:
        w = self.manifest.window
        return (id(self.encoder), w.tokens, w.stride, w.sentence_tokens, w.sentence_packed)

    def windows(self, texts: Sequence[str]) -> list[Window]:
        w = self.manifest.window
        return self.encoder.windows(
            texts, w.tokens, w.stride, w.sentence_tokens, w.sentence_packed
        )

    def ngram_matrix(self, texts: Sequence[str], windows: list[Window]) -> Any:
        if self._rows is None:
            return None
        return self._rows.transform([texts[w.text_index][w.start : w.end] for w in windows])

    def scores_from(
        self, texts: Sequence[str], windows: list[Window], emb: FloatArray, x: Any = None
    ) -> FloatArray:
        if x is None:
            x = self.ngram_matrix(texts, windows)
        return self.head.scores(emb, None, self._vec, x)

    def _window_scores(
        self, texts: list[str], min_scores: Sequence[float]
    ) -> tuple[list[Window], FloatArray]:
        windows, scores = _shared_window_scores([self], texts, [list(min_scores)])
        return windows, scores[0]

    def predict_shared(
        self, texts: list[str], windows: list[Window], emb: FloatArray, x: Any = None
    ) -> list[Prediction]:
        return self._aggregate(texts, windows, self.scores_from(texts, windows, emb, x))


class HFSequenceClassifier(TextClassifier):
    """Any ``AutoModelForSequenceClassification`` (hub id with pinned revision, or a folder)."""

    def __init__(self, manifest: Manifest, num_threads: int | None = None) -> None:
        super().__init__(manifest)
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        assert manifest.model is not None
        ref = manifest.model.resolved(manifest.base_dir)
        assert ref is not None
        local = Path(ref).exists()
        kwargs: dict[str, Any] = {"local_files_only": local or offline()}
        if manifest.model.revision and not local:
            kwargs["revision"] = manifest.model.revision
        configure_threads(num_threads)
        self.tokenizer = AutoTokenizer.from_pretrained(ref, **kwargs)
        self.model = AutoModelForSequenceClassification.from_pretrained(ref, **kwargs).eval()
        id2label = {int(k): str(v) for k, v in self.model.config.id2label.items()}
        self._columns: list[tuple[int, int]] = []  # (model output index, label index)
        for out_i, name in sorted(id2label.items()):
            target = manifest.label_map.get(name, name if name in self.labels else None)
            if target is not None:
                self._columns.append((out_i, self.labels.index(target)))
        if not self._columns:
            raise ValueError(f"no model label of {sorted(id2label.values())} maps to {self.labels}")
        self._lock = threading.Lock()

    def _window_scores(
        self, texts: list[str], min_scores: Sequence[float]
    ) -> tuple[list[Window], FloatArray]:
        import torch

        from guard.ml.windows import pad_batch, split_windows

        w = self.manifest.window
        limit = int(getattr(self.model.config, "max_position_embeddings", 512))
        windows = split_windows(
            self.tokenizer,
            texts,
            min(w.tokens, limit),
            w.stride,
            w.sentence_tokens,
            w.sentence_packed,
        )
        # windows count 2 special tokens; models with more (e.g. <s> ... </s></s>) still fit
        # because the limit leaves room below max_position_embeddings.
        scores = np.zeros((len(windows), len(self.labels)), np.float32)
        special = list(self.tokenizer("", add_special_tokens=True)["input_ids"])
        prefix, suffix = special[:1], special[1:]
        pad = self.tokenizer.pad_token_id or 0
        with self._lock, torch.inference_mode():
            for b in range(0, len(windows), 16):
                chunk = windows[b : b + 16]
                ids, mask = pad_batch([prefix + list(x.ids) + suffix for x in chunk], pad)
                enc = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
                logits = self.model(**enc).logits.float()
                if self.manifest.activation == "softmax":
                    probs = torch.softmax(logits, -1).numpy()
                else:
                    probs = torch.sigmoid(logits).numpy()
                for out_i, lab_i in self._columns:
                    scores[b : b + len(chunk), lab_i] = np.maximum(
                        scores[b : b + len(chunk), lab_i], probs[:, out_i]
                    )
        return windows, scores


# ------------------------------------------------------------------ process-wide caches
_LOCK = threading.RLock()
_ENCODERS: dict[tuple[Any, ...], Encoder] = {}
_CLASSIFIERS: dict[str, TextClassifier] = {}
_SCREENS: dict[tuple[str, str], Screen] = {}


def get_screen(path: Path, encoder: Encoder) -> Screen:
    """One screen per (artifact, encoder folder) per process (it holds the static embeddings)."""
    key = (str(path.resolve()), encoder.ref)
    with _LOCK:
        screen = _SCREENS.get(key)
        if screen is None:
            screen = _SCREENS[key] = Screen.load(path, encoder.ref)
        return screen


def get_encoder(
    ref: str | None, revision: str | None, backend: str, adapter: Path | None = None
) -> Encoder:
    """One encoder per (ref, revision, backend, adapter) per process."""
    key = (ref, revision, backend, str(adapter) if adapter else None)
    with _LOCK:
        enc = _ENCODERS.get(key)
        if enc is None:
            enc = _ENCODERS[key] = Encoder(
                ref,
                revision,
                backend,  # type: ignore[arg-type]
                adapter=adapter,
            )
        return enc


def load_classifier(manifest: str | Path | None = None, task: str = "") -> TextClassifier:
    """Load (once per process) the classifier a manifest describes.

    ``manifest=None`` loads the embedded default for ``task`` (``content_safety`` or
    ``prompt_attack``). A bare task name is accepted as ``manifest`` too, and so is the name of
    a shipped variant (``fast`` = ``guard/ml/artifacts/variants/fast/<task>.yaml``).
    """
    if manifest is None or str(manifest) in ("content_safety", "prompt_attack"):
        path = default_manifest_path(task or str(manifest))
    elif task and (variant := variant_manifest_path(str(manifest), task)) is not None:
        path = variant
    else:
        path = Path(manifest)
    key = str(path.resolve())
    with _LOCK:
        clf = _CLASSIFIERS.get(key)
        if clf is not None:
            return clf
        m = load_manifest(path)
        if m.kind == "embedding_head":
            enc = get_encoder(
                m.encoder.resolved(m.base_dir), m.encoder.revision, m.backend, m.adapter_path
            )
            screen = get_screen(m.screen_path, enc) if m.screen_path is not None else None
            clf = EmbeddingHeadClassifier(m, enc, Head.load(m.head_path), screen)
        else:
            clf = HFSequenceClassifier(m)
        _CLASSIFIERS[key] = clf
        return clf


Request = float | None
"""What one classifier is asked about one text: the lowest score its caller acts on (0: every
score exact; a screen applies from its floor up), or None: not asked (its prediction for that
text is all zeros)."""


def predict_many(
    classifiers: Sequence[TextClassifier],
    texts: Sequence[str],
    requests: Sequence[Sequence[Request]] | None = None,
) -> list[list[Prediction]]:
    """Run several classifiers on the same texts, sharing one encoder pass where possible.

    ``requests[c][t]``: see :data:`Request` (default: every classifier scores every text
    exactly). A window is encoded when some classifier asked about its text and did not clear
    it; what one classifier reports never depends on what the others were asked.
    """
    texts = list(texts)
    asked = [[0.0] * len(texts) for _ in classifiers] if requests is None else requests
    if len(asked) != len(classifiers) or any(len(r) != len(texts) for r in asked):
        raise ValueError("requests must be one row per classifier, one entry per text")
    out: list[list[Prediction]] = [[] for _ in classifiers]
    shared: dict[tuple[Any, ...], list[int]] = {}
    for i, clf in enumerate(classifiers):
        key = clf.encoder_key
        if key is None:
            out[i] = clf.predict(texts)  # no screen outside embedding heads
        else:
            shared.setdefault(key, []).append(i)
    for idxs in shared.values():
        group = [classifiers[i] for i in idxs]
        assert all(isinstance(c, EmbeddingHeadClassifier) for c in group)
        windows, scores = _shared_window_scores(
            group, texts, [asked[i] for i in idxs]  # type: ignore[arg-type]
        )
        for i, clf, sc in zip(idxs, group, scores, strict=True):
            out[i] = clf._aggregate(texts, windows, sc)
    return out


def _shared_window_scores(
    group: Sequence[EmbeddingHeadClassifier],
    texts: list[str],
    requests: Sequence[Sequence[Request]],
) -> tuple[list[Window], list[FloatArray]]:
    """Window scores of classifiers sharing one encoder and window spec, in one encoder pass.

    Screens run first (each distinct screen once); a classifier keeps the windows of the texts
    it was asked about, less those its screen clears where it was asked from the screen's floor
    up; the encoder sees the windows some classifier kept; a classifier scores 0 on every
    window it did not keep (even one encoded for another), so its scores never depend on its
    batch-mates.
    """
    first = group[0]
    windows = first.windows(texts)
    owner = np.array([w.text_index for w in windows], np.int64)
    grams: dict[Any, Any] = {}  # heads (and screens) with the same n-gram config share one

    def ngram(key: Any, make: Any) -> Any:
        if key is not None and key not in grams:
            grams[key] = make()
        return grams.get(key)

    use_screen = screen_enabled()
    cleared: dict[int, npt.NDArray[np.bool_]] = {}  # by id(screen)
    wanted: list[npt.NDArray[np.bool_]] = []  # per classifier: windows of texts it was asked
    keep: list[npt.NDArray[np.bool_]] = []  # per classifier: windows it scores
    for clf, req in zip(group, requests, strict=True):
        asked = np.array([r is not None for r in req], bool)[owner]
        wanted.append(asked)
        screen = clf.screen if use_screen else None
        if screen is None:
            keep.append(asked)
            continue
        floor = np.array([-1.0 if r is None else r for r in req], np.float32)[owner]
        eligible = asked & screen.applies(floor)
        if not eligible.any():
            keep.append(asked)
            continue
        if id(screen) not in cleared:
            # Same hashing as the head: through its row cache (a stream re-checks its windows).
            x = ngram(
                screen.ngram_key,
                lambda s=screen, c=clf: c.ngram_matrix(texts, windows)
                if c.head.ngram_key == s.ngram_key
                else s.vectorizer().transform(
                    [texts[w.text_index][w.start : w.end] for w in windows]
                ),
            )
            cleared[id(screen)] = screen.cleared(texts, windows, x)
        keep.append(asked & ~(eligible & cleared[id(screen)]))
    sent_mask = np.logical_or.reduce(keep)
    if cleared:
        count(cleared=int((np.logical_or.reduce(wanted) & ~sent_mask).sum()))
    sent = np.flatnonzero(sent_mask)
    emb = np.zeros((len(windows), first.encoder.dim), np.float32)
    if len(sent):
        emb[sent] = first.encoder.embed([windows[j] for j in sent])
    scores: list[FloatArray] = []
    for clf, k in zip(group, keep, strict=True):
        x = ngram(clf.head.ngram_key, lambda c=clf: c.ngram_matrix(texts, windows))
        sc = np.zeros((len(windows), len(clf.labels)), np.float32)
        rows = np.flatnonzero(k)
        if len(rows) == len(windows):
            sc = clf.scores_from(texts, windows, emb, x)
        elif len(rows):
            sub = [windows[j] for j in rows]
            sc[rows] = clf.scores_from(texts, sub, emb[rows], x[rows] if x is not None else None)
        scores.append(sc)
    return windows, scores
