"""Audit sinks, chosen by one URL (``GUARD_AUDIT_URL`` / ``--audit-url``).

=============================================  =============================================
``sqlite:///./guard-audit.db`` (default)       SQLite file, WAL, queryable
``sqlite:////abs/path/audit.db``               absolute path
``jsonl:///var/log/guard?max_bytes=10000000``  rotated JSONL files in a directory
``postgresql://user:pw@host/db``               shared log for several replicas
``otel:``                                      OpenTelemetry log records only (not queryable)
=============================================  =============================================
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs

from opentelemetry import _logs

from guard.audit.sinks.base import AuditStore, QueryFilter, redact_url

DEFAULT_URL = "sqlite:///./guard-audit.db"
URL_ENV = "GUARD_AUDIT_URL"


class AuditUrlError(ValueError):
    """The audit URL names an unknown scheme or is malformed."""


def resolve_url(url: str | None) -> str:
    """``url``, else ``$GUARD_AUDIT_URL``, else the SQLite default."""
    return url or os.environ.get(URL_ENV) or DEFAULT_URL


def open_store(
    url: str | None = None, *, logger_provider: _logs.LoggerProvider | None = None
) -> AuditStore:
    """Build (but do not open) the store for ``url``."""
    url = resolve_url(url)
    shown = redact_url(url)
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme == "sqlite":
        from guard.audit.sinks.sqlite import SqliteStore

        path = rest.removeprefix("//").removeprefix("/")
        if not path:
            raise AuditUrlError(f"{url!r}: expected sqlite:///relative.db or sqlite:////abs.db")
        return SqliteStore(url, path)
    if scheme == "jsonl":
        from guard.audit.sinks.jsonl import DEFAULT_MAX_BYTES, JsonlStore

        path, _, query = rest.removeprefix("//").partition("?")
        if not path:
            raise AuditUrlError(f"{url!r}: expected jsonl:///abs/dir or jsonl://./rel/dir")
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        try:
            max_bytes = int(params.get("max_bytes", DEFAULT_MAX_BYTES))
        except ValueError as exc:
            raise AuditUrlError(f"{url!r}: max_bytes must be an integer") from exc
        fsync = params.get("fsync", "0").lower() in ("1", "true", "yes")
        return JsonlStore(url, path, max_bytes=max_bytes, fsync=fsync)
    if scheme in ("postgresql", "postgres"):
        from guard.audit.sinks.postgres import PostgresStore

        return PostgresStore(url)
    if scheme == "otel":
        from guard.audit.sinks.otel_logs import OtelLogStore

        return OtelLogStore(url, logger_provider)
    raise AuditUrlError(
        f"unknown audit URL scheme {scheme!r} in {shown!r}; expected sqlite, jsonl, postgresql "
        "or otel"
    )


__all__ = ["DEFAULT_URL", "URL_ENV", "AuditStore", "AuditUrlError", "QueryFilter", "open_store",
           "resolve_url"]
