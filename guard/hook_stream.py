"""Streamed completions for ``guard.wrap(client)``: the client's chunk types around the core.

What is released is decided by the core's streaming guard (:mod:`guard.engine.stream`), the
same one the sidecar uses, so both hold back and release the same text per choice. This
module only converts the ``openai`` client's chunk objects to and from the core's chunk dicts,
and turns a block into :class:`GuardBlocked` before any unchecked character is returned.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from guard.engine.stream import Chunk, StreamGuard, StreamStep
from guard.errors import GuardBlocked
from guard.redaction import redact_text
from guard.types import CheckContext

if TYPE_CHECKING:
    from guard.guard import Guard


class _ChunkTypes:
    """Converts between the client's chunk objects and plain chunk dicts."""

    def __init__(self) -> None:
        self.chunk_type: Any = None

    def to_dict(self, chunk: Any) -> Chunk:
        if isinstance(chunk, dict):
            return chunk
        self.chunk_type = type(chunk)
        dumped: Chunk = chunk.model_dump()
        return dumped

    def from_dict(self, chunk: Chunk) -> Any:
        if self.chunk_type is None:
            return chunk
        return self.chunk_type.model_validate(chunk)


def _out(types: _ChunkTypes, step: StreamStep) -> list[Any]:
    chunks = [types.from_dict(c) for c in step.chunks]
    if step.blocked is not None:
        raise GuardBlocked(step.blocked)
    return chunks


async def _step(core: StreamGuard, types: _ChunkTypes, chunk: Any) -> list[Any]:
    """Feed one upstream chunk; return the chunks that may now go to the caller."""
    out = [types.from_dict(c) for c in core.ingest(types.to_dict(chunk))]
    return out + _out(types, await core.release())


async def _finish(core: StreamGuard, types: _ChunkTypes) -> list[Any]:
    return _out(types, await core.finish())


async def astream(guard: Guard, stream: AsyncIterator[Any],
                  context: CheckContext) -> AsyncIterator[Any]:
    """Every stream leaves one audit record: completed, blocked, upstream failure, or the
    caller stopped reading (with the characters it was given)."""
    core, types = guard.open_stream(context), _ChunkTypes()
    try:
        async for chunk in stream:
            for out in await _step(core, types, chunk):
                yield out
        for out in await _finish(core, types):
            yield out
    except GuardBlocked:
        raise
    except Exception as exc:
        await _failed(core, exc)
        raise
    finally:
        if not core.recorded:
            await core.audit(end="client_disconnected")


def stream(guard: Guard, chunks: Iterator[Any], context: CheckContext) -> Iterator[Any]:
    """Sync twin of :func:`astream`: upstream reads stay in the caller's thread, checks run on
    the guard's loop."""
    core, types = guard.open_stream(context), _ChunkTypes()
    try:
        for chunk in chunks:
            yield from guard.call_sync(_step(core, types, chunk))
        yield from guard.call_sync(_finish(core, types))
    except GuardBlocked:
        raise
    except Exception as exc:
        guard.call_sync(_failed(core, exc))
        raise
    finally:
        if not core.recorded:
            guard.call_sync(core.audit(end="client_disconnected"))


async def _failed(core: StreamGuard, exc: Exception) -> None:
    await core.audit(upstream_error=redact_text(f"{type(exc).__name__}: {exc}"),
                     end="upstream_failed")
