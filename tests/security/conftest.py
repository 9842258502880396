"""Fixtures for the threat-model tests: the sidecar tests' real stub upstream and real
sidecar servers on 127.0.0.1 (re-exported, not redefined)."""

from tests.sidecar.conftest import (  # noqa: F401
    registry,
    sidecar_factory,
    stub,
    stub_server,
)
