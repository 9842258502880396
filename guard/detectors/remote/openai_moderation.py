"""``openai_moderation``: any ``/v1/moderations`` endpoint (OpenAI's, or another Guard's).

One request per batch of uncached texts. The API's categories map onto Guard's (sub-categories
fold into their parent: ``hate/threatening`` -> ``hate``, by max score) and ``harmful`` is the
maximum of them all, so the same thresholds work as for ``content_safety``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from guard.detectors.remote.base import RemoteDetector, RemoteSettings, bearer, malformed, whole
from guard.types import Finding

CATEGORY_MAP = {
    "hate": "hate", "hate/threatening": "hate",
    "harassment": "harassment", "harassment/threatening": "harassment",
    "self-harm": "self-harm", "self-harm/intent": "self-harm",
    "self-harm/instructions": "self-harm",
    "sexual": "sexual", "sexual/minors": "sexual/minors",
    "violence": "violence", "violence/graphic": "violence",
    "illicit": "illicit", "illicit/violent": "illicit",
}


class OpenAIModerationSettings(RemoteSettings):
    base_url: str = Field(default="https://api.openai.com/v1", pattern=r"^https?://")
    model: str = "omni-moderation-latest"
    categories: dict[str, str] = Field(
        default_factory=dict, description="Extra or overriding API category -> Guard category.")


class OpenAIModerationDetector(RemoteDetector):
    name = "openai_moderation"

    def __init__(self, settings: OpenAIModerationSettings) -> None:
        super().__init__(settings, bearer(settings))
        self.url = settings.base_url.rstrip("/") + "/moderations"
        self.model = settings.model
        self.mapping = {**CATEGORY_MAP, **settings.categories}

    async def _fetch(self, texts: Sequence[str]) -> list[list[Finding]]:
        answer = await self.http.post_json(self.url, {"model": self.model, "input": list(texts)})
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(texts):
            raise malformed(self.name, "'results' missing or of the wrong length")
        return [self._findings(text, r) for text, r in zip(texts, results, strict=True)]

    def _findings(self, text: str, result: Any) -> list[Finding]:
        scores = result.get("category_scores") if isinstance(result, dict) else None
        if not isinstance(scores, dict):
            raise malformed(self.name, "'category_scores' missing")
        merged: dict[str, float] = {}
        for api_category, value in scores.items():
            if not isinstance(value, int | float):
                raise malformed(self.name, f"score of {api_category!r} is not a number")
            category = str(self.mapping.get(api_category, api_category))
            merged[category] = max(merged.get(category, 0.0), float(value))
        flagged = bool(result.get("flagged", False))
        merged["harmful"] = max([*merged.values(), 0.0])
        return [whole(self.name, c, s, text,
                      f"moderation score for {c}" + (" (flagged)" if flagged else ""))
                for c, s in sorted(merged.items())]


def build(settings: Mapping[str, Any]) -> OpenAIModerationDetector:
    return OpenAIModerationDetector(OpenAIModerationSettings.model_validate(settings))
