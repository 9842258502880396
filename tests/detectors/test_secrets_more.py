from __future__ import annotations

import asyncio

import pytest

from guard.detectors import secrets


def _found(text: str) -> list[tuple[str, str]]:
    findings = asyncio.run(secrets.build({}).detect([text]))[0]
    return [(f.category, text[f.start:f.end]) for f in findings]


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("DATABASE_URL=postgres://app:S3cr3t!pw@db.internal:5432/prod", "S3cr3t!pw"),
        ("mongodb+srv://admin:hunter2hunter@cluster0.abcde.mongodb.net/test", "hunter2hunter"),
        ("redis://:tok3n@cache:6379/0", "tok3n"),
        ("Server=tcp:sql.example;Database=prod;User Id=sa;Password=P@ssw0rd123;", "P@ssw0rd123"),
        ("Pwd=abc123;Server=db", "abc123"),
    ],
)
def test_password_inside_connection_string_is_the_span(text: str, password: str) -> None:
    assert ("CONNECTION_STRING_PASSWORD", password) in _found(text)


def test_urls_without_credentials_are_not_secrets() -> None:
    assert _found("see https://example.com/docs and http://user@host.example/ ok") == []


@pytest.mark.parametrize(
    "text",
    ["my api key is 123e4567-e89b-12d3-a456-426614174000",
     "X-API-Key: 3fa85f64-5717-4562-b3fc-2c963f66afa6",
     "Authorization: Bearer 3fa85f64-5717-4562-b3fc-2c963f66afa6",
     "voici ma clé d'API : 3fa85f64-5717-4562-b3fc-2c963f66afa6"],
)
def test_uuid_introduced_as_a_key(text: str) -> None:
    (hit,) = _found(text)
    assert hit[0] == "UUID_API_KEY" and len(hit[1]) == 36


def test_uuid_as_an_identifier_is_not_a_secret() -> None:
    assert _found("order id 123e4567-e89b-12d3-a456-426614174000 shipped") == []
