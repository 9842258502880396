"""Tamper evidence: editing, deleting, inserting or reordering a stored record is caught,
and ``guard audit verify`` names the first bad record (exit 1).

The tampering is done the way an insider would: SQL on the real SQLite file, text edits on the
real JSONL files, no access to the recorder.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from guard.audit import open_store, verify
from guard.audit.chain import record_hash, sign
from guard.audit.cli import EXIT_FAILED, EXIT_OK
from guard.cli.main import main
from tests.audit.audit_helpers import fill

N = 40


def run_verify(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify", "--audit-url", url])
    return code, capsys.readouterr().out


def _db(url: str) -> Path:
    return Path(url.removeprefix("sqlite://"))


def _lines(url: str) -> list[tuple[Path, list[str]]]:
    store = open_store(url)
    return [(p, p.read_text().splitlines()) for p in store.segments()]  # type: ignore[attr-defined]


def _jsonl_rewrite(url: str, edit: Callable[[list[str]], list[str]]) -> None:
    """Apply ``edit`` to the concatenated lines, then write them back into the same files."""
    files = _lines(url)
    flat = [line for _, lines in files for line in lines]
    flat = edit(flat)
    sizes = [len(lines) for _, lines in files]
    sizes[-1] += len(flat) - sum(sizes)
    pos = 0
    for (path, _), size in zip(files, sizes, strict=True):
        path.write_text("".join(line + "\n" for line in flat[pos:pos + size]))
        pos += size


def _edit_action(line: str) -> str:
    record = json.loads(line)
    record["action"] = "allow" if record["action"] != "allow" else "block"
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


@pytest.mark.asyncio
async def test_untouched_log_verifies(file_store_url: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    await fill(file_store_url, N)
    code, out = run_verify(file_store_url, capsys)
    assert code == EXIT_OK, out
    assert f"OK: {N} records" in out


async def tampered_report(url: str, capsys: pytest.CaptureFixture[str], *,
                          sql: Callable[[sqlite3.Connection], object],
                          jsonl: Callable[[list[str]], list[str]]) -> str:
    """Fill a log of N records, tamper with it (``sql`` on a SQLite file, ``jsonl`` on the
    lines of a JSONL log), and return the report of the verify that must fail."""
    await fill(url, N)
    if url.startswith("sqlite"):
        with sqlite3.connect(_db(url)) as conn:
            sql(conn)
    else:
        _jsonl_rewrite(url, jsonl)
    code, out = run_verify(url, capsys)
    assert code == EXIT_FAILED, out
    return out


@pytest.mark.asyncio
async def test_edited_record_is_named(file_store_url: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    def edit(conn: sqlite3.Connection) -> None:
        text = conn.execute("SELECT record FROM audit_events WHERE seq = 17").fetchone()[0]
        edited = _edit_action(text)
        conn.execute("UPDATE audit_events SET record = ?, action = ? WHERE seq = 17",
                     (edited, json.loads(edited)["action"]))

    out = await tampered_report(file_store_url, capsys, sql=edit,
                                jsonl=lambda ls: ls[:16] + [_edit_action(ls[16])] + ls[17:])
    assert "seq 17 hash mismatch (content edited)" in out
    assert "first bad record: seq 17" in out


@pytest.mark.asyncio
async def test_deleted_record_is_named(file_store_url: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = await tampered_report(
        file_store_url, capsys, sql=lambda c: c.execute("DELETE FROM audit_events WHERE seq = 23"),
        jsonl=lambda ls: ls[:22] + ls[23:])
    assert "record seq 23 missing" in out and "first bad record: seq 23" in out


@pytest.mark.asyncio
async def test_swapped_records_are_named(file_store_url: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    def swap(conn: sqlite3.Connection) -> None:
        a, b = (conn.execute("SELECT record FROM audit_events WHERE seq = ?", (s,))
                .fetchone()[0] for s in (8, 9))
        conn.execute("UPDATE audit_events SET record = ? WHERE seq = 8", (b,))
        conn.execute("UPDATE audit_events SET record = ? WHERE seq = 9", (a,))

    out = await tampered_report(file_store_url, capsys, sql=swap,
                                jsonl=lambda ls: ls[:7] + [ls[8], ls[7]] + ls[9:])
    assert "first bad record: seq 8" in out


@pytest.mark.asyncio
async def test_inserted_record_is_named(file_store_url: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    def forge(conn: sqlite3.Connection) -> None:
        # A forged record appended with a correctly recomputed hash: only the head catches it.
        last = json.loads(conn.execute(
            "SELECT record FROM audit_events WHERE seq = ?", (N,)).fetchone()[0])
        forged = dict(last, seq=N + 1, prev_hash=last["hash"], action="allow")
        forged["hash"] = record_hash(forged)
        conn.execute(
            "INSERT INTO audit_events SELECT ?, ts, decision_id, tenant, route, model, stage,"
            " 'allow', policy_name, policy_version, rule_ids, shadow_rule_ids, ?, ? "
            "FROM audit_events WHERE seq = ?",
            (N + 1, forged["hash"], json.dumps(forged, sort_keys=True), N))

    out = await tampered_report(file_store_url, capsys, sql=forge,
                                jsonl=lambda ls: ls[:10] + [ls[4]] + ls[10:])
    first_bad = N + 1 if file_store_url.startswith("sqlite") else 5
    assert f"first bad record: seq {first_bad}" in out


@pytest.mark.asyncio
async def test_truncated_tail_is_detected(file_store_url: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = await tampered_report(
        file_store_url, capsys,
        sql=lambda c: c.execute("DELETE FROM audit_events WHERE seq > ?", (N - 3,)),
        jsonl=lambda ls: ls[:-3])
    assert "log truncated" in out and f"seq {N - 2}" in out


@pytest.mark.asyncio
async def test_column_edit_alone_is_detected(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/audit.db"
    await fill(url, N)
    with sqlite3.connect(_db(url)) as conn:
        conn.execute("UPDATE audit_events SET tenant = 'someone-else' WHERE seq = 11")
    code, out = run_verify(url, capsys)
    assert code == EXIT_FAILED
    assert "seq 11 column 'tenant' differs" in out


@pytest.mark.asyncio
async def test_hmac_catches_a_fully_rechained_forgery(tmp_path: Path) -> None:
    """Recomputing every hash after an edit fools a keyless verify, never a keyed one."""
    url = f"jsonl://{tmp_path}/log"
    key = b"k" * 32
    await fill(url, 10, key=key)
    (path, lines), = _lines(url)
    records = [json.loads(line) for line in lines]
    records[3]["action"] = "allow"
    prev = records[2]["hash"]
    for record in records[3:]:  # re-chain from the edit on, signing with a guessed key
        record["prev_hash"] = prev
        record["hash"] = record_hash(record)
        record["sig"] = sign(record["hash"], b"wrong key")
        prev = record["hash"]
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    store = open_store(url)
    store.head = lambda: None  # type: ignore[method-assign]  # the attacker rewrote HEAD too
    assert verify(store.iter_chain()).ok
    result = verify(store.iter_chain(), key=key)
    assert not result.ok and result.bad_seq == 4
    assert "HMAC signature invalid" in (result.problem or "")


@pytest.mark.asyncio
async def test_verify_cli_checks_hmac_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/audit.db"
    await fill(url, 12, key=b"the right key")
    monkeypatch.setenv("GUARD_AUDIT_HMAC_KEY", "the right key")
    code, out = run_verify(url, capsys)
    assert code == EXIT_OK and "HMAC checked" in out
    monkeypatch.setenv("GUARD_AUDIT_HMAC_KEY", "another key")
    code, out = run_verify(url, capsys)
    assert code == EXIT_FAILED and "seq 1 HMAC signature invalid" in out
