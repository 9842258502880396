"""The detector registry: the only way a policy name becomes a detector.

Built-in detectors are registered explicitly below; third-party packages add theirs through
the ``guard.detectors`` entry-point group (``name = "package.module:factory"``). Duplicate
names are refused so a plugin can never silently replace a built-in.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from typing import Any

from guard.detectors.base import Detector, DetectorFactory
from guard.errors import ConfigError

ENTRY_POINT_GROUP = "guard.detectors"

# name -> "module:attribute" of the factory; imported lazily so that loading a regex-only
# policy does not pay for importing Presidio or torch.
_BUILTINS: dict[str, str] = {
    "regex": "guard.detectors.regex:build",
    "keywords": "guard.detectors.keywords:build",
    "pii": "guard.detectors.pii:build",
    "secrets": "guard.detectors.secrets:build",
    "content_safety": "guard.detectors.classifier:build_content_safety",
    "prompt_attack": "guard.detectors.classifier:build_prompt_attack",
    "invisible_text": "guard.detectors.invisible_text:build",
    "urls": "guard.detectors.urls:build",
    "language": "guard.detectors.language:build",
    "topics": "guard.detectors.topics:build",
    "llm_judge": "guard.detectors.remote.llm_judge:build",
    "openai_moderation": "guard.detectors.remote.openai_moderation:build",
    "azure_content_safety": "guard.detectors.remote.azure_content_safety:build",
    "http_classifier": "guard.detectors.remote.http_classifier:build",
}


class DuplicateDetectorError(ConfigError, ValueError):
    """A detector name is already taken."""


class DetectorRegistry:
    """Maps detector names to factories and caches built instances by (name, settings)."""

    def __init__(self) -> None:
        self._factories: dict[str, DetectorFactory | str] = {}
        self._instances: dict[tuple[str, str], Detector] = {}

    def register(self, name: str, factory: DetectorFactory | str) -> None:
        """Add a detector factory (a callable, or a lazy ``"module:attr"`` reference)."""
        if name in self._factories:
            raise DuplicateDetectorError(f"detector {name!r} is already registered")
        if not (callable(factory) or isinstance(factory, str)):
            raise TypeError(f"factory for {name!r} must be callable or 'module:attr'")
        self._factories[name] = factory

    def names(self) -> list[str]:
        return sorted(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def factory(self, name: str) -> DetectorFactory:
        ref = self._factories[name]
        if isinstance(ref, str):
            module_name, _, attr = ref.partition(":")
            loaded = getattr(importlib.import_module(module_name), attr)
            self._factories[name] = loaded
            return loaded  # type: ignore[no-any-return]
        return ref

    def build(self, name: str, settings: Mapping[str, Any] | None = None) -> Detector:
        """Build (or reuse) the detector ``name`` configured with ``settings``.

        Instances are shared between rules with identical settings, so a model that several
        rules use is loaded, and run, once.
        """
        settings = dict(settings or {})
        key = (name, json.dumps(settings, sort_keys=True, default=str))
        instance = self._instances.get(key)
        if instance is None:
            detector = self.factory(name)(settings)
            if not isinstance(detector, Detector):
                raise TypeError(f"factory for {name!r} did not return a Detector")
            instance = self._instances[key] = detector
        return instance

    def load_entry_points(self, eps: Iterable[Any] | None = None) -> None:
        """Register detectors advertised by installed packages."""
        for ep in eps if eps is not None else entry_points(group=ENTRY_POINT_GROUP):
            self.register(ep.name, ep.value)


def default_registry() -> DetectorRegistry:
    """A registry with the built-in detectors and any installed plugins."""
    registry = DetectorRegistry()
    for name, ref in _BUILTINS.items():
        registry.register(name, ref)
    registry.load_entry_points()
    return registry
