"""What an insider with write access to the audit store can do, done for real: SQL on the
real SQLite file or PostgreSQL schema, file edits in the real JSONL directory."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import psycopg

from guard.audit import open_store
from guard.audit.sinks.jsonl import JsonlStore


def kind(url: str) -> str:
    return url.split(":", 1)[0]


def _tables(url: str) -> tuple[str, str]:
    return ("audit_events", "audit_head") if kind(url) == "sqlite" else (
        "guard_audit_events", "guard_audit_head")


def sql(url: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one statement (``{events}`` / ``{head}`` name the tables) outside any recorder."""
    events, head = _tables(url)
    text = statement.format(events=events, head=head)
    if kind(url) == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite://")) as conn:
            return conn.execute(text, params).fetchall()
    with psycopg.connect(url, autocommit=True) as pg:
        cur = pg.execute(text.replace("?", "%s"), params)  # type: ignore[call-overload]
        return list(cur.fetchall()) if cur.description else []


def jsonl_dir(url: str) -> Path:
    store = open_store(url)
    assert isinstance(store, JsonlStore)
    return store.dir


def record_at(url: str, seq: int) -> dict[str, Any]:
    """The stored record ``seq``, as the JSON the chain hashes (``hash``, ``sig`` and all)."""
    with open_store(url) as store:
        for stored in store.iter_chain():
            data: dict[str, Any] = json.loads(stored.text)
            if data["seq"] == seq:
                return data
    raise AssertionError(f"no seq {seq}")


def record_hash_at(url: str, seq: int) -> str:
    return str(record_at(url, seq)["hash"])


def cut_tail(url: str, keep: int) -> None:
    """Delete every record after ``keep`` (the head is left as it was)."""
    if kind(url) == "jsonl":
        lines = [line for p in sorted(jsonl_dir(url).glob("audit-*.jsonl"))
                 for line in p.read_text().splitlines()]
        for p in jsonl_dir(url).glob("audit-*.jsonl"):
            p.unlink()
        (jsonl_dir(url) / "audit-000001.jsonl").write_text(
            "".join(line + "\n" for line in lines[:keep]))
    else:
        sql(url, "DELETE FROM {events} WHERE seq > ?", (keep,))


def set_head(url: str, seq: int, digest: str, sig: str | None) -> None:
    if kind(url) == "jsonl":
        (jsonl_dir(url) / "HEAD").write_text(json.dumps({"seq": seq, "hash": digest, "sig": sig}))
    else:
        sql(url, "UPDATE {head} SET seq = ?, hash = ?, sig = ? WHERE id = 1", (seq, digest, sig))


def head_sig(url: str) -> str | None:
    with open_store(url) as store:
        head = store.head()
    assert head is not None
    return head.sig


def delete_head(url: str) -> None:
    if kind(url) == "jsonl":
        (jsonl_dir(url) / "HEAD").unlink()
    else:
        sql(url, "DELETE FROM {head}")


def snapshot(url: str, to: Path) -> None:
    """Copy a file-based store aside (a backup the insider restores later)."""
    if kind(url) == "jsonl":
        shutil.copytree(jsonl_dir(url), to)
    else:
        shutil.copy(url.removeprefix("sqlite://"), to)


def restore(url: str, frm: Path) -> None:
    if kind(url) == "jsonl":
        shutil.rmtree(jsonl_dir(url))
        shutil.copytree(frm, jsonl_dir(url))
    else:
        db = Path(url.removeprefix("sqlite://"))
        for extra in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            extra.unlink(missing_ok=True)
        shutil.copy(frm, db)
