"""Shared fixtures: the real embedded classifiers (loaded once per test session)."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from guard.ml import TextClassifier, load_classifier


@pytest.fixture(scope="session")
def attack_clf() -> TextClassifier:
    return load_classifier(None, task="prompt_attack")


@pytest.fixture(scope="session")
def safety_clf() -> TextClassifier:
    return load_classifier(None, task="content_safety")
