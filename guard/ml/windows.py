"""Sliding windows over tokens.

Classifier encoders see at most a few hundred tokens. Truncating silently would let an attacker
hide an injection after a long benign preamble, so every text is cut into overlapping token
windows, each window is scored, and the text's score is the max over its windows. Windows keep
the character span they cover so a finding can point at the offending part of the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Window:
    """One window of one text: token ids (without special tokens) and the chars they cover."""

    text_index: int
    ids: tuple[int, ...]
    start: int
    end: int


def split_windows(
    tokenizer: Any,
    texts: Sequence[str],
    window_tokens: int,
    stride_tokens: int,
) -> list[Window]:
    """Tokenise ``texts`` once (with offsets) and cut each into overlapping windows.

    ``window_tokens`` counts the special tokens too ([CLS] ... [SEP]), so a window always fits
    the encoder. Every text yields at least one window (an empty text gives an empty window).
    """
    body = max(1, window_tokens - 2)
    step = max(1, min(stride_tokens, body))
    enc = tokenizer(
        list(texts),
        add_special_tokens=False,
        return_offsets_mapping=True,
        truncation=False,
        verbose=False,
    )
    windows: list[Window] = []
    for i, (ids, offsets) in enumerate(zip(enc["input_ids"], enc["offset_mapping"], strict=True)):
        n = len(ids)
        if n == 0:
            windows.append(Window(i, (), 0, len(texts[i])))
            continue
        start = 0
        while True:
            stop = min(n, start + body)
            windows.append(
                Window(i, tuple(ids[start:stop]), int(offsets[start][0]), int(offsets[stop - 1][1]))
            )
            if stop >= n:
                break
            start += step
    return windows


def pad_batch(
    seqs: Sequence[Sequence[int]], pad_id: int = 0
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Right-padded ``input_ids`` and ``attention_mask`` for sequences of unequal length."""
    width = max(len(s) for s in seqs)
    ids = np.full((len(seqs), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(seqs), width), dtype=np.int64)
    for r, s in enumerate(seqs):
        ids[r, : len(s)] = s
        mask[r, : len(s)] = 1
    return ids, mask
