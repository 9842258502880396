"""The threat-model suite: one module per threat, each opening with the attack it stops.

Read top to bottom, ``tests/security/`` is the list of ways in that Guard closes (see
``docs/security.md`` for what it does not). Library-level tests run the shipped default
policy (``default_guard``); sidecar tests go over real loopback HTTP to a real sidecar in
front of the stub upstream; audit tests use real stores (SQLite, JSONL, PostgreSQL).
Fixtures are reused from the sidecar and audit suites.
"""

from tests.audit.conftest import light_policy  # noqa: F401  (fixtures)
from tests.sidecar.conftest import (  # noqa: F401  (fixtures)
    registry,
    sidecar_factory,
    stub,
    stub_server,
)
from tests.support.audit_stores import pg_url, store_url  # noqa: F401  (fixtures)
