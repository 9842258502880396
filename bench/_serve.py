"""Process helpers shared by the bench scripts that start real servers on 127.0.0.1.

The scripts run as ``python bench/X.py`` from the repository root, so this folder is on
``sys.path`` and they import it as ``from _serve import free_port``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 300, interval: float = 0.3,
              proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll ``url`` until it answers 200; with ``proc``, give up at once if that process dies
    (a server that crashed on start should not cost the whole timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {proc.returncode} before ready")
        time.sleep(interval)
    raise RuntimeError(f"{url} not ready after {timeout} s")


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start a server quietly in its own session, so ``stop`` can signal its whole group."""
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def stub_command(port: int, *, ttft: float, tokens_per_s: float, tokens: int,
                 lang: str = "en") -> list[str]:
    """The paced stub upstream (``tests/support/stub_upstream``), answering like a hosted model:
    first token after ``ttft`` s, then ``tokens_per_s`` words of ``tokens``, the same pacing
    for non-streamed answers; niced so the sidecar under test gets the cores first."""
    return ["nice", "-n", "5", sys.executable, "-m", "tests.support.stub_upstream",
            "--port", str(port), "--reply-words", str(tokens),
            "--chunk-delay", str(1 / tokens_per_s), "--first-token-delay", str(ttft),
            "--pace-non-stream", "--vary-reply", "--reply-lang", lang]


def stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=timeout)


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss_mb(pid: int) -> float:
    return rss_bytes(pid) / 1024**2


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0-100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]
