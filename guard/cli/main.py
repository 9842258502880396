"""``guard`` command line: check text, validate/test/explain policies, and the plugged-in
``serve`` and ``audit`` command groups.

Exit codes are a contract for scripts: 0 allowed (or flagged/rewritten), 3 blocked,
2 usage or policy error, 1 anything else that failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from guard.errors import GuardError, PolicyError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BLOCKED = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guard", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_check(sub)
    _add_policy(sub)
    for module in ("guard.sidecar.cli", "guard.audit.cli"):
        _register_plugin(module, sub)
    return parser


def _register_plugin(module: str, sub: Any) -> None:
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module.startswith(exc.name):
            raise  # a real missing dependency inside the plugin, not an absent plugin
        return
    mod.register(sub)


def _add_check(sub: Any) -> None:
    p = sub.add_parser("check", help="check a text (or JSONL of requests) against a policy")
    p.add_argument("--policy", required=True, help="policy YAML file")
    p.add_argument("--stage", choices=["input", "output"], default="input")
    p.add_argument("--tenant")
    p.add_argument("--model")
    p.add_argument("--route")
    p.add_argument("--user")
    p.add_argument("--jsonl", action="store_true",
                   help="read one JSON object per line on stdin ({text|messages, tenant, model, "
                        "route, user, stage}); write one decision per line")
    p.add_argument("--pretty", action="store_true", help="indent the JSON output")
    p.add_argument("text", nargs="?", default="-", help="text to check, or - for stdin")
    p.set_defaults(func=cmd_check)


def _add_policy(sub: Any) -> None:
    p = sub.add_parser("policy", help="validate, test and explain policies")
    psub = p.add_subparsers(dest="policy_command", required=True, metavar="SUBCOMMAND")
    v = psub.add_parser("validate", help="load a policy and report the first error")
    v.add_argument("policy", nargs="+")
    v.set_defaults(func=cmd_policy_validate)
    t = psub.add_parser("test", help="run a policy's test cases (<policy>.cases.yaml)")
    t.add_argument("policy", nargs="+")
    t.add_argument("--cases", help="cases file (default: beside the policy)")
    t.set_defaults(func=cmd_policy_test)
    e = psub.add_parser("explain", help="list the rules that apply to a tenant/model/route")
    e.add_argument("policy")
    e.add_argument("--tenant")
    e.add_argument("--model")
    e.add_argument("--route")
    e.set_defaults(func=cmd_policy_explain)


def _dump(data: Any, pretty: bool = False) -> None:
    print(json.dumps(data, indent=2 if pretty else None, ensure_ascii=False))


def cmd_check(args: argparse.Namespace) -> int:
    from guard.guard import Guard
    from guard.types import CheckContext

    guard = Guard.from_file(args.policy)
    try:
        if args.jsonl:
            return _check_jsonl(guard, args)
        text = sys.stdin.read() if args.text == "-" else args.text
        if args.text == "-" and text.endswith("\n"):
            text = text[:-1]
        context = CheckContext(tenant=args.tenant, model=args.model, route=args.route,
                               user=args.user)
        decision = guard.check(text, stage=args.stage, context=context)
        _dump(decision.to_dict(), args.pretty)
        return EXIT_BLOCKED if decision.blocked else EXIT_OK
    finally:
        guard.close()


def _check_jsonl(guard: Any, args: argparse.Namespace) -> int:
    from guard.types import CheckContext

    blocked = False
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            payload = item.get("messages", item.get("text"))
            if payload is None or not isinstance(item, dict):
                raise ValueError("needs 'text' or 'messages'")
        except (ValueError, AttributeError) as exc:
            print(f"guard: stdin line {n}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        context = CheckContext(**{k: item.get(k, getattr(args, k)) for k in
                                  ("tenant", "model", "route", "user")})
        decision = guard.check(payload, stage=item.get("stage", args.stage), context=context)
        blocked |= decision.blocked
        out = decision.to_dict()
        if "id" in item:
            out["request_id"] = item["id"]
        _dump(out)
        sys.stdout.flush()
    return EXIT_BLOCKED if blocked else EXIT_OK


def cmd_policy_validate(args: argparse.Namespace) -> int:
    from guard.policy.compiled import load_policy

    for path in args.policy:
        policy = load_policy(path)
        print(f"{path}: ok ({policy.name} v{policy.version}, hash {policy.hash}, "
              f"{len(policy.rules)} rules)")
    return EXIT_OK


def cmd_policy_test(args: argparse.Namespace) -> int:
    from guard.policy.cases import run_cases

    failed = 0
    for path in args.policy:
        results = run_cases(path, cases_path=args.cases)
        for r in results:
            status = "PASS" if r.ok else "FAIL"
            print(f"{status} {path} :: {r.case_id}" + ("" if r.ok else f"\n    {r.message}"))
        failed += sum(not r.ok for r in results)
        total = len(results)
        print(f"{total - sum(not r.ok for r in results)} passed, "
              f"{sum(not r.ok for r in results)} failed")
    return EXIT_OK if failed == 0 else EXIT_FAILED


def cmd_policy_explain(args: argparse.Namespace) -> int:
    from guard.policy.compiled import load_policy
    from guard.types import CheckContext, Stage

    policy = load_policy(args.policy)
    context = CheckContext(tenant=args.tenant, model=args.model, route=args.route)
    out: dict[str, Any] = {"policy": policy.ref.to_dict(), "context": {
        "tenant": args.tenant, "model": args.model, "route": args.route}}
    for stage in Stage:
        out[str(stage)] = [
            {"id": r.id, "detector": r.spec.detector, "action": str(r.spec.action),
             "mode": str(r.spec.mode), "threshold": r.spec.threshold,
             "categories": list(r.spec.categories), "roles": list(r.roles(stage)),
             "on_error": r.spec.on_error}
            for r in policy.rules_for(stage, context)
        ]
    _dump(out, pretty=True)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PolicyError as exc:
        print(f"guard: policy error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GuardError as exc:
        print(f"guard: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
