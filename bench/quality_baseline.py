"""Keyword-list baselines (one row in every quality table).

Deliberately simple: a text is flagged when it contains any keyword. It shows what the learned
classifiers add over the obvious approach, and its false-positive rate on benign prompts with
trigger words is the problem the classifiers are meant to solve.
"""

from __future__ import annotations

import re

HARMFUL_WORDS = (
    "kill",
    "murder",
    "bomb",
    "explosive",
    "weapon",
    "gun",
    "poison",
    "meth",
    "cocaine",
    "heroin",
    "drug",
    "hack",
    "malware",
    "ransomware",
    "steal",
    "fraud",
    "launder",
    "suicide",
    "self-harm",
    "rape",
    "porn",
    "sex",
    "nude",
    "child",
    "terror",
    "hate",
    "slur",
    "nigger",
    "faggot",
    "retard",
    "bitch",
    "whore",
    "cunt",
    "kys",
    "tuer",
    "bombe",
    "arme",
    "drogue",
    "pirater",
    "voler",
    "suicide",
    "viol",
    "pute",
    "salope",
    "connard",
    "nègre",
    "bougnoule",
)
ATTACK_WORDS = (
    "ignore previous",
    "ignore all",
    "ignore the above",
    "disregard",
    "forget everything",
    "forget all",
    "system prompt",
    "jailbreak",
    "dan",
    "do anything now",
    "developer mode",
    "no restrictions",
    "pretend",
    "you are now",
    "ignorez",
    "ignore les",
    "oublie tout",
    "prompt système",
    "vergiss",
    "ignoriere",
    "ignora",
)


def _compile(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")", re.IGNORECASE)


_HARM = _compile(HARMFUL_WORDS)
_ATT = _compile(ATTACK_WORDS)


def harmful(text: str) -> float:
    return 1.0 if _HARM.search(text) else 0.0


def attack(text: str) -> float:
    return 1.0 if _ATT.search(text) else 0.0
