#!/usr/bin/env bash
# A private PostgreSQL cluster for planmap, so development and tests never touch the
# system cluster. initdb refuses to run as root, so as root the cluster runs as the
# `postgres` user with its data under /var/lib/planmap (reachable by postgres even when
# the checkout lives in a folder only root may enter); as an ordinary user it runs as
# that user under ./.pgdata.
#   scripts/pgcluster.sh start   # init if needed, start if stopped (idempotent)
#   scripts/pgcluster.sh stop
#   scripts/pgcluster.sh status
# max_connections is 300 (PLANMAP_PG_MAX_CONNECTIONS): the test suite runs on several workers, each
# with its own throwaway databases and served apps, next to any running `make run`.
set -euo pipefail
PG_MAJOR="${PG_MAJOR:-15}"
BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
PORT="${PLANMAP_PG_PORT:-55432}"
if [[ "$(id -u)" -eq 0 ]]; then
  BASE="${PLANMAP_PG_BASE:-/var/lib/planmap}"
  RUN_AS=(su postgres -s /bin/bash -c)
else
  BASE="${PLANMAP_PG_BASE:-$(pwd)/.pgdata}"
  RUN_AS=(bash -c)
fi
DATA="$BASE/pg${PG_MAJOR}-${PORT}"
LOG="$BASE/pg${PG_MAJOR}-${PORT}.log"
SOCK="$BASE/run"

as_owner() { "${RUN_AS[@]}" "$1"; }

init() {
  mkdir -p "$BASE" "$SOCK"
  if [[ "$(id -u)" -eq 0 ]]; then chown postgres:postgres "$BASE" "$SOCK"; fi
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    echo "pgcluster: initdb $DATA"
    as_owner "'$BIN/initdb' -D '$DATA' -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null"
  fi
}

is_running() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; }

start() {
  init
  if is_running; then
    echo "pgcluster: running on 127.0.0.1:$PORT ($DATA)"
    return 0
  fi
  echo "pgcluster: starting on 127.0.0.1:$PORT ($DATA, log $LOG)"
  as_owner "'$BIN/pg_ctl' -D '$DATA' -l '$LOG' -w -t 60 \
    -o \"-p $PORT -c listen_addresses=127.0.0.1 -k $SOCK -c fsync=on -c max_connections=${PLANMAP_PG_MAX_CONNECTIONS:-300}\" start >/dev/null"
  is_running
}

stop() {
  if [[ -f "$DATA/postmaster.pid" ]]; then
    as_owner "'$BIN/pg_ctl' -D '$DATA' -m fast -w stop >/dev/null"
    echo "pgcluster: stopped"
  else
    echo "pgcluster: not running"
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) if is_running; then echo "running on 127.0.0.1:$PORT ($DATA)"; else echo "stopped"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
