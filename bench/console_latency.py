"""Compliance console: list and filter latency on a million-record audit log.

Fills a SQLite file and a PostgreSQL schema with N synthetic decisions (default 1,000,000;
30 days, 20 tenants, 6 models, 10 rules, 3 policy versions, ~80% allow) written through the
real sink append path (so they form a real hash chain), plus 1,000 reviews, then times the
console's decision-list page over real HTTP (uvicorn on 127.0.0.1, a logged-in session,
server-side rendering included) for each filter: page 1 and random deep pages of that filter's
result (keyset cursor ``before=<seq>`` drawn between the oldest and newest match). Prints
p50 / p95 / max per query and writes a JSON file.

    nice -n 10 python bench/console_latency.py --records 1000000 \\
        --sqlite /tmp/console-bench.db --pg-url "$GUARD_TEST_POSTGRES_URL" \\
        --out bench/results/console_latency.json

Re-runs reuse a log that already holds N records (generation takes minutes; timing seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import uvicorn
from _serve import free_port

from guard.audit.event import AuditEvent, RuleRecord
from guard.audit.review import build_review_event
from guard.audit.sinks import open_store
from guard.audit.sinks.base import AuditStore
from guard.console.auth import hash_password
from guard.console.config import ConsoleConfig, ConsoleUser
from guard.console.server import create_standalone_app

RULES = [f"rule{i}.{'block' if i < 3 else 'flag'}" for i in range(10)]
TENANTS = [f"tenant-{i:02d}" for i in range(20)]
MODELS = ["gpt-4o", "gpt-4o-mini", "llama-3-70b", "mistral-large", "claude-3", "qwen-2"]
PASSWORD = "bench-password-1"


def _event(rng: random.Random, ts: datetime) -> AuditEvent:
    roll = rng.random()
    action = ("allow" if roll < 0.8 else "flag" if roll < 0.9 else
              "block" if roll < 0.98 else "rewrite")
    fired = [] if action == "allow" else [rng.choice(RULES[:3] if action == "block"
                                                     else RULES[3:])]
    shadow = ["rule9.flag"] if rng.random() < 0.05 else []
    rules = tuple(RuleRecord(id=r, action="block" if r < "rule3" else "flag",
                             mode="shadow" if r == "rule9.flag" else "enforce",
                             fired=r in fired or r in shadow, max_score=0.9 if r in fired else 0.1)
                  for r in RULES[:4] + RULES[-1:])
    return AuditEvent(
        decision_id=f"{rng.getrandbits(128):032x}", ts=ts, tenant=rng.choice(TENANTS),
        model=rng.choice(MODELS), route="/v1/chat/completions", stage=rng.choice(
            ("input", "input", "output")), action=action, policy_name="default",
        policy_version=rng.choice((1, 2, 3)), policy_hash="f" * 16, rules=rules,
        rule_ids=tuple(fired), shadow_rule_ids=tuple(shadow),
        latency_ms={"regex": round(rng.random(), 3), "total": round(rng.random() * 5, 3)})


def fill(store: AuditStore, n: int, reviews: int, seed: int = 7) -> float:
    """Append ``n`` decisions (and ``reviews`` reviews of flagged ones); returns seconds."""
    rng = random.Random(seed)
    started = time.perf_counter()
    t0 = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(days=30) / n
    batch: list[AuditEvent] = []
    flagged: list[dict[str, Any]] = []
    for i in range(n):
        event = _event(rng, t0 + step * i)
        batch.append(event)
        if event.action == "flag" and len(flagged) < reviews and rng.random() < 0.05:
            flagged.append(event.model_dump(mode="json") | {"seq": 0})
        if len(batch) == 5000:
            _append(store, batch)
            batch = []
            if (i + 1) % 100_000 == 0:
                print(f"  {i + 1} records, {time.perf_counter() - started:.0f}s", flush=True)
    if batch:
        _append(store, batch)
    verdicts = ("confirmed", "false_positive", "escalated")
    _append(store, [build_review_event(d, verdict=verdicts[i % 3], comment="bench",
                                       reviewer="bench", role="reviewer")
                    for i, d in enumerate(flagged)])
    return time.perf_counter() - started


def _append(store: AuditStore, batch: list[AuditEvent]) -> None:
    """Append one batch, surviving a dropped connection (a shared test server may be
    restarted): the batch is in when the head moved by its size, else it is sent again."""
    head = _count(store)
    for attempt in range(30):
        try:
            store.append(batch, None)
            return
        except Exception as exc:
            print(f"  append failed ({type(exc).__name__}); retrying", flush=True)
            time.sleep(min(2.0 * (attempt + 1), 10.0))
            try:
                if _count(store) == head + len(batch):
                    return
            except Exception:
                continue
    raise RuntimeError("could not append a batch after 30 attempts")


def _count(store: AuditStore) -> int:
    head: Any = store.head()  # (seq, hash) before signed heads, a Head after
    if not head:
        return 0
    return int(head.seq if hasattr(head, "seq") else head[0])


QUERIES: dict[str, dict[str, str]] = {
    "all": {},
    "tenant": {"tenant": "tenant-07"},
    "action=flag": {"action": "flag"},
    "tenant+action=block": {"tenant": "tenant-03", "action": "block"},
    "model+stage": {"model": "claude-3", "stage": "output"},
    "rule": {"rule": "rule5.flag"},
    "policy_version": {"policy_version": "2"},
    "since=7d": {"since": "7d"},
    "since+until (a day)": {"since": "3d", "until": "2d"},
    "reviewed=yes": {"reviewed": "yes"},
    "reviewed=no+action=flag": {"reviewed": "no", "action": "flag"},
    "review queue (/queue)": {"_path": "/queue"},
}


def _serve(app: Any) -> tuple[uvicorn.Server, str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}/console"


def _login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    html = client.get("/login").text
    token = html.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf": token})
    assert r.status_code in (200, 303), r.text
    return client


def _seq_range(client: httpx.Client, params: dict[str, str]) -> tuple[int, int]:
    """The oldest and newest seq a filter matches: deep-page cursors are drawn between them,
    as a user paging through that result would reach them (not timed)."""
    newest = client.get("/api/decisions", params=params).json()["decisions"]
    oldest = client.get("/api/decisions", params={**params, "after": "0"}).json()["decisions"]
    if not newest or not oldest:
        return 0, 0
    return int(oldest[-1]["seq"]), int(newest[0]["seq"])


def time_pages(url: str, last_seq: int, repeats: int, workdir: Path) -> dict[str, Any]:
    config = ConsoleConfig(users={"bench": ConsoleUser(role="auditor",
                                                       password_hash=hash_password(PASSWORD))},
                           secret_file=str(workdir / "bench.secret"), page_size=50)
    app = create_standalone_app(config, audit_url=url)
    server, base = _serve(app)
    rng = random.Random(11)
    out: dict[str, Any] = {}
    try:
        client = _login(base)
        client.get("/decisions")  # opens the reader (and creates any missing index)
        for name, params in QUERIES.items():
            samples: list[float] = []
            rows = 0
            path = params.get("_path", "/decisions")
            params = {k: v for k, v in params.items() if k != "_path"}
            lo, hi = _seq_range(client, params if path == "/decisions" else
                                {"reviewed": "no", "action": "flag"})
            for i in range(repeats):
                query = dict(params)
                if i % 2 and hi > lo:  # every other request: a random deep page of the result
                    query["before"] = str(rng.randint(lo + 1, hi))
                started = time.perf_counter()
                r = client.get(path, params=query)
                samples.append((time.perf_counter() - started) * 1000)
                assert r.status_code == 200, (name, r.status_code, r.text[:300])
                rows += r.text.count('class="open"')
            samples.sort()
            out[name] = {"p50_ms": round(statistics.median(samples), 1),
                         "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
                         "max_ms": round(samples[-1], 1), "rows_per_page": rows / repeats}
            print(f"  {name:28s} p50 {out[name]['p50_ms']:7.1f} ms  p95 "
                  f"{out[name]['p95_ms']:7.1f} ms  max {out[name]['max_ms']:7.1f} ms  "
                  f"rows/page {rows / repeats:.1f}", flush=True)
        for name, path in (("decision page", None), ("overview 7d (first, uncached)", "/")):
            started = time.perf_counter()
            if path is None:
                first = client.get("/api/decisions", params={"before": str(last_seq // 2)})
                did = first.json()["decisions"][0]["decision_id"]
                r = client.get(f"/decisions/{did}")
            else:
                r = client.get(path, params={"window": "7d"})
            assert r.status_code == 200
            out[name] = {"ms": round((time.perf_counter() - started) * 1000, 1)}
            print(f"  {name:28s} {out[name]['ms']:.1f} ms", flush=True)
    finally:
        server.should_exit = True
    return out


def run(url: str, n: int, reviews: int, repeats: int, workdir: Path) -> dict[str, Any]:
    store = open_store(url)
    store.open()
    have = _count(store)
    fill_s = None
    if have < n:
        if have:
            raise SystemExit(f"{store.display_url} holds {have} records, fewer than {n}: "
                             "remove it first")
        print(f"filling {store.display_url} with {n} records ...", flush=True)
        fill_s = fill(store, n, reviews)
        print(f"filled in {fill_s:.0f}s", flush=True)
        have = _count(store)
    store.close()
    print(f"{store.display_url}: {have} records; timing {repeats} requests per query",
          flush=True)
    return {"records": have, "fill_s": fill_s, "queries": time_pages(url, have, repeats,
                                                                      workdir)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--reviews", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--sqlite", help="SQLite file to use (default: a temp file)")
    parser.add_argument("--pg-url", default=os.environ.get("GUARD_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL (a schema guard_console_bench is used)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="console-bench-"))
    results: dict[str, Any] = {"records": args.records, "repeats": args.repeats,
                               "cpu_count": os.cpu_count(), "when": datetime.now(UTC).isoformat()}
    if not args.skip_sqlite:
        path = args.sqlite or str(workdir / "audit.db")
        results["sqlite"] = run(f"sqlite:///{path}", args.records, args.reviews, args.repeats,
                                workdir)
    if args.pg_url:
        import psycopg

        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA IF NOT EXISTS guard_console_bench")
        sep = "&" if "?" in args.pg_url else "?"
        url = f"{args.pg_url}{sep}options=-csearch_path%3Dguard_console_bench"
        results["postgresql"] = run(url, args.records, args.reviews, args.repeats, workdir)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
