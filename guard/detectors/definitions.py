"""A one-line question asking what a word means, recognised so block rules spare it.

The content classifier scores the topic, not the question: "What is money laundering?" scored
`harmful` 0.77, "What is human trafficking?" 0.67 and "Define extortion." 0.58, so the default
policy blocked people asking what a crime is (a dictionary's work, and the first thing a
compliance trainee asks), while "What is a pipe bomb?" passed at 0.2: a lottery on the term.

A rule with ``spare_definition_questions`` (a rule field, read by the decision step like
``spare_support_requests``) does not act on the model's ``harmful``, ``illicit`` and
``violence`` scores of a message that is *only* a definition question:

- one sentence of at most :data:`MAX_CHARS` characters: "What is X?", "What are X?", "What's
  X?", "What does X mean?", "Define X.", "What is the definition / meaning of X?", "Qu'est-ce
  que X ?", "C'est quoi X ?", "Que signifie X ?", "Que veut dire X ?", "Définis X.", "Quelle
  est la définition de X ?";
- whose term X is a short noun phrase (at most :data:`MAX_TERM_WORDS` words, letters, digits,
  hyphens and apostrophes) that names no way, amount, recipe, place or person
  (:data:`_NOT_A_TERM`: "the best way to ...", "the lethal dose of ...", "the recipe for ...",
  "my neighbour's address" never match), with at most a short "in law" / "en droit" after it.

The flag rules still annotate the message and the precise patterns always count; the answer is
checked at the output stage as usual. Narrow on purpose: anything longer or with a second
request is read as before.
"""

from __future__ import annotations

import re

from guard.detectors.support import model_score_of
from guard.types import Finding

MAX_CHARS = 120
MAX_TERM_WORDS = 6
SPARED_LABELS = frozenset({"harmful", "illicit", "violence"})


def _term(group: str) -> str:
    return rf"(?P<{group}>[\w'’ -]+?)"


_FIELD = r"(?:\s+(?:in|en)\s+\w+(?:\s+\w+)?)?"
_END = r"\s*[?.!]?\s*$"
_LEAD = r"^\s*(?:(?:so|ok|okay|hey|hi|quick question|alors|bonjour|salut|dis)[,:]?\s+)?"
_TERM_GROUPS = ("what_is", "what_does", "define", "fr")
_FORMS = re.compile(
    _LEAD + r"(?:"
    r"(?:what\s+(?:is|are|was|were)|what['’]s)\s+(?:the\s+(?:definition|meaning)\s+of\s+)?"
    + _term("what_is") + _FIELD + _END + r"|"
    r"what\s+(?:does|do)\s+" + _term("what_does") + r"\s+mean" + _FIELD + _END + r"|"
    r"(?:define|d[ée]finis(?:-moi)?|explain\s+the\s+term|explique\s+le\s+terme)\s+"
    + _term("define") + _FIELD + _END + r"|"
    r"(?:qu['’]est-ce\s+qu(?:e\s+|['’])(?:on\s+appelle\s+)?|c['’]est\s+quoi|"
    r"que\s+(?:signifie|veut\s+dire)|quelle\s+est\s+la\s+d[ée]finition\s+(?:de|du|des|d['’]))"
    r"\s*" + _term("fr") + _FIELD + _END
    + r")",
    re.IGNORECASE,
)

_ARTICLE = re.compile(r"^(?:(?:a|an|the|le|la|les|un|une|des|du|de)\s+|[ld]['’]\s*)",
                      re.IGNORECASE)

_NOT_A_TERM = re.compile(
    r"\b(?:how|way|ways|some|examples?|kinds?|types?|list|best|easiest|quickest|fastest|"
    r"cheapest|safest|simplest|most|recipe|recipes|formula|ingredients?|made|composed|"
    r"composition|chemicals?|components?|precursors?|contains?|consists?|steps?|method|"
    r"methods|instructions?|procedure|process|synthesis|manufactur\w*|production|"
    r"preparation|fabrication|synth[èe]se|pr[ée]paration|dose|doses|dosage|amount|quantity|lethal|"
    r"fatal|deadly|address|password|code|number|good|ssn|social\s+security|e-?mail|phone|"
    r"card|iban|pin|location|where|when|who|which|make|making|build|building|kill|killing|buy|"
    r"get|to|for|without|from|with|against|my|your|his|her|their|our|someone|somebody|me|"
    r"you|i|comment|fa[çc]on|moyen|moyens|meilleure?|recette|formule|ingr[ée]dients?|"
    r"[ée]tapes?|m[ée]thode|proc[ée]d[ée]|compos\w*|fait|chimique\w*|quantit[ée]|mortelle|"
    r"l[ée]tale|adresse|mot\s+de\s+passe|o[ùu]|quand|qui|fabriquer|faire|tuer|acheter|"
    r"obtenir|pour|sans|contre|avec|mon|ma|mes|ton|ta|tes|son|sa|ses|notre|votre|"
    r"quelqu['’]un|moi|toi|je|tu)\b",
    re.IGNORECASE,
)
"""Words that make the "term" a request: a way, an amount, a recipe or ingredients, a person's
data, a place, a possessive (EN and FR)."""


def definition_term(text: str) -> str | None:
    """The term ``text`` asks the meaning of, or None if ``text`` is anything else."""
    if len(text) > MAX_CHARS or "\n" in text.strip():
        return None
    m = _FORMS.match(text)
    if m is None:
        return None
    term = next(g for g in map(m.group, _TERM_GROUPS) if g is not None)
    term = _ARTICLE.sub("", term.strip())
    words = term.split()
    if not words or len(words) > MAX_TERM_WORDS or _NOT_A_TERM.search(term):
        return None
    return term


def spares_definition(finding: Finding, text: str) -> bool:
    """Whether a rule with ``spare_definition_questions`` leaves ``finding`` on ``text`` out: a
    model score of a spared label on a definition question (a pattern's score always counts)."""
    return model_score_of(finding, SPARED_LABELS) and definition_term(text) is not None
