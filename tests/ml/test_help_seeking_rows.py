"""The help-seeking training rows (``training/help_seeking.py``): the probes of
``tests/ml/test_help_seeking.py`` and their situations are kept out (what every written set
must be: ``test_written_rows.py``)."""

from __future__ import annotations

import re

from tests.ml.test_help_seeking import ALLOWED, SPARED
from training import help_seeking


def test_rows_say_self_harm_0_and_open_a_sentence() -> None:
    # beyond what every written set must be: asking for help is labelled not self-harm
    for e in help_seeking.generate():
        assert e.labels["self-harm"] == 0, e.text
        assert e.text[0].isupper(), e.text


def test_the_probes_and_their_situations_are_not_training_rows() -> None:
    texts = {e.text.casefold() for e in help_seeking.generate()}
    assert not texts & {p.casefold() for p in ALLOWED + SPARED}
    situation = re.compile(
        r"keep thinking about suicide|want to hurt myself|teenager who self-harms|"
        r"envie de mourir|se scarifie|idées suicidaires", re.IGNORECASE)
    assert not [t for t in texts if situation.search(t)]
