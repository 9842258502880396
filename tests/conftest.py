"""Shared fixtures: policy-file factories and one session-wide Guard with the default policy.

Presidio and spaCy take seconds to load, so the default-policy Guard is built once per test
session; tests that need special policies write them with ``write_policy``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
# The per-installation secret (guard.secret) of the test run: never the developer's own.
os.environ.setdefault("GUARD_STATE_DIR", tempfile.mkdtemp(prefix="guard-test-state-"))

REPO = Path(__file__).resolve().parent.parent
POLICIES = REPO / "guard" / "policies"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def write_policy(tmp_path: Path) -> Callable[..., Path]:
    """Write a policy YAML text to a temp file and return its path."""

    def _write(text: str, name: str = "policy.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def default_guard() -> Iterator[object]:
    from guard import Guard

    guard = Guard.from_file(POLICIES / "default.yaml")
    yield guard
    guard.close()
