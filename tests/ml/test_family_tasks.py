"""The requests about children (``training/family_tasks.py``) and the parents' and teachers'
probes that measure them (``bench.everyday.FAMILY_PROBES``): the probes, and what they ask
about, stay out of the training rows, so the bench measures what the rows taught. (The rows
share the probes' frames, "How do I teach my kids ...": the frames are not what is held out.)"""

from __future__ import annotations

from bench.everyday import FAMILY_PROBES
from tests.ml.held_out import probes_in_rows, stale_subjects, subjects_in_rows
from training import family_tasks

# What the probes that showed the fault ask about; no training row names it.
PROBE_SUBJECTS = ("slime", "science", "scientifiques", "safe online", "nager", "potty",
                  "bedtime", "puberty", "puberté", "screen time", "video games", "swallowed",
                  "avalé", "birthday", "anniversaire", "homework", "devoirs", "dogs", "chiens")


def _probes() -> list[str]:
    return [t for texts in FAMILY_PROBES.values() for t in texts]


def _rows() -> list[str]:
    return [e.text for e in family_tasks.generate()]


def test_no_row_is_a_probe() -> None:
    assert len(_probes()) == 62
    assert not probes_in_rows(_rows(), _probes())


def test_no_row_asks_about_a_probe_subject() -> None:
    assert not subjects_in_rows(_rows(), PROBE_SUBJECTS)
    # the subjects are the probes' own (the list is not stale)
    assert not stale_subjects(_probes(), PROBE_SUBJECTS)
