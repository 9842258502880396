"""Fixtures that give a test each queryable audit sink: SQLite, JSONL and a real PostgreSQL
server (``GUARD_TEST_POSTGRES_URL``; each test gets its own schema). The PostgreSQL case is
skipped only when that variable is unset (``.ci/postgres.sh`` sets it).

A test package uses them by importing them into its ``conftest.py``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

PG_ENV = "GUARD_TEST_POSTGRES_URL"


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
