"""Threat: an insider hides tampering by removing the evidence the chain is checked against.

Issue 11, item 17, for every store (SQLite, JSONL, PostgreSQL):

- deleting the head row (SQL) or the ``HEAD`` file (JSONL), alone or after cutting the tail,
  must fail ``guard audit verify`` instead of skipping the end-of-log check; the recorder must
  refuse to append to such a log rather than recreate the head over the gap;
- wiping every record and resetting the head to its initial state must fail too: an empty
  log is reported (``--allow-empty`` accepts a brand-new one on purpose).
"""

from __future__ import annotations

import pytest

from guard.audit import open_store
from guard.audit.chain import GENESIS, AuditTampered
from guard.audit.cli import EXIT_FAILED, EXIT_OK
from guard.cli.main import main
from tests.audit.audit_helpers import fill, make_decision
from tests.security import audit_tamper as t

N = 12


def verify(url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["audit", "verify", "--audit-url", url, *extra])
    return code, capsys.readouterr().out


def append_one(url: str) -> None:
    from guard.audit.event import build_event

    decision, msgs = make_decision()
    with open_store(url) as store:
        store.append([build_event(decision, original=msgs, retention="none")], None)


@pytest.mark.asyncio
async def test_deleted_head_fails_verify(store_url: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    await fill(store_url, N)
    t.delete_head(store_url)
    code, out = verify(store_url, capsys)
    assert code == EXIT_FAILED, out
    assert "chain head is missing" in out


@pytest.mark.asyncio
async def test_cut_tail_and_deleted_head_fail_verify_and_block_appends(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await fill(store_url, N)
    t.cut_tail(store_url, N - 4)
    t.delete_head(store_url)
    code, out = verify(store_url, capsys)
    assert code == EXIT_FAILED and "chain head is missing" in out
    with pytest.raises(AuditTampered, match="missing"):
        append_one(store_url)  # would otherwise write a fresh head over the gap
    code, out = verify(store_url, capsys)
    assert code == EXIT_FAILED and "chain head is missing" in out


@pytest.mark.asyncio
async def test_wiped_log_with_reset_head_fails_verify(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await fill(store_url, N)
    t.cut_tail(store_url, 0)
    t.set_head(store_url, 0, GENESIS, None)
    code, out = verify(store_url, capsys)
    assert code == EXIT_FAILED, out
    assert "the log holds no records" in out


@pytest.mark.asyncio
async def test_cut_tail_is_refused_by_the_next_append(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the head left in place, appending after a cut tail must not paper over it."""
    await fill(store_url, N)
    t.cut_tail(store_url, N - 3)
    if t.kind(store_url) == "jsonl":
        with pytest.raises(AuditTampered, match="records deleted"):
            append_one(store_url)
    else:  # SQL heads live in the same transaction: the new record leaves a visible gap
        append_one(store_url)
    code, out = verify(store_url, capsys)
    assert code == EXIT_FAILED, out


def test_new_empty_log_needs_allow_empty(store_url: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(store_url):
        pass
    assert verify(store_url, capsys)[0] == EXIT_FAILED
    code, out = verify(store_url, capsys, "--allow-empty")
    assert code == EXIT_OK and "OK: 0 records" in out
