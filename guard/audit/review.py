"""Human reviews of decisions, kept in the audit chain itself.

A reviewer's verdict on a decision (*confirmed*, *false positive*, *escalated*) is an
:class:`~guard.audit.event.AuditEvent` with ``stage: review`` and ``action: review`` whose
``review`` field names the decision, the verdict, the comment and who gave it. It goes through
the recorder and the sink's ordinary append path, so it is hashed, linked and (with
``GUARD_AUDIT_HMAC_KEY``) signed like every decision, and ``guard audit verify`` covers it.

The review event's own ``decision_id`` is a fresh id (the recorder's "already committed?" check
looks records up by it); the reviewed decision's id is ``review.decision_id``. Tenant, model,
route and policy are copied from the reviewed decision, so reviews filter like decisions.
The latest review of a decision is its current verdict; earlier ones stay in the log.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args

from guard.audit.event import REVIEW_STAGE, AuditEvent, ReviewRecord, Verdict
from guard.errors import GuardError

VERDICTS: tuple[str, ...] = get_args(Verdict)
MAX_COMMENT = 2000
REVIEW_COLUMNS = ("review_verdict", "review_comment", "reviewer", "review_ts", "review_seq",
                  "review_id")


class ReviewError(GuardError, ValueError):
    """A review that cannot be recorded (unknown verdict, a review of a review, ...)."""


def build_review_event(
    decision: dict[str, Any], *, verdict: str, comment: str, reviewer: str, role: str,
    now: datetime | None = None,
) -> AuditEvent:
    """The audit event recording ``reviewer``'s ``verdict`` on the stored ``decision``."""
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    if decision.get("stage") == REVIEW_STAGE:
        raise ReviewError("a review cannot itself be reviewed")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ReviewError(f"comment longer than {MAX_COMMENT} characters")
    return AuditEvent(
        decision_id=f"review-{uuid.uuid4().hex}",
        ts=now or datetime.now(UTC),
        tenant=decision.get("tenant"), route=decision.get("route"), model=decision.get("model"),
        stage=REVIEW_STAGE, action=REVIEW_STAGE, shadow_action="allow",
        policy_name=str(decision["policy_name"]),
        policy_version=int(decision["policy_version"]),
        policy_hash=str(decision["policy_hash"]),
        review=ReviewRecord(
            decision_id=str(decision["decision_id"]),
            decision_seq=int(decision["seq"]) if decision.get("seq") else None,
            verdict=verdict,  # type: ignore[arg-type]  # checked against VERDICTS above
            comment=comment, reviewer=reviewer, role=role,
        ),
    )


def is_review(record: dict[str, Any]) -> bool:
    return record.get("stage") == REVIEW_STAGE and isinstance(record.get("review"), dict)


@dataclass(frozen=True, slots=True)
class Review:
    """One stored review, as read back from the log."""

    seq: int
    ts: str
    review_id: str
    decision_id: str
    verdict: str
    comment: str
    reviewer: str
    role: str

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Review:
        body = record["review"]
        return cls(seq=int(record.get("seq", 0)), ts=str(record["ts"]),
                   review_id=str(record["decision_id"]), decision_id=str(body["decision_id"]),
                   verdict=str(body["verdict"]), comment=str(body.get("comment") or ""),
                   reviewer=str(body["reviewer"]), role=str(body.get("role") or ""))

    def columns(self) -> dict[str, Any]:
        """The :data:`REVIEW_COLUMNS` of an export row."""
        return {"review_verdict": self.verdict, "review_comment": self.comment,
                "reviewer": self.reviewer, "review_ts": self.ts, "review_seq": self.seq,
                "review_id": self.review_id}


def latest_reviews(records: Iterable[dict[str, Any]]) -> dict[str, Review]:
    """The current (latest in chain order) review of each reviewed decision."""
    latest: dict[str, Review] = {}
    for record in records:
        if is_review(record):
            review = Review.from_record(record)
            current = latest.get(review.decision_id)
            if current is None or review.seq >= current.seq:
                latest[review.decision_id] = review
    return latest


def reviewed_decisions(
    decisions: Iterable[dict[str, Any]], reviews: dict[str, Review],
    verdict: str | None = None,
) -> Iterator[tuple[dict[str, Any], Review]]:
    """Each decision that has a review (optionally only ``verdict``), with its latest review."""
    for record in decisions:
        if is_review(record):
            continue
        review = reviews.get(str(record.get("decision_id")))
        if review is not None and (verdict is None or review.verdict == verdict):
            yield record, review
