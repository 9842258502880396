#!/usr/bin/env bash
# Load and soak tests (pytest marker `slow`): deselected from the README's test command and CI
# (pyproject.toml addopts), run here. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest -q -m slow "$@"
