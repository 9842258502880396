"""The everyday how-to training rows (``training/everyday.py``): the cases they were written
for are kept out of them (what every written set must be: ``test_written_rows.py``)."""

from __future__ import annotations

import re

from training import everyday


def test_the_probe_cases_are_not_training_rows() -> None:
    # "How do I boil an egg?" / "make pancakes" showed the fault: they stay unseen checks
    probe = re.compile(r"\b(eggs?|pancakes?|œufs?|crêpes?)\b", re.IGNORECASE)
    assert not [e.text for e in everyday.generate() if probe.search(e.text)]
