"""A completion's refusal sentences, blanked before a content classifier reads it.

A model that refuses names what it refuses: "I can't provide instructions for making
explosives." The content classifier, trained on requests and harmful text, scores that
sentence as if it were the request, so the default policy blocked the model's own refusal
and the client got an error instead of it (5 of 6 typical refusals, EN and FR). With
``skip_refusals`` (completions only: a prompt is read whole, ``Rule.detector_at``), such
sentences are replaced by spaces of the same length (spans stay valid) and the rest is
scored as usual.

Narrow on purpose, since a jailbroken model may open with a refusal and go on: a refusal
sentence starts the completion or a sentence, is short (at most 90 characters after its
verb), ends on ``.`` or ``!`` and holds no comma, colon or turn ("but", "however", "here",
"step", "just" ...). "I won't give you the amounts, just mix ..." and "I can't help with
that, but here is how: ..." keep their text, and so does every sentence after a refusal that
is not one itself, except the refusal's stated reason right after it ("It could put people at
risk.", "Cela pourrait être dangereux."): a short stock sentence that says nothing of the
topic, which the v2.5 head alone scores `harmful` 0.73 (33 % of composed HarmBench refusals
blocked through it, ``bench/RESULTS-refusals.md``).
"""

from __future__ import annotations

import re

_TURN = (r"(?!\b(?:but|however|though|although|except|instead|unless|here|here's|step|first|"
         r"just|simply|only|rather|try|mais|cependant|toutefois|sauf|voici|voilà|étape|d'abord|"
         r"juste|seulement|plutôt)\b)")
_CLAUSE = rf"(?:{_TURN}[^.!?:;,\n]){{0,90}}"

_EN = (
    r"(?:(?:i'?m |i am )?(?:sorry|afraid)[,.!]?\s+(?:but\s+)?|unfortunately,?\s+|"
    r"as an ai(?: (?:language )?model| assistant)?,?\s+)?"
    r"i(?: really)? (?:can(?:no|')t|can not|won'?t|will not|am not able to|'m not able to|"
    r"am unable to|'m unable to|must decline to|do not|don't|shouldn't|should not)\s+"
    r"(?:help|assist|provide|give|share|write|create|generate|produce|support|comply|"
    r"engage|offer|explain|describe|tell|fulfil+|do that|do this|participate|encourage)"
)
_FR = (
    r"(?:(?:je suis )?d[ée]sol[ée]e?[,.!]?\s+(?:mais\s+)?|malheureusement,?\s+)?"
    r"je ne (?:peux|vais|veux|dois|saurais) (?:pas|en aucun cas)\s+(?:vous |t['’] ?|te )?"
    r"(?:aider|fournir|donner|expliquer|écrire|ecrire|créer|creer|générer|generer|"
    r"produire|décrire|decrire|répondre|repondre|participer|encourager|partager|"
    r"accéder|acceder|satisfaire)"
)
_REASON_EN = (
    r"(?:it|this|that)(?: (?:could|would|might|may|can|will))? "
    r"(?:put (?:people|someone|others|you|lives) (?:at risk|in danger)|"
    r"cause (?:serious |real )?harm|(?:be|is) (?:dangerous|harmful|illegal|unsafe|unethical))"
    r"(?: to (?:others|people|someone|you))?"
)
_REASON_FR = (
    r"(?:cela|ça|ce|c['’]est)(?: (?:pourrait|risquerait de|peut|serait))? "
    r"(?:mettre (?:des personnes|des gens|autrui|quelqu['’]un|des vies) en danger|"
    r"causer du tort|(?:être |est )?(?:dangereux|illégal|illegal|nuisible))"
)
_REFUSAL = re.compile(
    rf"(?:^|(?<=[.!?\n]))(\s*)((?:{_EN}|{_FR}){_CLAUSE}[.!]"
    rf"(?:\s+(?:{_REASON_EN}|{_REASON_FR})[.!](?=\s|$))?)", re.IGNORECASE)
"""A refusal sentence with its stated reason, if one follows (group 2), and the space before
it (group 1)."""


def blank_refusals(text: str) -> str:
    """``text`` with its refusal sentences replaced by spaces (same length)."""
    return _REFUSAL.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)
