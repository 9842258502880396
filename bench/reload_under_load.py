"""Hot reload under load: do reloads fail, slow down or mis-attribute any request?

Starts the stub upstream and ``guard serve`` (a real process, JSONL audit) on 127.0.0.1, keeps
``--concurrency`` clients busy for ``--seconds`` (half streaming), and meanwhile reloads the
policy ``--reloads`` times, alternating SIGHUP and ``POST /admin/reload`` and two policy
versions, plus one broken policy that must be refused. Reports failed requests (non-200, or a
stream without ``[DONE]``), latency percentiles, reload times, and checks the audit log: one
``reload`` record per successful reload, one ``reload_failed``, and every request's record
carries one of the two policy hashes.

    python bench/reload_under_load.py --seconds 20 --concurrency 16 --reloads 6
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _serve import free_port, wait_http

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from guard.sidecar.config import hash_key  # noqa: E402
from tests.support.stub_upstream import StubUpstream  # noqa: E402

ADMIN_KEY = "bench-admin-key"


def policy(word: str, version: int) -> str:
    return (f"name: bench-reload\nversion: {version}\nrules:\n  - id: banned\n    stages: [input]\n"
            f"    detector: regex\n    settings:\n      patterns:\n        - {{category: x, "
            f"pattern: '\\b{word}\\b'}}\n    action: block\n")


async def client(url: str, stop: float, n: int, out: list[tuple[float, float, bool]]) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        i = 0
        while time.monotonic() < stop:
            stream = (i + n) % 2 == 0
            i += 1
            started = time.monotonic()
            try:
                resp = await http.post(f"{url}/v1/chat/completions", json={
                    "model": "stub-model", "stream": stream,
                    "messages": [{"role": "user", "content": f"an ordinary question {i}"}]})
                ok = resp.status_code == 200 and (not stream or resp.text.endswith(
                    "data: [DONE]\n\n"))
            except httpx.HTTPError:
                ok = False
            out.append((started, time.monotonic() - started, ok))


def reload_count(metrics: str) -> float:
    return sum(float(line.split()[-1]) for line in metrics.splitlines()
               if line.startswith("guard_sidecar_reloads_total"))


async def reloads(url: str, proc: subprocess.Popen[bytes], policy_file: Path, count: int,
                  every: float) -> list[dict[str, Any]]:
    done: list[dict[str, Any]] = []
    async with httpx.AsyncClient(timeout=60) as http:
        for k in range(count + 1):
            await asyncio.sleep(every)
            broken = k == count // 2
            await asyncio.to_thread(policy_file.write_text, "rules: [" if broken else policy(
                "alpha" if k % 2 else "beta", k + 2))
            started = time.monotonic()
            if k % 2:
                resp = await http.post(f"{url}/admin/reload",
                                       headers={"authorization": f"Bearer {ADMIN_KEY}"})
                status = resp.status_code
            else:
                before = reload_count((await http.get(f"{url}/metrics")).text)
                proc.send_signal(signal.SIGHUP)
                status = 0
                for _ in range(60_000):  # until the reload is counted (ok or failed)
                    if reload_count((await http.get(f"{url}/metrics")).text) != before:
                        break
                    await asyncio.sleep(0.01)
            done.append({"at": started, "seconds": round(time.monotonic() - started, 3),
                         "trigger": "admin" if k % 2 else "sighup", "broken": broken,
                         "status": status})
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--reloads", type=int, default=6)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" /
                                             "reload_under_load.json"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="guard-reload-bench-"))
    policy_file = work / "policy.yaml"
    policy_file.write_text(policy("alpha", 1))
    audit = work / "audit"
    with StubUpstream() as stub:
        stub.chunk_delay = 0.002
        config = work / "guard.yaml"
        config.write_text(json.dumps({
            "policy": str(policy_file), "upstreams": {"stub": {"base_url": stub.base_url}},
            "admin": {"key_hashes": [hash_key(ADMIN_KEY)]},
            "server": {"max_in_flight": 4 * args.concurrency}}))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "guard.cli.main", "serve", "--config", str(config),
             "--port", str(port), "--audit-url", f"jsonl://{audit}", "--log-level", "warning"],
            cwd=work, env={**os.environ, "PYTHONPATH": str(REPO)})
        try:
            wait_http(f"{url}/readyz", timeout=120, interval=0.1, proc=proc)
            results: list[tuple[float, float, bool]] = []

            async def run() -> list[dict[str, Any]]:
                stop = time.monotonic() + args.seconds
                every = args.seconds / (args.reloads + 2)
                tasks = [client(url, stop, n, results) for n in range(args.concurrency)]
                out = await asyncio.gather(reloads(url, proc, policy_file, args.reloads,
                                                   every), *tasks)
                return out[0]  # type: ignore[no-any-return]

            done = asyncio.run(run())
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    records = [json.loads(line) for f in sorted(audit.glob("*.jsonl"))
               for line in f.read_text().splitlines() if line.strip()]
    reload_records = [r for r in records if r["stage"] == "reload"]
    input_hashes = {r["policy_hash"] for r in records if r["stage"] == "input"}
    served_hashes = {h for r in reload_records if r["action"] == "reload"
                     for p in r["reload"]["policies"].values() for h in p.values()}
    latencies = sorted(t for _, t, _ in results)
    near = sorted(t for s, t, _ in results if any(abs(s - d["at"]) < 0.5 for d in done))
    summary = {
        "requests": len(results), "failed": sum(not ok for *_, ok in results),
        "concurrency": args.concurrency, "seconds": args.seconds,
        "p50_ms": round(statistics.median(latencies) * 1e3, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1e3, 1),
        "p99_within_0.5s_of_a_reload_ms": round(near[int(len(near) * 0.99) - 1] * 1e3, 1)
        if near else None,
        "reloads": done,
        "audit_reload_records": {a: sum(r["action"] == a for r in reload_records)
                                 for a in ("reload", "reload_failed")},
        "audit_input_records": sum(r["stage"] == "input" for r in records),
        "every_input_record_has_a_served_hash": input_hashes <= served_hashes,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "reloads"}, indent=2))
    print("reload seconds:", [d["seconds"] for d in done])


if __name__ == "__main__":
    main()
