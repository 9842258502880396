"""Sentence-aligned windows: one hostile sentence in a long benign text stays undiluted."""

from __future__ import annotations

from guard.ml import TextClassifier
from guard.ml.windows import sentence_windows, split_windows

SENTENCES = [
    "Our hiking club met on Saturday at the north trailhead.",
    "The weather was mild and the group walked twelve kilometres along the ridge.",
    "Several members photographed wildflowers near the lake!",
    "Why did the valley look so green this year?",
    "The guide explained how glaciers carved the valley long ago.",
]


def test_short_text_is_one_window(attack_clf: TextClassifier) -> None:
    tok = attack_clf.encoder.tokenizer  # type: ignore[attr-defined]
    wins = split_windows(tok, [" ".join(SENTENCES)], 128, 96, sentence_tokens=64)
    assert len(wins) == 1 and wins[0].start == 0


def test_every_short_sentence_lies_whole_in_a_window_with_little_before_it(
    attack_clf: TextClassifier,
) -> None:
    tok = attack_clf.encoder.tokenizer  # type: ignore[attr-defined]
    text = " ".join(SENTENCES * 12)
    wins = split_windows(tok, [text], 128, 96, sentence_tokens=64)
    assert len(wins) > 5
    assert wins[0].start == 0 and wins[-1].end == len(text)
    assert all(len(w.ids) <= 62 for w in wins)
    starts, spans = [0], [(0, len(SENTENCES[0]))]
    for s in (SENTENCES * 12)[1:]:
        starts.append(text.index(s, starts[-1] + 1))
        spans.append((starts[-1], starts[-1] + len(s)))
    for a, b in spans:
        holding = [w for w in wins if w.start <= a and w.end >= b]
        assert holding, f"sentence at {a} is in no window"
        before = min(
            len(tok(text[w.start : a], add_special_tokens=False)["input_ids"]) for w in holding
        )
        assert before <= 31
    # windows start on sentence starts (plus the text start)
    assert {w.start for w in wins} <= set(starts)


def test_a_long_sentence_is_cut_with_overlap() -> None:
    offsets = [(i * 2, i * 2 + 1) for i in range(300)]  # 300 one-char tokens, no break
    text = " ".join("x" * 300)
    out = sentence_windows(text, offsets, 62)
    assert out[0][0] == 0 and out[-1][1] == 300
    assert all(b - a <= 62 for a, b in out)
    assert all(n[0] < p[1] for p, n in zip(out, out[1:], strict=False))  # overlapping


def test_packed_windows_hold_every_sentence_whole_and_encode_each_token_about_once(
    attack_clf: TextClassifier,
) -> None:
    tok = attack_clf.encoder.tokenizer  # type: ignore[attr-defined]
    text = " ".join(SENTENCES * 12)
    n_tokens = len(tok(text, add_special_tokens=False)["input_ids"])
    packed = split_windows(tok, [text], 128, 96, sentence_tokens=64, packed=True)
    overlapping = split_windows(tok, [text], 128, 96, sentence_tokens=64)
    assert all(len(w.ids) <= 62 for w in packed)
    assert packed[0].start == 0 and packed[-1].end == len(text)
    # whole sentences only: consecutive windows touch without overlapping
    assert all(p.end < n.start for p, n in zip(packed, packed[1:], strict=False))
    assert sum(len(w.ids) for w in packed) == n_tokens
    assert sum(len(w.ids) for w in overlapping) > 1.5 * n_tokens
    pos = 0
    for s in SENTENCES * 12:
        a = text.index(s, pos)
        pos = a + len(s)
        assert any(w.start <= a and w.end >= pos for w in packed), f"sentence at {a} split"


def test_packed_windows_still_overlap_inside_an_over_long_sentence() -> None:
    offsets = [(i * 2, i * 2 + 1) for i in range(300)]
    text = " ".join("x" * 300)
    out = sentence_windows(text, offsets, 62, packed=True)
    assert out[0][0] == 0 and out[-1][1] == 300
    assert all(b - a <= 62 for a, b in out)
    assert all(n[0] < p[1] for p, n in zip(out, out[1:], strict=False))


def test_packed_windows_restart_at_a_sentence_the_window_cut() -> None:
    # a 10-token sentence, then a 40-token one, then a 30-token one (breaks after ". ")
    words = ["a"] * 9 + ["a."] + ["b"] * 39 + ["b."] + ["c"] * 29 + ["c."]
    text = " ".join(words)
    offsets, pos = [], 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    out = sentence_windows(text, offsets, 62, packed=True)
    assert out == [(0, 50), (50, 80)]
