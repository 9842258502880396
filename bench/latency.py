"""Latency overhead of the Guard sidecar versus calling the upstream directly.

Starts two processes on 127.0.0.1: the stub OpenAI upstream (``tests/support/stub_upstream``,
replying with ``--reply-words`` words, one SSE chunk per word) and ``guard serve`` in front of
it (default policy, audit on, in a temp SQLite file). Then, for each concurrency level, sends
the same chat request straight to the stub and through the sidecar, non-stream and stream, and
reports p50/p95/p99 of total latency and of TTFT (time to the first content chunk) and the
overhead (sidecar percentile minus direct percentile).

    python bench/latency.py                       # writes bench/RESULTS-latency.md
    python bench/latency.py --requests 50 --concurrency 1 --out -   # quick look

The client, the stub and the sidecar share the machine's cores, so the numbers include that
contention; they are comparable with each other, not with a dedicated deployment.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
PROMPT = "Summarize the benefits of unit testing for a small team, in a few paragraphs."


@dataclass
class Sample:
    total_ms: float
    ttft_ms: float | None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout} s")


async def one(client: httpx.AsyncClient, url: str, stream: bool) -> Sample:
    body = {"model": "stub-model", "stream": stream,
            "messages": [{"role": "user", "content": PROMPT}]}
    started = time.perf_counter()
    if not stream:
        resp = await client.post(url, json=body)
        resp.raise_for_status()
        resp.json()
        return Sample((time.perf_counter() - started) * 1e3, None)
    ttft = None
    async with client.stream("POST", url, json=body) as resp:
        resp.raise_for_status()
        async for line in resp.aiter_lines():
            if ttft is None and line.startswith("data: {") and '"content":"' in line.replace(
                    " ", "") and '"content":""' not in line.replace(" ", ""):
                ttft = (time.perf_counter() - started) * 1e3
    return Sample((time.perf_counter() - started) * 1e3, ttft)


async def run_level(url: str, stream: bool, concurrency: int, total: int) -> list[Sample]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        for _ in range(min(10, total)):  # warm connections and code paths
            await one(client, url, stream)
        samples: list[Sample] = []
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                samples.append(await one(client, url, stream))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return samples


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def summarize(direct: list[Sample], guarded: list[Sample], ttft: bool) -> dict[str, float]:
    pick = (lambda s: s.ttft_ms) if ttft else (lambda s: s.total_ms)
    d = [v for v in map(pick, direct) if v is not None]
    g = [v for v in map(pick, guarded) if v is not None]
    out = {}
    for q in (50, 95, 99):
        out[f"direct_p{q}"] = pct(d, q)
        out[f"guard_p{q}"] = pct(g, q)
        out[f"overhead_p{q}"] = pct(g, q) - pct(d, q)
    out["guard_mean"] = statistics.fmean(g)
    return out


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def variant_policies(base: Path, tmp: Path) -> dict[str, Path]:
    """Comparison policies: the bare proxy, and the default policy with pattern-only PII."""
    bare = tmp / "bare.yaml"
    bare.write_text("name: bare\nversion: 1\nrules: []\n")
    spec = yaml.safe_load(base.read_text())
    for rule in spec.get("rules", []):
        if rule.get("detector") == "pii":
            rule.setdefault("settings", {})["nlp"] = "patterns"
    spec["name"] = f"{spec['name']}-pii-patterns"
    patterns = tmp / "pii-patterns.yaml"
    patterns.write_text(yaml.safe_dump(spec, sort_keys=False))
    return {"bare proxy (no rules)": bare, "default, PII without spaCy NER": patterns}


Row = tuple[str, int, dict[str, float]]


def run_policy(policy: Path, levels: list[int], args: argparse.Namespace, stub_port: int,
               tmp: str, env: dict[str, str]) -> list[Row]:
    """Start ``guard serve`` with ``policy`` in front of the stub and measure every level."""
    guard_port = free_port()
    guard = start([sys.executable, "-m", "guard.cli.main", "serve", "--policy", str(policy),
                   "--upstream", f"http://127.0.0.1:{stub_port}/v1", "--port", str(guard_port),
                   "--audit-url", f"sqlite:///{tmp}/audit-{guard_port}.db",
                   "--log-level", "warning"], env)
    rows: list[Row] = []
    try:
        wait_http(f"http://127.0.0.1:{guard_port}/readyz")
        direct = f"http://127.0.0.1:{stub_port}/v1/chat/completions"
        guarded = f"http://127.0.0.1:{guard_port}/v1/chat/completions"
        metrics = f"http://127.0.0.1:{guard_port}/metrics"
        for c in levels:
            n = args.requests if c == 1 else args.requests * 2
            for stream in (False, True):
                d = asyncio.run(run_level(direct, stream, c, n))
                before = check_totals(httpx.get(metrics).text)
                g = asyncio.run(run_level(guarded, stream, c, n))
                after = check_totals(httpx.get(metrics).text)
                checks = {stage: 1e3 * (after[stage][0] - before.get(stage, (0, 0))[0])
                          / max(1.0, after[stage][1] - before.get(stage, (0, 0))[1])
                          for stage in after}
                if stream:
                    rows.append(("stream TTFT", c, summarize(d, g, ttft=True)))
                    rows.append(("stream total", c, {**summarize(d, g, ttft=False),
                                                     **_prefixed(checks)}))
                else:
                    rows.append(("non-stream", c, {**summarize(d, g, ttft=False),
                                                   **_prefixed(checks)}))
                print(f"{policy.name} c={c} stream={stream}: "
                      f"{json.dumps(rows[-1][2], default=round)}", flush=True)
    finally:
        os.killpg(guard.pid, signal.SIGTERM)
        guard.wait(timeout=30)
    return rows


def _prefixed(checks: dict[str, float]) -> dict[str, float]:
    return {f"check_{stage}": ms for stage, ms in checks.items()}


def check_totals(metrics: str) -> dict[str, tuple[float, float]]:
    """(sum seconds, count) of guard checks per stage, from the sidecar's Prometheus text."""
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for line in metrics.splitlines():
        for kind, store in (("_sum", sums), ("_count", counts)):
            prefix = f"guard_sidecar_check_seconds{kind}{{stage=\""
            if line.startswith(prefix):
                stage = line[len(prefix):].split("\"", 1)[0]
                store[stage] = float(line.rsplit(" ", 1)[1])
    return {s: (sums[s], counts.get(s, 0.0)) for s in sums}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per mode at c=1; "
                        "twice as many at higher concurrency")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--reply-words", type=int, default=300)
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--policy", default="policies/default.yaml")
    parser.add_argument("--no-variants", action="store_true",
                        help="skip the comparison policies (bare proxy, PII without NER)")
    parser.add_argument("--out", default=str(REPO / "bench" / "RESULTS-latency.md"))
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.concurrency.split(",")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    tmp = tempfile.mkdtemp(prefix="guard-bench-")
    stub_port = free_port()
    stub = start([sys.executable, "-m", "tests.support.stub_upstream", "--port", str(stub_port),
                  "--reply-words", str(args.reply_words), "--chunk-delay",
                  str(args.chunk_delay)], env)
    policy = REPO / args.policy
    sections: list[tuple[str, Path, list[Row]]] = []
    try:
        wait_http(f"http://127.0.0.1:{stub_port}/v1/models")
        rows = run_policy(policy, levels, args, stub_port, tmp, env)
        sections.append((f"policy `{args.policy}`", policy, rows))
        if not args.no_variants:
            for label, path in variant_policies(policy, Path(tmp)).items():
                sections.append((label, path, run_policy(path, [1], args, stub_port, tmp, env)))
    finally:
        os.killpg(stub.pid, signal.SIGTERM)
        stub.wait(timeout=20)
    report = render(sections, args)
    if args.out == "-":
        print(report)
    else:
        Path(args.out).write_text(report)
        print(f"wrote {args.out}")
    return 0


def render(sections: list[tuple[str, Path, list[Row]]], args: argparse.Namespace) -> str:
    lines = [
        "# Sidecar latency overhead",
        "",
        f"Generated by `python bench/latency.py` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}: the client, the stub upstream and "
        "the sidecar share these two cores (and any other work on the machine), "
        "so absolute numbers are noisy; direct and guarded runs alternate to keep them "
        "comparable.",
        f"Request: one user message; the stub replies {args.reply_words} words "
        f"(~{args.reply_words} tokens, one SSE chunk per word, chunk delay "
        f"{args.chunk_delay} s). Audit on (SQLite). Times in ms; overhead = sidecar "
        "percentile minus direct percentile. TTFT = time to the first non-empty content chunk. "
        "'mean check' = mean time of one guard check inside the sidecar during that run, from "
        "its /metrics (a stream runs several output checks).",
        "",
    ]
    for label, _path, rows in sections:
        lines += [f"## {label}", ""]
        base = next((r for m, c, r in rows if m == "non-stream" and c == 1), None)
        if base is not None:
            met = base["overhead_p50"] < 15 and base["overhead_p95"] < 40
            lines += [f"Target (non-stream, concurrency 1: overhead p50 < 15 ms, p95 < 40 ms): "
                      f"**{'met' if met else 'not met'}** (p50 {base['overhead_p50']:.1f} ms, "
                      f"p95 {base['overhead_p95']:.1f} ms).", ""]
        lines += [
            "| mode | concurrency | direct p50 | guard p50 | overhead p50 | overhead p95 |"
            " overhead p99 | mean check in / out |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for mode, c, s in rows:
            checks = (f"{s.get('check_input', 0):.1f} / {s.get('check_output', 0):.1f}"
                      if "check_input" in s or "check_output" in s else "")
            lines.append(f"| {mode} | {c} | {s['direct_p50']:.1f} | {s['guard_p50']:.1f} | "
                         f"{s['overhead_p50']:.1f} | {s['overhead_p95']:.1f} | "
                         f"{s['overhead_p99']:.1f} | {checks} |")
        lines.append("")
    lines += [
        "## Reading the numbers", "",
        "- Overhead percentiles are differences of two independent percentiles, so at high "
        "concurrency a p95 can come out below the p50.",
        "- The bare proxy rows are the sidecar's own cost (extra HTTP hop, validation, "
        "relaying). Everything above them is detector time (mean check times per section): "
        "the content_safety classifier on the 300-token completion (several 128-token "
        "windows) dominates the output check, spaCy NER and the classifiers the input check "
        "(compare the pattern-only PII variant, which differs from the default only there).",
        "- At concurrency 8 and 32 the detectors saturate the two shared cores; the in-flight "
        "limit (429 + Retry-After) is what keeps latency bounded beyond that, and the HPA in "
        "deploy/k8s scales on CPU for the same reason.",
        "- Stream total includes the hold-back: several output checks (window + look-behind "
        "context) instead of one; TTFT is one input check, the window, and one output check.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
