"""The streaming hold-back window: the sidecar's guarantee for streamed completions.

Guarantee: with output rules active, no character reaches the client before every active
output detector has cleared the text up to that character, in context. Concretely, for one
streamed choice:

- the completion so far is ``text``; ``released`` characters of it have been sent;
- a check runs on ``text[start : end]``: the unreleased text plus a look-behind of at least
  ``lookbehind`` already-released characters (``start`` rounded down to a multiple of it, so
  it stays put while the answer grows), so a span split across chunks (``"bob@ex"`` +
  ``"ample.com"``) is seen whole;
- only ``text[released : end - window]`` may then be released: a blocking span of up to
  ``window`` characters that is still incomplete at ``end`` (and so not yet matched) starts
  inside the held-back tail and has not been sent. Pattern detectors that can say where a
  match still in progress starts (``hold_from``: partial matching, see
  ``guard.detectors.spans``) replace the fixed width they would need with that point, so the
  tail held is the policy's ``window`` or the open span, whichever starts earlier;
- a release point never falls inside a span a ``rewrite`` rule found, and what is released is
  the *rewritten* text, so a masked e-mail is masked chunk by chunk;
- a ``block`` decision releases nothing more: the caller ends the stream.

When the upstream finishes, :meth:`HoldBack.advance` with ``final=True`` checks and releases
the remaining tail. The window is the TTFT cost: the first character goes out once
``window`` characters have arrived and been checked (or at the end, for short answers).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from guard.types import Action, Decision

Checker = Callable[[str], Awaitable[Decision]]
"""Runs the output policy on one assistant text; returns the core's decision."""

HoldFrom = Callable[[str, int], int]
"""``(text, end)`` -> where in ``text[:end]`` a pattern match that more text could complete or
lengthen may start (``end`` when none): that part is held back whatever ``window`` says."""


@dataclass(frozen=True, slots=True)
class Release:
    """The outcome of one :meth:`HoldBack.advance`: text to send, and the decision behind it."""

    text: str
    decision: Decision | None

    @property
    def blocked(self) -> bool:
        return self.decision is not None and self.decision.action is Action.BLOCK


class HoldBack:
    """Hold-back state of one streamed choice (see the module docstring).

    Args:
        check: runs the output policy on a text.
        window: characters held back at the end until more text (or the end) arrives.
        lookbehind: already-released characters re-checked as context.
        max_check_chars: most unreleased characters the first check covers (0: no limit);
            bounds the latency of that check, hence TTFT, when the upstream sends a burst.
            The cap doubles after each release, so a long burst costs O(log n) checks.
        hold_from: where open pattern matches start (see :data:`HoldFrom`); None when the
            caller's ``window`` already covers every pattern.
    """

    def __init__(self, check: Checker, *, window: int, lookbehind: int,
                 max_check_chars: int = 0, hold_from: HoldFrom | None = None) -> None:
        self._check = check
        self._hold_from = hold_from
        self._held: tuple[int, int] = (-1, 0)  # (end, hold_from(text, end)): text only grows
        self.window = max(0, window)
        self.lookbehind = max(self.window, lookbehind)
        self.max_check_chars = max(0, max_check_chars) and max(max_check_chars, self.window + 1)
        self._cap = self.max_check_chars
        self.text = ""
        self.released = 0          # characters of ``text`` already released
        self.sent_chars = 0        # characters actually sent (after rewriting)
        self.checks = 0
        self._uncap = False        # the last capped check could not release: check it all
        self._stalled_at = -1      # text length at which an uncapped check released nothing
        self.decision: Decision | None = None   # strongest decision so far
        self.segment = ""                       # the text that decision was made on
        self.blocked = False

    def feed(self, piece: str) -> None:
        self.text += piece

    @property
    def pending(self) -> int:
        return len(self.text) - self.released

    def _bounds(self, final: bool) -> tuple[int, int, bool]:
        """(end of the text to check, release target, whether the cap applied)."""
        end = len(self.text)
        capped = False
        if self._cap and not self._uncap and self.released + self._cap < end:
            end, capped = self.released + self._cap, True
        target = end if final and not capped else end - self.window
        if target > self.released and not (final and not capped) and self._hold_from:
            if self._held[0] != end:
                self._held = (end, self._hold_from(self.text, end))
            target = min(target, self._held[1])
        return end, target, capped

    def releasable(self, *, final: bool = False) -> bool:
        """Whether :meth:`advance` would have anything to check and release."""
        if self.blocked or (not final and self._stalled_at == len(self.text)):
            return False
        return self._bounds(final)[1] > self.released

    async def advance(self, *, final: bool = False) -> Release:
        """Check the unreleased text (up to ``max_check_chars`` of it) and release what the
        decision allows; call again while :meth:`releasable` says so."""
        if not self.releasable(final=final):
            return Release("", None)
        end, target, capped = self._bounds(final)
        start = self._context_start()
        segment = self.text[start:end]
        decision = await self._check(segment)
        self.checks += 1
        self.remember(decision, segment)
        if decision.action is Action.BLOCK:
            self.blocked = True
            return Release("", decision)
        # Release boundary in segment coordinates, moved back out of any rewrite span.
        boundary = target - start
        spans = rewrite_spans(decision) if decision.action is Action.REWRITE else []
        for s, e in spans:
            if s < boundary < e:
                boundary = s
        released_local = self.released - start
        if boundary <= released_local:
            # A rewrite span straddles the release point: wait for more text (uncapped).
            if capped:
                self._uncap = True
            elif not final:
                self._stalled_at = len(self.text)
            return Release("", decision)
        self._uncap = False
        if spans:
            rewritten = decision.output_text
            if rewritten is None:
                rewritten = segment
            text = map_rewrite(segment, rewritten, spans, released_local, boundary)
        else:
            text = segment[released_local:boundary]
        self.released = start + boundary
        self.sent_chars += len(text)
        self._cap = min(self._cap * 2, 1 << 20)
        return Release(text, decision)

    def _context_start(self) -> int:
        """Start of the checked text: at least ``lookbehind`` characters before the release
        point, rounded down to a multiple of ``lookbehind``. The rounding keeps the start
        still while the answer grows, so consecutive checks see the same prefix and a
        window-based detector (the classifiers' encoder cache) does not encode it again."""
        start = max(0, self.released - self.lookbehind)
        return start - start % self.lookbehind if self.lookbehind else start

    def remember(self, decision: Decision, segment: str = "") -> None:
        """Keep the strongest (latest on ties) decision and its text, for the audit record."""
        if self.decision is None or decision.action.severity >= self.decision.action.severity:
            self.decision = decision
            self.segment = segment


def rewrite_spans(decision: Decision) -> list[tuple[int, int]]:
    """Merged (overlapping or touching) spans that enforced rewrite rules found in the text."""
    raw = sorted(
        (f.start, f.end)
        for rule in decision.fired_rules if rule.action is Action.REWRITE
        for f in rule.findings
        if f.end > f.start and (f.segment is None or f.segment.part == "content")
    )
    merged: list[tuple[int, int]] = []
    for s, e in raw:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def map_rewrite(original: str, rewritten: str, spans: list[tuple[int, int]],
                lo: int, hi: int) -> str:
    """The part of ``rewritten`` that corresponds to ``original[lo:hi]``.

    The core rewrites span by span: ``rewritten`` is the original with each span replaced.
    The unchanged gaps between spans anchor the alignment; ``lo``/``hi`` that fall in a gap
    map exactly. A ``lo`` inside a span (its start was released before it looked like a
    span) maps to the start of that span's replacement.
    """
    positions = _align(original, rewritten, spans)
    if positions is None:
        return _align_difflib(original, rewritten, lo, hi)

    def to_rewritten(p: int) -> int:
        offset = 0  # rewritten minus original position, after the spans passed so far
        for (s, e), (r_start, r_end) in zip(spans, positions, strict=True):
            if p < s:
                return p + offset
            if p < e:
                return r_start
            offset = r_end - e
        return p + offset

    return rewritten[to_rewritten(lo):to_rewritten(hi)]


def _align(original: str, rewritten: str,
           spans: list[tuple[int, int]]) -> list[tuple[int, int]] | None:
    """Where each span's replacement sits in ``rewritten``, or None if it does not fit."""
    gaps, prev = [], 0
    for s, e in spans:
        gaps.append(original[prev:s])
        prev = e
    gaps.append(original[prev:])
    pattern = "(.*?)".join(re.escape(g) for g in gaps)
    match = re.fullmatch(pattern, rewritten, flags=re.DOTALL)
    if match is None:
        return None
    return [match.span(i + 1) for i in range(len(spans))]


def _align_difflib(original: str, rewritten: str, lo: int, hi: int) -> str:
    """Fallback alignment when the rewrite is not a pure span replacement."""
    opcodes = difflib.SequenceMatcher(None, original, rewritten, autojunk=False).get_opcodes()

    def to_rewritten(p: int) -> int:
        for tag, i1, i2, j1, _j2 in opcodes:
            if i1 <= p < i2:
                return j1 + (p - i1) if tag == "equal" else j1
        return len(rewritten)

    return rewritten[to_rewritten(lo):to_rewritten(hi)]
