"""Fixtures for the console tests: a real audit log written by the real core, a console
config with two users, and the console served by uvicorn on 127.0.0.1 (real HTTP)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import uvicorn

from tests.console.console_helpers import Served, free_port, populate, write_policy

PG_ENV = "GUARD_TEST_POSTGRES_URL"


@pytest.fixture
def pg_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} not set (run .ci/postgres.sh)")
    import psycopg

    schema = f"guard_console_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "jsonl", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/audit.db"
    if request.param == "jsonl":
        return f"jsonl://{tmp_path}/audit-jsonl"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def serve() -> Iterator[Callable[[Any, str], Served]]:
    """Run an ASGI app with uvicorn on 127.0.0.1 in a thread; stopped after the test."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def _serve(app: Any, url: str, prefix: str = "/console") -> Served:
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "console server did not start"
            time.sleep(0.02)
        servers.append((server, thread))
        return Served(f"http://127.0.0.1:{port}{prefix}", url, app)

    yield _serve
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def populated(tmp_path: Path) -> Callable[[str], Path]:
    def _fill(url: str, rounds: int = 3) -> Path:
        policy = write_policy(tmp_path / "policy.yaml")
        asyncio.run(populate(url, policy, rounds))
        return policy

    return _fill
