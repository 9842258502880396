"""Train the cascade's screen (``guard/ml/screen.py``) and fix its clearing threshold.

    HF_HUB_OFFLINE=1 python -m training.screen             # writes guard/ml/artifacts/screen.npz
    python -m training.screen --no-save

Data: ``training.data.load_all()`` (the heads' corpus and group split) plus benign *prose*
from the same sources (counsel-chat therapist answers, French administrative PIAF contexts,
whole clean BIPIA and LLMail e-mails; split by the same group keys as their corpus rows;
MedQuAD's answers were removed from the public set). The corpus
is mostly short prompts; the sidecar's bulk is model answers, and a screen that never saw
ordinary prose would send every answer window to the transformer.

Target ("needs the transformer"), per window: the shipped content-safety model (encoder +
head) scores the window >= ``TARGET`` (0.4) on any label. The screen imitates the full model,
not the labels: a labelled positive that the model itself scores below every threshold passes
whether the screen clears it or not, and teaching the screen to keep such rows taught it to
keep benign-looking text (measured: fewer benign windows cleared at the same flag loss).
Model: logistic regression over standardised static-embedding features (mean and max of the
window's MiniLM input word-embedding rows) plus the heads' hashed char n-grams, fixed seed.

Floor: the screen is used only by checks whose rules act on nothing below ``FLOOR`` (0.5, the
lowest threshold of ``default``'s output rules; its input rules flag ``harmful`` from 0.35, so
prompts are never screened). Fitted on the train and validation splits (the test split stays
untouched); threshold: the highest score such that at most 0.5 % of the texts the full model
scores >= ``FLOOR`` on some label would lose that label (all its windows >= ``FLOOR`` for it
cleared), per language (EN, FR), on *out-of-fold* scores (5 folds by group); the lower of the
two is shipped. ``bench/cascade.py`` measures it leave-one-source-out.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from guard.ml import ngrams
from guard.ml.encoder import default_encoder_path
from guard.ml.heads import Head
from guard.ml.manifest import ARTIFACTS_DIR, load_manifest
from guard.ml.patterns import PATTERN_SETS, match
from guard.ml.screen import Screen, pooled_static, static_embeddings
from guard.ml.windows import Window, split_windows
from training.data import (
    CS_LABELS,
    DATA_ROOT,
    PA_LABELS,
    Example,
    benign_labels,
    load_all,
    split_of,
)
from training.embed_cache import (
    SENTENCE_PACKED,
    SENTENCE_TOKENS,
    STRIDE_TOKENS,
    WINDOW_TOKENS,
    EmbeddingCache,
)

# Short, plain service questions: the kind of traffic the screen clears (measured by
# bench/cascade.py, asserted by tests/ml/test_cascade.py).
SERVICE_QUESTIONS = (
    "Is my Delta flight to Denver on time? What time is my flight supposed to board? "
    "Will my vacation days for April be approved soon? How long does a card top up stay pending? "
    "What are the current exchange rates for euros? When is the next train to Boston? "
    "Who was the winner of the first Indianapolis 500? What is the first book of Percy Jackson? "
    "When did seat belts become law in Ontario? Who is the current director of the US Mint? "
    "What time does the bank branch open on Saturday? Is it time for new tires on my car? "
    "Can you set a reminder for my dentist appointment on Tuesday? What is the weather in Lyon "
    "tomorrow? How many days of paid leave do I have left this year? When was the last time the "
    "Denver Nuggets made the playoffs?"
)

SEED = 7
TASK = "content_safety"
FLOOR = 0.5  # the screen applies where no rule acts on a score below this
TARGET = 0.4  # full-model window score that makes a window a positive for the screen
MAX_CLEARED = 0.005  # share of validation texts >= FLOOR (per language) that may lose a label
LANGS = ("en", "fr")
PROSE_CAP = 300  # answer texts per prose source
PROSE_CHARS = 1800  # about a 400-token answer: several sentence windows each
C_REG = 1.0
DENSE_SCALE = 0.1  # standardised static features, scaled down: lbfgs converges ~10x faster
OUT = ARTIFACTS_DIR / "screen.npz"


# --------------------------------------------------------------------------- benign prose
def _norm(t: str) -> str:
    return re.sub(r"\s+", " ", t).strip()


def _pick(items: list[tuple[str, str]], n: int) -> list[tuple[str, str]]:
    """Deterministic subsample (by text hash), order kept stable."""
    import hashlib

    ranked = sorted(items, key=lambda it: hashlib.sha256(it[1].encode()).hexdigest())
    return sorted(ranked[:n])


def prose_examples(root: Path | None = None) -> list[Example]:
    """Benign answer prose, each row with its question's group (so the same split)."""
    root = root or DATA_ROOT
    out: list[Example] = []
    cc: list[tuple[str, str]] = []
    seen: set[str] = set()
    with (root / "counsel-chat/data/20200325_counsel_chat.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            text = _norm(r["answerText"])[:PROSE_CHARS]
            if len(text) >= 200 and text not in seen:
                seen.add(text)
                cc.append((f"cc:{r['questionID']}", text))
    from training.wave2 import llmail, piaf_contexts

    pf = [(f"piaf:{c[:80]}", c[:PROSE_CHARS]) for c in piaf_contexts(root)]
    # Whole clean e-mails (the corpus keeps their first 500 characters): same groups and
    # splits as training.data.bipia / wave2.llmail_benign.
    mails: list[tuple[str, str, str]] = []
    base = root / "bipia/benchmark/email"
    for part in ("train", "test"):
        with (base / f"{part}.jsonl").open(encoding="utf-8") as f:
            for j, line in enumerate(f):
                split = "test" if part == "test" else ("val" if j % 6 == 0 else "train")
                mails.append((f"bipia:{part}:mail{j}", json.loads(line)["context"], split))
    ll = [(f"llm:{i}", e) for i, e in enumerate(llmail(root)) if len(e) > 500]
    for family, lang, items in (
        ("counsel-chat", "en", cc),
        ("piaf-fr", "fr", pf),
        ("llmail-inject", "en", ll),
    ):
        for group, text in _pick(items, PROSE_CAP):
            ex = Example(text, f"prose:{family}", lang, group, benign_labels(), family=family)
            ex.split = split_of(group)
            out.append(ex)
    for group, text, split in mails:
        if len(_norm(text)) > 500:
            ex = Example(
                _norm(text)[:PROSE_CHARS],
                "prose:bipia",
                "en",
                group,
                benign_labels(),
                family="bipia",
            )
            ex.split = split
            out.append(ex)
    return out


# --------------------------------------------------------------------------- window features
@dataclass
class WindowSet:
    """Window-level features of a list of examples (windows grouped by example, in order)."""

    examples: list[Example]
    windows: list[Window]
    owner: np.ndarray  # (n_windows,) example index
    static: np.ndarray  # (n_windows, 2 * dim) pooled static embeddings
    ngram: Any  # CSR (n_windows, n_features), the heads' hashing
    full: dict[str, np.ndarray]  # task -> (n_windows, n_labels) shipped heads' window scores
    labels: dict[str, tuple[str, ...]]

    def text_max(self, w: np.ndarray, fill: float = -np.inf) -> np.ndarray:
        """Per example: max over its windows of a per-window array (1-D or 2-D)."""
        shape = (len(self.examples), *w.shape[1:])
        out = np.full(shape, fill, np.float32)
        np.maximum.at(out, self.owner, w)
        return out


def _tokenizer() -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(default_encoder_path())


def window_set(examples: Sequence[Example], caches: Sequence[EmbeddingCache]) -> WindowSet:
    """Windows (run-time spec), static features, n-grams and the shipped model's scores.

    Encoder embeddings come from the training caches (keyed by text hash), one cache per
    ``examples`` source kind; nothing is re-encoded that a cache already holds.
    """
    examples = list(examples)
    spec = load_manifest(ARTIFACTS_DIR / "content_safety.yaml").window
    assert (spec.tokens, spec.stride, spec.sentence_tokens, spec.sentence_packed) == (
        WINDOW_TOKENS,
        STRIDE_TOKENS,
        SENTENCE_TOKENS,
        SENTENCE_PACKED,
    ), "the screen trains on the run-time window spec"
    texts = [e.text for e in examples]
    windows = split_windows(
        _tokenizer(), texts, WINDOW_TOKENS, STRIDE_TOKENS, SENTENCE_TOKENS, SENTENCE_PACKED
    )
    prose = [i for i, e in enumerate(examples) if e.source.startswith("prose:")]
    rest = [i for i, e in enumerate(examples) if not e.source.startswith("prose:")]
    emb_of: dict[int, np.ndarray] = {}
    for rows, cache in ((rest, caches[0]), (prose, caches[-1])):
        entries = cache.get([texts[i] for i in rows], verbose=True)
        for i, (_spans, emb) in zip(rows, entries, strict=True):
            emb_of[i] = emb.astype(np.float32)
    owner = np.array([w.text_index for w in windows])
    counts = np.bincount(owner, minlength=len(examples))
    for i, n in enumerate(counts):
        if emb_of[i].shape[0] != n:
            raise RuntimeError(f"cached windows of row {i} ({examples[i].source}) do not match")
    emb = np.concatenate([emb_of[i] for i in range(len(examples))])
    wtexts = [texts[w.text_index][w.start : w.end] for w in windows]
    full: dict[str, np.ndarray] = {}
    labels: dict[str, tuple[str, ...]] = {}
    x = None
    for task in ("content_safety", "prompt_attack"):
        m = load_manifest(ARTIFACTS_DIR / f"{task}.yaml")
        head = Head.load(m.head_path)
        vec = head.vectorizer()
        if x is None and vec is not None:
            x = ngrams.transform(vec, wtexts).tocsr()
        full[task] = np.concatenate(
            [
                head.scores(
                    emb[b : b + 4096], None, vec, x[b : b + 4096] if x is not None else None
                )
                for b in range(0, len(windows), 4096)
            ]
        )
        labels[task] = m.labels
    if x is None:
        x = ngrams.transform(ngrams.vectorizer(), wtexts).tocsr()
    table = static_embeddings(default_encoder_path())
    static = pooled_static(table, windows)
    return WindowSet(examples, windows, owner, static, x, full, labels)


# --------------------------------------------------------------------------- targets
def label_positive(ws: WindowSet) -> dict[str, np.ndarray]:
    """Per task: example rows that carry a positive label of that task."""
    return {
        "content_safety": np.array(
            [any(e.labels.get(k) == 1 for k in CS_LABELS) for e in ws.examples]
        ),
        "prompt_attack": np.array(
            [any(e.labels.get(k) == 1 for k in PA_LABELS) for e in ws.examples]
        ),
    }


def window_targets(ws: WindowSet) -> np.ndarray:
    """Per window: needs the transformer (the full model scores it >= TARGET on any label).

    The screen imitates the full model, not the labels: a labelled positive the model itself
    scores below every policy threshold is passed whether the screen clears it or not, and
    teaching the screen to keep such rows only teaches it to keep benign-looking text.
    """
    out: np.ndarray = ws.full[TASK].max(1) >= TARGET
    return out


# --------------------------------------------------------------------------- fit + threshold
def fit(ws: WindowSet, rows: Sequence[int], c_reg: float = C_REG, static: bool = True) -> Screen:
    """Logistic regression on the windows of example ``rows`` (threshold left at 0)."""
    from sklearn.linear_model import LogisticRegression

    y = window_targets(ws)
    in_rows = np.zeros(len(ws.examples), bool)
    in_rows[np.asarray(rows, dtype=np.int64)] = True
    win = np.where(in_rows[ws.owner])[0]
    mu = ws.static[win].mean(0)
    sd = ws.static[win].std(0) + 1e-6
    xs = sp.csr_matrix((ws.static[win] - mu) / sd * (DENSE_SCALE if static else 0.0))
    x = sp.hstack([xs, ws.ngram[win]]).tocsr()
    clf = LogisticRegression(
        C=c_reg, class_weight="balanced", max_iter=4000, random_state=SEED, solver="lbfgs"
    )
    clf.fit(x, y[win])
    coef = clf.coef_[0].astype(np.float64)
    d = ws.static.shape[1]
    w_static = coef[:d] * DENSE_SCALE / sd
    bias = float(clf.intercept_[0] - (w_static * mu).sum())
    table = static_embeddings(default_encoder_path())
    # The artifact stores float16 weights: score (and pick the threshold) with exactly those.
    return Screen(
        w_static.astype(np.float16).astype(np.float32),
        coef[d:].astype(np.float16).astype(np.float32),
        bias,
        0.0,
        (2, 5),
        table,
        FLOOR,
    )


def window_scores(screen: Screen, ws: WindowSet) -> np.ndarray:
    """Screen scores of every window, computed as at run time (row-wise, float32)."""
    s = (ws.static * screen.w_static.astype(np.float32)).sum(axis=1) + np.float32(screen.bias)
    if screen.w_ngram is not None:
        s = s + np.asarray(ws.ngram @ screen.w_ngram, dtype=np.float32).reshape(-1)
    return s.astype(np.float32)


def critical_scores(ws: WindowSet, scores: np.ndarray) -> np.ndarray:
    """Per text: the highest threshold at which the screen would make it lose a label it
    reaches ``FLOOR`` on (for each such label, the max screen score over the windows scoring
    >= ``FLOOR`` on it; the text's value is the min over labels). ``-inf``: nothing to lose."""
    full = ws.full[TASK]
    out = np.full(len(ws.examples), np.inf, np.float32)
    for j in range(full.shape[1]):
        keep = ws.text_max(np.where(full[:, j] >= FLOOR, scores, -np.inf))
        out = np.minimum(out, np.where(np.isfinite(keep), keep, np.inf))
    out[~np.isfinite(out)] = -np.inf
    return out


def pick_threshold(
    ws: WindowSet, scores: np.ndarray, rows: Sequence[int]
) -> tuple[float, dict[str, float]]:
    """Highest threshold that makes <= MAX_CLEARED of the texts of ``rows`` that reach
    ``FLOOR`` lose a label, per language (see :func:`critical_scores`)."""
    in_rows = np.zeros(len(ws.examples), bool)
    in_rows[np.asarray(rows, dtype=np.int64)] = True
    lang = np.array([e.lang for e in ws.examples])
    crit = critical_scores(ws, scores)
    per: dict[str, float] = {}
    for lg in LANGS:
        v = np.sort(crit[in_rows & np.isfinite(crit) & (lang == lg)])
        if len(v):
            per[lg] = float(v[int(np.floor(MAX_CLEARED * len(v)))])
    return min(per.values()), per


FOLDS = 5


def out_of_fold_scores(ws: WindowSet, rows: Sequence[int]) -> np.ndarray:
    """Screen scores of the windows of ``rows``, each from a screen fitted without its group's
    fold (``FOLDS`` folds by group hash): held-out scores for every row, so the threshold rests
    on all of them (a 0.5 % quantile of 187 French validation texts was simply their minimum)."""
    import hashlib

    fold = {
        i: int(hashlib.sha256(ws.examples[i].group.encode()).hexdigest(), 16) % FOLDS
        for i in rows
    }
    out = np.full(len(ws.windows), np.inf, np.float32)  # rows outside: never lost
    for k in range(FOLDS):
        fit_rows = [i for i in rows if fold[i] != k]
        held = np.zeros(len(ws.examples), bool)
        held[[i for i in rows if fold[i] == k]] = True
        mask = held[ws.owner]
        out[mask] = window_scores(fit(ws, fit_rows), ws)[mask]
    return out


def train(ws: WindowSet, rows: Sequence[int]) -> tuple[Screen, dict[str, float]]:
    """Screen fitted on ``rows``; threshold from their out-of-fold scores (per language)."""
    rows = [int(i) for i in rows]
    thr, per = pick_threshold(ws, out_of_fold_scores(ws, rows), rows)
    return replace(fit(ws, rows), threshold=thr), per


# --------------------------------------------------------------------------- policy effect
def policy_thresholds(
    path: Path | None = None, stage: str = "output", action: str | None = None
) -> dict[str, dict[str, float]]:
    """Per detector and label: the lowest threshold at which a rule of the policy (with this
    ``action``, or any) fires on ``stage`` (the screen runs on output checks only in
    ``default``)."""
    import yaml

    path = path or Path(__file__).resolve().parents[1] / "guard/policies/default.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, dict[str, float]] = {"content_safety": {}, "prompt_attack": {}}
    all_labels = {"content_safety": CS_LABELS, "prompt_attack": PA_LABELS}
    for rule in raw.get("rules", []):
        det = rule.get("detector")
        if det not in out or stage not in rule.get("stages", ["input", "output"]):
            continue
        if action is not None and rule.get("action") != action:
            continue
        for lab in rule.get("categories") or all_labels[det]:
            t = float((rule.get("thresholds") or {}).get(lab, rule.get("threshold", 0.5)))
            out[det][lab] = min(out[det].get(lab, 1.0), t)
    return out


def flagged(
    ws: WindowSet, sent: np.ndarray | None = None, stage: str = "output",
    action: str | None = None,
) -> np.ndarray:
    """Rows a policy rule (with this ``action``, or any) would fire on at ``stage``, from the
    heads' max over the windows ``sent`` to the encoder (None = all) max-combined with the
    patterns, as at run time."""
    thr = policy_thresholds(stage=stage, action=action)
    out = np.zeros(len(ws.examples), bool)
    for task, scores in ws.full.items():
        if not thr[task]:
            continue
        w = scores if sent is None else np.where(sent[:, None], scores, 0.0)
        text = ws.text_max(w, fill=0.0)
        labels = ws.labels[task]
        pats = PATTERN_SETS["prompt_attack" if task == "prompt_attack" else "none"]
        for i, e in enumerate(ws.examples):
            for lab, (ps, _a, _b) in match(pats, e.text).items():
                j = labels.index(lab)
                text[i, j] = max(text[i, j], ps)
        for lab, t in thr[task].items():
            out |= text[:, labels.index(lab)] >= t
    return out


# --------------------------------------------------------------------------- CLI
def load_windows(backend: str = "auto") -> WindowSet:
    """Every training row's windows, with encoder embeddings from the ``backend``'s caches
    (``onnx-int8``: the int8 weights the shipped manifests run; the screen is trained on the
    fp32 ones)."""
    examples = load_all() + prose_examples()
    caches = [EmbeddingCache(backend=backend),
              EmbeddingCache(name="minilm-screen-prose", backend=backend)]
    return window_set(examples, caches)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.time()
    ws = load_windows()
    split = np.array([e.split for e in ws.examples])
    dev_rows = [int(i) for i in np.where(split != "test")[0]]
    screen, per = train(ws, dev_rows)
    print(
        f"threshold {screen.threshold:.3f} (per group: "
        + ", ".join(f"{k} {v:.3f}" for k, v in per.items())
        + f"); {time.time() - t0:.0f}s"
    )
    cleared = window_scores(screen, ws) < screen.threshold
    full_flag, after = flagged(ws), flagged(ws, ~cleared)
    benign = ~np.array([any(v == 1 for v in e.labels.values()) for e in ws.examples])
    lang = np.array([e.lang for e in ws.examples])
    for part in ("val", "test"):
        for lg in LANGS:
            rows = (split == part) & (lang == lg)
            bw = (rows & benign)[ws.owner]
            lost = rows & full_flag & ~after
            print(
                f"{part} {lg}: benign windows cleared {cleared[bw].mean():.3f} (n={bw.sum()}), "
                f"flagged rows lost {lost.sum()}/{(rows & full_flag).sum()}"
            )
    if not args.no_save:
        screen.save(OUT)
        print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
