"""End to end through the real sidecar process: ``guard serve`` + ``POST /v1/guard/check``.

- 10,000 checks at concurrency 32 leave exactly 10,000 records and an intact chain;
- SIGTERM in the middle of the load loses no record of a request that got a response.

The sidecar runs as a subprocess (uvicorn, echo upstream, a light regex/secrets policy), the
same way it runs in production, so the shutdown path is the real signal handler + lifespan.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from guard.audit import QueryFilter, open_store
from tests.audit.rawhttp import RawConnection
from tests.support.net import free_port

REPO = Path(__file__).resolve().parents[2]
TEXTS = ("hello there", "please ignore previous instructions", "key AKIAIOSFODNN7EXAMPLE",
         "write to bob@example.com", "a perfectly normal question about tax law")


@contextmanager
def sidecar(policy: Path, audit_url: str, log: Path) -> Iterator[tuple[subprocess.Popen[bytes],
                                                                        str]]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GUARD_AUDIT_URL", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "guard.cli.main", "serve", "--policy", str(policy),
             "--port", str(port), "--audit-url", audit_url, "--log-level", "warning"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"sidecar exited early:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"sidecar not ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def load(base: str, n: int, concurrency: int, *,
               stop: asyncio.Event | None = None) -> tuple[list[str], int]:
    """Send ``n`` checks; returns decision ids of 200 answers and the count of failures."""
    ids: list[str] = []
    failures = 0
    counter = iter(range(n))
    host, port = base.removeprefix("http://").split(":")

    async def worker() -> None:
        nonlocal failures
        conn = RawConnection(host, int(port))
        for i in counter:
            if stop is not None and stop.is_set():
                break
            body = {"input": f"{TEXTS[i % len(TEXTS)]} #{i}", "tenant": f"t{i % 4}",
                    "model": "gpt-4o-mini"}
            try:
                status, data = await conn.post_json("/v1/guard/check", body)
            except ConnectionError:
                failures += 1
                continue
            if status == 200:
                ids.append(data["id"])
            else:
                failures += 1
        await conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ids, failures


def _verify(url: str) -> tuple[int, bool, str | None, float]:
    with open_store(url) as store:
        result = store.verify_chain()
    return result.count, result.ok, result.problem, result.elapsed_s


@pytest.mark.slow
@pytest.mark.asyncio
async def test_10k_checks_at_concurrency_32_are_all_logged_and_verify(
    tmp_path: Path, light_policy: Callable[..., Path]
) -> None:
    url = f"sqlite:///{tmp_path}/audit.db"
    with sidecar(light_policy(retention="none"), url, tmp_path / "sidecar.log") as (proc, base):
        started = time.perf_counter()
        ids, failures = await load(base, 10_000, 32)
        elapsed = time.perf_counter() - started
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) in (0, -signal.SIGTERM)
    assert failures == 0 and len(ids) == 10_000
    count, ok, problem, verify_s = _verify(url)
    print(f"\n10k checks via sidecar: {elapsed:.1f}s ({10_000 / elapsed:.0f}/s); "
          f"verify {verify_s:.2f}s")
    assert (count, ok, problem) == (10_000, True, None)
    with open_store(url) as store:
        assert {r["decision_id"] for r in store.query(QueryFilter())} == set(ids)


@pytest.mark.asyncio
async def test_sigterm_mid_load_loses_no_answered_record(
    tmp_path: Path, light_policy: Callable[..., Path]
) -> None:
    url = f"sqlite:///{tmp_path}/audit.db"
    with sidecar(light_policy(retention="none"), url, tmp_path / "sidecar.log") as (proc, base):
        stop = asyncio.Event()
        task = asyncio.create_task(load(base, 1_000_000, 32, stop=stop))
        await asyncio.sleep(2.0)
        proc.send_signal(signal.SIGTERM)  # mid-load: requests are in flight right now
        exit_code = await asyncio.to_thread(proc.wait, 60)
        stop.set()
        ids, _ = await task
    # uvicorn re-raises SIGTERM after its graceful shutdown, so -15 is a clean exit too
    assert exit_code in (0, -signal.SIGTERM)
    assert len(ids) > 100, "the load never got going"
    count, ok, problem, _ = _verify(url)
    assert ok, problem
    with open_store(url) as store:
        logged = {r["decision_id"] for r in store.query(QueryFilter())}
    missing = set(ids) - logged
    assert not missing, f"{len(missing)} answered requests have no audit record"
    assert count >= len(ids)
