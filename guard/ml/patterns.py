"""Precise patterns for well-known attack forms, combined with the learned score by max().

The learned head generalises; these catch the canonical phrasings with near-certainty and give
an exact span. They are deliberately narrow (an override verb *and* a reference to prior
instructions/prompt, or a named jailbreak persona) so "ignore this warning" or "kill a
process" never match. Scores are fixed and high but below 1.0 so a policy can still choose a
stricter threshold that only the model can reach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    name: str
    regex: re.Pattern[str]
    labels: tuple[str, ...]
    score: float


def _p(name: str, rx: str, labels: tuple[str, ...], score: float = 0.97) -> Pattern:
    return Pattern(name, re.compile(rx, re.IGNORECASE | re.UNICODE), labels, score)


_INJ = ("injection", "attack")
_JB = ("jailbreak", "attack")

PROMPT_ATTACK: tuple[Pattern, ...] = (
    _p(
        "override-en",
        r"\b(ignore|disregard|forget|override|bypass|skip|drop|abandon)\b[^.\n]{0,30}?\b"
        r"(all|any|the|your|my|every|previous|prior|above|earlier|preceding|former|initial)\b"
        r"[^.\n]{0,25}?\b(instructions?|prompts?|directives?|guidelines|rules|commands?|"
        r"orders|programming|system message)\b",
        _INJ,
    ),
    _p(
        "override-fr",
        r"\b(ignore[zrs]?|oublie[zrs]?|ne tiens? (plus )?pas compte|fais abstraction|"
        r"laisse[zr]? tomber|annule[zr]?)\b[^.\n]{0,30}?\b(les|tes|vos|toutes|tout|la|l'|"
        r"ce qu)[^.\n]{0,25}?\b(instructions?|consignes?|directives?|règles|"
        r"prompt|on t'a dit)",
        _INJ,
    ),
    _p(
        "override-de",
        r"\b(ignoriere|vergiss|missachte)\b[^.\n]{0,30}?\b(alle|vorherigen|obigen|bisherigen|"
        r"deine|was)\b[^.\n]{0,25}?(anweisungen|befehle|regeln|gesagt|vorgaben)",
        _INJ,
    ),
    _p(
        "override-es-it",
        r"\b(ignora|olvida|dimentica)\b[^.\n]{0,30}?\b(todas|todo|las|tutte|tutto|le)\b"
        r"[^.\n]{0,25}?(instrucciones|istruzioni|reglas|regole|dicho|detto)",
        _INJ,
    ),
    _p(
        "prompt-extraction",
        r"\b(reveal|print|show|repeat|output|dump|display|tell me|give me|leak|recite|what "
        r"(is|are|were))\b[^.\n]{0,40}?\b(your|the)\s+(system prompt|initial (instructions|"
        r"prompt)|hidden (prompt|instructions)|original instructions|confidential prompt|"
        r"developer (message|instructions))",
        _INJ,
    ),
    _p(
        "prompt-extraction-fr",
        r"\b(révèle|affiche|montre|répète|donne)[^.\n]{0,30}?\b(ton|votre|le)\s+(prompt "
        r"système|message système|prompt confidentiel|instructions initiales)",
        _INJ,
    ),
    _p(
        "dan",
        r"\b(DAN|do anything now)\b[^\n]{0,200}\b(no (rules|restrictions|limits)|"
        r"stay in character|jailbr(eak|oken)|any(thing)?)",
        _JB,
    ),
    _p(
        "jailbreak-mode",
        r"\b(developer mode|dev mode|god mode|jailbreak mode|unfiltered mode|opposite mode|"
        r"mode développeur|entwicklermodus|modo desarrollador)\b[^\n]{0,80}\b(enabled?|"
        r"activ\w*|on|ignore|no (rules|restrictions|filters?)|sans|ungefiltert|sin)",
        _JB,
        0.95,
    ),
    _p(
        "no-restrictions-persona",
        r"\b(you are|you're|act as|pretend to be|tu es|du bist|eres)\b[^.\n]{0,60}\b(no|without|"
        r"sans|keine|sin)\s+(any\s+|aucune\s+)?(rules?|restrictions?|filters?|ethical "
        r"guidelines|content polic(y|ies)|règles?|regeln?|reglas?|limits?|limites?)\b",
        _JB,
        0.95,
    ),
)

# Indirect injection: text addressed to the AI that will read it ("Note to the AI reading this
# page: ..."), the marker of instructions hidden in documents, e-mails and tool results.
# Narrow: the addressee must be followed by a colon/comma or "reading/processing this", so
# "a message to the AI community" or "if you are an AI researcher" never match.
_AI = r"(?:ai|a\.i\.|llm|language model|chatbot|(?:ai|virtual) assistant)"
INDIRECT: tuple[Pattern, ...] = (
    _p(
        "addressed-to-ai",
        r"\b(?:note|message|instructions?|new (?:task|instructions?)|task|important|attention)"
        rf"\s+(?:to|for)\s+(?:the|any|all|an?)\s+{_AI}s?(?:\s+(?:assistant|model|agent))?"
        r"\s*(?::|,|\s+(?:reading|processing|summari[sz]ing|that reads|who reads))",
        _INJ,
        0.95,
    ),
    _p("if-you-are-an-ai", rf"\bif you(?:'re| are) an? {_AI}\s*[,:]", _INJ, 0.95),
    _p(
        "ai-reading-this",
        rf"\b{_AI}s?\s+(?:reading|processing|summari[sz]ing)\s+th(?:is|ese)\b",
        _INJ,
        0.95,
    ),
    _p(
        "addressed-to-ai-fr",
        r"\b(?:note|message|consignes?|instructions?|nouvelle tâche|tâche|important)\s+"
        r"(?:pour|à)\s+(?:l['’]|une?\s+|les?\s+)?(?:ia|intelligence artificielle|"
        r"assistant (?:ia|virtuel)|agent ia)\s*(?::|,|\s+qui\s+(?:lit|lira|traite))",
        _INJ,
        0.95,
    ),
    _p(
        "si-tu-es-une-ia",
        r"\bsi (?:tu es|vous êtes) une? (?:ia|intelligence artificielle|"
        r"assistant virtuel)\s*[,:]",
        _INJ,
        0.95,
    ),
)

# v1 shipped PROMPT_ATTACK without INDIRECT; the quality bench scores the previous model with it.
PATTERN_SETS: dict[str, tuple[Pattern, ...]] = {
    "prompt_attack": PROMPT_ATTACK + INDIRECT,
    "prompt_attack_v1": PROMPT_ATTACK,
    "none": (),
}


def match(patterns: tuple[Pattern, ...], text: str) -> dict[str, tuple[float, int, int]]:
    """Best (score, start, end) per label over all pattern matches in ``text``."""
    return {k: (v[0], v[1], v[2]) for k, v in match_named(patterns, text).items()}


def match_named(patterns: tuple[Pattern, ...], text: str) -> dict[str, tuple[float, int, int, str]]:
    """Like :func:`match`, with the name of the winning pattern."""
    best: dict[str, tuple[float, int, int, str]] = {}
    for p in patterns:
        m = p.regex.search(text)
        if m is None:
            continue
        for label in p.labels:
            if label not in best or best[label][0] < p.score:
                best[label] = (p.score, m.start(), m.end(), p.name)
    return best
