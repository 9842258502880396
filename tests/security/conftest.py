"""The security suite reuses the audit suite's fixtures: real stores (SQLite, JSONL,
PostgreSQL) and the light policy."""

from tests.audit.conftest import light_policy, pg_url, store_url  # noqa: F401  (fixtures)
