"""The classifier detectors: ``content_safety`` and ``prompt_attack`` (one factory, two names).

``content_safety``: hate, harassment, sexual, sexual/minors, violence, self-harm, illicit
(dangerous or illicit instructions) and the overall ``harmful``. ``prompt_attack``: ``attack``
(overall), ``injection`` (direct, system-prompt extraction, and instructions hidden in
retrieved documents, tool results or system-role context: run it on those roles too) and
``jailbreak`` (role-play / persona overrides).

One Finding per label per text, carrying the calibrated score (0.5 = the label's default
threshold) and the char span of the window (or pattern match) behind it; thresholds are the
policy engine's job. Long inputs are scored by sentence-aligned windows (max over windows), so
one hostile sentence inside a long benign text is found and its span points at it; with
``window_count_correction`` (the manifest's by default: ``content_safety`` 0.5, ``prompt_attack``
0) that max is lowered for the number of windows it ran over, so a long ordinary text is not
blocked for one stray window (guard/ml/aggregate.py).
A manifest may name a second classifier to **blend** in for texts in some languages (the
default ``content_safety``: the multilingual ``e5`` variant for French, whose English
encoder reads French poorly): both score the text, each with its own correction, and the two
scores are mixed in logit space (``blend_weight``: the manifest's by default, 0 = off;
``GUARD_ML_BLEND=off`` ignores the manifests' blends).
A window holding several short sentences dilutes a hostile one among them (mean pooling): with
``sentence_rescore_from``, a best window scoring at least that much on a reported label is also
scored one sentence at a time and the higher score kept (``bench/dilution.py`` measures what
it catches and what it costs). Explanations name the source of the score, never the text. The
classifier is loaded once per process (cached by manifest) and both detectors share the encoder
and its micro-batches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from guard.detectors.base import Detector, DetectorSettings
from guard.detectors.langid import identify
from guard.detectors.lookalikes import reword_lookalikes
from guard.detectors.refusals import blank_refusals
from guard.ml.aggregate import blended, long_text_score
from guard.ml.classifier import Prediction, TextClassifier, load_classifier
from guard.ml.service import apredict
from guard.ml.switches import switched_on
from guard.ml.windows import sentence_spans
from guard.types import Finding


class ClassifierSettings(DetectorSettings):
    """``manifest``: path to a classifier manifest (default: the embedded one).
    ``categories``: report only these labels (default: all). ``min_score``: drop findings
    below this score (default 0: report every label, the policy thresholds).
    ``sentence_rescore_from``: rescore the sentences of a best window scoring at least this
    (default: off; 0: every best window of several sentences; see the module docstring).
    ``window_count_correction``: lower a long text's max over N windows by this times ln N in
    logit space, its runner-up window by half that (default: the manifest's; 0: the plain
    max; guard/ml/aggregate.py). ``blend_weight``: the blended classifier's share for texts
    in the manifest's ``blend`` languages (default: the manifest's; 0: off).
    ``skip_refusals``: blank a completion's refusal sentences before scoring
    (``guard/detectors/refusals.py``; completions only: at the input stage the rule runs
    the detector built without it, ``policy.compiled.OUTPUT_ONLY_SETTINGS``).
    ``reword_lookalikes``: reword everyday phrases that borrow a violent word ("bath bomb",
    "bombe à eau") before a ``content_safety`` classifier reads them
    (``guard/detectors/lookalikes.py``; default on; other tasks read the text as sent)."""

    manifest: str | None = None
    categories: tuple[str, ...] | None = None
    min_score: float = Field(0.0, ge=0.0, le=1.0)
    sentence_rescore_from: float | None = Field(None, ge=0.0, le=1.0)
    window_count_correction: float | None = Field(None, ge=0.0, le=2.0)
    blend_weight: float | None = Field(None, ge=0.0, le=1.0)
    skip_refusals: bool = False
    reword_lookalikes: bool = True


LANGUAGE_SAMPLE_CHARS = 1000
"""A text's language is read from its first characters (bounded cost on long texts)."""
BLEND_SWITCH = "GUARD_ML_BLEND"


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit, in any script."""
    return any(ch.isalnum() for ch in text)


def blend_enabled() -> bool:
    """False when ``GUARD_ML_BLEND`` is ``off`` (or ``0``/``false``/``no``): the manifests'
    blends are not loaded (a deployment without French traffic saves e5's ~0.8 GB and its
    start-up); a rule's explicit ``blend_weight`` still applies."""
    return switched_on(BLEND_SWITCH)


@dataclass(slots=True)
class _Best:
    """One label's score for one text and where it came from."""

    score: float
    start: int
    end: int
    via: str

    @property
    def what(self) -> str:
        if self.via.startswith("pattern:"):
            return "matched a known attack pattern"
        if self.via == "model:sentence":
            return "classifier score of one sentence"
        if self.via == "model:blend":
            return "two classifiers' scores blended, max over token windows"
        return "classifier score, max over token windows"


class ClassifierDetector:
    def __init__(self, name: str, task: str, settings: ClassifierSettings) -> None:
        self.name = name
        self.settings = settings
        self.classifier: TextClassifier = load_classifier(settings.manifest, task=task)
        labels = self.classifier.labels
        if settings.categories is not None:
            unknown = set(settings.categories) - set(labels)
            if unknown:
                raise ValueError(f"{name}: unknown categories {sorted(unknown)}; known: {labels}")
            labels = tuple(c for c in labels if c in settings.categories)
        self.categories: tuple[str, ...] = labels
        self.rewords = settings.reword_lookalikes and task == "content_safety"
        beta = settings.window_count_correction
        self.window_count_correction: float = (
            self.classifier.manifest.window_count_correction if beta is None else beta)
        spec = self.classifier.manifest.blend
        weight = spec.weight if spec is not None and blend_enabled() else 0.0
        if settings.blend_weight is not None:
            weight = settings.blend_weight
        self.blend_weight: float = weight if spec is not None else 0.0
        self.blend_languages: frozenset[str] = frozenset(spec.languages if spec else ())
        self.partner: TextClassifier | None = None
        self.partner_correction = 0.0
        if self.blend_weight > 0.0:
            self.partner = load_classifier(self.classifier.manifest.blend_manifest, task=task)
            if self.partner.manifest.task != self.classifier.manifest.task:
                raise ValueError(f"{name}: blended classifier is for another task "
                                 f"({self.partner.manifest.task})")
            missing = set(self.categories) - set(self.partner.labels)
            if missing:
                raise ValueError(f"{name}: blended classifier lacks labels {sorted(missing)}")
            self.partner_correction = self.partner.manifest.window_count_correction

    async def detect(self, texts: Sequence[str]) -> list[list[Finding]]:
        return await self.detect_from(texts, 0.0)

    async def detect_from(self, texts: Sequence[str], min_score: float) -> list[list[Finding]]:
        """Findings for rules that act on no score below ``min_score``: the classifier's
        cascade (a manifest's ``screen``) may then skip windows it clears.

        A text without a letter or a digit ("", "?", "...", "👍") has nothing for the model to
        read and gets no finding: the MiniLM head gave every such text `hate` 0.68-0.80 (the
        tokenizer reads any emoji as one unknown piece, so "❤️" scored as "🐒"), which flagged
        emoji replies, empty tool-call completions and a lone "?" as hate."""
        out: list[list[Finding]] = [[] for _ in texts]
        readable = [i for i, text in enumerate(texts) if has_words(text)]
        if readable:
            found = await self._detect_readable([texts[i] for i in readable], min_score)
            for i, findings in zip(readable, found, strict=True):
                out[i] = findings
        return out

    async def _detect_readable(self, texts: Sequence[str],
                               min_score: float) -> list[list[Finding]]:
        if self.settings.skip_refusals:
            texts = [blank_refusals(t) for t in texts]
        if self.rewords:
            texts = [reword_lookalikes(t) for t in texts]
        floor = max(min_score, self.settings.min_score)
        preds = await apredict(self.classifier, list(texts), floor)
        best = [self._best(pred) for pred in preds]
        if self.settings.sentence_rescore_from is not None:
            await self._rescore_sentences(texts, best, floor, self.settings.sentence_rescore_from)
        for pred, by_label in zip(preds, best, strict=True):
            for cat, b in by_label.items():
                if b.via.startswith("model"):
                    b.score = long_text_score(b.score, pred.runner_up.get(cat, 0.0),
                                              pred.windows, self.window_count_correction)
        if self.partner is not None:
            await self._blend(texts, best, floor)
        return [
            [
                Finding(detector=self.name, category=cat, score=b.score, start=b.start,
                        end=b.end, explanation=f"{self.name}/{cat}: {b.what} ({b.via})")
                for cat, b in by_label.items()
                if b.score >= self.settings.min_score
            ]
            for by_label in best
        ]

    def _blended_texts(self, texts: Sequence[str]) -> list[int]:
        return [i for i, text in enumerate(texts)
                if identify(text[:LANGUAGE_SAMPLE_CHARS]).code in self.blend_languages]

    async def _blend(self, texts: Sequence[str], best: list[dict[str, _Best]],
                     floor: float) -> None:
        """Mix the partner's corrected scores into the model scores of texts in the blend's
        languages; the span is the one of the model that scored higher."""
        assert self.partner is not None
        chosen = self._blended_texts(texts)
        if not chosen:
            return
        preds = await apredict(self.partner, [texts[i] for i in chosen], floor)
        for i, pred in zip(chosen, preds, strict=True):
            for cat, b in best[i].items():
                if not b.via.startswith("model"):
                    continue  # a precise pattern's score stands
                other = pred.corrected(cat, self.partner_correction)
                if other > b.score:
                    b.start, b.end = pred.spans[cat]
                b.score = blended(b.score, other, self.blend_weight)
                b.via = "model:blend"

    def _best(self, pred: Prediction) -> dict[str, _Best]:
        return {cat: _Best(pred.scores[cat], *pred.spans[cat], pred.via[cat])
                for cat in self.categories}

    async def _rescore_sentences(self, texts: Sequence[str], best: list[dict[str, _Best]],
                                 floor: float, rescore_from: float) -> None:
        """Score alone each sentence of every best window (of several sentences) that reached
        ``rescore_from`` on some label; keep a sentence's score where it is higher."""
        owners: list[tuple[int, int]] = []  # (text index, sentence start)
        pieces: list[str] = []
        for i, by_label in enumerate(best):
            spans = {(b.start, b.end) for b in by_label.values()
                     if b.via == "model" and b.score >= rescore_from}
            seen: set[tuple[int, int]] = set()
            for start, end in sorted(spans):
                sentences = sentence_spans(texts[i], start, end)
                if len(sentences) < 2:
                    continue
                for a, b in sentences:
                    if (a, b) not in seen:
                        seen.add((a, b))
                        owners.append((i, a))
                        pieces.append(texts[i][a:b])
        if not pieces:
            return
        for (i, offset), pred in zip(owners, await apredict(self.classifier, pieces, floor),
                                     strict=True):
            for cat, current in best[i].items():
                score = pred.scores[cat]
                if score > current.score and pred.via[cat] == "model":
                    a, b = pred.spans[cat]
                    best[i][cat] = _Best(score, offset + a, offset + b, "model:sentence")


TASKS = ("content_safety", "prompt_attack")


def build(name: str, settings: Mapping[str, Any]) -> Detector:
    """The classifier detector registered as ``name`` (one of :data:`TASKS`)."""
    if name not in TASKS:
        raise ValueError(f"unknown classifier task {name!r}; known: {TASKS}")
    return ClassifierDetector(name, name, ClassifierSettings.model_validate(dict(settings)))


def build_content_safety(settings: Mapping[str, Any]) -> Detector:
    return build("content_safety", settings)


def build_prompt_attack(settings: Mapping[str, Any]) -> Detector:
    return build("prompt_attack", settings)
