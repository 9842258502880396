"""The console in a real browser (Debian's headless chromium over the DevTools protocol): log
in, filter the list, open a decision, review it, see the review, and ``guard audit verify``
still passes. Screenshots are written to the test's tmp_path (and copied to ``out/``)."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from guard.cli.main import main
from guard.console.server import create_standalone_app
from tests.console.cdp import Browser, find_chromium
from tests.console.console_helpers import PASSWORDS, Served, console_config

PNG = b"\x89PNG\r\n\x1a\n"


def test_log_in_filter_open_review_and_verify_in_chromium(
    tmp_path: Path, serve: Callable[..., Served], populated: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium not installed (apt-get install chromium; CI installs it)")
    url = f"sqlite:///{tmp_path}/audit.db"
    populated(url, 4)  # 24 decisions
    served = serve(create_standalone_app(console_config(tmp_path), audit_url=url), url)
    shots = tmp_path / "shots"
    shots.mkdir()
    pngs = asyncio.run(_drive(chromium, served, tmp_path / "profile", shots))
    for png in pngs:
        assert png.startswith(PNG) and len(png) > 20_000
    assert main(["audit", "verify", "--audit-url", url]) == 0
    assert "OK: 25 records, chain intact" in capsys.readouterr().out
    artifacts = Path(__file__).resolve().parents[2] / "out"
    artifacts.mkdir(exist_ok=True)
    for shot in shots.iterdir():
        shutil.copy(shot, artifacts / shot.name)


async def _drive(chromium: str, served: Served, profile: Path, shots: Path) -> list[bytes]:
    async with Browser(chromium, profile) as page:
        # not logged in: the list sends us to the login form
        await page.goto(f"{served.base}/decisions")
        assert "/console/login" in await page.eval("location.pathname")
        await page.eval(f"""document.getElementById('username').value = 'alice';
            document.getElementById('password').value = {json.dumps(PASSWORDS['alice'])};""")
        await page.act_and_wait("document.getElementById('login-submit').click()")
        assert await page.eval("location.pathname") == "/console/decisions"
        assert "alice" in await page.eval("document.getElementById('who').textContent")
        assert await page.eval("document.querySelectorAll('a.open').length") == 10  # a page

        # filter: tenant globex, action flag
        await page.eval("""document.getElementById('f-tenant').value = 'globex';
            document.getElementById('f-action').value = 'flag';""")
        await page.act_and_wait("document.getElementById('f-apply').click()")
        rows = await page.eval("""[...document.querySelectorAll('#decisions tbody tr')]
            .map(tr => [...tr.cells].map(td => td.textContent.trim()))""")
        assert len(rows) == 4 and {(r[2], r[5]) for r in rows} == {("globex", "flag")}
        await page.screenshot(shots / "console-list.png")

        # open the first decision: the email span is highlighted on the retained text
        await page.act_and_wait("document.querySelector('a.open').click()")
        assert "/console/decisions/" in await page.eval("location.pathname")
        assert await page.eval("document.querySelector('mark.span').textContent") == \
            "bob@example.com"
        assert "record verified" in await page.eval(
            "document.getElementById('record-check').textContent")
        decision_id = await page.eval("document.getElementById('decision-id').textContent")

        # review it
        await page.eval("""document.getElementById('verdict-false_positive').checked = true;
            document.getElementById('review-comment').value =
              'Address of a colleague in the To: line, not a leak.';""")
        await page.act_and_wait("document.getElementById('review-submit').click()")
        assert await page.eval("document.getElementById('verdict').textContent") == \
            "false positive"
        history = await page.eval("document.getElementById('review-history').textContent")
        assert "alice (reviewer)" in history and "not a leak" in history
        decision_png = await page.screenshot(shots / "console-decision.png")

        # the review is in the list's reviewed filter and gone from the queue
        await page.goto(f"{served.base}/decisions?reviewed=yes")
        assert await page.eval("document.querySelectorAll('a.open').length") == 1
        await page.goto(f"{served.base}/queue")
        links = await page.eval("[...document.querySelectorAll('a.open')].map(a => a.href)")
        assert len(links) == 10 and not any(decision_id in link for link in links)
        await page.act_and_wait("document.getElementById('older').click()")
        rest = await page.eval("[...document.querySelectorAll('a.open')].map(a => a.href)")
        assert len(rest) == 1 and decision_id not in rest[0]  # 12 flagged or blocked, 1 reviewed

        # overview with its charts, for the README
        await page.goto(f"{served.base}/?window=24h")
        assert await page.eval("document.querySelectorAll('section.chart svg').length") == 6
        overview_png = await page.screenshot(shots / "console-overview.png")

    return [decision_png, overview_png]
