"""Steps a typed event stream (Responses API, Anthropic Messages) gives the core stream guard.

A format's stepper turns each upstream event into steps: chat-shaped chunks carrying the
event's text (one core "choice" per output block, so each block has its own hold-back),
``Settle`` (the block ended: check and release its tail now, so blocks go out in order), or
an event to pass on once everything before it was released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Chunk:
    """Text of the event for the core, as a chat chunk."""

    chunk: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Settle:
    """Block ``index`` ended: release its tail (checked) before anything else goes out."""

    index: int


@dataclass(frozen=True, slots=True)
class Emit:
    """An event to send once what came before it was released."""

    event: dict[str, Any]


Step = Chunk | Settle | Emit
