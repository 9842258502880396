"""A minimal keep-alive HTTP/1.1 JSON client for load tests.

httpx costs ~5 ms of CPU per request on the CI machine's 2 cores, more than the sidecar under
test; this client (one connection per worker, ``Content-Length`` bodies only, which is all
the sidecar's JSON endpoints send) costs a fraction of that, so a 10,000-request test measures
the sidecar rather than the load generator.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class RawConnection:
    """One persistent connection; reconnects after the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, body: Any) -> tuple[int, Any]:
        """POST ``body`` as JSON; returns (status, decoded JSON or None).

        Raises:
            ConnectionError: the connection broke before a full response arrived.
        """
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        payload = json.dumps(body).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        try:
            self._writer.write(head.encode() + payload)
            await self._writer.drain()
            status_line = await self._reader.readline()
            if not status_line:
                raise ConnectionError("connection closed by server")
            status = int(status_line.split()[1])
            length, close = 0, False
            while (line := await self._reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and "close" in value.lower():
                    close = True
            data = await self._reader.readexactly(length) if length else b""
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            await self.close()
            raise ConnectionError(str(exc)) from exc
        if close:
            await self.close()
        return status, json.loads(data) if data else None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
