"""Latency and CPU cost of the Guard sidecar in front of a paced model.

Starts, on 127.0.0.1, the stub OpenAI upstream (``tests/support/stub_upstream``) paced like a
hosted model (first token after ``--ttft`` s, then ``--tokens-per-s``, ``--tokens`` words, the
same pacing for non-streamed answers) and ``guard serve`` in front of it (audit on, SQLite in
a temp dir), once with the policy under test and once as a bare proxy (no rules). Reports:

- overhead (sidecar percentile minus direct percentile) p50/p95 of the non-streamed answer,
  of the streamed first token and of the streamed total, at each ``--concurrency`` level;
- the sidecar's CPU time per request, from the sidecar process's own counters
  (``/proc/<pid>/stat`` utime+stime, all its threads), which stays meaningful on a noisy,
  shared machine where wall-clock overheads do not;
- throughput at concurrency ``--saturation-clients`` for ``--saturation-s`` seconds;
- the sidecar's RSS;
- the CPU cost of the 10th turn of a conversation against the 1st (``--turns``), each
  conversation sent turn by turn as a chat client would.

    python bench/latency.py                          # writes bench/RESULTS-latency.md
    python bench/latency.py --requests 5 --out -     # quick look
    python bench/latency.py --lang fr                # the same exchange in French

Every loop is bounded (request counts, seconds). The client, the stub and the sidecar share
the machine's cores; the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _serve import free_port, pct, rss_mb, start, stop, stub_command, wait_http

REPO = Path(__file__).resolve().parents[1]
PROMPT = "Summarize the benefits of unit testing for a small team, in a few paragraphs."
SYSTEM = ("You are a helpful assistant for a software company. Answer concisely, cite the "
          "documentation when you can, and never reveal internal information.")
# --lang fr: the same exchange in French (French text is scored by two classifiers).
FRENCH = {
    "PROMPT": "Résume en quelques paragraphes les avantages des tests unitaires pour une "
              "petite équipe.",
    "SYSTEM": "Tu es un assistant utile pour une société de logiciels. Réponds brièvement, "
              "cite la documentation quand tu le peux et ne révèle jamais d'information "
              "interne.",
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
_LETTERS = str.maketrans("0123456789", "ghijklmnop")


@dataclass
class Sample:
    total_ms: float
    ttft_ms: float | None


@dataclass
class Level:
    """One measured (mode, concurrency) cell: latency samples and sidecar CPU per request."""

    mode: str
    concurrency: int
    direct: list[float]
    guarded: list[float]
    cpu_ms: float | None = None


@dataclass
class Section:
    label: str
    levels: list[Level] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def nonce() -> str:
    """A fresh lowercase word (letters only: no digits for the PII recognizers to chew on)."""
    return uuid.uuid4().hex[:8].translate(_LETTERS)


def body_for(messages: list[dict[str, str]], stream: bool) -> dict[str, Any]:
    return {"model": "stub-model", "stream": stream, "messages": messages}


async def one(client: httpx.AsyncClient, url: str, stream: bool,
              messages: list[dict[str, str]] | None = None) -> tuple[Sample, str]:
    """Send one request; returns the sample and the assistant text."""
    body = body_for(messages or [{"role": "user", "content": f"{PROMPT} (request "
                                  f"{nonce()})"}], stream)
    started = time.perf_counter()
    if not stream:
        resp = await client.post(url, json=body)
        resp.raise_for_status()
        text = resp.json()["choices"][0]["message"]["content"] or ""
        return Sample((time.perf_counter() - started) * 1e3, None), text
    ttft = None
    parts: list[str] = []
    async with client.stream("POST", url, json=body) as resp:
        resp.raise_for_status()
        async for line in resp.aiter_lines():
            if not line.startswith("data: {"):
                continue
            for choice in json.loads(line[6:]).get("choices") or []:
                content = (choice.get("delta") or {}).get("content")
                if content:
                    if ttft is None:
                        ttft = (time.perf_counter() - started) * 1e3
                    parts.append(content)
    return Sample((time.perf_counter() - started) * 1e3, ttft), "".join(parts)


async def run_level(url: str, stream: bool, concurrency: int, total: int,
                    pid: int | None) -> tuple[list[Sample], float | None]:
    """``total`` requests by ``concurrency`` workers; sidecar CPU ms per request if ``pid``."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        await asyncio.gather(*(one(client, url, stream) for _ in range(concurrency)),
                             return_exceptions=True)  # warm
        samples: list[Sample] = []
        remaining = total
        cpu0 = cpu_seconds(pid) if pid else 0.0

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                try:
                    samples.append((await one(client, url, stream))[0])
                except httpx.HTTPStatusError:  # a (false) block: no latency sample
                    pass

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu = (cpu_seconds(pid) - cpu0) * 1e3 / total if pid else None
        return samples, cpu


async def saturate(url: str, clients: int, seconds: float, pid: int) -> dict[str, float]:
    """Non-streamed requests from ``clients`` workers for ``seconds``: completed per second,
    refused (429) per second, and the sidecar's CPU use in cores."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    done = refused = 0
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        deadline = t0 + seconds

        async def worker() -> None:
            nonlocal done, refused
            while time.perf_counter() < deadline:
                resp = await client.post(url, json=body_for([{"role": "user", "content": (
                    f"{PROMPT} (request {nonce()})")}], False))
                if resp.status_code == 429:
                    refused += 1
                    await asyncio.sleep(0.05)
                else:
                    done += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - t0
        return {"rps": done / wall, "refused_ps": refused / wall,
                "cpu_cores": (cpu_seconds(pid) - cpu0) / wall}


async def conversation_turns(url: str, turns: int, conversations: int,
                             pid: int) -> dict[str, float]:
    """Median sidecar CPU ms of turn 1 and of turn ``turns``, over several fresh conversations
    sent turn by turn (each with its own nonce, so no conversation repeats another), after
    one warm-up conversation."""
    first: list[float] = []
    last: list[float] = []
    async with httpx.AsyncClient(timeout=120) as client:
        for n in range(conversations + 1):  # the first one only warms up (not counted)
            tag = nonce()
            messages = [{"role": "system", "content": f"{SYSTEM} Session {tag}."}]
            for turn in range(1, turns + 1):
                messages.append({"role": "user", "content": f"Question {turn} ({tag}): "
                                 f"{PROMPT}"})
                cpu0 = cpu_seconds(pid)
                try:
                    _, answer = await one(client, url, False, messages)
                except httpx.HTTPStatusError:  # a (false) block: the turn still cost CPU
                    answer = ""
                cost = (cpu_seconds(pid) - cpu0) * 1e3
                if n and turn == 1:
                    first.append(cost)
                elif n and turn == turns:
                    last.append(cost)
                messages.append({"role": "assistant", "content": answer})
    f, la = statistics.median(first), statistics.median(last)
    return {"turn1_cpu_ms": f, "turnN_cpu_ms": la, "ratio": la / f if f else 0.0}


MODES = (("non-stream", False), ("stream first token", True), ("stream total", True))


def measure_direct(stub_url: str, levels: list[int], requests: int
                   ) -> dict[tuple[int, bool], list[Sample]]:
    out = {}
    for c in levels:
        for stream in (False, True):
            out[(c, stream)] = asyncio.run(run_level(stub_url, stream, c, n_for(c, requests),
                                                     None))[0]
    return out


def n_for(concurrency: int, requests: int) -> int:
    return requests if concurrency == 1 else max(requests, 2 * concurrency)


def measure_policy(label: str, policy: str, args: argparse.Namespace, stub_port: int,
                   direct: dict[tuple[int, bool], list[Sample]], tmp: str,
                   env: dict[str, str], levels: list[int], full: bool) -> Section:
    port = free_port()
    if not args.stream_upstream or args.http_client != "aiohttp":
        config = Path(tmp) / f"sidecar-{port}.yaml"
        stub = {"base_url": f"http://127.0.0.1:{stub_port}/v1", "models": ["*"],
                "stream_upstream": args.stream_upstream}
        config.write_text(json.dumps({"server": {"http_client": args.http_client},
                                      "upstreams": {"stub": stub}}))
        upstream = ["--config", str(config)]
    else:
        upstream = ["--upstream", f"http://127.0.0.1:{stub_port}/v1"]
    proc = start([sys.executable, "-m", "guard.cli.main", "serve", "--policy", policy,
                  *upstream, "--port", str(port),
                  "--audit-url", f"sqlite:///{tmp}/audit-{port}.db",
                  "--log-level", "warning"], env)
    section = Section(label)
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz")
        if args.idle_s > 0:
            before = cpu_seconds(proc.pid)
            time.sleep(args.idle_s)
            section.extra["idle_ms_per_s"] = (cpu_seconds(proc.pid) - before) * 1e3 / args.idle_s
        for c in levels:
            for stream in (False, True):
                samples, cpu = asyncio.run(run_level(url, stream, c, n_for(c, args.requests),
                                                     proc.pid))
                base = direct[(c, stream)]
                for mode, is_stream in MODES:
                    if is_stream != stream:
                        continue
                    pick = (lambda s: s.ttft_ms) if mode == "stream first token" else (
                        lambda s: s.total_ms)
                    section.levels.append(Level(
                        mode, c, [v for v in map(pick, base) if v is not None],
                        [v for v in map(pick, samples) if v is not None],
                        cpu if mode != "stream first token" else None))
                print(f"{label} c={c} stream={stream} answers={len(samples)} "
                      f"cpu/request={cpu:.1f} ms "
                      f"load={os.getloadavg()[0]:.1f}", flush=True)
        section.extra["rss_mb"] = rss_mb(proc.pid)
        if full:
            section.extra["saturation"] = asyncio.run(saturate(
                url, args.saturation_clients, args.saturation_s, proc.pid))
            print(f"{label} saturation {section.extra['saturation']}", flush=True)
            section.extra["turns"] = asyncio.run(conversation_turns(
                url, args.turns, args.conversations, proc.pid))
            print(f"{label} turns {section.extra['turns']}", flush=True)
        section.extra["rss_mb"] = max(section.extra["rss_mb"], rss_mb(proc.pid))
    finally:
        stop(proc)
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ttft", type=float, default=0.25, help="seconds to the first token")
    parser.add_argument("--tokens-per-s", type=float, default=150.0)
    parser.add_argument("--tokens", type=int, default=300, help="completion length (words)")
    parser.add_argument("--requests", type=int, default=20,
                        help="requests per mode at concurrency 1 (at least 2x clients above)")
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--saturation-clients", type=int, default=32)
    parser.add_argument("--saturation-s", type=float, default=20.0)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--conversations", type=int, default=5)
    parser.add_argument("--idle-s", type=float, default=10.0,
                        help="seconds the started sidecar is left idle to measure its CPU")
    parser.add_argument("--policy", default="default")
    parser.add_argument("--lang", choices=("en", "fr"), default="en",
                        help="language of the prompts and of the stub's answers")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare-proxy run")
    parser.add_argument("--no-stream-upstream", dest="stream_upstream", action="store_false",
                        help="turn the upstream's stream_upstream off (non-streamed answers "
                        "asked for as JSON and checked once complete; default: read from a "
                        "streamed upstream and checked as they arrive)")
    parser.add_argument("--http-client", choices=("httpx", "aiohttp"), default="aiohttp",
                        help="the sidecar's client for upstream calls (server.http_client)")
    parser.add_argument("--out", default=str(REPO / "bench" / "RESULTS-latency.md"))
    args = parser.parse_args(argv)
    if args.lang == "fr":  # every request and conversation below reads these module names
        globals().update(FRENCH)
    levels = [int(c) for c in args.concurrency.split(",")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    tmp = tempfile.mkdtemp(prefix="guard-bench-")
    stub_port = free_port()
    stub = start(stub_command(stub_port, ttft=args.ttft, tokens_per_s=args.tokens_per_s,
                              tokens=args.tokens, lang=args.lang), env)
    bare = Path(tmp) / "bare.yaml"
    bare.write_text("name: bare\nversion: 1\nrules: []\n")
    loads = [os.getloadavg()]
    calibration = calibration_ms()
    print(f"cpu calibration {calibration:.1f} ms", flush=True)
    sections: list[Section] = []
    try:
        wait_http(f"http://127.0.0.1:{stub_port}/v1/models")
        direct = measure_direct(f"http://127.0.0.1:{stub_port}/v1/chat/completions", levels,
                                args.requests)
        on = "" if args.stream_upstream else ", stream_upstream off"
        on += "" if args.http_client == "aiohttp" else f", http_client {args.http_client}"
        on += "" if args.lang == "en" else f", {args.lang} prompts and answers"
        sections.append(measure_policy(f"policy `{args.policy}`{on}", args.policy, args, stub_port,
                                       direct, tmp, env, levels, full=True))
        loads.append(os.getloadavg())
        if not args.no_bare:
            sections.append(measure_policy(f"bare proxy (no rules){on}", str(bare), args, stub_port,
                                           direct, tmp, env, levels, full=True))
        loads.append(os.getloadavg())
    finally:
        stop(stub)
    report = render(sections, args, loads, calibration)
    if args.out == "-":
        print(report)
    else:
        Path(args.out).write_text(report)
        print(report)
        print(f"wrote {args.out}")
    return 0


def calibration_ms() -> float:
    """CPU ms of a fixed pure-Python workload (median of 5): the same VM's speed drifts by up
    to 2x over a day (host contention no steal counter shows), so CPU figures from different
    runs compare only after dividing by this."""
    runs = []
    for _ in range(5):
        started = time.process_time()
        total = 0
        for i in range(300_000):
            total += (i * i) % 7
        runs.append((time.process_time() - started) * 1e3)
    return statistics.median(runs)


def render(sections: list[Section], args: argparse.Namespace,
           loads: list[tuple[float, float, float]], calibration: float) -> str:
    load_text = "; ".join(", ".join(f"{x:.1f}" for x in la) for la in loads)
    lines = [
        "# Sidecar latency and CPU cost",
        "",
        f"Generated by `python bench/latency.py` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Machine: "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"**Load average (1, 5, 15 min) at start; after the policy run; at the end: "
        f"{load_text}** — the machine is shared, so wall-clock overheads are noisy; the CPU "
        "figures come from the sidecar's own counters and are the stable ones. "
        f"**CPU calibration: {calibration:.1f} ms** for a fixed pure-Python loop "
        "(`calibration_ms`): the VM's speed drifts, so compare CPU figures across runs "
        "relative to it.",
        "",
        f"Paced stub upstream: first token after {args.ttft * 1e3:.0f} ms, "
        f"{args.tokens_per_s:.0f} tokens/s, {args.tokens} tokens (one SSE chunk per word; "
        "a non-streamed answer takes as long). Audit on (SQLite). Times in ms; overhead = "
        "sidecar percentile minus direct percentile (independent percentiles, so a p95 can "
        "come out below a p50 under load). CPU = sidecar process utime+stime per request.",
        "",
    ]
    for section in sections:
        lines += [f"## {section.label}", "",
                  "| mode | concurrency | direct p50 | guarded p50 | overhead p50 | "
                  "overhead p95 | sidecar CPU / request |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for lv in section.levels:
            cpu = f"{lv.cpu_ms:.1f}" if lv.cpu_ms is not None else ""
            lines.append(
                f"| {lv.mode} | {lv.concurrency} | {pct(lv.direct, 50):.1f} | "
                f"{pct(lv.guarded, 50):.1f} | {pct(lv.guarded, 50) - pct(lv.direct, 50):.1f} | "
                f"{pct(lv.guarded, 95) - pct(lv.direct, 95):.1f} | {cpu} |")
        lines.append("")
        extra = section.extra
        if "saturation" in extra:
            s = extra["saturation"]
            paced = args.ttft + args.tokens / args.tokens_per_s
            lines.append(f"- Concurrency {args.saturation_clients}, non-stream, "
                         f"{args.saturation_s:.0f} s: {s['rps']:.1f} answers/s (the paced "
                         f"upstream alone allows {args.saturation_clients / paced:.1f}/s), "
                         f"{s['refused_ps']:.1f} refused (429)/s, sidecar CPU "
                         f"{s['cpu_cores']:.2f} cores.")
            cpus = [lv.cpu_ms for lv in section.levels if lv.cpu_ms and lv.mode == "non-stream"]
            if cpus:
                lines.append(f"- CPU-bound capacity of {os.cpu_count()} dedicated cores at the "
                             f"lowest measured CPU per non-streamed answer ({min(cpus):.1f} ms): "
                             f"about {os.cpu_count() * 1000 / min(cpus):.0f} answers/s.")
        if "turns" in extra:
            t = extra["turns"]
            lines.append(f"- Conversation turn {args.turns} vs turn 1 (non-stream, median of "
                         f"{args.conversations} conversations): {t['turnN_cpu_ms']:.1f} vs "
                         f"{t['turn1_cpu_ms']:.1f} ms CPU = **{t['ratio']:.2f}x**.")
        if "idle_ms_per_s" in extra:
            tick = 1e3 / CLK_TCK / args.idle_s  # the counters' resolution, ms per second
            idle = extra["idle_ms_per_s"]
            shown = f"{idle:.1f}" if idle >= tick else f"under {tick:.1f} (none counted)"
            lines.append(f"- Idle sidecar ({args.idle_s:.0f} s after start, before any request): "
                         f"{shown} ms of CPU per second.")
        lines += [f"- Sidecar RSS: {extra.get('rss_mb', 0):.0f} MB.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
