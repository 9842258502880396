"""The one glob matcher behind rule scopes and the sidecar's policy/upstream routing."""

from __future__ import annotations

import pytest

from guard.policy.scope import matches
from guard.sidecar.config import PolicyRoute, SidecarConfig


@pytest.mark.parametrize(("patterns", "value", "expected"), [
    ((), None, True),              # no patterns: everything, even a missing value
    (None, "x", True),
    (("gpt-4o*",), "gpt-4o-mini", True),
    (("gpt-4o*",), "GPT-4o", False),  # case-sensitive
    ("team-?", "team-a", True),
    ("team-?", "team-ab", False),
    (("a", "b*"), "bz", True),
    (("*",), None, False),         # a pattern needs a value
])
def test_matches(patterns: object, value: str | None, expected: bool) -> None:
    assert matches(patterns, value) is expected  # type: ignore[arg-type]


def test_policy_files_are_chosen_with_the_same_globs() -> None:
    config = SidecarConfig(policy="default.yaml", routes=[PolicyRoute.model_validate(
        {"match": {"model": "gpt-4o*", "tenant": "team-*"}, "policy": "strict.yaml"})])
    assert config.policy_for(tenant="team-a", model="gpt-4o-mini", route="/r") == "strict.yaml"
    assert config.policy_for(tenant="other", model="gpt-4o-mini", route="/r") == "default.yaml"
    assert config.policy_for(tenant=None, model="gpt-4o", route="/r") == "default.yaml"
