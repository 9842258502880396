"""French identifiers as Presidio recognizers, validated so random digits don't match.

- ``FR_PHONE_NUMBER``: 0X XX XX XX XX and +33 forms, with any of space/dot/dash separators.
- ``FR_NIR``: the 15-digit social-security number; its last two digits are a mod-97 key.
- ``FR_SIREN`` / ``FR_SIRET``: company (9 digits) and establishment (14 digits) numbers, Luhn
  checked (La Poste's SIRETs use their own digit-sum rule). A SIRET outscores the phone
  recognizers so its digits are no longer reported as a phone number.
- ``FR_CNI`` / ``FR_PASSPORT``: identity-card (old 12-character and 2021 9-character formats)
  and passport numbers. They look like any reference code, so they count only next to words
  that name the document.
- ``FR_LICENSE_PLATE``: SIV plates (AB-123-CD; I, O and U are never used) and the older FNI
  plates (1234 AB 75), the latter only with vehicle words nearby.
- ``FR_POSTAL_ADDRESS``: number + street type + name, with the postcode and city when present;
  it outscores the names inside it ("avenue Victor Hugo" is an address, not a person).
- ``DATE_OF_BIRTH``: a date written next to "né(e) le", "date de naissance", "born", "DOB";
  the span is the date alone.
French IBANs are covered by Presidio's own IBAN recognizer (it checks the mod-97 checksum).
Each recognizer serves one language, so :func:`french_recognizers` builds one set per language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from presidio_analyzer import LocalRecognizer, Pattern, PatternRecognizer, RecognizerResult

FRENCH_ENTITIES = (
    "FR_PHONE_NUMBER", "FR_NIR", "FR_SIREN", "FR_SIRET", "FR_CNI", "FR_PASSPORT",
    "FR_LICENSE_PLATE", "FR_POSTAL_ADDRESS", "DATE_OF_BIRTH",
)


class FrenchPhoneRecognizer(PatternRecognizer):
    def __init__(self, language: str = "en") -> None:
        super().__init__(
            supported_entity="FR_PHONE_NUMBER",
            patterns=[
                Pattern(
                    "fr_phone",
                    r"(?<![\d+])(?:(?:\+|00)33[\s.\-]?(?:\(0\)[\s.\-]?)?|0)[1-9]"
                    r"(?:[\s.\-]?\d{2}){4}(?!\d)",
                    0.7,
                )
            ],
            context=["tel", "tél", "téléphone", "telephone", "portable", "mobile", "appeler",
                     "appelez", "phone", "call", "numéro", "numero"],
            supported_language=language,
        )


class FrenchNirRecognizer(PatternRecognizer):
    def __init__(self, language: str = "en") -> None:
        super().__init__(
            supported_entity="FR_NIR",
            patterns=[
                Pattern(
                    "fr_nir",
                    r"(?<!\d)[12][\s.]?\d{2}[\s.]?(?:0[1-9]|1[0-2]|[2-9]\d)[\s.]?"
                    r"(?:\d{2}|2[AB])[\s.]?\d{3}[\s.]?\d{3}[\s.]?\d{2}(?!\d)",
                    0.5,
                )
            ],
            context=["sécurité sociale", "securite sociale", "nir", "insee", "numéro de sécu",
                     "carte vitale", "social security"],
            supported_language=language,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = re.sub(r"[\s.]", "", pattern_text).upper()
        if len(digits) != 15:
            return False
        body = digits[:13].replace("2A", "19").replace("2B", "18")
        try:
            key = 97 - int(body) % 97
        except ValueError:
            return False
        return key == int(digits[13:])


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def siren_ok(value: str) -> bool:
    digits = _digits(value)
    return len(digits) == 9 and luhn_ok(digits)


def siret_ok(value: str) -> bool:
    digits = _digits(value)
    if len(digits) != 14:
        return False
    if luhn_ok(digits) and luhn_ok(digits[:9]):
        return True
    # La Poste's establishments share one SIREN; their SIRETs sum to a multiple of 5 instead.
    return digits.startswith("356000000") and sum(map(int, digits)) % 5 == 0


class RegexRecognizer(LocalRecognizer):
    """A pattern whose reported span is its ``v`` group, with a validator and a context rule.

    Presidio's own pattern recognizer reports the whole match and turns any passed checksum
    into a score of 1.0; here the score stays the one declared, raised to ``context_score``
    only when ``context`` matches within ``window`` characters before the value.
    """

    def __init__(self, entity: str, pattern: str, score: float, *, language: str,
                 context: str | None = None, context_score: float = 0.85, window: int = 48,
                 validate: Callable[[str], bool] | None = None, flags: int = re.IGNORECASE,
                 name: str | None = None) -> None:
        self._regex = re.compile(pattern, flags)
        self._score = score
        self._context = re.compile(context, re.IGNORECASE) if context else None
        self._context_score = context_score
        self._window = window
        self._validate = validate
        self._label: str = name or f"{entity.title().replace('_', '')}Recognizer"
        super().__init__(supported_entities=[entity], supported_language=language,
                         name=self._label)

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled expression (its ``v`` group, when present, is the reported span)."""
        return self._regex

    def load(self) -> None:
        return None

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: Any = None) -> list[RecognizerResult]:
        entity = self.supported_entities[0]
        if entities and entity not in entities:
            return []
        results = []
        for m in self._regex.finditer(text):
            start, end = m.span("v") if "v" in self._regex.groupindex else m.span()
            if start == end or (self._validate and not self._validate(text[start:end])):
                continue
            score = self._score
            if self._context and self._context.search(text[max(0, m.start() - self._window):
                                                            start]):
                score = max(score, self._context_score)
            if score <= 0:
                continue
            results.append(RecognizerResult(
                entity, start, end, score,
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self._label,
                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
        return results


_SEP = r"[\s.\u00a0]?"
_STREET_TYPES = (
    r"rue|avenue|av\.|bd|boulevard|blvd|place|pl\.|impasse|all[ée]e|chemin|route|rte|quai|"
    r"cours|square|faubourg|fbg|passage|villa|cit[ée]|sentier|voie|r[ée]sidence|lotissement|"
    r"hameau|lieu-dit|parvis|esplanade|promenade|rond-point|mont[ée]e|traverse|ruelle"
)
_MONTHS = (r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|"
           r"novembre|d[ée]cembre|janv?\.?|f[ée]vr?\.?|avr\.?|juil\.?|sept?\.?|oct\.?|nov\.?|"
           r"d[ée]c\.?|january|february|march|april|may|june|july|august|september|october|"
           r"november|december")
_DATE = (rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:19|20)\d{{2}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}|"
         rf"(?:1er|\d{{1,2}})\s+(?:{_MONTHS})\s+(?:19|20)\d{{2}}|"
         rf"(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})")
_BIRTH = (r"(?:n[ée]e?|naissance|born|birth|dob|d\.o\.b\.|date of birth|birthday|"
          r"anniversaire)")


def _recognizers(language: str) -> list[LocalRecognizer]:
    return [
        RegexRecognizer(
            "FR_SIRET", rf"(?<![\d.])(?P<v>\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{5}})(?![\d])",
            0.85, language=language, validate=siret_ok,
            context=r"siret|[ée]tablissement|entreprise|soci[ée]t[ée]", context_score=0.95),
        RegexRecognizer(
            "FR_SIREN", rf"(?<![\d.])(?P<v>\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}})(?!{_SEP}\d)",
            0.35, language=language, validate=siren_ok,
            context=r"siren|rcs|soci[ée]t[ée]|entreprise|immatricul|company", context_score=0.85),
        RegexRecognizer(
            "FR_CNI",
            r"(?<![\w])(?P<v>\d{4}[0-9A-Z]{3}\d{5}|(?=[A-Z0-9]{9}\b)(?=[A-Z0-9]*\d)"
            r"(?=[A-Z0-9]*[A-Z])[A-Z0-9]{9})(?![\w])",
            0.0, language=language, flags=0, window=60, context_score=0.75,
            context=r"carte\s+(?:nationale\s+)?d.identit[ée]|\bcni\b|pi[èe]ce\s+d.identit[ée]|"
                    r"identity\s+card|\bid\s+card"),
        RegexRecognizer(
            "FR_PASSPORT", r"(?<![\w])(?P<v>\d{2}[A-Z]{2}\d{5})(?![\w])",
            0.3, language=language, flags=0, window=60, context_score=0.8,
            context=r"passeport|passport"),
        RegexRecognizer(
            "FR_LICENSE_PLATE",
            r"(?<![\w-])(?P<v>(?!SS|WW)[A-HJ-NP-TV-Z]{2}[\s-]\d{3}[\s-](?!SS)[A-HJ-NP-TV-Z]{2})"
            r"(?![\w-])",
            0.6, language=language, flags=0, context_score=0.85,
            context=r"immatricul|plaque|v[ée]hicule|voiture|licen[cs]e plate|car\b"),
        RegexRecognizer(
            "FR_LICENSE_PLATE",
            r"(?<![\w-])(?P<v>\d{1,4}\s?[A-Z]{1,3}\s?(?:0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6]))"
            r"(?![\w-])",
            0.0, language=language, flags=0, context_score=0.75, name="FrOldPlateRecognizer",
            context=r"immatricul|plaque|v[ée]hicule|voiture|licen[cs]e plate"),
        RegexRecognizer(
            "FR_POSTAL_ADDRESS",
            rf"(?<![\w])(?P<v>\d{{1,4}}(?i:\s?(?:bis|ter|quater|[a-d])\b)?,?\s+(?i:{_STREET_TYPES})"
            rf"\s+(?:(?:de\s+la|de\s+l'|du|des|de|d'|la|le|les|l')\s*)?"
            rf"[A-ZÀ-Ý0-9][\w'’\-]+"
            rf"(?:\s(?:(?:de\s+la|de\s+l'|du|des|de|d'|la|le|les|l')\s*)?[A-ZÀ-Ý][\w'’\-]*){{0,5}}"
            rf"(?:,?\s+(?:\d{{5}}|\d{{2}}\s\d{{3}})\s+[A-ZÀ-Ý][\w'’\-]+"
            rf"(?:[ \-][A-ZÀ-Ý][\w'’\-]+)*(?i:\s+cedex(?:\s+\d{{1,2}})?)?)?)",
            0.9, language=language, window=0, flags=0),
        RegexRecognizer(
            "DATE_OF_BIRTH", rf"\b{_BIRTH}\b[^\n\d]{{0,30}}?(?P<v>{_DATE})(?!\d)",
            0.85, language=language),
    ]


def french_recognizers(language: str = "en") -> list[LocalRecognizer]:
    return [FrenchPhoneRecognizer(language), FrenchNirRecognizer(language),
            *_recognizers(language)]
