"""Sliding windows over tokens.

Classifier encoders see at most a few hundred tokens. Truncating silently would let an attacker
hide an injection after a long benign preamble, so every text is cut into overlapping token
windows, each window is scored, and the text's score is the max over its windows. Windows keep
the character span they cover so a finding can point at the offending part of the text.

A long text can also be cut into short *sentence-aligned* windows (``sentence_tokens``): one
hostile sentence inside a long benign document must not be diluted by 100 tokens of benign
context around it. Windows then start and end on sentence boundaries, consecutive starts are at
most half a window apart, so any sentence shorter than half a window lies whole in a window
with at most half a window of text before it. ``packed`` windows (the shipped manifests) drop
that overlap: consecutive windows start where the previous one's last whole sentence ended, so
each token is encoded about once instead of twice, and any sentence up to a whole window still
lies whole in one window (with up to a window of text around it); only a sentence longer than
a window keeps half-window steps.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

# A sentence starts after ., !, ?, ;, : or an ellipsis followed by space, or after a line break.
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?;:\u2026])[\"'\u00bb\u201d)\]]*\s+|\n\s*)")


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
    sentence_tokens: int | None = None,
    packed: bool = False,
) -> list[Window]:
    """Tokenise ``texts`` once (with offsets) and cut each into overlapping windows.

    ``window_tokens`` counts the special tokens too ([CLS] ... [SEP]), so a window always fits
    the encoder. Every text yields at least one window (an empty text gives an empty window).
    With ``sentence_tokens``, a text longer than one window is cut into sentence-aligned
    windows of at most ``sentence_tokens`` (see the module docstring); shorter texts stay whole.
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
    for i, (ids, raw_offsets) in enumerate(
        zip(enc["input_ids"], enc["offset_mapping"], strict=True)
    ):
        offsets = word_offsets(texts[i], raw_offsets)
        n = len(ids)
        if n == 0:
            windows.append(Window(i, (), 0, len(texts[i])))
            continue
        if sentence_tokens is not None and n > body:
            body_s = max(2, sentence_tokens - 2)
            for a, b in sentence_windows(texts[i], offsets, body_s, packed):
                windows.append(
                    Window(i, tuple(ids[a:b]), int(offsets[a][0]), int(offsets[b - 1][1]))
                )
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


def word_offsets(text: str, offsets: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token character spans without the whitespace a SentencePiece token carries in front.

    A SentencePiece piece such as ``▁Our`` covers the space before its word, so its span
    starts before a sentence break's end and a sentence cut would land one token late (the
    next sentence's first word closing the previous window). WordPiece spans already start on
    the word, so they are unchanged.
    """
    out: list[tuple[int, int]] = []
    for a, b in offsets:
        a, b = int(a), int(b)
        while a < b and text[a].isspace():
            a += 1
        out.append((a, b))
    return out


def sentence_windows(
    text: str, offsets: Sequence[tuple[int, int]], body: int, packed: bool = False
) -> list[tuple[int, int]]:
    """Token ranges ``[a, b)`` of sentence-aligned windows of at most ``body`` tokens
    (``packed``: without the half-window overlap between whole sentences)."""
    n = len(offsets)
    half = max(1, body // 2)
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(text)]
    cuts = [0]
    k = 0
    for t in range(1, n):
        while k < len(breaks) and breaks[k] <= offsets[t - 1][0]:
            k += 1
        if k < len(breaks) and offsets[t][0] >= breaks[k]:
            cuts.append(t)
    # A sentence longer than half a window gets extra cut points, so no gap exceeds ``half``.
    points: list[int] = []
    for a, b in zip(cuts, [*cuts[1:], n], strict=True):
        points.extend(range(a, b, half))
    points.append(n)
    out: list[tuple[int, int]] = []
    s = 0
    while True:
        end = n if s + body >= n else points[bisect_right(points, s + body) - 1]
        out.append((s, end))
        if packed:
            if end >= n:
                return out
            # Restart at the last sentence start inside this window: at ``end`` itself when the
            # window ends on a sentence, else at the start of the sentence it cut (re-encoded
            # whole); inside one over-long sentence, half a window on.
            c = cuts[bisect_right(cuts, end) - 1]
            s = c if c > s else points[bisect_right(points, s + half) - 1]
            continue
        if end >= n and s + half >= n:
            return out
        # Also at the tail: the last sentence gets a window with at most ``half`` before it.
        s = points[bisect_right(points, s + half) - 1]


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text[start:end]`` (same breaks as the windows),
    without surrounding whitespace; empty sentences are dropped."""
    stop = len(text) if end is None else end
    segment = text[start:stop]
    cuts = [0, *(m.end() for m in _SENTENCE_BREAK.finditer(segment)), len(segment)]
    out: list[tuple[int, int]] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = segment[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if trail > lead:
            out.append((start + a + lead, start + a + trail))
    return out


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
