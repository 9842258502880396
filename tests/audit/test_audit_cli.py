"""``guard audit`` query / export / replay / report, run through the real CLI entry point."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from guard.audit.cli import EXIT_OK, EXIT_USAGE
from guard.cli.main import main
from tests.support.audit_log import populate


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().out


@pytest.mark.asyncio
async def test_query_filters_and_formats(
    store_url: str, light_policy: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    await populate(store_url, light_policy(), rounds=4)
    code, out = cli(["audit", "query", "--audit-url", store_url, "--tenant", "acme",
                     "--action", "block", "--format", "jsonl"], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == EXIT_OK and len(rows) == 4
    assert all(r["tenant"] == "acme" and r["rule_ids"] == ["secrets.block"] for r in rows)
    code, out = cli(["audit", "query", "--audit-url", store_url, "--rule", "injection.block",
                     "--since", "1h", "--model", "gpt-4o-mini"], capsys)
    assert code == EXIT_OK and "(4 records)" in out and "injection.block" in out
    code, out = cli(["audit", "query", "--audit-url", store_url, "--policy-version", "2"],
                    capsys)
    assert "(0 records)" in out
    code, out = cli(["audit", "query", "--audit-url", store_url, "--until", "1h"], capsys)
    assert "(0 records)" in out


@pytest.mark.asyncio
async def test_export_csv_jsonl_parquet(
    store_url: str, light_policy: Callable[..., Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import pyarrow.parquet as pq

    await populate(store_url, light_policy(), rounds=2)
    code, out = cli(["audit", "export", "--audit-url", store_url, "--format", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == EXIT_OK and len(rows) == 10
    assert {r["tenant"] for r in rows} == {"acme", "globex", "initech"}
    assert json.loads(rows[0]["record"])["decision_id"] == rows[0]["decision_id"]
    out_file = tmp_path / "audit.parquet"
    code, _ = cli(["audit", "export", "--audit-url", store_url, "--format", "parquet",
                   "--out", str(out_file), "--action", "block"], capsys)
    table = pq.read_table(out_file)
    assert code == EXIT_OK and table.num_rows == 2
    assert table.column("seq").type.bit_width == 64
    assert set(table.column("action").to_pylist()) == {"block"}
    code, out = cli(["audit", "export", "--audit-url", store_url, "--format", "jsonl",
                     "--limit", "3"], capsys)
    assert [json.loads(x)["seq"] for x in out.splitlines()] == [1, 2, 3]


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = f"sqlite:///{tmp_path}/nope.db"
    assert main(["audit", "verify", "--audit-url", missing]) == EXIT_USAGE
    assert main(["audit", "query", "--audit-url", "ftp://x"]) == EXIT_USAGE
    assert main(["audit", "query", "--audit-url", missing, "--since", "yesterday"]) == EXIT_USAGE
    with pytest.raises(SystemExit) as exc:
        main(["audit", "export", "--format", "xml"])
    assert exc.value.code == EXIT_USAGE


@pytest.mark.asyncio
async def test_audit_url_from_environment(
    tmp_path: Path, light_policy: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path}/env.db"
    await populate(url, light_policy(), rounds=1)
    code, out = cli(["audit", "--audit-url", url, "verify"], capsys)  # group-level flag
    assert code == EXIT_OK and "OK: 5 records" in out
    monkeypatch.setenv("GUARD_AUDIT_URL", url)
    code, out = cli(["audit", "verify"], capsys)
    assert code == EXIT_OK and "OK: 5 records" in out


@pytest.mark.asyncio
async def test_replay_reports_decision_diff_between_policy_versions(
    store_url: str, light_policy: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    v1 = light_policy(version=1, injection_mode="shadow", secrets_action="block")
    v2 = light_policy(version=2, injection_mode="enforce", secrets_action="flag")
    await populate(store_url, v1, rounds=1)
    code, out = cli(["audit", "replay", "--audit-url", store_url, "--policy", str(v2)], capsys)
    assert code == EXIT_OK
    lines = out.splitlines()
    assert any("allow -> block rules +injection.block" in line for line in lines), out
    assert any("block -> flag" in line for line in lines), out
    assert "replayed 5 record(s)" in out and "2 would change action" in out
    assert "allow -> block: 1" in out and "block -> flag: 1" in out


@pytest.mark.asyncio
async def test_replay_skips_records_without_content(
    tmp_path: Path, light_policy: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/a.db"
    await populate(url, light_policy(retention="none"), rounds=1)
    code, out = cli(["audit", "replay", "--audit-url", url, "--policy",
                     str(light_policy(version=2, injection_mode="enforce"))], capsys)
    assert code == EXIT_OK and "replayed 0 record(s); skipped 5" in out


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_renders_in_headless_chromium(
    tmp_path: Path, light_policy: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/a.db"
    asyncio.run(populate(url, light_policy(), rounds=6))
    report = tmp_path / "report.html"
    code, _ = cli(["audit", "report", "--audit-url", url, "--since", "7d", "--out",
                   str(report)], capsys)
    assert code == EXIT_OK
    html = report.read_text()
    assert "<svg" in html and "injection.block" in html and "Shadow-rule hit rates" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in html  # self-contained, nothing to fetch or run
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    shot = tmp_path / "report.png"
    profile = tmp_path / "chromium-profile"
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--window-size=1000,1800",
         f"--screenshot={shot}", report.as_uri()],
        capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    artifacts = Path(__file__).resolve().parents[2] / "out"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(shot, artifacts / "audit-report.png")


def test_write_only_otel_url_is_a_usage_error(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Even with no OTel endpoint configured: the answer is about the URL, not the exporter."""
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert main(["audit", "verify", "--audit-url", "otel:"]) == EXIT_USAGE
    assert "write-only" in capsys.readouterr().err
