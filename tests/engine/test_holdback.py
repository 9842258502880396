"""Unit tests of the hold-back's text alignment (the property test covers whole streams)."""

from __future__ import annotations

import pytest

from guard.engine.holdback import map_rewrite


@pytest.mark.parametrize(("lo", "hi", "expected"), [
    (0, 8, "mail to "),
    (0, 25, "mail to <EMAIL> or call "),
    (8, 25, "<EMAIL> or call "),
    (12, 25, "<EMAIL> or call "),      # lo inside a span: the span's replacement is sent
    (25, 40, "<PHONE> now"),
    (0, 40, "mail to <EMAIL> or call <PHONE> now"),
])
def test_map_rewrite_aligns_on_unchanged_gaps(lo: int, hi: int, expected: str) -> None:
    original = "mail to bob@x.io or call 555 0100 now"
    rewritten = "mail to <EMAIL> or call <PHONE> now"
    spans = [(8, 16), (25, 33)]
    assert original[8:16] == "bob@x.io" and original[25:33] == "555 0100"
    assert map_rewrite(original, rewritten, spans, lo, min(hi, len(original))) == expected


def test_map_rewrite_with_replacement_containing_gap_text() -> None:
    original = "a X b Y c"
    rewritten = "a [b] b [c] c"  # replacements that contain the next gap's text
    assert map_rewrite(original, rewritten, [(2, 3), (6, 7)], 0, 9) == rewritten
    assert map_rewrite(original, rewritten, [(2, 3), (6, 7)], 3, 6) == " b "


def test_map_rewrite_falls_back_when_not_a_span_replacement() -> None:
    original = "hello world"
    rewritten = "HELLO world"  # not explained by the given span: difflib alignment
    assert map_rewrite(original, rewritten, [(0, 2)], 5, 11) == " world"
