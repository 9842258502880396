"""Fixtures for the sidecar tests: a real stub upstream and real sidecar servers on 127.0.0.1.

Everything goes over loopback HTTP (the issue forbids stubbing anything but the upstream):
the ``openai`` client talks to a uvicorn-served sidecar, which talks to the stub upstream.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from guard.detectors.registry import DetectorRegistry, default_registry
from guard.sidecar.app import create_app
from guard.sidecar.config import ServerConfig, SidecarConfig, UpstreamConfig
from guard.types import Decision, Message, RequestFacts
from tests.support.stub_upstream import StubUpstream

POLICIES = Path(__file__).parent / "policies"
QUIET = ServerConfig(warm_moderation=False)  # no classifier load at startup in tests
HTTP_CLIENT_ENV = "GUARD_TEST_HTTP_CLIENT"


@dataclass
class Recorded:
    decision: Decision
    original: tuple[Message, ...]
    retention: str
    facts: RequestFacts


@dataclass
class MemoryRecorder:
    """An in-memory DecisionRecorder: the audit trail the tests assert on."""

    records: list[Recorded] = field(default_factory=list)

    async def record(self, decision: Decision, *, original: Sequence[Message], retention: Any,
                     facts: RequestFacts | None = None) -> None:
        self.records.append(Recorded(decision, tuple(original), str(retention),
                                     facts or RequestFacts()))


class ServerThread:
    """Serve an ASGI app with uvicorn in a daemon thread on a free 127.0.0.1 port."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("sidecar did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@dataclass
class Sidecar:
    url: str
    app: Any
    recorder: MemoryRecorder

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"


@pytest.fixture(scope="session")
def stub_server() -> Iterator[StubUpstream]:
    with StubUpstream() as stub:
        yield stub


@pytest.fixture
def stub(stub_server: StubUpstream) -> StubUpstream:
    stub_server.reset()
    return stub_server


@pytest.fixture(scope="session")
def registry() -> DetectorRegistry:
    """One registry per session: detector instances (and models) are shared by all apps."""
    return default_registry()


SidecarFactory = Callable[..., Sidecar]


@pytest.fixture
def sidecar_factory(stub: StubUpstream, registry: DetectorRegistry) -> Iterator[SidecarFactory]:
    servers: list[ServerThread] = []

    def make(policy: str = "strict.yaml", *, config: SidecarConfig | None = None,
             timeout_s: float = 5.0, stream_upstream: bool = True,
             **overrides: Any) -> Sidecar:
        cfg = config or SidecarConfig(
            policy=str(POLICIES / policy),
            upstreams={"stub": UpstreamConfig(base_url=stub.base_url, timeout_s=timeout_s,
                                              connect_timeout_s=2.0,
                                              stream_upstream=stream_upstream)},
        )
        # The moderation classifier loads lazily in these tests (its warmup costs CPU and
        # holds shutdown while it runs); test_moderations_openai_shape loads it on demand.
        overrides.setdefault("warm_moderation", False)
        # tests/sidecar/test_httpx_client.py runs tests again over httpx's own transport.
        if HTTP_CLIENT_ENV in os.environ:
            overrides.setdefault("http_client", os.environ[HTTP_CLIENT_ENV])
        cfg = cfg.model_copy(update={"server": cfg.server.model_copy(update=overrides)})
        recorder = MemoryRecorder()
        app = create_app(cfg, recorder=recorder, registry=registry)
        server = ServerThread(app).start()
        servers.append(server)
        return Sidecar(server.url, app, recorder)

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def sidecar(sidecar_factory: SidecarFactory) -> Sidecar:
    return sidecar_factory()
