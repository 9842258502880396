"""``azure_content_safety``: Azure AI Content Safety ``text:analyze`` and Prompt Shields.

``text:analyze`` returns a severity per category (0, 2, 4, 6 with the default four levels);
Guard's score is severity / 6, so a threshold of 0.3 means "low or worse". With
``shield_prompt: true`` each text is also sent to ``text:shieldPrompt`` (as the user prompt,
or as a document with ``shield_as: document`` for tool results), and an attack detected is
category ``attack`` with score 1. ``harmful`` is the maximum of the content categories.
Texts over the API's 10,000-character limit are split and the worst part counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from guard.detectors.remote.base import RemoteDetector, RemoteSettings, malformed, whole
from guard.types import Finding

CATEGORY_MAP = {"Hate": "hate", "SelfHarm": "self-harm", "Sexual": "sexual",
                "Violence": "violence"}
MAX_CHARS = 10_000


class AzureContentSafetySettings(RemoteSettings):
    endpoint: str = Field(pattern=r"^https?://")
    api_version: str = "2024-09-01"
    shield_prompt: bool = False
    shield_as: Literal["user_prompt", "document"] = "user_prompt"
    categories: tuple[Literal["Hate", "SelfHarm", "Sexual", "Violence"], ...] = (
        "Hate", "SelfHarm", "Sexual", "Violence")


class AzureContentSafetyDetector(RemoteDetector):
    name = "azure_content_safety"

    def __init__(self, settings: AzureContentSafetySettings) -> None:
        key = settings.api_key()
        super().__init__(settings, {"Ocp-Apim-Subscription-Key": key} if key else {})
        base = settings.endpoint.rstrip("/") + "/contentsafety/text:"
        self.analyze_url = f"{base}analyze?api-version={settings.api_version}"
        self.shield_url = f"{base}shieldPrompt?api-version={settings.api_version}"
        self.conf = settings

    async def _fetch_one(self, text: str) -> list[Finding]:
        parts = [text[i:i + MAX_CHARS] for i in range(0, len(text), MAX_CHARS)] or [""]
        worst: dict[str, float] = {}
        for part in parts:
            answer = await self.http.post_json(self.analyze_url, {
                "text": part, "categories": list(self.conf.categories),
                "outputType": "FourSeverityLevels"})
            for category, score in self._severities(answer).items():
                worst[category] = max(worst.get(category, 0.0), score)
        worst["harmful"] = max([*worst.values(), 0.0])
        findings = [whole(self.name, c, s, text, f"Azure severity for {c}")
                    for c, s in sorted(worst.items())]
        if self.conf.shield_prompt:
            attacked = False
            for part in parts:
                attacked = attacked or await self._shield(part)
            findings.append(whole(self.name, "attack", 1.0 if attacked else 0.0, text,
                                  "Prompt Shields: attack detected" if attacked
                                  else "Prompt Shields: no attack"))
        return findings

    def _severities(self, answer: Any) -> dict[str, float]:
        items = answer.get("categoriesAnalysis") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise malformed(self.name, "'categoriesAnalysis' missing")
        out: dict[str, float] = {}
        for item in items:
            if not (isinstance(item, dict) and isinstance(item.get("severity"), int)
                    and item.get("category") in CATEGORY_MAP):
                raise malformed(self.name, "category entry without a known name and severity")
            out[CATEGORY_MAP[item["category"]]] = min(1.0, item["severity"] / 6)
        return out

    async def _shield(self, text: str) -> bool:
        body: dict[str, Any] = ({"userPrompt": text, "documents": []}
                                if self.conf.shield_as == "user_prompt"
                                else {"userPrompt": "", "documents": [text]})
        answer = await self.http.post_json(self.shield_url, body)
        if not isinstance(answer, dict):
            raise malformed(self.name, "Prompt Shields answer is not an object")
        analyses = [answer.get("userPromptAnalysis")] if self.conf.shield_as == "user_prompt" \
            else answer.get("documentsAnalysis")
        if not isinstance(analyses, list) or not analyses:
            raise malformed(self.name, "Prompt Shields analysis missing")
        flags = [a.get("attackDetected") if isinstance(a, dict) else None for a in analyses]
        if not all(isinstance(f, bool) for f in flags):
            raise malformed(self.name, "'attackDetected' missing")
        return any(flags)


def build(settings: Mapping[str, Any]) -> AzureContentSafetyDetector:
    return AzureContentSafetyDetector(AzureContentSafetySettings.model_validate(settings))
