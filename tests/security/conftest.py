"""The security suite reuses the audit suite's real stores (SQLite, JSONL, PostgreSQL)."""

from tests.audit.conftest import pg_url, store_url  # noqa: F401  (fixtures)
