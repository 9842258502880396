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
    core, types = guard.open_stream(context), _ChunkTypes()
    async for chunk in stream:
        for out in await _step(core, types, chunk):
            yield out
    for out in await _finish(core, types):
        yield out


def stream(guard: Guard, chunks: Iterator[Any], context: CheckContext) -> Iterator[Any]:
    """Sync twin of :func:`astream`: upstream reads stay in the caller's thread, checks run on
    the guard's loop."""
    core, types = guard.open_stream(context), _ChunkTypes()
    for chunk in chunks:
        yield from guard.call_sync(_step(core, types, chunk))
    yield from guard.call_sync(_finish(core, types))
