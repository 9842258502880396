#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1 for the audit tests.
#
# Installs the Debian `postgresql` package when no server binaries are present, creates a
# fresh cluster (trust auth, loopback only) in $GUARD_PG_DIR, starts it on $GUARD_PG_PORT and
# creates the database `guard_test`. Idempotent: a cluster that is already running is reused.
#
# stdout carries only the export line, so callers can do:
#     eval "$(.ci/postgres.sh)"          # sets GUARD_TEST_POSTGRES_URL
# Stop it with:  .ci/postgres.sh stop
set -euo pipefail

PORT="${GUARD_PG_PORT:-55432}"
DIR="${GUARD_PG_DIR:-/tmp/guard-pg}"
DB=guard_test
URL="postgresql://postgres@127.0.0.1:${PORT}/${DB}"

log() { echo "postgres.sh: $*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "installing postgresql (apt-get)"
  $SUDO apt-get update -qq >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"

# initdb/postgres refuse to run as root: run them as the `postgres` system user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "${1:-}" = "stop" ]; then
  as_pg "$BIN/pg_ctl" -D "$DIR" -m fast stop >&2 || true
  exit 0
fi

if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  rm -rf "$DIR"
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
  log "initdb in $DIR"
  as_pg "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 >/dev/null
  log "starting on 127.0.0.1:$PORT"
  as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=200" >&2
fi
as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 \
  || as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
log "ready: $URL"
echo "export GUARD_TEST_POSTGRES_URL=$URL"
