"""``prompt_attack`` detector: jailbreak and prompt-injection scores.

Categories: ``attack`` (overall), ``injection`` (direct "ignore previous instructions",
system-prompt extraction, and indirect instructions hidden in retrieved documents or tool
results: run it on ``tool`` messages too) and ``jailbreak`` (role-play / persona overrides).
Long inputs are scored by sliding windows (max over windows), so an attack after a long benign
preamble is still found and its span points at the window or pattern match.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.detectors.base import Detector
from guard.ml.detector import ClassifierDetector, ClassifierSettings

NAME = "prompt_attack"


class Settings(ClassifierSettings):
    """See :class:`guard.ml.detector.ClassifierSettings`."""


def build(settings: Mapping[str, Any]) -> Detector:
    return ClassifierDetector(NAME, NAME, Settings.model_validate(dict(settings)))
