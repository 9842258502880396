"""A loaded policy: validated spec plus built detectors, ready to evaluate.

Building every rule's detector at load time is deliberate: a bad detector setting, an
unknown detector or a missing word list is a load error with file and line, not a runtime
surprise on the first request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from guard.detectors.base import Detector
from guard.detectors.definitions import spares_definition
from guard.detectors.registry import DetectorRegistry, default_registry
from guard.detectors.support import spares
from guard.errors import PolicyError, UnknownDetectorError
from guard.policy.loader import SourceMap, content_hash, error_from_validation, load_spec
from guard.policy.schema import PolicySettings, PolicySpec, RuleSpec
from guard.policy.scope import matches
from guard.policy.shipped import resolve_policy
from guard.types import CheckContext, Finding, PolicyRef, Stage

DEFAULT_ROLES: dict[Stage, tuple[str, ...]] = {
    Stage.INPUT: ("user", "tool", "function"),
    Stage.OUTPUT: ("assistant",),
}


OUTPUT_ONLY_SETTINGS = frozenset({"skip_refusals"})
"""Detector settings that apply to completions only. A rule that also checks prompts runs, at
the input stage, the detector built without them: the registry's instance for its other
settings, shared with the rules that have those (one job, one cached verdict per text)."""


@dataclass(frozen=True)
class Rule:
    spec: RuleSpec
    detector: Detector
    input_detector: Detector | None = None
    """The detector at the input stage when it differs (:data:`OUTPUT_ONLY_SETTINGS`)."""

    def detector_at(self, stage: Stage) -> Detector:
        if stage is Stage.INPUT and self.input_detector is not None:
            return self.input_detector
        return self.detector

    @property
    def id(self) -> str:
        return self.spec.id

    def roles(self, stage: Stage) -> tuple[str, ...]:
        return self.spec.scope.roles or DEFAULT_ROLES[stage]

    def applies(self, stage: Stage, context: CheckContext) -> bool:
        spec = self.spec
        if not spec.enabled or stage not in spec.stages:
            return False
        scope = spec.scope
        return (
            matches(scope.tenants, context.tenant)
            and matches(scope.models, context.model)
            and matches(scope.routes, context.route)
        )

    def threshold_for(self, category: str) -> float | None:
        """The score a finding of ``category`` must reach, or None if the rule ignores it."""
        spec = self.spec
        if spec.categories and category not in spec.categories:
            return None
        return spec.thresholds.get(category, spec.threshold)

    def acts_on(self, finding: Finding, text: str) -> bool:
        """Whether the rule counts ``finding`` on ``text`` at all: a rule that spares support
        requests or definition questions leaves out the model's scores of one
        (``spare_support_requests``, ``spare_definition_questions``)."""
        spec = self.spec
        return not ((spec.spare_support_requests and spares(finding, text))
                    or (spec.spare_definition_questions and spares_definition(finding, text)))

    def lowest_threshold(self) -> float:
        """The lowest score this rule acts on, whatever the category."""
        spec = self.spec
        if spec.categories:
            return min(spec.thresholds.get(c, spec.threshold) for c in spec.categories)
        return min((spec.threshold, *spec.thresholds.values()))


@dataclass(frozen=True)
class Policy:
    spec: PolicySpec
    hash: str
    rules: tuple[Rule, ...]
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def version(self) -> int:
        return self.spec.version

    @property
    def settings(self) -> PolicySettings:
        return self.spec.settings

    @property
    def ref(self) -> PolicyRef:
        return PolicyRef(self.spec.name, self.spec.version, self.hash)

    def rules_for(self, stage: Stage | str, context: CheckContext | None = None) -> list[Rule]:
        stage = Stage(stage)
        context = context or CheckContext()
        return [r for r in self.rules if r.applies(stage, context)]

    def has_rules(self, stage: Stage | str, context: CheckContext | None = None) -> bool:
        return bool(self.rules_for(stage, context))

    def detectors(self) -> list[Detector]:
        unique: dict[int, Detector] = {}
        for rule in self.rules:
            for detector in (rule.detector, rule.input_detector):
                if detector is not None:
                    unique.setdefault(id(detector), detector)
        return list(unique.values())


def _resolve_files(settings: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """Word-list paths in detector settings are relative to the policy file."""
    files = settings.get("files")
    if isinstance(files, list):
        settings = {**settings, "files": [str((base_dir / str(f)).resolve()) for f in files]}
    return settings


def _check_span_bound(spec: RuleSpec, detector: Detector, source: SourceMap, i: int) -> None:
    """An output rule must have a bounded longest match: the stream window is sized by it."""
    if Stage.OUTPUT not in spec.stages or not hasattr(detector, "max_match_chars"):
        return
    if detector.max_match_chars is None:
        file, line = source.locate(("rules", i, "settings"))
        raise PolicyError(
            "a pattern of this output rule can match text of unbounded length (+, *, {n,}); "
            "declare settings.max_match_chars so the stream hold-back covers every match",
            file=file, line=line, field=f"rules.{i}.settings.max_match_chars")


def _input_detector(spec: RuleSpec, registry: DetectorRegistry,
                    base_dir: Path) -> Detector | None:
    """The detector ``spec`` runs on prompts, when output-only settings make it differ."""
    if Stage.INPUT not in spec.stages or not OUTPUT_ONLY_SETTINGS & set(spec.settings):
        return None
    plain = {k: v for k, v in spec.settings.items() if k not in OUTPUT_ONLY_SETTINGS}
    return registry.build(spec.detector, _resolve_files(plain, base_dir))


def output_span_chars(policy: Policy) -> int:
    """Longest span any output rule of ``policy`` can match (0 without pattern rules)."""
    return max((int(getattr(r.detector, "max_match_chars", 0) or 0)
                for r in policy.rules if r.spec.enabled and Stage.OUTPUT in r.spec.stages),
               default=0)


def compile_policy(spec: PolicySpec, source: SourceMap, *, registry: DetectorRegistry,
                   path: Path | None = None) -> Policy:
    base_dir = path.parent if path is not None else Path.cwd()
    rules = []
    for i, rule_spec in enumerate(spec.rules):
        if rule_spec.detector not in registry:
            file, line = source.locate(("rules", i, "detector"))
            raise UnknownDetectorError(
                f"unknown detector {rule_spec.detector!r}; known: {', '.join(registry.names())}",
                file=file, line=line, field=f"rules.{i}.detector")
        try:
            detector = registry.build(rule_spec.detector,
                                      _resolve_files(rule_spec.settings, base_dir))
        except ValidationError as exc:
            raise error_from_validation(exc, source, ("rules", i, "settings")) from None
        _check_span_bound(rule_spec, detector, source, i)
        rules.append(Rule(rule_spec, detector, _input_detector(rule_spec, registry, base_dir)))
    return Policy(spec=spec, hash=content_hash(spec), rules=tuple(rules), path=path)


def load_policy(path: str | Path, *, registry: DetectorRegistry | None = None) -> Policy:
    """Load, validate and compile a policy file, or a shipped policy by name (``default``).

    Raises PolicyError with file, line and field.
    """
    path = resolve_policy(path)
    spec, source = load_spec(path)
    try:
        return compile_policy(spec, source, registry=registry or default_registry(), path=path)
    except PolicyError:
        raise
    except (ValueError, OSError, ImportError) as exc:
        raise PolicyError(f"cannot build detectors: {exc}", file=str(path)) from exc
