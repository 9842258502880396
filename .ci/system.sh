#!/usr/bin/env bash
# System services the test suite needs, from Debian's packages, on 127.0.0.1 only:
# PostgreSQL (shared audit log tests) and Chromium (HTML audit report screenshot).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
bash .ci/postgres.sh > .ci/services.env
cat .ci/services.env
