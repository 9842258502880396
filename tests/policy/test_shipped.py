"""Shipped policies live in the package and resolve by name, from any working directory.

``guard check --policy default`` run outside the repository: tests/cli/test_cli.py (the README
example).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guard.policy.compiled import load_policy
from guard.policy.shipped import resolve_policy, shipped_names, shipped_path


def test_shipped_names_exclude_case_files() -> None:
    assert shipped_names() == ["default", "fr", "strict"]


@pytest.mark.parametrize("name", ["strict", "strict.yaml"])
def test_a_bare_name_resolves_inside_the_package(name: str) -> None:
    path = shipped_path(name)
    assert path is not None and path.is_file() and path.parent.name == "policies"
    assert path.parent.parent.name == "guard"


def test_an_existing_path_wins_and_unknown_names_stay_paths(tmp_path: Path) -> None:
    own = tmp_path / "strict"
    own.write_text("x")
    assert resolve_policy(own) == own
    assert resolve_policy("nope") == Path("nope")
    assert shipped_path("../strict") is None


def test_load_policy_by_name_follows_extends_inside_the_package() -> None:
    policy = load_policy("strict")
    assert policy.name == "strict" and policy.path == shipped_path("strict")
