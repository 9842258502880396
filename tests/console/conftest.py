"""Fixtures for the console tests: a real audit log written by the real core (in each sink:
``store_url``, shared with the audit tests), a console config with two users, and the console
served by uvicorn on 127.0.0.1 (real HTTP)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.console.console_helpers import Served, populate, write_policy
from tests.support.audit_stores import pg_url, store_url  # noqa: F401  (fixtures)
from tests.support.net import free_port


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
