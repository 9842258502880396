"""French identifiers as Presidio pattern recognizers, validated so random digits don't match.

- ``FR_PHONE_NUMBER``: 0X XX XX XX XX and +33 forms, with any of space/dot/dash separators.
- ``FR_NIR``: the 15-digit social-security number; its last two digits are a mod-97 key.
French IBANs are covered by Presidio's own IBAN recognizer (it checks the mod-97 checksum).
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer


class FrenchPhoneRecognizer(PatternRecognizer):
    def __init__(self) -> None:
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
            supported_language="en",
        )


class FrenchNirRecognizer(PatternRecognizer):
    def __init__(self) -> None:
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
            supported_language="en",
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


def french_recognizers() -> list[PatternRecognizer]:
    return [FrenchPhoneRecognizer(), FrenchNirRecognizer()]
