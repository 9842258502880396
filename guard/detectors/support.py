"""A short message that asks for support about self-harm, recognised so block rules spare it.

The content classifier scores the *topic* of self-harm, not the intent: "How do I support a
teenager who self-harms?" scores `self-harm` 0.76 and "J'ai envie de mourir, à qui puis-je
parler ?" `harmful` 0.53 (through the French blend), so the default policy blocked people asking
where to find help, and the model never answered them with a helpline. Retraining moved some of
these (v2.5's help-seeking rows) but not all (``tests/ml/test_help_seeking.py``).

A rule with ``spare_support_requests`` (a rule field, read by the decision step: the detector
job and its verdict stay shared with the other rules) does not act on the model's
``self-harm``, ``harmful`` and ``violence`` scores of a message that

- is short (at most :data:`MAX_CHARS` characters: a long text is read as usual),
- speaks of self-harm or suicide,
- asks for support: where to find help, whom to talk to, a helpline, how to help someone, and
- asks for no means and urges nothing: methods, doses, painlessness, hiding wounds, "should I",
  "tell them to" ... in English and French, and
- asks for nothing else: every clause that asks for something asks for support, and every
  other sentence is a statement (:func:`asks_only_for_support`).

The flag rules, which do not spare, still annotate the message, and the precise patterns (a
request for a way to kill oneself: 0.9-0.95) always count, so "Who can I talk to? Also tell me
the most painless way to kill myself." is blocked. Narrow on purpose: a miss leaves the message
scored as before; a false match spares one label family of one short message, and only where
it also reads as a request for help.
"""

from __future__ import annotations

import re

from guard.types import Finding

MAX_CHARS = 400
SPARED_LABELS = frozenset({"self-harm", "harmful", "violence"})

_TOPIC = re.compile(
    r"\bsuicid\w*|\b(?:kill(?:ing)?|hurt(?:ing)?|harm(?:ing)?|cut(?:ting)?)\s+"
    r"(?:my|him|her|them)sel(?:f|ves)\b|\bself[- ]?harm\w*|\bend(?:ing)?\s+(?:my|his|her|their)"
    r"\s+(?:own\s+)?life\b|\bwant(?:s|ed)?\s+to\s+die\b|\b(?:don'?t|do not|doesn'?t)\s+want\s+to"
    r"\s+(?:live|be alive|exist)\b|\bthoughts?\s+of\s+(?:dying|death|ending)|"
    r"\bme\s+(?:tuer|suicider|faire\s+du\s+mal)\b|\bse\s+(?:tuer|suicider|faire\s+du"
    r"\s+mal)\b|\bmourir\b|\ben\s+finir\b|\bscarifi\w*|\bautomutil\w*|\bid[ée]es\s+noires\b|"
    r"\bplus\s+envie\s+de\s+vivre\b|\bne\s+(?:veux|veut|voulons)\s+plus\s+vivre\b",
    re.IGNORECASE,
)

_ASKS_FOR_SUPPORT = re.compile(
    r"\b(?:who|whom|where)\s+(?:can|could|should|do|would|may)\s+(?:i|we|you|one|someone|"
    r"they|he|she)\s+(?:talk|speak|turn|go|call|text|write|reach\s+out|get|find|look)\b|"
    r"\b(?:who|whom)\s+to\s+(?:turn|talk|speak|go|call)\s+to\b|"
    r"\bwhere\s+(?:to|can\s+i|could\s+i|do\s+i)\s+(?:find|get|look\s+for|turn\s+for)\s+"
    r"(?:help|support|someone)\b|"
    r"\bis\s+there\s+(?:a|an|any|some)\s+(?:hotline|helpline|crisis|number|line|service|"
    r"someone|place|support|charity)\b|"
    r"\b(?:hotline|helpline|crisis\s+(?:line|text\s+line|centre|center)|lifeline)s?\b|"
    r"\bsamaritans\b|"
    r"\bhow\s+(?:do|can|should|could|might)\s+(?:i|we)\s+(?:help|support|talk\s+(?:to|with)|"
    r"approach|reach\s+out\s+to|be\s+there\s+for|get\s+help|look\s+after|respond\s+to)\b|"
    r"\bhow\s+to\s+(?:help|support|talk\s+(?:to|with)|approach|respond\s+to)\b|"
    r"\bwhat\s+(?:should|can|do)\s+(?:i|we)\s+do\b|"
    r"\b(?:i|we)\s+(?:need|want)\s+(?:help|support|someone\s+to\s+talk\s+to|to\s+talk\s+to\s+"
    r"someone)\b|"
    r"\bvers\s+qui\s+(?:me|se|nous|te)\s+tourner\b|\bcomment\s+en\s+parler\b|"
    r"\b[àa]\s+qui\s+(?:puis-je|je\s+peux|pourrais-je|parler|m['’]adresser|en\s+parler|"
    r"demander)\b|"
    r"\bo[ùu]\s+(?:trouver|chercher|demander|puis-je\s+trouver|trouve-t-on)\s+(?:de\s+l['’]|"
    r"du\s+|un\s+|une\s+)?(?:aide|soutien|[ée]coute|quelqu['’]un)\b|"
    r"\b(?:num[ée]ro|ligne)\s+d['’](?:[ée]coute|urgence|aide)\b|\b(?:3114|sos\s+amiti[ée])\b|"
    r"\bcomment\s+(?:l['’]|la\s+|le\s+|les\s+)?(?:aider|soutenir|accompagner|r[ée]agir|"
    r"parler\s+(?:[àa]|avec|du|de))\b|"
    r"\bque\s+(?:dois-je|puis-je|faire)\b|"
    r"\bj['’]ai\s+besoin\s+(?:d['’]aide|de\s+parler|de\s+soutien|d['’]en\s+parler)\b",
    re.IGNORECASE,
)

_MEANS_OR_URGING = re.compile(
    r"\b(?:painless\w*|lethal|fatal|deadly|overdos\w*|dose|doses|dosage|method\w*|"
    r"how\s+(?:many|much)|ways?\s+to|best\s+way|easiest|quickest|fastest|most\s+effective|"
    r"without\s+(?:anyone|anybody|people|my\s+\w+|them|him|her)\s+(?:noticing|knowing|finding|"
    r"seeing)|hide|hiding|deeper|rope|noose|hang\w*|jump\w*|bridge|gun|firearm|bleach|pills?|"
    r"tablets?|tylenol|paracetamol|acetaminophen|should\s+(?:i|he|she|they)\s+(?:just\s+)?"
    r"(?:kill|hurt|cut|die|end)|convince|encourag\w*|tell\s+(?:me|him|her|them)\s+to|"
    r"deserves?\s+to\s+die|kill\s+yourself|kys|step[- ]by[- ]step|instructions?|quick\w*|"
    r"fast|tell\s+me\s+how|how\s+to\s+(?:do\s+it|kill|die|end|cut|hurt|overdose)|assist\w*|"
    r"help\s+(?:(?:my|a|the|his|her|their|your)\s+)?\w+\s+(?:to\s+)?(?:kill|hurt|harm|end|die|"
    r"cut|commit)|aider\s+(?:(?:mon|ma|mes|un|une|le|la)\s+)?\w+\s+[àa]\s+(?:se|me|te|mourir|"
    r"en\s+finir)|m['’]aider\s+[àa]\s+(?:me|mourir|en\s+finir)|vite|rapidement|"
    r"dis-moi\s+comment|comment\s+(?:me|se|te)\s+(?:tuer|suicider|pendre)|"
    r"sans\s+(?:douleur|souffrir|que)|mortelle|l[ée]tale|combien|surdose|m[ée]thode\w*|"
    r"moyens?\s+(?:de|le\s+plus)|le\s+plus\s+(?:rapide|simple|efficace|s[ûu]r)|cacher|"
    r"corde|pendre|pendaison|sauter|arme|pistolet|fusil|comprim[ée]s|cachets|pilules|"
    r"m[ée]dicaments|parac[ée]tamol|doliprane|tue-toi|devrais-je|encourager|convaincre)\b",
    re.IGNORECASE,
)


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_JOINER = (r"(?:also|and|then|but|plus|btw|ok|okay|so|now|et|aussi|puis|mais|alors|sinon|"
           r"ensuite)")
_REQUEST_HEAD = (
    r"(?:write|explain|give|tell|describe|list|create|generate|make|build|show|teach|provide|"
    r"draft|compose|send|find|help\s+me|(?:can|could|would|will)\s+you|how\s+(?:do|does|did|"
    r"can|could|would|should|to|much|many)|what(?:['’]s|\s+(?:is|are|do|does|should|would|can))|"
    r"i\s+(?:need|want|would\s+like)\s+(?:the|a|an|some|instructions|steps|details|to\s+know)|"
    r"[ée]cris|explique|donne|dis-moi|d[ée]cris|fais|montre|fournis|envoie|aide-moi|peux-tu|"
    r"pourrais-tu|pouvez-vous|comment|quel|quelle|quels|quelles|"
    r"j['’]ai\s+besoin\s+(?:de\s+la|du|des|d['’]une?)|je\s+veux\s+(?:la|le|les|une?|savoir))\b"
)
_CLAUSE = re.compile(r"[,;:]|\b" + _JOINER + r"\b(?=[\s,]+(?:also\s+|aussi\s+)?" + _REQUEST_HEAD
                     + r")", re.IGNORECASE)
_ASKS_SOMETHING = re.compile(
    r"^[\s,:;-]*(?:" + _JOINER + r"\b[\s,:;-]*)*" + _REQUEST_HEAD
    + r"|\b(?:please|pls|s['’]il\s+(?:te|vous)\s+pla[iî]t|stp|svp)\b",
    re.IGNORECASE,
)
"""A clause that asks for something (an imperative, "how do ...", "can you ...", "please")."""


def asks_only_for_support(text: str) -> bool:
    """Whether every request in ``text`` is the request for support.

    The spared labels are spared for the whole message, so a support request must not carry
    another request with it: "Where can I find help for self-harm? Write a guide to stalking my
    ex and hurting her." was spared its `harmful` score and only flagged. Every clause that asks
    for something asks for support; every other sentence is a statement ("I'm 16 and my
    parents don't know.", "I want to die."), not a question.
    """
    for sentence in _SENTENCE.findall(text):
        clauses = _CLAUSE.split(sentence)
        if any(_ASKS_SOMETHING.search(c) and not _ASKS_FOR_SUPPORT.search(c) for c in clauses):
            return False
        if sentence.rstrip().endswith("?") and not _ASKS_FOR_SUPPORT.search(sentence):
            return False
    return True


def is_support_request(text: str) -> bool:
    """Whether ``text`` is a short message asking for support about self-harm or suicide,
    asking for no means, urging nothing and asking for nothing else (see the module
    docstring)."""
    if len(text) > MAX_CHARS:
        return False
    return bool(_TOPIC.search(text) and _ASKS_FOR_SUPPORT.search(text)
                and not _MEANS_OR_URGING.search(text) and asks_only_for_support(text))


PATTERN_MARK = "(pattern:"
"""How a classifier finding names a precise pattern as its source (``guard/detectors/
classifier.py`` explanations end with ``(model)`` or ``(pattern:<name>)``)."""


def model_score_of(finding: Finding, labels: frozenset[str]) -> bool:
    """Whether ``finding`` is the model's score of one of ``labels``: what a sparing rule may
    leave out (a precise pattern's score always counts)."""
    return finding.category in labels and PATTERN_MARK not in finding.explanation


def spares(finding: Finding, text: str) -> bool:
    """Whether a rule with ``spare_support_requests`` leaves ``finding`` on ``text`` out: a
    model score of a spared label on a support request (a pattern's score always counts)."""
    return model_score_of(finding, SPARED_LABELS) and is_support_request(text)
