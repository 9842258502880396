"""The threat-model suite: one module per threat, each opening with the attack it stops.

Read top to bottom, ``tests/security/`` is the list of ways in that Guard closes (see
``docs/security.md`` for what it does not). Library-level tests run the shipped default
policy (``default_guard``); sidecar tests go over real loopback HTTP to a real sidecar in
front of the stub upstream (fixtures from ``tests/sidecar/conftest.py``).
"""

from __future__ import annotations

from tests.sidecar.conftest import (  # noqa: F401  (fixtures re-exported for this suite)
    registry,
    sidecar_factory,
    stub,
    stub_server,
)
