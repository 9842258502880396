"""The defensive security requests (``training/security_tasks.py``) and the administrators' and
analysts' probes that measure them (``bench.everyday.SECURITY_PROBES``): the probes, and the
tools and tasks they ask about, stay out of the training rows."""

from __future__ import annotations

from bench.everyday import SECURITY_PROBES
from tests.ml.held_out import probes_in_rows, stale_subjects, subjects_in_rows
from training import security_tasks

# What the probes ask about; no training row names it.
PROBE_SUBJECTS = ("yara", "sql injection", "injection sql", "honeypot", "open ports",
                  "attachment", "buffer overflow", "escalate privileges", "phishing kits",
                  "fail2ban", "snort", "reverse shell", "reverse engineer", "brute-force",
                  "force brute", "keylogger", "pare-feu", "spyware", "logiciel espion", "trojan",
                  "cheval de Troie", "aws", "incident response", "réponse à incident", "ddos",
                  "polymorphic", "mitre", "password policy", "audit logging", "lateral movement",
                  "mouvement latéral", "wordpress", "compromised", "sandbox")


def _probes() -> list[str]:
    return [t for texts in SECURITY_PROBES.values() for t in texts]


def _rows() -> list[str]:
    return [e.text for e in security_tasks.generate()]


def test_no_row_is_a_probe() -> None:
    assert len(_probes()) == 34
    assert not probes_in_rows(_rows(), _probes())


def test_no_row_asks_about_a_probe_subject() -> None:
    assert not subjects_in_rows(_rows(), PROBE_SUBJECTS)
    # the subjects are the probes' own (the list is not stale)
    assert not stale_subjects(_probes(), PROBE_SUBJECTS)
