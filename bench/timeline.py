"""Where the guard's latency goes: a per-request timeline read from the sidecar's own spans.

Starts, on 127.0.0.1, the paced stub upstream (as ``bench/latency.py`` does), a real OTLP/HTTP
receiver (``tests/support/otlp_receiver``) and ``guard serve`` exporting its spans to it
(``OTEL_EXPORTER_OTLP_ENDPOINT``). Each request carries its own ``traceparent``, so its spans
are found by trace id: the input checks (``guard.check.phase`` before / during the upstream
call), the request span's events (``guard.upstream.call``, ``first_chunk``, ``end``), every
output check and the detectors inside the last one. Against the client's own clock (the same
machine's epoch clock), the medians say how the overhead splits:

- before the upstream call: the input rules that rewrite (or run ``sequential``);
- the upstream's first chunk / end, later than the stub alone (the cores are shared);
- for a streamed answer, the wait for the policy's hold-back margin before the first check;
- after the upstream's end: the final output check (and which detectors it spends on);
- delivery to the client.

    python bench/timeline.py                      # writes bench/RESULTS-timeline.md
    python bench/timeline.py --requests 5 --out - # quick look

The spans are exported while requests run (a batch processor thread in the sidecar): the
figures include that cost, so they run a little above ``bench/latency.py``'s; that script's
are the reference overheads, this one says where they go. Requests are sent one at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _serve import free_port, start, stop, stub_command, wait_http
from latency import PROMPT, cpu_seconds, nonce

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.support.otlp_receiver import ReceivedSpan, Receiver, otlp_receiver  # noqa: E402

CALL, FIRST_CHUNK, END = "guard.upstream.call", "guard.upstream.first_chunk", "guard.upstream.end"
FIRST_TOKEN, LAST_BYTE = "client's first token", "client's last byte"
BEFORE_CALL, FINAL_OUTPUT = "input check before the call", "final output check"


@dataclass
class Sent:
    """One request as the client saw it (epoch ns)."""

    trace_id: str
    sent: int
    first_token: int | None = None
    done: int = 0


@dataclass
class Timeline:
    """One request's milestones in ms after the client sent it (None: did not happen)."""

    marks: dict[str, float | None]
    output_checks: int
    detectors: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per check ("before the call", "final output"): ms per detector, summed over its calls."""


async def send(client: httpx.AsyncClient, url: str, stream: bool) -> Sent:
    trace_id = uuid.uuid4().hex
    headers = {"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"}
    body = {"model": "stub-model", "stream": stream, "messages": [
        {"role": "user", "content": f"{PROMPT} (request {nonce()})"}]}
    sent = Sent(trace_id, time.time_ns())
    if not stream:
        resp = await client.post(url, json=body, headers=headers)
        resp.raise_for_status()
        sent.done = time.time_ns()
        return sent
    async with client.stream("POST", url, json=body, headers=headers) as resp:
        resp.raise_for_status()
        async for line in resp.aiter_lines():
            if sent.first_token is None and line.startswith("data: {") and any(
                    (c.get("delta") or {}).get("content")
                    for c in json.loads(line[6:]).get("choices") or ()):
                sent.first_token = time.time_ns()
    sent.done = time.time_ns()
    return sent


async def run(url: str, stream: bool, requests: int) -> list[Sent]:
    async with httpx.AsyncClient(timeout=120) as client:
        for _ in range(2):  # warm: first-call costs are not the steady state
            await send(client, url, stream)
        return [await send(client, url, stream) for _ in range(requests)]


def timeline(sent: Sent, spans: Sequence[ReceivedSpan]) -> Timeline:
    def ms(ns: int | None) -> float | None:
        return None if ns is None else (ns - sent.sent) / 1e6

    request = next(s for s in spans if s.name == "guard.request")
    events = dict(request.events)
    inputs = [s for s in spans if s.name == "guard.check input"]
    before_checks = [s for s in inputs if s.attributes.get("guard.check.phase") != "during"]
    before = [s.end_ns for s in before_checks]
    requested = min((s.start_ns for s in inputs), default=None)
    during = [s.end_ns for s in inputs if s.attributes.get("guard.check.phase") == "during"]
    outputs = sorted((s for s in spans if s.name == "guard.check output"),
                     key=lambda s: s.start_ns)
    first, last = (outputs[0], outputs[-1]) if outputs else (None, None)
    detectors = {BEFORE_CALL: _detectors(spans, before_checks),
                 FINAL_OUTPUT: _detectors(spans, [last] if last else [])}
    return Timeline({
        "request span started (sidecar has the request)": ms(request.start_ns),
        "first input check started": ms(requested),
        "input rules before the call decided": ms(max(before, default=None)),
        "upstream call started": ms(events.get(CALL)),
        "input rules during the call decided": ms(max(during, default=None)),
        "upstream's first event (with its headers)": ms(events.get(FIRST_CHUNK)),
        "first output check started": ms(first.start_ns if first else None),
        "first output check ended": ms(first.end_ns if first else None),
        FIRST_TOKEN: ms(sent.first_token),
        "upstream end": ms(events.get(END)),
        "final output check started": ms(last.start_ns if last else None),
        "final output check ended": ms(last.end_ns if last else None),
        "request span ended": ms(request.end_ns),
        LAST_BYTE: ms(sent.done),
    }, len(outputs), detectors)


def _detectors(spans: Sequence[ReceivedSpan], checks: Sequence[ReceivedSpan]
               ) -> dict[str, float]:
    ids = {c.span_id for c in checks}
    out: dict[str, float] = defaultdict(float)
    for s in spans:
        if s.parent_id in ids and s.name.startswith("guard.detect "):
            out[s.name.removeprefix("guard.detect ")] += (s.end_ns - s.start_ns) / 1e6
    return dict(out)


def collect(receiver: Receiver, sent: Sequence[Sent], timeout: float = 30.0
            ) -> list[Timeline]:
    """Wait until every request's span tree has arrived (the request span closes last)."""
    wanted = {s.trace_id for s in sent}
    deadline = time.monotonic() + timeout
    while True:
        with receiver.lock:
            by_trace: dict[str, list[ReceivedSpan]] = defaultdict(list)
            for span in receiver.spans:
                if span.trace_id in wanted:
                    by_trace[span.trace_id].append(span)
        done = {t for t, spans in by_trace.items()
                if any(s.name == "guard.request" for s in spans)}
        if done == wanted or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    missing = wanted - done
    if missing:
        raise RuntimeError(f"{len(missing)} request span trees never arrived")
    return [timeline(s, by_trace[s.trace_id]) for s in sent]


def median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def mark(lines: list[Timeline], name: str) -> float | None:
    return median([t.marks[name] for t in lines])


def gap(lines: list[Timeline], start: str, end: str) -> float | None:
    """Median over requests of ``end - start`` (not the difference of the medians)."""
    spans = [(t.marks[end] - t.marks[start])  # type: ignore[operator]
             for t in lines if t.marks[end] is not None and t.marks[start] is not None]
    return statistics.median(spans) if spans else None


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def render(args: argparse.Namespace, direct: dict[str, float], runs: dict[bool, list[Timeline]],
           cpu: dict[bool, float]) -> str:
    plain, streamed = runs[False], runs[True]
    out = [
        "# Where the guard's latency goes (per-request timeline from the sidecar's spans)",
        "",
        f"`python bench/timeline.py --requests {args.requests} --policy {args.policy}` on "
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; stub upstream: first token "
        f"{args.ttft * 1e3:.0f} ms, {args.tokens_per_s:.0f} tokens/s, {args.tokens} tokens; "
        f"concurrency 1, medians of {args.requests} requests per mode. Spans are exported "
        "while requests run, so these overheads sit a little above `bench/latency.py`'s "
        "(the reference); this says where they go.",
        "",
        "## Milestones (ms after the client sent the request)",
        "",
        "| milestone | non-streamed | streamed |",
        "|---|---:|---:|",
    ]
    for name in plain[0].marks:
        out.append(f"| {name} | {fmt(mark(plain, name))} | {fmt(mark(streamed, name))} |")
    out.append(f"| output checks per answer | {median([t.output_checks for t in plain]):.0f} | "
               f"{median([t.output_checks for t in streamed]):.0f} |")
    out.append(f"| sidecar CPU per request (ms, spans exported) | {cpu[False]:.0f} | "
               f"{cpu[True]:.0f} |")
    out.append(f"| stub alone: last byte / first token | {direct['total']:.1f} | "
               f"{direct['ttft']:.1f} |")
    rows: list[tuple[str, Callable[[list[Timeline]], float | None]]] = [
        ("to the first input check (HTTP, validation, routing)",
         lambda t: mark(t, "first input check started")),
        ("then to the upstream call: input rules that rewrite",
         lambda t: gap(t, "first input check started", "upstream call started")),
        ("the upstream's end, later than the stub alone (shared cores)",
         lambda t: _late(gap(t, "upstream call started", "upstream end"), direct["total"])),
        ("after the upstream's end: to the final check's end",
         lambda t: gap(t, "upstream end", "final output check ended")),
        ("final check to the client's last byte",
         lambda t: gap(t, "final output check ended", LAST_BYTE)),
    ]
    out += ["", "## Overhead, split (medians of per-request gaps; they need not add up "
            "exactly to the median overhead)", "",
            "| non-streamed answer / streamed total | non-streamed | streamed |", "|---|---:|---:|",
            f"| **overhead** (client's last byte, minus the stub alone) | "
            f"{fmt(_late(mark(plain, LAST_BYTE), direct['total']))} | "
            f"{fmt(_late(mark(streamed, LAST_BYTE), direct['total']))} |"]
    out += [f"| {label} | {fmt(f(plain))} | {fmt(f(streamed))} |" for label, f in rows]
    first_rows: list[tuple[str, float | None]] = [
        ("**first-token overhead** (minus the stub alone)",
         _late(mark(streamed, FIRST_TOKEN), direct["ttft"])),
        ("to the first input check (HTTP, validation, routing)",
         mark(streamed, "first input check started")),
        ("then to the upstream call: input rules that rewrite",
         gap(streamed, "first input check started", "upstream call started")),
        ("waiting for the hold-back margin (from the stub's own first token to the first "
         "check)", _late(gap(streamed, "upstream call started", "first output check started"),
                         direct["ttft"])),
        ("the first output check", gap(streamed, "first output check started",
                                       "first output check ended")),
        ("first check to the client's first token",
         gap(streamed, "first output check ended", FIRST_TOKEN)),
    ]
    out += ["", "| streamed first token | ms |", "|---|---:|"]
    out += [f"| {label} | {fmt(value)} |" for label, value in first_rows]
    for check, (begin, finish) in ((BEFORE_CALL, ("input rules before the call decided",
                                                    "upstream call started")),
                                   (FINAL_OUTPUT, ("final output check started",
                                                   "final output check ended"))):
        out += ["", f"## Inside the {check}", "",
                "Median ms per detector, summed over its calls; the detectors of one check run "
                "concurrently, so their times overlap and can exceed the whole check's.", "",
                "| detector | non-streamed | streamed |", "|---|---:|---:|"]
        names = sorted({n for t in plain + streamed for n in t.detectors[check]})
        for name in names:
            out.append(f"| `{name}` | "
                       f"{fmt(median([t.detectors[check].get(name) for t in plain]))} | "
                       f"{fmt(median([t.detectors[check].get(name) for t in streamed]))} |")
        if check == FINAL_OUTPUT:
            out.append(f"| the whole check | {fmt(gap(plain, begin, finish))} | "
                       f"{fmt(gap(streamed, begin, finish))} |")
    out += ["", f"load average at the end: {os.getloadavg()[0]:.2f}; "
            f"{os.cpu_count()} CPUs", ""]
    return "\n".join(out)


def _late(value: float | None, reference: float) -> float | None:
    return None if value is None else value - reference


def direct_reference(stub_url: str, requests: int) -> dict[str, float]:
    async def both() -> tuple[list[Sent], list[Sent]]:
        return await run(stub_url, False, requests), await run(stub_url, True, requests)

    plain, streamed = asyncio.run(both())
    return {"total": statistics.median((s.done - s.sent) / 1e6 for s in plain),
            "ttft": statistics.median((s.first_token - s.sent) / 1e6
                                      for s in streamed if s.first_token is not None)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ttft", type=float, default=0.25, help="seconds to the first token")
    parser.add_argument("--tokens-per-s", type=float, default=150.0)
    parser.add_argument("--tokens", type=int, default=300, help="completion length (words)")
    parser.add_argument("--requests", type=int, default=25, help="requests per mode")
    parser.add_argument("--policy", default="default")
    parser.add_argument("--out", default=str(REPO / "bench" / "RESULTS-timeline.md"))
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    tmp = tempfile.mkdtemp(prefix="guard-timeline-")
    stub_port, port = free_port(), free_port()
    stub = start(stub_command(stub_port, ttft=args.ttft, tokens_per_s=args.tokens_per_s,
                              tokens=args.tokens), env)
    try:
        wait_http(f"http://127.0.0.1:{stub_port}/v1/models", proc=stub)
        direct = direct_reference(f"http://127.0.0.1:{stub_port}/v1/chat/completions",
                                  args.requests)
        print(f"stub alone: {direct}", flush=True)
        with otlp_receiver() as receiver:
            sidecar = start([sys.executable, "-m", "guard.cli.main", "serve",
                             "--policy", args.policy,
                             "--upstream", f"http://127.0.0.1:{stub_port}/v1",
                             "--port", str(port), "--audit-url", f"sqlite:///{tmp}/audit.db",
                             "--log-level", "warning"],
                            {**env, "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
                             "OTEL_BSP_SCHEDULE_DELAY": "200",
                             "OTEL_METRIC_EXPORT_INTERVAL": "600000"})
            try:
                wait_http(f"http://127.0.0.1:{port}/readyz", proc=sidecar)
                url = f"http://127.0.0.1:{port}/v1/chat/completions"
                runs: dict[bool, list[Timeline]] = {}
                cpu: dict[bool, float] = {}
                for stream in (False, True):
                    before = cpu_seconds(sidecar.pid)
                    sent = asyncio.run(run(url, stream, args.requests))
                    cpu[stream] = (cpu_seconds(sidecar.pid) - before) * 1e3 / (
                        args.requests + 2)
                    runs[stream] = collect(receiver, sent)
                    print(f"stream={stream}: {len(sent)} requests, "
                          f"cpu/request {cpu[stream]:.0f} ms", flush=True)
            finally:
                stop(sidecar)
    finally:
        stop(stub)
    report = render(args, direct, runs, cpu)
    print(report)
    if args.out != "-":
        Path(args.out).write_text(report)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
