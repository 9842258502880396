"""An ``httpx`` transport over ``aiohttp``: the same client API, a C HTTP parser underneath.

Reading a streamed answer through ``httpx`` costs 0.1-0.2 ms of CPU per SSE chunk (``h11`` and
``httpcore`` parse in Python): 30-60 ms for a 300-token answer, more than the guard's goal for a
whole exchange. ``aiohttp`` parses in C and hands over whatever has arrived (16-18 ms for the
same stream, ``bench/RESULTS-latency.md``). The upstream code (failover, timeouts, cancellation)
stays written against ``httpx``: this transport raises the exceptions ``httpx``'s own would.
The default (``server.http_client: aiohttp``); ``server.http_client: httpx`` keeps ``httpx``'s
own transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx

_NOT_FORWARDED = frozenset({"host", "content-length", "transfer-encoding"})
"""Headers aiohttp writes itself, from the URL and the body."""


@contextmanager
def _as_httpx(request: httpx.Request, *, connecting: bool) -> Iterator[None]:
    """Raise what ``httpx`` raises for the same failure (``connecting``: before a response)."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "connect timeout", request=request) from exc
    except (TimeoutError, aiohttp.SocketTimeoutError) as exc:
        kind = httpx.ConnectTimeout if connecting else httpx.ReadTimeout
        raise kind(str(exc) or "timed out", request=request) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(str(exc), request=request) from exc
    except aiohttp.ServerDisconnectedError as exc:
        raise httpx.RemoteProtocolError(str(exc) or "server disconnected",
                                        request=request) from exc
    except aiohttp.ClientPayloadError as exc:
        raise httpx.ReadError(str(exc), request=request) from exc
    except aiohttp.ClientError as exc:
        failed = httpx.ConnectError if connecting else httpx.ReadError
        raise failed(str(exc) or type(exc).__name__, request=request) from exc


class _Body(httpx.AsyncByteStream):
    """A response body as ``aiohttp`` receives it: every piece that has arrived at once."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx(self._request, connecting=False):
            async for piece in self._response.content.iter_any():
                yield piece

    async def aclose(self) -> None:
        # Read to the end: the connection goes back to the pool. Abandoned (a blocked prompt,
        # a client gone): closed, so the upstream sees the request cancelled.
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One pooled ``aiohttp`` session behind an ``httpx.AsyncClient``."""

    def __init__(self, *, max_connections: int = 256) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                # The CA bundle httpx's own transport trusts (certifi, or SSL_CERT_FILE /
                # SSL_CERT_DIR), not the system's: switching clients changes no trust.
                connector=aiohttp.TCPConnector(limit=self._max_connections,
                                               ssl=httpx.create_ssl_context()),
                auto_decompress=False,  # httpx decodes, as with its own transport
                timeout=aiohttp.ClientTimeout(total=None),
                trust_env=True,  # HTTP(S)_PROXY and NO_PROXY, as httpx's client honours them
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout: dict[str, Any] = request.extensions.get("timeout", {})
        headers = [(k, v) for k, v in request.headers.multi_items()
                   if k.lower() not in _NOT_FORWARDED]
        body = await request.aread()
        with _as_httpx(request, connecting=True):
            response = await self._client().request(
                request.method, str(request.url), headers=headers, data=body or None,
                allow_redirects=False, skip_auto_headers=("Accept-Encoding", "User-Agent"),
                timeout=aiohttp.ClientTimeout(total=None, connect=timeout.get("pool"),
                                              sock_connect=timeout.get("connect"),
                                              sock_read=timeout.get("read")))
        return httpx.Response(
            response.status,
            headers=[(k.decode("latin-1"), v.decode("latin-1"))
                     for k, v in response.raw_headers],
            stream=_Body(response, request),
            extensions={"http_version": b"HTTP/1.1",
                        "reason_phrase": (response.reason or "").encode("latin-1")},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
