"""Every shipped policy's own test cases (guard/policies/<name>.cases.yaml) run under pytest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from guard import Guard
from guard.policy_cases import _run_case, load_cases

POLICIES = Path(__file__).resolve().parents[1] / "guard" / "policies"
SHIPPED_CASES = sorted(POLICIES.glob("*.cases.yaml"))
# Example policies whose cases are tested too (the opt-in e5 classifiers).
CASE_FILES = [*SHIPPED_CASES, POLICIES / "examples" / "e5.cases.yaml"]


def test_every_policy_ships_cases() -> None:
    policies = {p.name.removesuffix(".yaml") for p in POLICIES.glob("*.yaml")
                if not p.name.endswith(".cases.yaml")}
    with_cases = {p.name.removesuffix(".cases.yaml") for p in SHIPPED_CASES}
    assert policies == with_cases


_guards: dict[str, Guard] = {}


@pytest.fixture(scope="module", autouse=True)
def _close_guards() -> Iterator[None]:
    yield
    for g in _guards.values():
        g.close()


def _params() -> list[object]:
    out = []
    for cases_file in CASE_FILES:
        policy = cases_file.with_name(cases_file.name.replace(".cases.yaml", ".yaml"))
        for case in load_cases(cases_file).cases:
            out.append(pytest.param(policy, case, id=f"{policy.stem}::{case.id}"))
    return out


@pytest.mark.parametrize(("policy", "case"), _params())
def test_policy_case(policy: Path, case: object) -> None:
    guard = _guards.get(str(policy)) or _guards.setdefault(str(policy), Guard.from_file(policy))
    result = _run_case(guard, case)
    assert result.ok, result.message
