"""Real Presidio with the PyPI spaCy model: no mocks."""

from __future__ import annotations

import asyncio

import pytest

from guard.detectors import pii


@pytest.fixture(scope="module")
def detector() -> pii.PiiDetector:
    det = pii.build({})
    det.warmup()
    return det


def _cats(det: pii.PiiDetector, text: str) -> dict[str, str]:
    findings = asyncio.run(det.detect([text]))[0]
    return {f.category: text[f.start:f.end] for f in findings}


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("write to jane.doe@example.com today", "EMAIL_ADDRESS", "jane.doe@example.com"),
        ("my card is 4111 1111 1111 1111", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("IBAN GB82 WEST 1234 5698 7654 32 please", "IBAN_CODE", "GB82 WEST 1234 5698 7654 32"),
        ("my ssn is 536-22-1234", "US_SSN", "536-22-1234"),
        ("server at 192.168.1.10", "IP_ADDRESS", "192.168.1.10"),
        ("Hi, I'm John Smith from Boston", "PERSON", "John Smith"),
        ("call me at (212) 555-0123", "PHONE_NUMBER", "(212) 555-0123"),
    ],
)
def test_english_entities(detector: pii.PiiDetector, text: str, category: str,
                          value: str) -> None:
    assert _cats(detector, text).get(category) == value


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("Appelez-moi au 06 12 34 56 78", "FR_PHONE_NUMBER", "06 12 34 56 78"),
        ("mon portable : +33 6 12 34 56 78", "FR_PHONE_NUMBER", "+33 6 12 34 56 78"),
        ("numéro de sécurité sociale 1 85 05 78 006 084 91", "FR_NIR", "1 85 05 78 006 084 91"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189", "IBAN_CODE",
         "FR76 3000 6000 0112 3456 7890 189"),
    ],
)
def test_french_identifiers_without_a_french_model(detector: pii.PiiDetector, text: str,
                                                    category: str, value: str) -> None:
    assert _cats(detector, text).get(category) == value


def test_nir_with_a_wrong_key_is_rejected(detector: pii.PiiDetector) -> None:
    assert "FR_NIR" not in _cats(detector, "numéro de sécurité sociale 1 85 05 78 006 084 37")


def test_custom_recognizer_from_policy_settings() -> None:
    det = pii.build({"entities": ["EMPLOYEE_ID"], "nlp": "patterns", "custom": [
        {"entity": "EMPLOYEE_ID", "patterns": [{"regex": r"\bEMP-\d{6}\b", "score": 0.9}]}]})
    assert _cats(det, "badge EMP-123456 lost") == {"EMPLOYEE_ID": "EMP-123456"}


def test_lowercase_french_phrase_is_not_a_person(detector: pii.PiiDetector) -> None:
    assert "PERSON" not in _cats(detector, "mon NIR est 2 69 02 99 341 732 85")


@pytest.mark.parametrize("text", [
    # the small English NER model tagged each as a person: "in <PERSON>", "<PERSON> monads"
    "How can I terminate a hanging thread in Java?",
    "What is Kubernetes?",
    "Explain Haskell monads simply.",
    "How do I configure Jenkins pipelines?",
])
def test_a_software_name_is_not_a_person(detector: pii.PiiDetector, text: str) -> None:
    assert "PERSON" not in _cats(detector, text)


@pytest.mark.parametrize(("text", "name"), [
    ("My colleague John Smith asked me to review his code.", "John Smith"),
    ("Send the Java report to Paul Martin.", "Paul Martin"),
    ("Julia Roberts starred in Pretty Woman.", "Julia Roberts"),
])
def test_a_person_beside_a_software_name_is_still_found(detector: pii.PiiDetector, text: str,
                                                        name: str) -> None:
    assert name in _cats(detector, text).get("PERSON", "")


@pytest.mark.parametrize(("text", "name"), [
    # the request's verb was read as a first name: "<PERSON> about the meeting."
    ("Email John about the meeting.", "John"),
    ("Tell Mrs Jenkins I will be late.", "Mrs Jenkins"),
    ("Thanks. Email John Smith the file.", "John Smith"),
    ("Please Email John.", "John"),
])
def test_a_request_verb_opening_the_sentence_is_not_part_of_the_name(
        detector: pii.PiiDetector, text: str, name: str) -> None:
    assert _cats(detector, text).get("PERSON") == name


def test_only_a_span_made_of_software_names_and_an_opening_verb_is_dropped() -> None:
    assert pii.names_software("Java") and pii.names_software("Explain Haskell")
    assert pii.names_software("Kubernetes's")
    assert not pii.names_software("Mrs Jenkins") and not pii.names_software("Tell Mrs Jenkins")
    assert not pii.names_software("Julia") and not pii.names_software("Paul Martin")


@pytest.mark.parametrize("text", [
    "Jane Doe lives in Paris and likes tea.",             # no digit, no @: PERSON only
    "Call Jane on +33 6 12 34 56 78 or jane@example.com",
    "server at fe80::1 and ::ffff, card 4111 1111 1111 1111",
    "nothing personal here at all",
    "mon NIR est 1 84 12 76 451 089 46",
])
def test_fast_path_finds_what_the_full_analysis_finds(detector: pii.PiiDetector,
                                                      text: str) -> None:
    """Skipping recognizers that cannot fire (no digit, no @) changes no finding."""
    analyzer = pii._analyzer(*detector._key)
    full = [r for r in analyzer.analyze(text=text, language="en", entities=detector._entities)
            if pii._opening_verb_trimmed(text, r) is not None]  # "Call Jane" -> "Jane"
    expected = pii._dedupe([
        pii.Finding("pii", r.entity_type, float(r.score), r.start, r.end) for r in full
        if pii._plausible(r.entity_type, text[r.start:r.end])])
    got = asyncio.run(detector.detect([text]))[0]
    assert [(f.category, f.start, f.end, f.score) for f in got] == [
        (f.category, f.start, f.end, f.score) for f in expected]


def test_fast_path_with_patterns_only_and_nothing_to_find() -> None:
    """Without NER (no PERSON recognizer) a text with no digit and no @ is not analysed."""
    det = pii.build({"nlp": "patterns"})
    assert asyncio.run(det.detect(["plain words only", "mail a@b.co"])) == [
        [], [pii.Finding("pii", "EMAIL_ADDRESS", 1.0, 5, 11, "EMAIL_ADDRESS recognised")]]
