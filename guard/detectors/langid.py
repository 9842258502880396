"""Language identification shared by ``language`` and ``pii``: py3langid, model in the wheel.

Chosen by ``bench/language_id.py`` (900 xsafety prompts in 9 languages, whole and cut to 4
words; results in ``bench/results/language_id.jsonl``): py3langid was as accurate as lingua
(1.000 vs 0.999 whole, 0.931 vs 0.921 at 4 words) at ~0.5 ms instead of ~30 ms per text and
~140 MB instead of ~1.1 GB resident.

Answers are cached by a digest of the text (no text kept): a streamed or assembled answer is
checked again and again, and its first thousand characters, the sample every caller passes,
stop changing after the first checks; identifying them anew was some 5 % of the sidecar's
event-loop time on a streamed answer.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from guard.lru import LRU

_LOCK = threading.Lock()
UNDETERMINED = "und"
CACHE_SIZE = 4096
_T = TypeVar("_T")
_answers: LRU[tuple[str, bytes], Any] = LRU(CACHE_SIZE)


@dataclass(frozen=True, slots=True)
class Guess:
    code: str
    """ISO 639-1 code (``und`` when the text has no letters to judge)."""
    confidence: float


@functools.lru_cache(maxsize=1)
def _model() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def known_languages() -> frozenset[str]:
    return frozenset(str(code) for code in _model().nb_classes)


def most_likely(text: str, candidates: tuple[str, ...]) -> str:
    """Which of ``candidates`` ``text`` is most likely written in (the first when no letters).

    Short texts full of numbers get a low absolute confidence ("Notez mon IBAN : FR20 ...");
    comparing only the languages on offer still picks the right pipeline for them.
    """
    if len(candidates) < 2 or not any(ch.isalpha() for ch in text):
        return candidates[0]
    scores = _cached("rank", text, _rank)
    return max(candidates, key=lambda c: scores.get(c, float("-inf")))


def identify(text: str) -> Guess:
    """The most likely language of ``text`` and its normalised probability."""
    if not any(ch.isalpha() for ch in text):
        return Guess(UNDETERMINED, 0.0)
    return _cached("classify", text, _classify)


def _rank(text: str) -> dict[str, float]:
    model = _model()
    with _LOCK:
        ranked = model.rank(text)
    return {str(code): float(score) for code, score in ranked}


def _classify(text: str) -> Guess:
    model = _model()
    with _LOCK:
        code, prob = model.classify(text)
    return Guess(str(code), float(prob))


def _cached(kind: str, text: str, compute: Callable[[str], _T]) -> _T:
    key = (kind, hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest())
    found = _answers.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    answer = compute(text)
    _answers.put(key, answer)
    return answer
