"""JSONL sink: one record per line in size-rotated files inside a directory.

URL: ``jsonl:///var/log/guard`` (absolute) or ``jsonl://./audit`` (relative), with optional
query parameters ``max_bytes`` (rotation size, default 64 MiB) and ``fsync=1`` (fsync after
every batch; default off: data survives a process crash, not a power cut).

Layout::

    audit-000001.jsonl   oldest segment; the chain runs on across segments
    audit-000002.jsonl   current segment (rotated once it reaches max_bytes)
    HEAD                 {"seq": N, "hash": "..."}: the last record, to detect truncation
    .lock                flock'ed while appending, so several processes keep one chain
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from guard.audit.chain import GENESIS, Linked, StoredRecord, VerifyResult, link, verify
from guard.audit.event import AuditEvent
from guard.audit.sinks.base import AuditStore

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class JsonlStore(AuditStore):
    """Audit log as rotated JSON-lines files."""

    def __init__(
        self, url: str, directory: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
        fsync: bool = False,
    ) -> None:
        self.url = url
        self.dir = Path(directory)
        self.max_bytes = max_bytes
        self.fsync = fsync
        self._lock_fd: int | None = None

    def open(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self._lock_fd is None:
            self._lock_fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def segments(self) -> list[Path]:
        return sorted(self.dir.glob("audit-*.jsonl"))

    def append(self, events: Sequence[AuditEvent], key: bytes | None) -> list[Linked]:
        self.open()
        assert self._lock_fd is not None
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            seq, digest = self._read_head()
            linked = link(events, seq, digest, key)
            if linked:
                self._write(linked)
                self._write_head(linked[-1].seq, linked[-1].hash)
            return linked
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _write(self, linked: list[Linked]) -> None:
        segments = self.segments()
        path = segments[-1] if segments else self.dir / "audit-000001.jsonl"
        if path.exists() and path.stat().st_size >= self.max_bytes:
            path = self.dir / f"audit-{int(path.stem.split('-')[1]) + 1:06d}.jsonl"
        data = "".join(item.text + "\n" for item in linked).encode()
        _drop_partial_line(path)
        with open(path, "ab") as fh:
            fh.write(data)
            fh.flush()
            if self.fsync:
                os.fsync(fh.fileno())

    def _read_head(self) -> tuple[int, str]:
        """The chain head for appending: the last complete line (the data is the truth).

        ``HEAD`` can lag the data if a process died between writing a batch and moving it;
        appending after the last line keeps the chain whole, and ``HEAD`` catches up.
        """
        segments = self.segments()
        if not segments:
            return 0, GENESIS
        _drop_partial_line(segments[-1])
        line = _last_line(segments[-1])
        if line is None:
            return 0, GENESIS
        data = json.loads(line)
        return int(data["seq"]), str(data["hash"])

    def _write_head(self, seq: int, digest: str) -> None:
        tmp = self.dir / "HEAD.tmp"
        tmp.write_text(json.dumps({"seq": seq, "hash": digest}))
        os.replace(tmp, self.dir / "HEAD")

    def head(self) -> tuple[int, str] | None:
        try:
            data = json.loads((self.dir / "HEAD").read_text())
        except (FileNotFoundError, ValueError):
            return None
        return int(data["seq"]), str(data["hash"])

    def iter_chain(self) -> Iterator[StoredRecord]:
        for path in self.segments():
            with open(path, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, start=1):
                    if not line.endswith("\n"):
                        return  # a batch being written right now (or torn by a crash)
                    if line.strip():
                        yield StoredRecord(f"{path.name}:{lineno}", line.rstrip("\n"))

    def verify_chain(self, key: bytes | None = None) -> VerifyResult:
        """Verify a possibly live directory.

        ``HEAD`` moves after the data, inside the writers' exclusive lock, so reading it under
        a shared lock after the walk gives a head that covers every complete line seen.
        """
        return verify(self.iter_chain(), key=key, head=self._locked_head(),
                      head_after=self._locked_head)

    def _locked_head(self) -> tuple[int, str] | None:
        self.open()
        assert self._lock_fd is not None
        fcntl.flock(self._lock_fd, fcntl.LOCK_SH)
        try:
            return self.head()
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)


def _drop_partial_line(path: Path) -> None:
    """Cut bytes after the last newline: a write torn by a crash, never a committed record
    (``HEAD`` only moves after a complete batch), which would otherwise break the chain."""
    if not path.exists():
        return
    with open(path, "rb+") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        pos = size
        while pos > 0:
            step = min(4096, pos)
            fh.seek(pos - step)
            chunk = fh.read(step)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                fh.truncate(pos - step + cut + 1)
                return
            pos -= step
        fh.truncate(0)


def _last_line(path: Path) -> str | None:
    with open(path, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        pos, tail = size, b""
        while pos > 0:
            step = min(65536, pos)
            pos -= step
            fh.seek(pos)
            tail = fh.read(step) + tail
            lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
            if len(lines) == 2 or pos == 0:
                last = lines[-1].strip()
                return last.decode() if last else None
    return None
