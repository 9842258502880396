"""Fixtures for the audit and telemetry tests.

``store_url`` is the heart of the suite: every test that takes it runs against SQLite, JSONL
and a real PostgreSQL server (``GUARD_TEST_POSTGRES_URL``; each test gets its own schema).
The PostgreSQL case is skipped only when that variable is unset (``.ci/postgres.sh`` sets it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

PG_ENV = "GUARD_TEST_POSTGRES_URL"

LIGHT_POLICY = """\
name: light
version: {version}
settings:
  retention: {retention}
rules:
  - id: secrets.block
    stages: [input, output]
    detector: secrets
    threshold: 0.6
    action: {secrets_action}
  - id: injection.block
    stages: [input]
    detector: regex
    settings:
      patterns:
        - category: injection
          pattern: 'ignore (all )?previous instructions'
    action: block
    mode: {injection_mode}
  - id: email.flag
    stages: [input, output]
    detector: regex
    settings:
      max_match_chars: 64
      patterns:
        - category: email
          pattern: '[a-z0-9.]+@[a-z0-9.]+\\.[a-z]+'
    action: flag
    mode: shadow
"""


@pytest.fixture
def light_policy(tmp_path: Path) -> Callable[..., Path]:
    """Write the light (regex + secrets only) policy with a few knobs; returns its path."""

    def _write(
        *, version: int = 1, retention: str = "full", secrets_action: str = "block",
        injection_mode: str = "shadow", name: str | None = None,
    ) -> Path:
        path = tmp_path / (name or f"light-v{version}.yaml")
        path.write_text(LIGHT_POLICY.format(
            version=version, retention=retention, secrets_action=secrets_action,
            injection_mode=injection_mode))
        return path

    return _write


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema on the real test PostgreSQL server, as a URL; dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} not set (run .ci/postgres.sh)")
    import psycopg

    schema = f"guard_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield _pg_schema_url(base, schema)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "jsonl", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same tests against each queryable sink."""
    kind = request.param
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/audit.db"
    if kind == "jsonl":
        return f"jsonl://{tmp_path}/audit-jsonl"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["sqlite", "jsonl"])
def file_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The sinks whose files a tamper test can edit directly."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/audit.db"
    return f"jsonl://{tmp_path}/audit-jsonl?max_bytes=4000"
