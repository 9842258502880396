"""Length-aware aggregation: the max over N windows, corrected for N.

A long text is scored as the max over its token windows. Each window is another chance for a
benign fragment ("Gain the Dark Secret Flaw", "Don't hold back on their personality") to score
above the threshold, so with a plain max the false-block rate of ordinary text grows with its
length: ``default`` blocked 26 % of real English prompts longer than one window and 10 % of
150-token texts made of short benign questions (``bench/dilution.py``, validation split). If
one window's benign logit has a logistic tail, the max of N of them sits about ln N higher:
subtracting ``beta * ln N`` from the max's logit (beta = 1: that whole shift; 0: the plain max)
brings a long benign text closer to the chance of a short one, while a hostile sentence that
scores far above the threshold in one window still clears it. Two windows above the threshold
corroborate each other (a jailbreak template is hostile throughout, a stray fragment is not):
the runner-up window is corrected half as much, and the text keeps the higher of the two.
"""

from __future__ import annotations

import math


def corrected(score: float, windows: int, beta: float) -> float:
    """``score`` (a max over ``windows`` windows) lowered by ``beta * ln(windows)`` in logit
    space; unchanged for one window or ``beta`` 0."""
    if windows <= 1 or beta <= 0.0 or score <= 0.0:
        return score
    if score >= 1.0:
        return 1.0
    logit = math.log(score / (1.0 - score)) - beta * math.log(windows)
    return 1.0 / (1.0 + math.exp(-logit))


def long_text_score(best: float, runner_up: float, windows: int, beta: float) -> float:
    """A label's score for a text of ``windows`` windows from its best and runner-up window
    scores: the best corrected by ``beta``, the runner-up by ``beta / 2``, the higher kept."""
    return max(corrected(best, windows, beta), corrected(min(runner_up, best), windows, beta / 2))


def blended(primary: float, partner: float, weight: float) -> float:
    """Two models' scores for one label mixed in logit space: ``weight`` on ``partner``.

    Both are calibrated so that 0.5 is the label's threshold, so the mix keeps that point; a
    model sure of its score (far from 0.5) pulls the mix further than an unsure one.
    """
    if weight <= 0.0:
        return primary
    eps = 1e-6
    a = min(max(primary, eps), 1.0 - eps)
    b = min(max(partner, eps), 1.0 - eps)
    logit = (1.0 - weight) * math.log(a / (1.0 - a)) + weight * math.log(b / (1.0 - b))
    return 1.0 / (1.0 + math.exp(-logit))
