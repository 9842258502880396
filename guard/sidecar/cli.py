"""``guard serve``: run the sidecar with uvicorn.

Registered into the main ``guard`` parser by :func:`register` (the CLI core imports this
module). ``guard serve`` with no flags runs on embedded defaults: ``policies/default.yaml`` and
the built-in echo upstream, announced in the logs and in ``/readyz``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from guard.errors import GuardError


def register(subparsers: Any) -> None:
    """Add the ``serve`` command to ``subparsers`` (an argparse sub-parser action)."""
    p = subparsers.add_parser("serve", help="run the OpenAI-compatible guarding sidecar")
    p.add_argument("--config", help="sidecar config YAML (upstreams, tenants, policy routes)")
    p.add_argument("--policy", help="default policy file (default: policies/default.yaml)")
    p.add_argument("--upstream", help="put every model behind this OpenAI base URL "
                   "(key from $GUARD_UPSTREAM_API_KEY, else the client's own)")
    p.add_argument("--host", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8080)")
    p.add_argument("--audit-url", help="audit sink URL (default $GUARD_AUDIT_URL or "
                   "sqlite:///./guard-audit.db)")
    p.add_argument("--no-audit", action="store_true", help="run without an audit trail")
    p.add_argument("--log-level", default=os.environ.get("GUARD_LOG_LEVEL", "info"))
    p.add_argument("--hash-key", metavar="KEY",
                   help="print the hash of an API key for the config's tenants, then exit")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from guard.sidecar.config import hash_key, load_config

    if args.hash_key:
        print(hash_key(args.hash_key))
        return 0
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config).with_overrides(
            policy=args.policy, upstream=args.upstream, host=args.host, port=args.port,
            audit_url=args.audit_url)
        import uvicorn

        from guard.sidecar.app import create_app
        from guard.sidecar.otel import telemetry_from_env

        telemetry, shutdown_telemetry = telemetry_from_env()
        app = create_app(config, audit=not args.no_audit, telemetry=telemetry)
    except GuardError as exc:
        print(f"guard serve: {exc}", file=sys.stderr)
        return 2
    try:
        uvicorn.run(app, host=config.server.host, port=config.server.port,
                    log_level=args.log_level.lower(), access_log=False,
                    timeout_graceful_shutdown=10, server_header=False)
    finally:
        shutdown_telemetry()
    return 0
