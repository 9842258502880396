"""Audit trail: one tamper-evident record per guarded check, and the tools to use it.

Entry point for the core and the sidecar::

    recorder = guard.audit.open_recorder()          # $GUARD_AUDIT_URL or ./guard-audit.db
    await recorder.start()
    await recorder.record(decision, original=messages, retention="none")
    await recorder.aclose()                         # flushes; call on shutdown / SIGTERM

See ``docs/audit.md`` for the record format, the sink URLs and the ``guard audit`` commands.
"""

from __future__ import annotations

import os

from opentelemetry import _logs, metrics

from guard.audit.chain import HMAC_ENV, VerifyResult, verify
from guard.audit.event import AuditEvent, EventOptions, build_event
from guard.audit.recorder import AuditRecorder, AuditUnavailable, OnFull, RecorderStats
from guard.audit.sinks import DEFAULT_URL, URL_ENV, AuditStore, QueryFilter, open_store
from guard.audit.sinks.otel_logs import OtelLogStore
from guard.secret import Secret


def hmac_key_from_env(env: str = HMAC_ENV) -> bytes | None:
    """The HMAC key in ``$GUARD_AUDIT_HMAC_KEY`` (as UTF-8 bytes), or None when unset."""
    value = os.environ.get(env)
    return value.encode() if value else None


def open_recorder(
    url: str | None = None,
    *,
    on_full: OnFull = "block",
    queue_size: int = 10_000,
    hmac_key: bytes | None = None,
    meter_provider: metrics.MeterProvider | None = None,
    logger_provider: _logs.LoggerProvider | None = None,
    hash_user_ids: bool = True,
    block_timeout: float | None = 30.0,
    secret: Secret | None = None,
) -> AuditRecorder:
    """Build an (unstarted) :class:`AuditRecorder` for the sink named by ``url``.

    Args:
        url: sink URL; ``None`` means ``$GUARD_AUDIT_URL`` or ``sqlite:///./guard-audit.db``.
        on_full: ``block`` (fail closed, default) or ``drop`` (fail open, counted).
        queue_size: bound of the in-memory queue.
        hmac_key: signing key; ``None`` reads ``$GUARD_AUDIT_HMAC_KEY`` (unsigned if unset).
        meter_provider: injected OTel meter provider for ``guard.audit.*`` metrics.
        logger_provider: also export every record as an OTel log record through it.
        hash_user_ids: store keyed pseudonyms of user ids instead of the ids.
        block_timeout: seconds a request may wait for queue room before failing closed.
        secret: the installation secret keying user-id pseudonyms; ``None`` resolves it now
            from the environment (``$GUARD_HASH_SALT``, else the secret file, created on
            first start; see :mod:`guard.secret`), so a bad setup fails here, at start.

    Raises:
        guard.secret.SecretError: user ids are hashed and no usable secret can be had.
    """
    store = open_store(url, logger_provider=logger_provider)
    exporters: list[OtelLogStore] = []
    if logger_provider is not None and not isinstance(store, OtelLogStore):
        exporters.append(OtelLogStore("otel:", logger_provider))
    return AuditRecorder(
        store,
        on_full=on_full,
        queue_size=queue_size,
        hmac_key=hmac_key if hmac_key is not None else hmac_key_from_env(),
        block_timeout=block_timeout,
        options=EventOptions.from_secret(secret, hash_user_ids=hash_user_ids),
        exporters=exporters,
        meter_provider=meter_provider,
    )


__all__ = [
    "AuditEvent",
    "AuditRecorder",
    "AuditStore",
    "AuditUnavailable",
    "DEFAULT_URL",
    "QueryFilter",
    "RecorderStats",
    "URL_ENV",
    "VerifyResult",
    "build_event",
    "hmac_key_from_env",
    "open_recorder",
    "open_store",
    "verify",
]
