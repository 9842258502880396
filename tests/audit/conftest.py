"""Fixtures for the audit and telemetry tests.

``store_url`` is the heart of the suite: every test that takes it runs against SQLite, JSONL
and a real PostgreSQL server (fixtures shared with the console tests, from
``tests/support/audit_stores.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.audit_log import write_light_policy
from tests.support.audit_stores import pg_url, store_url  # noqa: F401  (fixtures)


@pytest.fixture
def light_policy(tmp_path: Path) -> Callable[..., Path]:
    """Write the light (regex + secrets only) policy with a few knobs; returns its path."""

    def _write(
        *, version: int = 1, retention: str = "full", secrets_action: str = "block",
        injection_mode: str = "shadow", name: str | None = None,
    ) -> Path:
        return write_light_policy(
            tmp_path / (name or f"light-v{version}.yaml"), version=version, retention=retention,
            secrets_action=secrets_action, injection_mode=injection_mode)

    return _write


@pytest.fixture(params=["sqlite", "jsonl"])
def file_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The sinks whose files a tamper test can edit directly."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/audit.db"
    return f"jsonl://{tmp_path}/audit-jsonl?max_bytes=4000"
