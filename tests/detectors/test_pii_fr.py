"""French personal data with the real French spaCy pipeline and Presidio (no mocks)."""

from __future__ import annotations

import asyncio

import pytest

from guard.detectors import pii
from guard.detectors.pii_fr import luhn_ok, siren_ok, siret_ok


@pytest.fixture(scope="module")
def detector() -> pii.PiiDetector:
    det = pii.build({})
    det.warmup()
    return det


def _found(det: pii.PiiDetector, text: str) -> list[tuple[str, str]]:
    findings = asyncio.run(det.detect([text]))[0]
    return [(f.category, text[f.start:f.end]) for f in findings if f.score >= 0.5]


@pytest.mark.parametrize(
    "text",
    ["Virez la somme de 500 euros demain matin.", "Écrivez-moi un poème sur la mer.",
     "Envoyez le dossier complet avant vendredi.", "Transférez les fichiers sur le serveur."],
)
def test_french_imperatives_are_not_names(detector: pii.PiiDetector, text: str) -> None:
    assert [c for c, _ in _found(detector, text) if c == "PERSON"] == []


def test_french_names_found_by_the_french_pipeline(detector: pii.PiiDetector) -> None:
    text = "Virez la somme sur le compte de Marie Dubois, puis écrivez à Jean-Pierre Martin."
    assert _found(detector, text) == [("PERSON", "Marie Dubois"), ("PERSON", "Jean-Pierre Martin")]
    assert ("PERSON", "Martinez") in _found(detector, "Martinez a appelé hier soir.")


def test_french_places_are_opt_in() -> None:
    det = pii.build({"entities": ["LOCATION", "PERSON"]})
    text = "Bonjour, je m'appelle Sophie Lefèvre et j'habite à Bordeaux depuis dix ans."
    assert ("LOCATION", "Bordeaux") in _found(det, text)
    assert ("PERSON", "Sophie Lefèvre") in _found(det, text)


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("Notre SIRET est le 732 829 320 00074.", "FR_SIRET", "732 829 320 00074"),
        ("SIREN de la société : 732829320", "FR_SIREN", "732829320"),
        ("Ma carte d'identité n° 880692310285 expire bientôt.", "FR_CNI", "880692310285"),
        ("Nouvelle carte nationale d'identité : X4RTBPFW4", "FR_CNI", "X4RTBPFW4"),
        ("Numéro de passeport : 09AB12345.", "FR_PASSPORT", "09AB12345"),
        ("Ma voiture immatriculée AB-123-CD est garée.", "FR_LICENSE_PLATE", "AB-123-CD"),
        ("l'ancienne plaque 1234 AB 75 du véhicule", "FR_LICENSE_PLATE", "1234 AB 75"),
        ("J'habite au 12 rue de la Paix, 75002 Paris.", "FR_POSTAL_ADDRESS",
         "12 rue de la Paix, 75002 Paris"),
        ("Livrez au 5 bis avenue des Champs-Élysées demain.", "FR_POSTAL_ADDRESS",
         "5 bis avenue des Champs-Élysées"),
        ("Je suis née le 12/03/1985 à Nantes.", "DATE_OF_BIRTH", "12/03/1985"),
        ("date de naissance : 3 mars 1985", "DATE_OF_BIRTH", "3 mars 1985"),
        ("He was born on March 3, 1985.", "DATE_OF_BIRTH", "March 3, 1985"),
    ],
)
def test_french_identifiers(detector: pii.PiiDetector, text: str, category: str,
                            value: str) -> None:
    assert (category, value) in _found(detector, text)


def test_siret_is_not_a_phone_number(detector: pii.PiiDetector) -> None:
    found = _found(detector, "Facturez l'établissement SIRET 732 829 320 00074 svp")
    assert found == [("FR_SIRET", "732 829 320 00074")]


@pytest.mark.parametrize(
    "text",
    ["SIRET 732 829 320 00075", "SIREN 732 829 321", "le produit 09AB12345 est en stock",
     "le code X4RTBPFW4 du colis", "le rendez-vous du 12/03/1985", "au 12 rue principale"],
)
def test_invalid_or_context_free_values_are_not_pii(detector: pii.PiiDetector,
                                                    text: str) -> None:
    assert _found(detector, text) == []


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert siren_ok("732 829 320") and not siren_ok("732 829 321")
    assert siret_ok("73282932000074") and not siret_ok("73282932000075")
    assert siret_ok("35600000000048")  # La Poste's head office (Luhn)
    assert siret_ok("35600000010000") and not luhn_ok("35600000010000")  # La Poste rule


def test_languages_setting_is_validated() -> None:
    with pytest.raises(ValueError):
        pii.build({"languages": ["de"]})
