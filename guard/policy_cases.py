"""Policy test cases: ``input -> expected action and findings``, shipped beside each policy.

It sits above the orchestrator (it runs a :class:`~guard.guard.Guard`), so ``guard.policy``
never imports it. ``guard/policies/strict.yaml`` is tested by ``strict.cases.yaml``; ``guard
policy test`` and pytest both run them, so a policy edit that changes behaviour fails CI the
way a code change would (the ``opa test`` idea, for guardrails).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from guard.errors import PolicyError
from guard.guard import Guard
from guard.policy.shipped import resolve_policy
from guard.types import Action, CheckContext, Decision, Stage


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expectation(_Strict):
    action: Action | None = Field(
        default=None, description="The decision's action; omitted: any action, for a case "
        "about which rules fire (a score near an unrelated threshold need not pin it).")
    shadow_action: Action | None = None
    rules: tuple[str, ...] = Field(default=(), description="Rules that must fire.")
    not_rules: tuple[str, ...] = Field(default=(), description="Rules that must not fire.")
    categories: tuple[str, ...] = Field(default=(), description="Categories that must be found.")
    output: str | None = Field(default=None, description="Exact rewritten text (last message).")
    output_contains: tuple[str, ...] = ()
    output_excludes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _asserts_something(self) -> Expectation:
        if self.action is None and not (self.rules or self.not_rules):
            raise ValueError("give 'action', or the rules that must or must not fire")
        return self


class Case(_Strict):
    id: str
    stage: Literal["input", "output"] = "input"
    text: str | None = None
    messages: list[dict[str, Any]] | None = None
    context: dict[str, str] = Field(default_factory=dict)
    expect: Expectation

    @model_validator(mode="after")
    def _one_payload(self) -> Case:
        if (self.text is None) == (self.messages is None):
            raise ValueError("give exactly one of 'text' or 'messages'")
        return self


class CaseFile(_Strict):
    policy: str | None = Field(default=None, description="Policy path, relative to this file.")
    cases: tuple[Case, ...] = Field(min_length=1)


@dataclass(frozen=True)
class CaseResult:
    case_id: str
    ok: bool
    message: str = ""


def cases_path_for(policy_path: str | Path) -> Path:
    path = Path(policy_path)
    return path.with_name(path.stem + ".cases.yaml")


def load_cases(path: str | Path) -> CaseFile:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return CaseFile.model_validate(data)
    except OSError as exc:
        raise PolicyError(f"cannot read cases: {exc.strerror}", file=str(path)) from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise PolicyError(f"invalid cases file: {exc}", file=str(path)) from exc


def check_expectation(decision: Decision, expect: Expectation) -> list[str]:
    """Every way ``decision`` differs from ``expect`` (empty when it matches)."""
    problems = []
    if expect.action is not None and decision.action is not expect.action:
        problems.append(f"action {decision.action} != expected {expect.action}")
    if expect.shadow_action is not None and decision.shadow_action is not expect.shadow_action:
        problems.append(f"shadow_action {decision.shadow_action} != {expect.shadow_action}")
    fired = {r.rule_id for r in decision.rules if r.fired}
    missing = [r for r in expect.rules if r not in fired]
    if missing:
        problems.append(f"rules did not fire: {missing} (fired: {sorted(fired)})")
    unexpected = [r for r in expect.not_rules if r in fired]
    if unexpected:
        problems.append(f"rules fired but should not: {unexpected}")
    found = {f.category for f in decision.findings}
    absent = [c for c in expect.categories if c not in found]
    if absent:
        problems.append(f"categories not found: {absent} (found: {sorted(found)})")
    text = decision.output_text or ""
    if expect.output is not None and text != expect.output:
        problems.append(f"output {text!r} != expected {expect.output!r}")
    problems += [f"output lacks {s!r}" for s in expect.output_contains if s not in text]
    problems += [f"output still contains {s!r}" for s in expect.output_excludes if s in text]
    return problems


def run_cases(policy_path: str | Path, *, cases_path: str | Path | None = None,
              guard: Guard | None = None) -> list[CaseResult]:
    """Run every case of a policy (a file or a shipped name); ``guard`` may be passed to reuse
    loaded models."""
    policy_path = resolve_policy(policy_path)
    cases = load_cases(cases_path or cases_path_for(policy_path))
    owned = guard is None
    guard = guard or Guard.from_file(policy_path)
    try:
        return [_run_case(guard, case) for case in cases.cases]
    finally:
        if owned:
            guard.close()


def _run_case(guard: Guard, case: Case) -> CaseResult:
    payload: str | list[Mapping[str, Any]] = case.text if case.text is not None \
        else list(case.messages or [])
    decision = guard.check(payload, stage=Stage(case.stage), context=CheckContext(**case.context))
    problems = check_expectation(decision, case.expect)
    return CaseResult(case.id, not problems, "; ".join(problems))
