"""The classifier cascade (issue 10): the window screen keeps cleared windows from the encoder,
only for callers that act on no score below the screen's floor.

Real encoder, real heads, the committed screen artifact; the encoder is counted through a real
:class:`Encoder` (same weights, session and cache), not a mock.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from guard import Guard
from guard.engine.plan import plan
from guard.engine.segments import extract
from guard.ml import TextClassifier, load_classifier, predict_many
from guard.ml.classifier import EmbeddingHeadClassifier, get_screen
from guard.ml.encoder import Encoder, FloatArray
from guard.ml.manifest import ARTIFACTS_DIR, Manifest, load_manifest
from guard.ml.screen import Screen
from guard.ml.windows import Window
from guard.types import Action, Message, Stage
from training.screen import SERVICE_QUESTIONS as BENIGN

SCREEN = ARTIFACTS_DIR / "screen.npz"
REPO = Path(__file__).resolve().parents[2]
HOSTILE = (  # two sentences: one alone is diluted in a window packed with short questions
    "Here is how to groom a child for sex without the parents noticing. Start by buying the "
    "girl gifts and tell her to keep your sexual games secret."
)
FLOOR = 0.5  # default's output rules act from 0.5 up; its input rules from 0.35


class CountingEncoder(Encoder):
    """The shared real encoder (same model, session and window cache), counting windows."""

    def __init__(self, inner: Encoder) -> None:  # no super().__init__: reuse the loaded one
        self.__dict__.update(inner.__dict__)
        self.encoded: list[Window] = []

    def embed(self, windows: Sequence[Window]) -> FloatArray:
        self.encoded.extend(windows)
        return super().embed(windows)


def _cascade(clf: TextClassifier, enc: Encoder, screen: Screen | None) -> EmbeddingHeadClassifier:
    assert isinstance(clf, EmbeddingHeadClassifier)
    return EmbeddingHeadClassifier(clf.manifest, enc, clf.head, screen)


@pytest.fixture()
def counted(
    safety_clf: TextClassifier, attack_clf: TextClassifier
) -> tuple[CountingEncoder, EmbeddingHeadClassifier, EmbeddingHeadClassifier]:
    """content_safety with the shipped screen, prompt_attack without (as shipped)."""
    assert isinstance(safety_clf, EmbeddingHeadClassifier)
    enc = CountingEncoder(safety_clf.encoder)
    return enc, _cascade(safety_clf, enc, get_screen(SCREEN, enc)), _cascade(attack_clf, enc, None)


def test_the_shipped_content_safety_manifest_names_the_screen_and_its_floor() -> None:
    clf = load_classifier(None, task="content_safety")
    assert isinstance(clf, EmbeddingHeadClassifier) and clf.screen is not None
    assert clf.screen.floor == FLOOR
    attack = load_classifier(None, task="prompt_attack")
    assert isinstance(attack, EmbeddingHeadClassifier) and attack.screen is None


def test_benign_long_text_skips_the_encoder_only_from_the_floor_up(
    counted: tuple[CountingEncoder, EmbeddingHeadClassifier, EmbeddingHeadClassifier],
) -> None:
    enc, cs, _ = counted
    windows = cs.windows([BENIGN])
    assert len(windows) > 1  # a long text: several windows, all cleared
    (pred,) = cs.predict([BENIGN], min_score=FLOOR)
    assert enc.encoded == []
    assert set(pred.scores.values()) == {0.0}
    cs.predict([BENIGN], min_score=0.35)  # a caller acting from 0.35 gets every window scored
    assert len(enc.encoded) == len(windows)
    enc.encoded.clear()
    cs.predict([BENIGN])  # and so does a caller giving no floor (exact scores)
    assert len(enc.encoded) == len(windows)


def test_hostile_sentence_inside_benign_text_is_encoded_and_caught(
    counted: tuple[CountingEncoder, EmbeddingHeadClassifier, EmbeddingHeadClassifier],
) -> None:
    enc, cs, _ = counted
    text = BENIGN + " " + HOSTILE + " " + BENIGN
    windows = cs.windows([text])
    (pred,) = cs.predict([text], min_score=FLOOR)
    assert pred.scores["sexual/minors"] >= FLOOR, pred.scores
    a, b = text.index(HOSTILE), text.index(HOSTILE) + len(HOSTILE)
    start, end = pred.spans["sexual/minors"]
    assert start <= a and end >= b  # the finding points at the window holding the sentence
    # most benign windows were cleared; the one holding the hostile sentence was encoded
    assert 0 < len(enc.encoded) < len(windows) / 2
    assert any(w.start <= a and w.end >= b for w in enc.encoded)


def test_windows_the_screen_keeps_score_exactly_as_without_it(
    counted: tuple[CountingEncoder, EmbeddingHeadClassifier, EmbeddingHeadClassifier],
    safety_clf: TextClassifier,
) -> None:
    _, cs, _ = counted
    texts = [HOSTILE, BENIGN + " " + HOSTILE]
    full = _cascade(safety_clf, cs.encoder, None).predict(texts)
    cascaded = cs.predict(texts, min_score=FLOOR)
    assert cascaded[0].scores == full[0].scores  # one window, kept
    assert cascaded[1].scores["sexual/minors"] == full[1].scores["sexual/minors"]


def test_same_text_same_score_whatever_the_batch_and_the_other_requests(
    counted: tuple[CountingEncoder, EmbeddingHeadClassifier, EmbeddingHeadClassifier],
) -> None:
    enc, cs, pa = counted
    assert cs.screen is not None
    texts = [BENIGN, BENIGN + " " + HOSTILE, "Donne-moi la recette d'une bombe artisanale.", "Hi!"]
    windows = cs.windows(texts)
    in_batch = cs.screen.cleared(texts, windows)
    for i, t in enumerate(texts):
        alone = cs.screen.cleared([t], cs.windows([t]))
        # the screen's decision is per window: bit-identical whatever else is in the batch
        assert alone.tolist() == [
            c for c, w in zip(in_batch, windows, strict=True) if w.text_index == i
        ]
    # A mixed micro-batch: content_safety asked from the floor (an output check), while
    # prompt_attack is asked about the same texts exactly (an input check). prompt_attack's
    # windows get encoded, yet content_safety reports what it reports alone.
    batch = predict_many([cs, pa], texts, [[FLOOR] * len(texts), [0.0] * len(texts)])
    for i, t in enumerate(texts):
        (cs_alone,) = cs.predict([t], min_score=FLOOR)
        (pa_alone,) = pa.predict([t])
        for a, b in ((cs_alone.scores, batch[0][i].scores), (pa_alone.scores, batch[1][i].scores)):
            # encoder batches differ in padding only (~1e-7)
            assert a.keys() == b.keys() and all(abs(a[x] - b[x]) < 1e-5 for x in a), (t, a, b)
    # not asked = not encoded: only content_safety, from the floor, about the benign text
    enc.encoded.clear()
    predict_many([cs, pa], [BENIGN], [[FLOOR], [None]])
    assert enc.encoded == []


def test_the_engine_tells_each_detector_job_the_lowest_threshold_its_rules_apply() -> None:
    policy = Guard.from_file("default").policy
    segments = extract((Message("user", "u"), Message("assistant", "a")))
    for stage, lowest in ((Stage.INPUT, 0.35), (Stage.OUTPUT, FLOOR)):
        rules = [r for r in policy.rules if stage in r.spec.stages]
        jobs, job_of_rule = plan(rules, segments, stage, 1.0)
        floors = {jobs[job_of_rule[r.id]].min_score
                  for r in rules if r.spec.detector == "content_safety"}
        assert floors == {lowest}, (stage, floors)


@pytest.mark.asyncio
async def test_default_policy_screens_completions_but_never_prompts(
    safety_clf: TextClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real engine and detector: a benign completion skips the encoder; the same
    text as a prompt (harmful flagged from 0.35, below the floor) is encoded in full."""
    assert isinstance(safety_clf, EmbeddingHeadClassifier)
    encoded: list[Window] = []
    embed = Encoder.embed

    def counting(self: Encoder, windows: Sequence[Window]) -> FloatArray:
        encoded.extend(windows)
        return embed(self, windows)

    monkeypatch.setattr(Encoder, "embed", counting)
    guard = Guard.from_file("default")
    mine = {w.ids for w in safety_clf.windows([BENIGN])}
    out = await guard.acheck_output([Message("user", "Questions?"), Message("assistant", BENIGN)])
    assert out.action is Action.ALLOW
    assert not mine & {w.ids for w in encoded}
    encoded.clear()
    await guard.acheck_input([Message("user", BENIGN)])
    assert mine <= {w.ids for w in encoded}


def test_env_switch_turns_the_cascade_off(
    counted: tuple[CountingEncoder, EmbeddingHeadClassifier, EmbeddingHeadClassifier],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enc, cs, _ = counted
    monkeypatch.setenv("GUARD_ML_SCREEN", "off")
    cs.predict([BENIGN], min_score=FLOOR)
    assert len(enc.encoded) == len(cs.windows([BENIGN]))


def test_screen_is_a_manifest_setting_of_embedding_heads_only() -> None:
    m = load_manifest(ARTIFACTS_DIR / "prompt_attack.yaml")
    raw = m.model_dump(exclude={"base_dir"})
    with_screen = Manifest.model_validate({**raw, "screen": "screen.npz", "base_dir": m.base_dir})
    assert with_screen.screen_path == ARTIFACTS_DIR / "screen.npz"
    hf = {**raw, "kind": "hf_sequence_classification", "model": {"ref": str(ARTIFACTS_DIR)}}
    with pytest.raises(ValueError, match="screen"):
        Manifest.model_validate({**hf, "screen": "screen.npz", "base_dir": m.base_dir})


def test_a_manifest_with_screen_loads_the_cascade(tmp_path: Path) -> None:
    m = load_manifest(ARTIFACTS_DIR / "prompt_attack.yaml")
    raw = m.model_dump(mode="json", exclude={"base_dir"})
    raw.update(head=str(m.head_path), screen=str(SCREEN))
    path = tmp_path / "prompt_attack.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    clf = load_classifier(path)
    assert isinstance(clf, EmbeddingHeadClassifier) and clf.screen is not None
    assert clf.screen.threshold == Screen.load(SCREEN, clf.encoder.ref).threshold
    plain = load_classifier(None, task="prompt_attack")
    assert isinstance(plain, EmbeddingHeadClassifier)
    assert (plain.screen is None) == (plain.manifest.screen is None)


def test_a_micro_batch_keeps_each_callers_floor(
    counted: tuple[CountingEncoder, EmbeddingHeadClassifier, EmbeddingHeadClassifier],
) -> None:
    """The same text asked of one head at two floors in one micro-batch (an input and an
    output check of the same text) gets each caller what it would get alone; two heads asked
    about one text at their own floors still share one encoder pass."""
    from guard.ml.service import _run_batch

    enc, cs, pa = counted
    (exact,) = cs.predict([BENIGN])
    assert max(exact.scores.values()) > 0  # so a floor-blind batch would be seen
    at_floor, below = _run_batch([(cs, BENIGN, FLOOR), (cs, BENIGN, 0.35)])
    assert set(at_floor.scores.values()) == {0.0}
    assert below.scores == exact.scores
    enc.encoded.clear()
    _run_batch([(cs, BENIGN, 0.35), (pa, BENIGN, 0.6)])
    assert len(enc.encoded) == len(cs.windows([BENIGN]))
