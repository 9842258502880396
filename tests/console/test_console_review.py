"""The review workflow over real HTTP on every queryable sink: the queue, a review appended to
the same hash chain (``guard audit verify`` covers it), ``export --reviewed``, keyset pages,
filters, the decision page's spans and chain check, replay of reviewed decisions, and the
console mounted in the sidecar."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from guard.audit.sinks import QueryFilter, open_store
from guard.cli.main import main
from guard.console.server import create_standalone_app
from guard.sidecar.app import create_app
from guard.sidecar.config import SidecarConfig
from tests.console.console_helpers import Served, console_config, csrf_of

_ID = re.compile(r'/console/decisions/([0-9a-f]{16,})"')


def _ids(html: str) -> list[str]:
    return list(dict.fromkeys(_ID.findall(html)))


def test_review_is_chained_verified_and_exported(
    store_url: str, tmp_path: Path, serve: Callable[..., Served],
    populated: Callable[..., Path], capsys: pytest.CaptureFixture[str],
) -> None:
    populated(store_url, 2)  # 12 decisions: 4 flag (email), 2 block (secrets)
    served = serve(create_standalone_app(console_config(tmp_path), audit_url=store_url),
                   store_url)
    client = served.login("alice")
    queue = client.get("/queue")
    queued = _ids(queue.text)
    assert queue.status_code == 200 and len(queued) == 6
    target, other = queued[0], queued[1]
    page = client.get(f"/decisions/{target}")
    assert "record verified" in page.text and 'id="review-form"' in page.text
    r = client.post(f"/decisions/{target}/review", data={
        "csrf": csrf_of(page.text), "verdict": "false_positive",
        "comment": "a colleague's address <b>not</b> PII leakage"})
    assert r.status_code == 303
    r = client.post(f"/decisions/{other}/review", data={
        "csrf": csrf_of(page.text), "verdict": "confirmed", "comment": ""})
    assert r.status_code == 303
    page = client.get(f"/decisions/{target}")
    assert "a colleague&#39;s address &lt;b&gt;not&lt;/b&gt;" in page.text  # escaped
    assert 'id="verdict">false positive' in page.text
    api = client.get(f"/api/decisions/{target}").json()
    assert [(v["verdict"], v["reviewer"], v["role"]) for v in api["reviews"]] == [
        ("false_positive", "alice", "reviewer")]
    assert set(_ids(client.get("/queue").text)) == set(queued) - {target, other}
    reviewed = client.get("/api/decisions", params={"reviewed": "yes"}).json()["decisions"]
    assert {d["decision_id"]: d["review"] for d in reviewed} == {
        target: "false_positive", other: "confirmed"}

    # the reviews are records 13 and 14 of the same chain, and the chain verifies
    with open_store(store_url) as store:
        records = [json.loads(s.text) for s in store.iter_chain()]
    assert [r["stage"] for r in records[-2:]] == ["review", "review"]
    assert records[-2]["review"]["decision_id"] == target
    assert records[-2]["prev_hash"] == records[-3]["hash"]
    assert "review" not in records[0]  # decision records are stored as before
    assert main(["audit", "verify", "--audit-url", store_url]) == 0
    assert "OK: 14 records" in capsys.readouterr().out

    # export --reviewed: labelled data, false positives alone with --verdict
    assert main(["audit", "export", "--audit-url", store_url, "--format", "jsonl",
                 "--reviewed"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["decision"]["decision_id"], r["label"]) for r in rows} == {
        (target, "false_positive"), (other, "confirmed")}
    assert rows[0]["decision"]["messages"]  # retention full: the text to learn from
    assert main(["audit", "export", "--audit-url", store_url, "--format", "csv", "--reviewed",
                 "--verdict", "false_positive"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(t["decision_id"], t["review_verdict"], t["reviewer"]) for t in table] == [
        (target, "false_positive", "alice")]
    assert main(["audit", "export", "--audit-url", store_url, "--format", "jsonl",
                 "--reviewed", "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert main(["audit", "export", "--audit-url", store_url, "--format", "csv",
                 "--verdict", "confirmed"]) == 2

    # a full-chain verification started from the console reports the same
    overview = client.get("/")
    r = client.post("/verify", data={"csrf": csrf_of(overview.text), "next": "/console/"})
    assert r.status_code == 303
    status = client.get("/api/verify").json()
    assert status == {"running": False, "finished": status["finished"], "error": None,
                      "ok": True, "records": 14, "problem": None}


def test_keyset_pages_and_filters(
    tmp_path: Path, serve: Callable[..., Served], populated: Callable[..., Path]
) -> None:
    url = f"sqlite:///{tmp_path}/audit.db"
    populated(url, 5)  # 30 decisions, page size 10
    served = serve(create_standalone_app(console_config(tmp_path), audit_url=url), url)
    client = served.login("bob")
    seen: list[int] = []
    params: dict[str, str] = {}
    for _ in range(10):
        page = client.get("/api/decisions", params=params).json()
        seen += [d["seq"] for d in page["decisions"]]
        if page["older"] is None:
            break
        params = {"before": str(page["older"])}
    assert seen == list(range(30, 0, -1))
    back = client.get("/api/decisions", params={"after": "20"}).json()
    assert [d["seq"] for d in back["decisions"]] == list(range(30, 20, -1))
    middle = client.get("/api/decisions", params={"before": "21"}).json()
    assert middle["newer"] == 20 and middle["older"] == 11
    assert [d["seq"] for d in client.get("/api/decisions", params={
        "after": str(middle["newer"])}).json()["decisions"]] == list(range(30, 20, -1))

    def only(**flt: str) -> list[dict[str, object]]:
        return list(client.get("/api/decisions", params={**flt, "before": "1000"}).json()[
            "decisions"])

    assert {d["tenant"] for d in only(tenant="globex")} == {"globex"}
    assert len(only(tenant="globex")) == 10
    assert {d["action"] for d in only(action="block")} == {"block"}
    assert len(only(rule="injection.block")) == 5  # shadow rule that fired
    assert len(only(model="llama-3", action="flag")) == 5
    assert only(policy_version="2") == []
    assert only(until="1h") == [] and len(only(since="1h", tenant="acme")) == 10
    html = client.get("/decisions", params={"tenant": "initech"}).text
    assert html.count('class="open"') == 5 and 'id="older"' not in html
    assert client.get("/decisions", params={"action": "explode"}).status_code == 400
    assert client.get("/decisions", params={"since": "yesterday"}).status_code == 400
    assert client.get("/decisions", params={"before": "x"}).status_code == 400


def test_decision_page_shows_spans_only_as_retention_allows(
    tmp_path: Path, serve: Callable[..., Served]
) -> None:
    import asyncio

    from tests.console.console_helpers import populate, write_policy

    urls = {}
    for retention in ("full", "redacted", "none"):
        urls[retention] = f"sqlite:///{tmp_path}/{retention}.db"
        asyncio.run(populate(urls[retention], write_policy(
            tmp_path / f"{retention}.yaml", retention=retention), 1))
    for retention, url in urls.items():
        served = serve(create_standalone_app(console_config(tmp_path), audit_url=url), url)
        client = served.login("bob")
        flagged = client.get("/api/decisions", params={"action": "flag"}).json()["decisions"]
        target = next(d for d in flagged if d["tenant"] == "globex")["decision_id"]
        html = client.get(f"/decisions/{target}").text
        assert "email.flag" in html and "record verified" in html
        if retention == "full":
            assert '<mark class="span" title="email.flag · regex/email 1.00">bob@example.com' \
                   '</mark>' in html
        elif retention == "redacted":
            assert "write to [EMAIL] please" in html and "bob@example.com" not in html
            assert "<mark" not in html
        else:
            assert "bob@example.com" not in html and "[EMAIL]" not in html
            assert "The policy kept no content" in html


def test_chain_check_on_the_decision_page_sees_an_edited_record(
    tmp_path: Path, serve: Callable[..., Served], populated: Callable[..., Path]
) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path}/audit.db"
    populated(url, 1)
    served = serve(create_standalone_app(console_config(tmp_path), audit_url=url), url)
    client = served.login("bob")
    target = client.get("/api/decisions", params={"action": "block"}).json()["decisions"][0]
    conn = sqlite3.connect(tmp_path / "audit.db")
    conn.execute("UPDATE audit_events SET record = replace(record, '\"action\":\"block\"', "
                 "'\"action\":\"allow\"') WHERE seq = ?", (target["seq"],))
    conn.commit()
    conn.close()
    html = client.get(f"/decisions/{target['decision_id']}").text
    assert "record FAILS verification" in html and "✘ hash matches" in html


def test_replay_shows_which_reviewed_decisions_would_change(
    tmp_path: Path, serve: Callable[..., Served], populated: Callable[..., Path]
) -> None:
    url = f"sqlite:///{tmp_path}/audit.db"
    populated(url, 1)
    served = serve(create_standalone_app(console_config(tmp_path), audit_url=url), url)
    client = served.login("alice")
    flagged = client.get("/api/decisions", params={"action": "flag"}).json()["decisions"]
    blocked = client.get("/api/decisions", params={"action": "block"}).json()["decisions"]
    page = client.get("/replay")
    token = csrf_of(page.text)
    for d, verdict in ((flagged[0], "false_positive"), (blocked[0], "confirmed")):
        client.post(f"/decisions/{d['decision_id']}/review",
                    data={"csrf": token, "verdict": verdict})
    html = client.post("/replay", data={"csrf": token, "policy": "email-shadow.yaml"}).text
    assert 'id="replayed">2<' in html and 'id="changed">1<' in html
    assert "flag → allow" in html and "fixes a false positive" in html
    assert flagged[0]["decision_id"][:12] in html and blocked[0]["decision_id"][:12] not in html
    (tmp_path / "candidates" / "broken.yaml").write_text("name: x\nrules: [1]\n")
    broken = client.post("/replay", data={"csrf": token, "policy": "broken.yaml"})
    assert broken.status_code == 400 and "broken.yaml" in broken.text


@pytest.mark.asyncio
async def test_sidecar_mounts_the_console_and_reviews_use_its_recorder(tmp_path: Path) -> None:
    from guard.audit import open_recorder
    from tests.console.console_helpers import PASSWORDS, populate, write_policy

    url = f"sqlite:///{tmp_path}/audit.db"
    await populate(url, write_policy(tmp_path / "p.yaml"), 1)
    config = SidecarConfig(policy=str(tmp_path / "p.yaml"), audit_url=url,
                           console=console_config(tmp_path))
    recorder = open_recorder(url)
    await recorder.start()
    app = create_app(config, recorder=recorder, warmup=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sidecar") as client:
        r = await client.get("/console/decisions")
        assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
        token = csrf_of((await client.get("/console/login")).text)
        r = await client.post("/console/login", data={
            "username": "alice", "password": PASSWORDS["alice"], "csrf": token})
        assert r.status_code == 303
        queue = (await client.get("/console/queue")).text
        target = _ids(queue)[0]
        r = await client.post(f"/console/decisions/{target}/review",
                              data={"csrf": csrf_of(queue), "verdict": "escalated"})
        assert r.status_code == 303
        assert (await client.get("/healthz")).status_code == 200  # the sidecar is unaffected
    assert recorder.stats.written == 1  # the review went through the sidecar's own recorder
    await recorder.aclose()
    config_file = tmp_path / "guard.yaml"
    config_file.write_text("console:\n  users:\n    eve: {role: auditor, password_hash: "
                           "plain}\n")
    from guard.errors import ConfigError
    from guard.sidecar.config import load_config

    with pytest.raises(ConfigError, match=r"console\.users\.eve\.password_hash"):
        load_config(config_file)


def test_review_events_and_what_skips_them(
    tmp_path: Path, populated: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    from guard.audit.report import aggregate
    from guard.audit.review import ReviewError, build_review_event

    url = f"sqlite:///{tmp_path}/audit.db"
    policy = populated(url, 1)
    with open_store(url) as store:
        decision = next(store.query(QueryFilter(action="flag")))
        event = build_review_event(decision, verdict="escalated", comment="  see ticket 42 ",
                                   reviewer="alice", role="reviewer")
        assert event.review is not None and event.review.comment == "see ticket 42"
        assert event.review.decision_seq == decision["seq"] and event.tenant == "globex"
        for bad in ({"verdict": "maybe"}, {"comment": "x" * 2001}):
            with pytest.raises(ReviewError):
                build_review_event(decision, **{"verdict": "confirmed", "comment": "",
                                                "reviewer": "a", "role": "reviewer", **bad})
        store.append([event], None)
        records = list(store.query(QueryFilter()))
        with pytest.raises(ReviewError, match="cannot itself be reviewed"):
            build_review_event(records[-1], verdict="confirmed", comment="", reviewer="a",
                               role="reviewer")
    now = datetime.now(UTC)
    data = aggregate(records, now - timedelta(hours=1), now + timedelta(minutes=1))
    assert data.total == 6 and "review" not in data.by_action
    assert main(["audit", "replay", "--audit-url", url, "--policy", str(policy)]) == 0
    assert "replayed 6 record(s); skipped 0" in capsys.readouterr().out


def test_reader_pages_merge_several_actions_and_bound_time_windows(
    store_url: str, populated: Callable[..., Path]
) -> None:
    from datetime import UTC, datetime, timedelta

    from guard.console.store import ListFilter, open_reader

    populated(store_url, 5)  # 30 decisions: 10 flag, 5 block
    reader = open_reader(store_url)
    try:
        flt = ListFilter(actions=("flag", "block"))
        seen: list[int] = []
        before = None
        pages = []
        while True:
            page = reader.page(flt, [], before=before, limit=4)
            pages.append(page)
            seen += [int(r["seq"]) for r in page.records]
            assert {r["action"] for r in page.records} <= {"flag", "block"}
            if page.older is None:
                break
            before = page.older
        assert len(seen) == 15 and seen == sorted(seen, reverse=True)
        back = reader.page(flt, [], after=pages[2].newer, limit=4)
        assert [r["seq"] for r in back.records] == [r["seq"] for r in pages[1].records]
        now = datetime.now(UTC)
        window = ListFilter(since=now - timedelta(hours=1), until=now + timedelta(minutes=1))
        assert len(reader.page(window, [], limit=50).records) == 30
        assert reader.page(ListFilter(since=now + timedelta(minutes=1)), [], limit=50) \
            .records == []
        assert reader.page(ListFilter(until=now - timedelta(hours=2)), [], limit=50) \
            .records == []
    finally:
        reader.close()
