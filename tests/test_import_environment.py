"""``import guard`` (and building a Guard) must not change the host's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_import_guard_leaves_os_environ_unchanged() -> None:
    code = ("import json, os; before = dict(os.environ); import guard, guard.sidecar.app; "
            "from guard import Guard; import guard.cli.main; "
            "print(json.dumps({k: v for k, v in os.environ.items() if before.get(k) != v}))")
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS",
                        "TOKENIZERS_PARALLELISM")}
    env["PYTHONPATH"] = str(REPO)
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, check=True,
                         capture_output=True, text=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {}


def test_the_cli_entry_point_sets_offline_defaults() -> None:
    code = ("import os; from guard.cli.main import main; main(['policy', 'validate', "
            "'fr']); print(os.environ.get('HF_HUB_OFFLINE'))")
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env["PYTHONPATH"] = str(REPO)
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, check=True,
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "1"
