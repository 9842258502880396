"""Shipped policies live in the package and resolve by name, from any working directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from guard.policy.compiled import load_policy
from guard.policy.shipped import resolve_policy, shipped_names, shipped_path

REPO = Path(__file__).resolve().parents[2]


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


def test_guard_check_resolves_a_shipped_name_outside_the_repo(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "guard.cli.main", "check", "--policy", "default", "--stage",
         "input", "-"], input="mail me at jane@example.com", cwd=tmp_path, text=True,
        capture_output=True, timeout=300, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin"})
    assert proc.returncode == 0, proc.stderr
    assert '"action": "rewrite"' in proc.stdout and "jane@example.com" not in proc.stdout
