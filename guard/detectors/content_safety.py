"""``content_safety`` detector: multi-label harmful-content scores.

Categories: hate, harassment, sexual, sexual/minors, violence, self-harm, illicit (dangerous
or illicit instructions) and the overall ``harmful``. One finding per category per text with
its calibrated score (0.5 = default threshold); policies set per-category thresholds.
Runs the embedded offline classifier unless ``manifest`` points elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.detectors.base import Detector
from guard.ml.detector import ClassifierDetector, ClassifierSettings

NAME = "content_safety"


class Settings(ClassifierSettings):
    """See :class:`guard.ml.detector.ClassifierSettings`."""


def build(settings: Mapping[str, Any]) -> Detector:
    return ClassifierDetector(NAME, NAME, Settings.model_validate(dict(settings)))
