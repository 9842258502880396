"""``http_classifier``: a sequence classifier behind an HTTP endpoint (Prompt Guard 2, PIGuard ...).

Two APIs:

- ``tei`` (default): Hugging Face Text Embeddings Inference ``POST /predict`` with
  ``{"inputs": [...], "raw_scores": false}``; the answer is, per text, a list of
  ``{"label", "score"}``.
- ``vllm``: vLLM's ``POST /classify`` with ``{"model", "input": [...]}``; the answer is
  ``{"data": [{"index", "probs": [...]}...]}``, its ``probs`` in the order of ``label_order``.

``labels`` maps the model's labels to Guard categories (``{MALICIOUS: attack}``); labels not
listed are ignored, so a benign class never becomes a finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field, model_validator

from guard.detectors.remote.base import RemoteDetector, RemoteSettings, bearer, malformed, whole
from guard.types import Finding


class HttpClassifierSettings(RemoteSettings):
    url: str = Field(pattern=r"^https?://", description="Full URL of /predict or /classify.")
    api: Literal["tei", "vllm"] = "tei"
    model: str | None = Field(default=None, description="vLLM: the served model name.")
    labels: dict[str, str] = Field(min_length=1)
    label_order: tuple[str, ...] = Field(
        default=(), description="vLLM: the model's labels in the order of 'probs'.")

    @model_validator(mode="after")
    def _vllm_needs_order(self) -> HttpClassifierSettings:
        if self.api == "vllm" and not self.label_order:
            raise ValueError("api 'vllm' needs 'label_order' (the labels in the order of probs)")
        return self


class HttpClassifierDetector(RemoteDetector):
    name = "http_classifier"

    def __init__(self, settings: HttpClassifierSettings) -> None:
        super().__init__(settings, bearer(settings))
        self.conf = settings

    async def _fetch(self, texts: Sequence[str]) -> list[list[Finding]]:
        if self.conf.api == "tei":
            answer = await self.http.post_json(
                self.conf.url, {"inputs": list(texts), "raw_scores": False, "truncate": True})
            per_text = self._tei(answer, len(texts))
        else:
            answer = await self.http.post_json(
                self.conf.url, {"model": self.conf.model, "input": list(texts)})
            per_text = self._vllm(answer, len(texts))
        out = []
        for text, scores in zip(texts, per_text, strict=True):
            merged: dict[str, float] = {}
            for label, score in scores.items():
                category = self.conf.labels.get(label)
                if category is not None:
                    merged[category] = max(merged.get(category, 0.0), score)
            out.append([whole(self.name, c, s, text, f"classifier label for {c}")
                        for c, s in sorted(merged.items())])
        return out

    def _tei(self, answer: Any, n: int) -> list[dict[str, float]]:
        if n == 1 and isinstance(answer, list) and answer and isinstance(answer[0], dict):
            answer = [answer]  # a single input may come back unwrapped
        if not isinstance(answer, list) or len(answer) != n:
            raise malformed(self.name, "expected one list of labels per input")
        return [self._label_scores(item) for item in answer]

    def _label_scores(self, item: Any) -> dict[str, float]:
        if not isinstance(item, list):
            raise malformed(self.name, "expected a list of {label, score}")
        scores: dict[str, float] = {}
        for entry in item:
            if not (isinstance(entry, dict) and isinstance(entry.get("label"), str)
                    and isinstance(entry.get("score"), int | float)):
                raise malformed(self.name, "entry without a string label and a numeric score")
            scores[entry["label"]] = float(entry["score"])
        return scores

    def _vllm(self, answer: Any, n: int) -> list[dict[str, float]]:
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or len(data) != n:
            raise malformed(self.name, "'data' missing or of the wrong length")
        out: list[dict[str, float]] = [{} for _ in range(n)]
        for pos, item in enumerate(data):
            probs = item.get("probs") if isinstance(item, dict) else None
            index = item.get("index", pos) if isinstance(item, dict) else pos
            if (not isinstance(probs, list) or len(probs) != len(self.conf.label_order)
                    or not isinstance(index, int) or not 0 <= index < n):
                raise malformed(self.name, "'probs' missing or not matching 'label_order'")
            out[index] = {label: float(p) for label, p in zip(self.conf.label_order, probs,
                                                              strict=True)}
        return out


def build(settings: Mapping[str, Any]) -> HttpClassifierDetector:
    return HttpClassifierDetector(HttpClassifierSettings.model_validate(settings))
