"""Every policy under guard/policies/examples/ loads; those that ship cases pass them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from guard import Guard
from guard.policy.compiled import load_policy
from guard.policy_cases import _run_case, load_cases

EXAMPLES = Path(__file__).resolve().parents[2] / "guard" / "policies" / "examples"
POLICIES = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".cases.yaml"))
_guards: dict[Path, Guard] = {}


@pytest.fixture(scope="module", autouse=True)
def _close() -> Iterator[None]:
    yield
    for guard in _guards.values():
        guard.close()


@pytest.fixture(autouse=True)
def _api_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GUARD_JUDGE_API_KEY", "OPENAI_API_KEY", "AZURE_CONTENT_SAFETY_KEY",
                 "PROMPT_GUARD_API_KEY"):
        monkeypatch.setenv(name, "test-key")


@pytest.mark.parametrize("policy", POLICIES, ids=[p.stem for p in POLICIES])
def test_example_policy_loads(policy: Path) -> None:
    assert load_policy(policy).rules


def _cases() -> list[object]:
    out = []
    for cases_file in sorted(EXAMPLES.glob("*.cases.yaml")):
        policy = cases_file.with_name(cases_file.name.replace(".cases.yaml", ".yaml"))
        for case in load_cases(cases_file).cases:
            out.append(pytest.param(policy, case, id=f"{policy.stem}::{case.id}"))
    return out


@pytest.mark.parametrize(("policy", "case"), _cases())
def test_example_policy_case(policy: Path, case: object) -> None:
    guard = _guards.get(policy) or _guards.setdefault(policy, Guard.from_file(policy))
    result = _run_case(guard, case)
    assert result.ok, result.message
