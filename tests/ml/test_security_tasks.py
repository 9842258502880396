"""The defensive security requests (``training/security_tasks.py``) and the administrators' and
analysts' probes that measure them (``bench.everyday.SECURITY_PROBES``): the probes, and the
tools and tasks they ask about, stay out of the training rows."""

from __future__ import annotations

import re

from bench.everyday import SECURITY_PROBES
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


def _names(subject: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(subject)}\b", text, re.IGNORECASE) is not None


def test_no_row_is_a_probe() -> None:
    assert len(_probes()) == 34
    rows = {e.text.casefold() for e in security_tasks.generate()}
    assert not rows & {t.casefold() for t in _probes()}


def test_no_row_asks_about_a_probe_subject() -> None:
    rows = [e.text for e in security_tasks.generate()]
    assert not [(s, t) for s in PROBE_SUBJECTS for t in rows if _names(s, t)]
    # the subjects are the probes' own (the list is not stale)
    assert not [s for s in PROBE_SUBJECTS if not any(_names(s, t) for t in _probes())]
