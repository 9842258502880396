"""One request must not hurt the others: normal traffic with huge and nested requests mixed in.

Starts, on 127.0.0.1, the stub OpenAI upstream (``tests/support/stub_upstream``) and
``guard serve`` in front of it (policy ``--policy``, default the shipped ``default``; audit in
a temp SQLite file). Two phases of the same normal traffic (short chat prompts at
``--concurrency``, for ``--seconds`` each):

1. baseline: normal traffic only;
2. mixed: the same, plus a few hostile requests sent at the start of the phase — ``--huge``
   prompts of ``--huge-mb`` MB of prose, one request with 10,000 messages, two with content
   parts nested 900 levels deep, and one 40,000-character prose prompt (ten pages, which
   must not be blocked by a timeout).

It reports, per phase, normal-request latency (p50/p95/max), how many normal requests were
blocked or failed, what each hostile request got (status, seconds), the guard process's peak
RSS (sampled from /proc every 100 ms) against the deployment limit (3 GiB), and whether every
request that reached the guard's routes has an audit record (matched by ``x-request-id``).
Bounded: a fixed duration and request count, everything on loopback.

    python bench/load_mixed.py                          # writes bench/RESULTS-load.md
    python bench/load_mixed.py --seconds 10 --out -     # quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _serve import free_port, pct, rss_bytes, start, stop, wait_http

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.stub_upstream import prose  # noqa: E402

LIMIT_BYTES = 3 * 1024**3  # deploy/k8s: memory limit 3Gi (2Gi before the French e5 blend)
PROMPTS = ["What is a good name for a cat?", "Summarize the plot of Hamlet in two lines.",
           "How do I boil an egg?", "Translate 'good morning' to French.",
           "Give me three tips for a job interview."]


@dataclass
class Result:
    name: str
    status: int
    seconds: float
    blocked: bool
    request_id: str
    rules: tuple[str, ...] = ()


@dataclass
class Phase:
    name: str
    normal: list[Result] = field(default_factory=list)
    hostile: list[Result] = field(default_factory=list)
    peak_rss: int = 0


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stop = threading.Event()

    def reset(self) -> None:
        self.peak = rss_bytes(self.pid)

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(0.1)


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def hostile_bodies(args: argparse.Namespace) -> list[tuple[str, bytes]]:
    huge_text = prose(int(args.huge_mb * 1024 * 1024 / 6))[: int(args.huge_mb * 1024 * 1024)]
    out = [(f"huge {args.huge_mb} MB #{i + 1}", json.dumps({
        "model": "stub-model", "messages": [{"role": "user", "content": huge_text}]}).encode())
        for i in range(args.huge)]
    out.append(("10,000 messages", json.dumps({"model": "stub-model", "messages": [
        {"role": "user", "content": f"message number {i}"} for i in range(10_000)]}).encode()))
    part = ('{"model":"stub-model","messages":[{"role":"user","content":[{"type":"text",'
            '"text":"hi","extra":' + nested(900) + "}]}]}")
    calls = ('{"model":"stub-model","messages":[{"role":"assistant","content":null,'
             '"tool_calls":[{"id":"c","type":"function","function":{"name":"f",'
             '"arguments":"{}"},"extra":' + nested(900) + '}]},{"role":"user","content":"hi"}]}')
    out += [("nested 900 (content part)", part.encode()),
            ("nested 900 (tool_calls)", calls.encode())]
    if args.prose:
        out.append(("40,000-char prose", json.dumps({"model": "stub-model", "messages": [
            {"role": "user", "content": prose(7000)[:40_000]}]}).encode()))
    return out


async def send(client: httpx.AsyncClient, url: str, name: str, body: bytes) -> Result:
    rid = f"bench-{uuid.uuid4().hex[:16]}"
    started = time.perf_counter()
    try:
        resp = await client.post(url, content=body, headers={
            "content-type": "application/json", "x-request-id": rid})
        status = resp.status_code
        blocked = status == 400 and '"content_filter"' in resp.text
        rules = tuple(resp.json()["error"].get("rule_ids") or ()) if blocked else ()
    except httpx.HTTPError:
        status, blocked, rules = 0, False, ()
    return Result(name, status, time.perf_counter() - started, blocked, rid, rules)


async def run_phase(phase: Phase, url: str, args: argparse.Namespace,
                    hostile: list[tuple[str, bytes]]) -> None:
    limits = httpx.Limits(max_connections=args.concurrency + len(hostile) + 2)
    async with httpx.AsyncClient(limits=limits, timeout=args.timeout) as client:
        deadline = time.monotonic() + args.seconds
        sent = 0

        async def worker(n: int) -> None:
            nonlocal sent
            while time.monotonic() < deadline and sent < args.max_requests:
                sent += 1
                body = json.dumps({"model": "stub-model", "messages": [
                    {"role": "user", "content": PROMPTS[(n + sent) % len(PROMPTS)]}]}).encode()
                phase.normal.append(await send(client, url, "normal", body))

        async def attack(name: str, body: bytes) -> None:
            phase.hostile.append(await send(client, url, name, body))

        await asyncio.gather(*(worker(n) for n in range(args.concurrency)),
                             *(attack(n, b) for n, b in hostile))


def audited_ids(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {json.loads(r[0]).get("request_id") for r in
                conn.execute("SELECT record FROM audit_events")}


def report(phases: list[Phase], audit: dict[str, bool], args: argparse.Namespace,
           policy: str) -> str:
    lines = [
        "# Mixed load: normal traffic with huge and nested requests",
        "",
        f"`python bench/load_mixed.py --policy {policy} --seconds {args.seconds} "
        f"--concurrency {args.concurrency} --huge {args.huge} --huge-mb {args.huge_mb}"
        f"{'' if args.prose else ' --no-prose'}` on "
        f"{platform.machine()} with {os.cpu_count()} CPUs shared with other jobs (Python "
        f"{platform.python_version()}); stub upstream and sidecar on 127.0.0.1.",
        "",
        "| phase | normal requests | p50 ms | p95 ms | max ms | blocked | failed | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for ph in phases:
        ms = [r.seconds * 1000 for r in ph.normal]
        failed = sum(1 for r in ph.normal if r.status != 200 and not r.blocked)
        lines.append(
            f"| {ph.name} | {len(ph.normal)} | {pct(ms, 50):.0f} | {pct(ms, 95):.0f} | "
            f"{max(ms, default=0):.0f} | {sum(r.blocked for r in ph.normal)} | {failed} | "
            f"{ph.peak_rss / 2**20:.0f} |")
    lines += ["", "Hostile requests (mixed phase):", "",
              "| request | status | seconds | blocked (content_filter) | audited |",
              "|---|---:|---:|---|---|"]
    for r in phases[-1].hostile:
        audited = "yes" if audit.get(r.request_id) else "no"
        lines.append(f"| {r.name} | {r.status} | {r.seconds:.2f} | "
                     f"{'yes' if r.blocked else 'no'} | {audited} |")
    reasons = Counter(rule for ph in phases for r in ph.normal for rule in r.rules)
    if reasons:
        lines += ["", "Rules behind blocked normal requests (a detector that timed out fails "
                  "closed): " + ", ".join(f"`{k}` {v}" for k, v in reasons.most_common()) + "."]
    normal = [r for ph in phases for r in ph.normal if r.status in (200, 400)]
    lines += ["", f"Audit: {sum(audit.get(r.request_id, False) for r in normal)} of "
              f"{len(normal)} answered normal requests have an audit record; peak RSS "
              f"{max(p.peak_rss for p in phases) / 2**20:.0f} MiB against the "
              f"{LIMIT_BYTES / 2**30:.0f} GiB "
              f"deployment limit."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--policy", default="default")
    parser.add_argument("--seconds", type=float, default=30.0, help="per phase")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=2000, help="normal, per phase")
    parser.add_argument("--huge", type=int, default=3)
    parser.add_argument("--huge-mb", type=float, default=3.9)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--no-prose", dest="prose", action="store_false",
                        help="leave out the 40,000-character prose request")
    parser.add_argument("--out", default=str(REPO / "bench" / "RESULTS-load.md"))
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    stub_port, guard_port = free_port(), free_port()
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "audit.db"
        try:
            procs.append(start(
                [sys.executable, "-m", "tests.support.stub_upstream", "--port", str(stub_port),
                 "--reply-words", "40"], env))
            guard = start(
                [sys.executable, "-m", "guard.cli.main", "serve", "--policy", args.policy,
                 "--upstream", f"http://127.0.0.1:{stub_port}/v1", "--port", str(guard_port),
                 "--audit-url", f"sqlite:///{db}", "--log-level", "error"], env)
            procs.append(guard)
            wait_http(f"http://127.0.0.1:{guard_port}/readyz", timeout=240, proc=guard)
            url = f"http://127.0.0.1:{guard_port}/v1/chat/completions"
            sampler = RssSampler(guard.pid)
            sampler.start()
            phases = []
            for name, hostile in (("baseline", []), ("mixed", hostile_bodies(args))):
                sampler.reset()
                phase = Phase(name)
                asyncio.run(run_phase(phase, url, args, hostile))
                phase.peak_rss = sampler.peak
                phases.append(phase)
                print(f"{name}: {len(phase.normal)} normal requests", flush=True)
            sampler.stop.set()
        finally:
            for proc in reversed(procs):
                stop(proc, timeout=60)
        ids = audited_ids(db)
        sent = [r for ph in phases for r in (*ph.normal, *ph.hostile)]
        audit = {r.request_id: r.request_id in ids for r in sent}
    text = report(phases, audit, args, args.policy)
    print(text)
    if args.out != "-":
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
