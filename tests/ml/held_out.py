"""What a written training set must keep out: the probes that measure it, and what they ask
about (``test_family_tasks.py``, ``test_security_tasks.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def names(subject: str, text: str) -> bool:
    """Whether ``text`` names ``subject`` as a word or phrase (any case)."""
    return re.search(rf"\b{re.escape(subject)}\b", text, re.IGNORECASE) is not None


def probes_in_rows(rows: Iterable[str], probes: Iterable[str]) -> set[str]:
    """The probes that are also training rows (case aside)."""
    return {t.casefold() for t in rows} & {t.casefold() for t in probes}


def subjects_in_rows(rows: Iterable[str], subjects: Sequence[str]) -> list[tuple[str, str]]:
    """(subject, row) for every training row that names a probe's subject."""
    return [(s, t) for t in rows for s in subjects if names(s, t)]


def stale_subjects(probes: Sequence[str], subjects: Sequence[str]) -> list[str]:
    """The listed subjects that no probe names (the list no longer describes the probes)."""
    return [s for s in subjects if not any(names(s, t) for t in probes)]
