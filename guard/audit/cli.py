"""``guard audit``: query, export, verify, replay and report on the audit log.

Every subcommand takes ``--audit-url`` (default ``$GUARD_AUDIT_URL``, then
``sqlite:///./guard-audit.db``). Exit codes: 0 ok, 1 verification failed (or the store could
not be read), 2 usage error (bad arguments, unknown URL, log not found).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from guard.audit import export as exporter
from guard.audit import query as q
from guard.audit.chain import HMAC_ENV
from guard.audit.sinks import AuditStore, AuditUrlError, open_store, resolve_url
from guard.audit.sinks.base import QueryFilter, redact_url

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or a log that does not exist: exit 2."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``audit`` command group to the ``guard`` CLI."""
    audit = subparsers.add_parser("audit", help="query, export, verify, replay, report")
    audit.add_argument("--audit-url", default=None, help="audit log URL (see docs/audit.md)")
    sub = audit.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--audit-url", default=argparse.SUPPRESS,
                        help="audit log URL (default $GUARD_AUDIT_URL or ./guard-audit.db)")
    filters = _filter_parser()

    p = sub.add_parser("query", parents=[common, filters], help="list matching records")
    p.add_argument("--format", choices=["table", "jsonl"], default="table")
    p.set_defaults(func=_wrap(cmd_query))

    p = sub.add_parser("export", parents=[common, filters], help="export as csv/jsonl/parquet")
    p.add_argument("--format", choices=["csv", "jsonl", "parquet"], required=True)
    p.add_argument("--out", help="output file (default stdout; required for parquet)")
    p.set_defaults(func=_wrap(cmd_export))

    p = sub.add_parser("verify", parents=[common], help="check the hash chain (exit 1 if bad)")
    p.add_argument("--hmac-key-env", default=HMAC_ENV,
                   help=f"env var holding the HMAC key (default {HMAC_ENV})")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_wrap(cmd_verify))

    p = sub.add_parser("replay", parents=[common, filters],
                       help="re-run stored inputs through another policy, print the diff")
    p.add_argument("--policy", required=True, help="the policy YAML to replay against")
    p.add_argument("--format", choices=["text", "jsonl"], default="text")
    p.set_defaults(func=_wrap(cmd_replay))

    p = sub.add_parser("report", parents=[common, filters], help="self-contained HTML report")
    p.add_argument("--out", required=True, help="HTML file to write")
    p.add_argument("--title", default="Guard audit report")
    p.set_defaults(func=_wrap(cmd_report), since="7d")


def _filter_parser() -> argparse.ArgumentParser:
    f = argparse.ArgumentParser(add_help=False)
    f.add_argument("--since", help="start: ISO-8601 or a duration back from now (7d, 24h)")
    f.add_argument("--until", help="end (exclusive): ISO-8601 or a duration")
    f.add_argument("--tenant")
    f.add_argument("--model")
    f.add_argument("--action", choices=["allow", "flag", "rewrite", "block"])
    f.add_argument("--stage", choices=["input", "output"])
    f.add_argument("--rule", help="a rule id that fired (enforced or shadow)")
    f.add_argument("--policy-name")
    f.add_argument("--policy-version", type=int)
    f.add_argument("--limit", type=int)
    return f


def _wrap(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (UsageError, AuditUrlError, ValueError) as exc:
            print(f"guard audit: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except BrokenPipeError:
            return EXIT_OK
        except Exception as exc:  # database down, unreadable file: report, don't trace
            print(f"guard audit: {type(exc).__name__}: {redact_url(str(exc))}", file=sys.stderr)
            return EXIT_FAILED

    return run


def _store(args: argparse.Namespace) -> AuditStore:
    url = resolve_url(getattr(args, "audit_url", None))
    store = open_store(url)
    path = getattr(store, "path", None) or getattr(store, "dir", None)
    if isinstance(path, Path) and not path.exists():
        raise UsageError(f"no audit log at {path} (audit URL {redact_url(url)!r})")
    if not store.queryable:
        raise UsageError(
            f"{redact_url(url)!r} is write-only (OTel logs); query the collector's backend")
    return store


def _filter(args: argparse.Namespace) -> QueryFilter:
    now = datetime.now(UTC)
    return QueryFilter(
        since=q.parse_time(args.since, now=now) if args.since else None,
        until=q.parse_time(args.until, now=now) if args.until else None,
        tenant=args.tenant, model=args.model, action=args.action, stage=args.stage,
        rule=args.rule, policy_name=args.policy_name, policy_version=args.policy_version,
        limit=args.limit,
    )


def cmd_query(args: argparse.Namespace) -> int:
    with _store(args) as store:
        records = store.query(_filter(args))
        if args.format == "jsonl":
            q.write_jsonl(records, sys.stdout)
        else:
            q.write_table(records, sys.stdout)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    if args.format == "parquet" and not args.out:
        raise UsageError("--format parquet needs --out FILE")
    with _store(args) as store:
        records = store.query(_filter(args))
        if args.format == "parquet":
            n = exporter.write_parquet(records, args.out)
        elif args.out:
            with open(args.out, "w", encoding="utf-8", newline="") as fh:
                n = _write_text(args.format, records, fh)
        else:
            n = _write_text(args.format, records, sys.stdout)
    if args.out:
        print(f"exported {n} record(s) to {args.out}", file=sys.stderr)
    return EXIT_OK


def _write_text(fmt: str, records: Any, out: Any) -> int:
    return exporter.write_csv(records, out) if fmt == "csv" else q.write_jsonl(records, out)


def cmd_verify(args: argparse.Namespace) -> int:
    import os

    raw_key = os.environ.get(args.hmac_key_env)
    key = raw_key.encode() if raw_key else None
    with _store(args) as store:
        result = store.verify_chain(key)
    if args.json:
        print(json.dumps({
            "ok": result.ok, "records": result.count, "last_seq": result.last_seq,
            "problem": result.problem, "bad_seq": result.bad_seq,
            "bad_location": result.bad_location, "hmac_checked": result.hmac_checked,
            "signed": result.signed, "elapsed_s": round(result.elapsed_s, 3),
            "notes": result.notes,
        }))
    elif result.ok:
        hmac_note = "HMAC checked" if result.hmac_checked else "no HMAC key"
        print(f"OK: {result.count} records, chain intact (seq 1..{result.last_seq}), "
              f"{hmac_note}, {result.elapsed_s:.2f}s")
    else:
        print(f"FAIL: {result.problem}")
        print(f"  first bad record: seq {result.bad_seq} at {result.bad_location}; "
              f"{result.count} record(s) before it verified")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_FAILED


def cmd_replay(args: argparse.Namespace) -> int:
    from guard.audit.replay import replay
    from guard.guard import Guard

    guard = Guard.from_file(args.policy)
    try:
        with _store(args) as store:
            result = _run_async(lambda: replay(store.query(_filter(args)), guard))
    finally:
        guard.close()
    if args.format == "jsonl":
        for change in result.changes:
            print(json.dumps(change.to_dict()))
    else:
        for change in result.changes:
            print(change.describe())
    print(result.summary(), file=sys.stderr if args.format == "jsonl" else sys.stdout)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from guard.audit.report import aggregate, render

    flt = _filter(args)
    since = flt.since or datetime.fromtimestamp(0, UTC)
    until = flt.until or datetime.now(UTC)
    with _store(args) as store:
        data = aggregate(store.query(flt), since, until)
    Path(args.out).write_text(render(data, title=args.title), encoding="utf-8")
    print(f"wrote {args.out}: {data.total} record(s)", file=sys.stderr)
    return EXIT_OK


def _run_async(factory: Callable[[], Any]) -> Any:
    """``asyncio.run`` that also works when called from inside a running loop (tests,
    notebooks): then the coroutine runs on a fresh loop in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()
