"""The classifier detectors: ``content_safety`` and ``prompt_attack`` (one factory, two names).

``content_safety``: hate, harassment, sexual, sexual/minors, violence, self-harm, illicit
(dangerous or illicit instructions) and the overall ``harmful``. ``prompt_attack``: ``attack``
(overall), ``injection`` (direct, system-prompt extraction, and instructions hidden in
retrieved documents, tool results or system-role context: run it on those roles too) and
``jailbreak`` (role-play / persona overrides).

One Finding per label per text, carrying the calibrated score (0.5 = the label's default
threshold) and the char span of the window (or pattern match) behind it; thresholds are the
policy engine's job. Long inputs are scored by sentence-aligned windows (max over windows), so
one hostile sentence inside a long benign text is found and its span points at it.
Explanations name the source of the score, never the text. The classifier is loaded once per
process (cached by manifest) and both detectors share the encoder and its micro-batches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from guard.detectors.base import Detector, DetectorSettings
from guard.ml.classifier import TextClassifier, load_classifier
from guard.ml.service import apredict
from guard.types import Finding


class ClassifierSettings(DetectorSettings):
    """``manifest``: path to a classifier manifest (default: the embedded one).
    ``categories``: report only these labels (default: all). ``min_score``: drop findings
    below this score (default 0: report every label, the policy thresholds)."""

    manifest: str | None = None
    categories: tuple[str, ...] | None = None
    min_score: float = Field(0.0, ge=0.0, le=1.0)


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

    async def detect(self, texts: Sequence[str]) -> list[list[Finding]]:
        return await self.detect_from(texts, 0.0)

    async def detect_from(self, texts: Sequence[str], min_score: float) -> list[list[Finding]]:
        """Findings for rules that act on no score below ``min_score``: the classifier's
        cascade (a manifest's ``screen``) may then skip windows it clears."""
        if not texts:
            return []
        floor = max(min_score, self.settings.min_score)
        preds = await apredict(self.classifier, list(texts), floor)
        out: list[list[Finding]] = []
        for pred in preds:
            findings = []
            for cat in self.categories:
                score = pred.scores[cat]
                if score < self.settings.min_score:
                    continue
                start, end = pred.spans[cat]
                via = pred.via[cat]
                what = (
                    "matched a known attack pattern"
                    if via.startswith("pattern:")
                    else ("classifier score, max over token windows")
                )
                findings.append(
                    Finding(
                        detector=self.name,
                        category=cat,
                        score=score,
                        start=start,
                        end=end,
                        explanation=f"{self.name}/{cat}: {what} ({via})",
                    )
                )
            out.append(findings)
        return out


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
