"""Everyday phrases that borrow a violent word, reworded before a content classifier reads them.

"How do I make a bath bomb?" was blocked as a bomb request (``harmful`` 0.83), "Comment
fabriquer une bombe de bain ?" too (0.65), and "Comment ouvrir une grenade ?" (a pomegranate)
at 0.72: the encoder reads "bomb" before what it is attached to. Such a phrase is replaced by a
same-length wording without the violent word ("bath ball", "boule de bain", "ouvrir une
orange") before scoring, so spans stay valid and the rest of the text is scored as written.

Narrow on purpose, since an attacker may try the same words: only the fixed compound is
reworded, never its surroundings, so "a bath bomb that explodes in a crowd" still carries
"explodes in a crowd". ("Kill a Python process" needs no rewording: the head scores it 0.03.)
"""

from __future__ import annotations

import re
from collections.abc import Callable

_Rewording = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _same_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word.capitalize() if like[:1].isupper() else word


def _in_place_of(word: str, like: str) -> str:
    """``word`` in ``like``'s case, padded or cut to ``like``'s length (spans stay valid)."""
    return _same_case(word, like).ljust(len(like))[:len(like)]


def _swap(old: str, new: str) -> Callable[[re.Match[str]], str]:
    """Replace ``old`` (a word of the match) by ``new``, padded to the same length."""

    found = re.compile(re.escape(old), re.IGNORECASE)

    def swap(m: re.Match[str]) -> str:
        text = m.group()
        hit = found.search(text)
        if hit is None:
            return text
        return text[:hit.start()] + _in_place_of(new, hit.group()) + text[hit.end():]

    return swap


def _swap_verb(forms: dict[str, str]) -> Callable[[re.Match[str]], str]:
    """Replace the verb form that starts the match ("cracking") by its counterpart in
    ``forms`` ("opening"), padded to the same length; longer forms are tried first."""
    ordered = sorted(forms, key=len, reverse=True)

    def swap(m: re.Match[str]) -> str:
        text = m.group()
        for form in ordered:
            if text.lower().startswith(form):
                return _in_place_of(forms[form], text[:len(form)]) + text[len(form):]
        return text

    return swap


REWORDINGS: tuple[_Rewording, ...] = (
    (re.compile(r"\b(?:bath|seed|glitter|fizzy|shower|water)[ -]?bomb", re.IGNORECASE),
     _swap("bomb", "ball")),
    (re.compile(r"\bbombes?\s+(?:de bain|pour le bain|[àa] graines|de graines|[àa] eau)",
                re.IGNORECASE), _swap("bombe", "boule")),
    (re.compile(r"\bbombes?\s+(?:de peinture|a[ée]rosol|de laque|de cr[èe]me)", re.IGNORECASE),
     _swap("bombe", "spray")),
    (re.compile(r"\bbomb\s+(?:shelters?|calorimeters?)", re.IGNORECASE), _swap("bomb", "safe")),
    (re.compile(r"\bf[- ]bombs?\b", re.IGNORECASE), _swap("bomb", "word")),
    (re.compile(r"\blove[- ]bombing", re.IGNORECASE), _swap("bombing", "gushing")),
    (re.compile(r"\b(?:(?:ouvrir|[ée]plucher|[ée]grener|couper|manger|peler|choisir|presser|"
                r"conserver|d[ée]couper)\s+(?:une|la|des|les|cette|ma)\s+|(?:jus|grains?|graines?|"
                r"sirop|arilles?|p[ée]pins?)\s+de\s+)grenades?\b", re.IGNORECASE),
     _swap("grenade", "orange")),
    # Idioms that borrow a crime's verb (eleventh probe round): "steal the show" (`harmful`
    # 0.69), "crack an egg" (0.52), "hack together a prototype" (0.59), "a can of Coke" (0.66).
    (re.compile(r"\bst(?:eal|ole|olen|ealing)\s+the\s+(?:show|spotlight|limelight|scene)\b",
                re.IGNORECASE),
     _swap_verb({"stealing": "owning", "stolen": "owned", "steal": "own", "stole": "owned"})),
    (re.compile(r"\bcrack(?:ed|ing|s)?\s+(?:an?\s+|the\s+|two\s+|three\s+|some\s+|"
                r"a\s+few\s+|\d+\s+)?eggs?\b", re.IGNORECASE),
     _swap_verb({"cracking": "opening", "cracked": "opened", "cracks": "opens",
                 "crack": "open"})),
    (re.compile(r"\bhack(?:ed|ing|s)?\s+(?:together|up)\b", re.IGNORECASE),
     _swap_verb({"hacking": "coding", "hacked": "coded", "hacks": "codes", "hack": "code"})),
    (re.compile(r"\b(?:diet\s+coke|coke\s+zero|(?:can|cans|bottle|bottles|glass|pint|litre|"
                r"liter)\s+of\s+coke)\b", re.IGNORECASE), _swap("coke", "cola")),
)
"""(pattern, replacement) pairs; each replacement keeps the match's length. Each pair was a
false block of the shipped head (``harmful`` 0.52-0.90 on "water bomb", "bombe à eau", "bomb
shelter", "bombe de peinture", "F-bomb", "ouvrir une grenade" (a pomegranate), "steal the
show", "crack an egg" ...)."""

_GATE = ("bomb", "grenade", "steal", "stole", "crack", "hack", "coke")
"""Every rewording holds one of these (a substring test before any regex)."""


_DANGER = re.compile(
    r"\b(?:explo\w*|d[ée]ton\w*|gasoline|petrol|essence|kerosene|k[ée]ros[èe]ne|tatp|nitro\w*|"
    r"gunpowder|poudre noire|shrapnel|nails|clous|fuses?|m[èe]ches?|ignit\w*|enflamm\w*|"
    r"incendi\w*|kill\w*|tu(?:er|e|é|ez)|murder\w*|hurt\w*|bless\w*|injur\w*|crowd|foule|"
    r"people|gens|victims?|victimes?|poison\w*|toxi\w*|acid\w*|acide\w*|chlor\w*|bleach|"
    r"javel|ammoni\w*|lethal|l[ée]tal\w*|mortel\w*|deadly|weapon\w*|armes?|school|[ée]cole)\b",
    re.IGNORECASE)
"""Words that make a "bath bomb" something else: a text holding one is read as written ("a
water bomb filled with gasoline that explodes" fell from 0.64 to 0.41 when reworded)."""


def reword_lookalikes(text: str) -> str:
    """``text`` with its look-alike phrases reworded (same length, same spans), unless it
    also holds a word of danger (``_DANGER``)."""
    lowered = text.lower()
    if not any(word in lowered for word in _GATE) or _DANGER.search(text):
        return text
    for pattern, replace in REWORDINGS:
        text = pattern.sub(replace, text)
    return text
