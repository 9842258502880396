"""Threat: an insider with write access to the audit store hides the latest decisions.

They delete the last records and move the chain head back to an earlier record, so the log
looks complete (issue 11, item 9). Two defences are tested:

- the head is HMAC-signed like the records: a head moved by hand fails ``guard audit verify``
  when the key is configured, even though every remaining record is genuine;
- ``guard audit checkpoint`` prints a signed (seq, hash) to keep outside the store;
  ``verify --checkpoint`` fails once the log no longer contains it, which also catches a
  rollback to a complete, validly signed older copy of the store (restored from a backup).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guard.audit.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from guard.cli.main import main
from tests.audit.audit_helpers import fill
from tests.security import audit_tamper as t

KEY = "head-signing-key-for-tests"
N = 20


def verify(url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["audit", "verify", "--audit-url", url, *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def checkpoint(url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code = main(["audit", "checkpoint", "--audit-url", url, *extra])
    out = capsys.readouterr().out.strip()
    assert code == EXIT_OK, out
    return out


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("GUARD_AUDIT_HMAC_KEY", KEY)
    return KEY.encode()


@pytest.mark.asyncio
async def test_head_moved_back_after_deleting_the_tail_fails_verify(
    store_url: str, keyed: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    await fill(store_url, N, key=keyed)
    assert verify(store_url, capsys)[0] == EXIT_OK
    keep = N - 5
    t.cut_tail(store_url, keep)
    # The insider points the head at the last record kept, reusing whatever they can find:
    # the old head's signature, that record's own signature, or none at all.
    old_sig = t.head_sig(store_url)
    digest = t.record_hash_at(store_url, keep)
    for sig in (old_sig, None, str(t.record_at(store_url, keep)["sig"])):
        t.set_head(store_url, keep, digest, sig)
        code, out = verify(store_url, capsys)
        assert code == EXIT_FAILED, out
        assert f"the chain head (seq {keep})" in out and "HMAC checked" not in out


@pytest.mark.asyncio
async def test_genuine_signed_head_verifies_and_wrong_key_does_not(
    store_url: str, keyed: bytes, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await fill(store_url, N, key=keyed)
    code, out = verify(store_url, capsys)
    assert code == EXIT_OK and f"OK: {N} records" in out and "HMAC checked" in out
    monkeypatch.setenv("GUARD_AUDIT_HMAC_KEY", "another key")
    assert verify(store_url, capsys)[0] == EXIT_FAILED


@pytest.mark.asyncio
async def test_checkpoint_catches_a_rollback_to_an_older_signed_copy(
    tmp_path: Path, keyed: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    for url in (f"sqlite:///{tmp_path}/audit.db", f"jsonl://{tmp_path}/log"):
        backup = tmp_path / f"backup-{t.kind(url)}"
        await fill(url, 10, key=keyed)
        t.snapshot(url, backup)
        await fill(url, 10, key=keyed)
        anchor = checkpoint(url, capsys)
        assert json.loads(anchor)["seq"] == 20 and json.loads(anchor)["sig"]
        code, out = verify(url, capsys, "--checkpoint", anchor)
        assert code == EXIT_OK and "checkpoint seq 20 found" in out
        t.restore(url, backup)  # every record and the head are genuine and signed...
        assert verify(url, capsys)[0] == EXIT_OK
        code, out = verify(url, capsys, "--checkpoint", anchor)  # ...but not the latest
        assert code == EXIT_FAILED, out
        assert "checkpoint seq 20 is beyond the end of the log (last seq 10)" in out


@pytest.mark.asyncio
async def test_checkpoint_catches_a_keyless_rechain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without any key, an insider can rewrite records and recompute every hash and the head;
    a checkpoint taken before still proves the rewrite (read from a file this time)."""
    url = f"jsonl://{tmp_path}/log"
    await fill(url, 12)
    anchor_file = tmp_path / "anchor.json"
    checkpoint(url, capsys, "--out", str(anchor_file))
    from guard.audit.chain import record_hash

    segment = t.jsonl_dir(url) / "audit-000001.jsonl"
    records = [json.loads(line) for line in segment.read_text().splitlines()]
    records[4]["action"] = "allow" if records[4]["action"] != "allow" else "block"
    prev = records[3]["hash"]
    for record in records[4:]:
        record["prev_hash"] = prev
        record["hash"] = prev = record_hash(record)
    segment.write_text("".join(json.dumps(r) + "\n" for r in records))
    t.set_head(url, 12, prev, None)
    assert verify(url, capsys)[0] == EXIT_OK  # the forgery is internally consistent
    code, out = verify(url, capsys, "--checkpoint", str(anchor_file))
    assert code == EXIT_FAILED
    assert "checkpoint seq 12: the log's record has another hash" in out


@pytest.mark.asyncio
async def test_forged_or_malformed_checkpoint_is_rejected(
    tmp_path: Path, keyed: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/audit.db"
    await fill(url, 8, key=keyed)
    anchor = json.loads(checkpoint(url, capsys))
    forged = dict(anchor, seq=5, hash=t.record_hash_at(url, 5))  # genuine record, old sig
    code, out = verify(url, capsys, "--checkpoint", json.dumps(forged))
    assert code == EXIT_FAILED and "signature missing or invalid" in out
    assert verify(url, capsys, "--checkpoint", "no-such-file")[0] == EXIT_USAGE
    assert verify(url, capsys, "--checkpoint", '{"seq": 3}')[0] == EXIT_USAGE


@pytest.mark.asyncio
async def test_no_checkpoint_of_a_log_that_does_not_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/audit.db"
    await fill(url, 6)
    t.cut_tail(url, 3)
    assert main(["audit", "checkpoint", "--audit-url", url]) == EXIT_FAILED
    assert "log truncated" in capsys.readouterr().err
