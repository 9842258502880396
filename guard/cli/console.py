"""``guard console``: serve the compliance console on its own (no sidecar needed).

``guard console --audit-url URL --config guard.yaml`` reads the ``console:`` section of the
sidecar config (users, admin keys, replay directory) and serves ``/console`` on 127.0.0.1.
``guard console --hash-password`` prints a password hash for that section.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from guard.errors import GuardError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("console", help="serve the compliance console (review decisions)")
    p.add_argument("--audit-url", help="audit log URL (default $GUARD_AUDIT_URL or "
                   "sqlite:///./guard-audit.db)")
    p.add_argument("--config", help="config YAML with a 'console:' section (users, admin keys)")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8081, help="port (default 8081)")
    p.add_argument("--log-level", default="info")
    p.add_argument("--hash-password", action="store_true",
                   help="read a password (prompt, or stdin when piped), print its hash, exit")
    p.set_defaults(func=cmd_console)


def cmd_console(args: argparse.Namespace) -> int:
    from guard.console.auth import hash_password

    if args.hash_password:
        password = (sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty()
                    else getpass.getpass("password: "))
        if len(password) < 8:
            print("guard console: a password needs at least 8 characters", file=sys.stderr)
            return 2
        print(hash_password(password))
        return 0
    try:
        from guard.sidecar.config import load_config

        config = load_config(args.config)
        if config.console is None:
            print("guard console: the config has no 'console:' section with users or admin "
                  "keys (see docs/console.md)", file=sys.stderr)
            return 2
        audit_url = args.audit_url or config.audit_url
        from guard.audit.sinks import open_store, resolve_url

        store = open_store(resolve_url(audit_url))
        path = getattr(store, "path", None)
        if path is not None and not path.exists():
            print(f"guard console: no audit log at {path}", file=sys.stderr)
            return 2
        from guard.console.server import create_standalone_app

        app = create_standalone_app(config.console, audit_url=audit_url)
    except GuardError as exc:
        print(f"guard console: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    print(f"guard console: http://{args.host}:{args.port}/console/", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level.lower(),
                access_log=False, server_header=False)
    return 0
