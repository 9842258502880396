"""Authorization of the console, over real HTTP: nothing answers without a login, an auditor
cannot review, a POST without the CSRF token is refused, sessions can't be forged or reused
after logout, and the server secret is never a public default."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Mount, Route

from guard.audit.sinks import open_store
from guard.console.auth import check_password, hash_password, load_secret
from guard.console.config import ConsoleConfig, ConsoleUser
from guard.console.server import create_standalone_app
from guard.errors import ConfigError
from tests.console.console_helpers import ADMIN_KEY, Served, console_config, csrf_of


@pytest.fixture
def served(tmp_path: Path, serve: Callable[..., Served],
           populated: Callable[[str], Path]) -> Served:
    url = f"sqlite:///{tmp_path}/audit.db"
    populated(url, 1)
    return serve(create_standalone_app(console_config(tmp_path), audit_url=url), url)


def _console_routes(app: Any) -> list[tuple[str, str]]:
    mount = next(r for r in app.routes if isinstance(r, Mount))
    out = []
    for route in mount.app.routes:
        if isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    out.append((method, route.path))
    return out


def _count(url: str) -> int:
    with open_store(url) as store:
        return sum(1 for _ in store.iter_chain())


def _a_decision(url: str) -> str:
    with open_store(url) as store:
        return next(json.loads(s.text)["decision_id"] for s in store.iter_chain()
                    if '"action":"flag"' in s.text)


def test_no_page_or_api_answers_without_login(served: Served) -> None:
    decision = _a_decision(served.url)
    routes = _console_routes(served.app)
    assert len(routes) >= 12
    checked = 0
    with served.client() as client:
        for method, path in routes:
            if path in ("/login", "/static/{name}"):
                continue
            real = path.replace("{decision_id}", decision)
            r = client.request(method, real, data={"csrf": "x", "verdict": "confirmed"})
            checked += 1
            if method == "GET" and not real.startswith("/api/"):
                assert r.status_code == 303, (method, real)
                assert "/console/login?next=" in r.headers["location"]
            else:
                assert r.status_code == 401, (method, real, r.status_code)
                assert r.json() == {"error": "login required"}
            assert decision not in r.text and "secrets.block" not in r.text
        forged = served.client()
        forged.cookies.set("guard_console", "eyJzaWQiOiJ4In0.deadbeef", path="/console")
        assert forged.get("/decisions").status_code == 303
    assert checked >= 10


def test_login_sets_a_strict_httponly_cookie_and_logout_revokes_it(served: Served) -> None:
    with served.client() as client:
        token = csrf_of(client.get("/login").text)
        wrong = client.post("/login", data={"username": "alice", "password": "nope",
                                            "csrf": token})
        assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
        ok = client.post("/login", data={"username": "alice", "password": "alice-reviews-1",
                                         "csrf": token, "next": "/console/queue"})
        assert ok.status_code == 303 and ok.headers["location"] == "/console/queue"
        cookie = next(c for c in ok.headers.get_list("set-cookie")
                      if c.startswith("guard_console="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
        assert "Secure" not in cookie  # plain http on 127.0.0.1; https sets it
        page = client.get("/decisions")
        assert page.status_code == 200 and "alice" in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
        stolen = client.cookies["guard_console"]
        assert client.post("/logout", data={"csrf": csrf_of(page.text)}).status_code == 303
    with served.client() as replay:
        replay.cookies.set("guard_console", stolen, path="/console")
        assert replay.get("/decisions").status_code == 303  # revoked at logout


def test_a_tampered_session_is_refused(served: Served) -> None:
    client = served.login("bob")
    payload, sig = client.cookies["guard_console"].rsplit(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["r"] = "reviewer"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    with served.client() as other:
        other.cookies.set("guard_console", f"{forged}.{sig}", path="/console")
        assert other.get("/decisions").status_code == 303


def test_open_redirect_after_login_is_refused(served: Served) -> None:
    with served.client() as client:
        token = csrf_of(client.get("/login").text)
        r = client.post("/login", data={"username": "bob", "password": "bob-audits-22",
                                        "csrf": token, "next": "//evil.example/x"})
        assert r.status_code == 303 and r.headers["location"] == "/console/"


def test_an_auditor_cannot_review(served: Served) -> None:
    decision = _a_decision(served.url)
    before = _count(served.url)
    client = served.login("bob")
    page = client.get(f"/decisions/{decision}")
    assert page.status_code == 200 and 'id="review-form"' not in page.text
    assert "auditor: read-only" in page.text
    r = client.post(f"/decisions/{decision}/review",
                    data={"csrf": csrf_of(page.text), "verdict": "confirmed"})
    assert r.status_code == 403 and "cannot review" in r.text
    assert _count(served.url) == before


def test_posts_without_csrf_are_refused(served: Served) -> None:
    decision = _a_decision(served.url)
    before = _count(served.url)
    client = served.login("alice")
    for path, data in [(f"/decisions/{decision}/review", {"verdict": "confirmed"}),
                       ("/verify", {}), ("/replay", {"policy": "strict.yaml"}),
                       ("/logout", {})]:
        for form in (data, {**data, "csrf": "0" * 64}):
            r = client.post(path, data=form)
            assert r.status_code == 403 and "CSRF" in r.text, (path, r.status_code)
    assert client.get("/decisions").status_code == 200  # logout without a token did nothing
    # the login form has its own token, bound to a pre-login cookie
    with served.client() as fresh:
        r = fresh.post("/login", data={"username": "alice", "password": "alice-reviews-1"})
        assert r.status_code == 403
    # a JSON body is not a form: no way around the token
    r = client.post(f"/decisions/{decision}/review", json={"verdict": "confirmed"})
    assert r.status_code == 415
    assert _count(served.url) == before


def test_admin_key_logs_in_as_reviewer(served: Served) -> None:
    client = served.login("admin", ADMIN_KEY)
    page = client.get("/")
    assert page.status_code == 200 and "admin:ops" in page.text and "reviewer" in page.text


def test_replay_only_takes_policies_from_the_allow_listed_directory(
    served: Served, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text((tmp_path / "candidates" / "strict.yaml").read_text())
    client = served.login("bob")
    page = client.get("/replay")
    assert "strict.yaml" in page.text and "email-shadow.yaml" in page.text
    token = csrf_of(page.text)
    for name in ("../outside.yaml", str(outside), "candidates/strict.yaml", ""):
        r = client.post("/replay", data={"csrf": token, "policy": name})
        assert r.status_code == 400 and "not a policy in the replay directory" in r.text
    os.symlink(outside, tmp_path / "candidates" / "link.yaml")
    r = client.post("/replay", data={"csrf": token, "policy": "link.yaml"})
    assert r.status_code == 400


def test_login_is_throttled_after_repeated_failures(served: Served) -> None:
    with served.client() as client:
        token = csrf_of(client.get("/login").text)
        codes = [client.post("/login", data={"username": "alice", "password": f"x{i}",
                                             "csrf": token}).status_code for i in range(6)]
        assert codes[:5] == [401] * 5 and codes[5] == 429
        r = client.post("/login", data={"username": "alice", "password": "alice-reviews-1",
                                        "csrf": token})
        assert r.status_code == 429  # even the right password waits out the window


def test_password_hashes_and_config_validation() -> None:
    for scheme in ("scrypt", "pbkdf2_sha256"):
        stored = hash_password("correct horse", scheme=scheme)
        assert stored.startswith(scheme) and "correct horse" not in stored
        assert check_password("correct horse", stored)
        assert not check_password("correct hors", stored)
    assert not check_password("x", "plain-text")
    with pytest.raises(ValueError, match="never a plain password"):
        ConsoleUser(role="reviewer", password_hash="hunter2")
    with pytest.raises(ValueError, match="reserved"):
        ConsoleConfig(users={"admin": ConsoleUser(role="auditor",
                                                  password_hash=hash_password("abcdefgh"))})


def test_secret_is_generated_0600_per_installation_or_taken_from_env(tmp_path: Path) -> None:
    cfg = ConsoleConfig(admin_key_hashes={"a": "sha256:" + "0" * 64},
                        secret_file=str(tmp_path / "s"))
    first = load_secret(cfg, env={})
    assert len(first) >= 32 and first == load_secret(cfg, env={})
    assert stat.S_IMODE((tmp_path / "s").stat().st_mode) == 0o600
    other = ConsoleConfig(admin_key_hashes={"a": "sha256:" + "0" * 64},
                          secret_file=str(tmp_path / "s2"))
    assert load_secret(other, env={}) != first  # per installation, never a shared default
    assert load_secret(cfg, env={"GUARD_CONSOLE_SECRET": "x" * 40}) == b"x" * 40
    (tmp_path / "s").chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_secret(cfg, env={})


def test_console_refuses_to_start_without_users(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nobody could log in"):
        create_standalone_app(ConsoleConfig(secret_file=str(tmp_path / "s")),
                              audit_url=f"sqlite:///{tmp_path}/a.db")


def test_static_files_are_shipped_and_nothing_else_is_served(served: Served) -> None:
    with served.client() as client:
        css = client.get("/static/console.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert client.get("/static/..%2Fapp.py").status_code == 404
        assert client.get("/static/app.py").status_code == 404
        assert "http" not in css.text and "@import" not in css.text


def test_guard_console_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from guard.cli.main import main

    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-passw0rd\n"))
    assert main(["console", "--hash-password"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("scrypt$") and check_password("s3cret-passw0rd", printed)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["console", "--hash-password"]) == 2
    empty = tmp_path / "empty.yaml"
    empty.write_text("audit_url: sqlite:///x.db\n")
    assert main(["console", "--config", str(empty)]) == 2
    assert "no 'console:' section" in capsys.readouterr().err
    config = tmp_path / "guard.yaml"
    config.write_text(f"console:\n  users:\n    amy: {{role: auditor, password_hash: "
                      f"'{printed}'}}\n  secret_file: {tmp_path / 's'}\n")
    assert main(["console", "--config", str(config), "--audit-url",
                 f"sqlite:///{tmp_path}/missing.db"]) == 2
    assert "no audit log at" in capsys.readouterr().err


def test_a_review_record_id_opens_the_decision_it_judged(served: Served) -> None:
    decision = _a_decision(served.url)
    client = served.login("alice")
    page = client.get(f"/decisions/{decision}")
    client.post(f"/decisions/{decision}/review",
                data={"csrf": csrf_of(page.text), "verdict": "confirmed"})
    with open_store(served.url) as store:
        review_id = [json.loads(s.text) for s in store.iter_chain()][-1]["decision_id"]
    assert review_id.startswith("review-")
    r = client.get(f"/decisions/{review_id}")
    assert r.status_code == 303 and r.headers["location"].endswith(f"/{decision}#reviews")


@pytest.mark.asyncio
async def test_cookie_is_secure_over_https(tmp_path: Path) -> None:
    import httpx

    from tests.console.console_helpers import PASSWORDS

    app = create_standalone_app(console_config(tmp_path),
                                audit_url=f"sqlite:///{tmp_path}/a.db")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://console.example") as c:
        token = csrf_of((await c.get("/console/login")).text)
        r = await c.post("/console/login", data={"username": "bob", "csrf": token,
                                                  "password": PASSWORDS["bob"]})
        cookie = next(v for v in r.headers.get_list("set-cookie")
                      if v.startswith("guard_console="))
        assert r.status_code == 303 and "Secure" in cookie and "HttpOnly" in cookie


def test_sessions_end_when_the_user_leaves_the_config_or_changes_role(tmp_path: Path) -> None:
    from guard.console.auth import Authenticator

    config = console_config(tmp_path)
    auth = Authenticator(config, b"k" * 32)
    session = auth.login("alice", "alice-reviews-1")
    assert session is not None and session.can_review
    cookie = auth.encode(session)
    assert auth.decode(cookie) == session
    demoted = config.model_copy(update={"users": {
        "alice": config.users["alice"].model_copy(update={"role": "auditor"})}})
    assert Authenticator(demoted, b"k" * 32).decode(cookie) is None
    removed = config.model_copy(update={"users": {}})
    assert Authenticator(removed, b"k" * 32).decode(cookie) is None
    assert Authenticator(config, b"other-secret" * 3).decode(cookie) is None
    assert auth.login("alice", "wrong") is None and auth.login("nobody", "x") is None
