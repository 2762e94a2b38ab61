#!/usr/bin/env bash
# Make sure the PostGIS extension files for PostgreSQL 15 are installed.
# As root we install them with apt; as anyone else we say exactly what to run and fail,
# because a half-set-up database is worse than a clear stop.
set -euo pipefail
PG_MAJOR="${PG_MAJOR:-15}"
control="/usr/share/postgresql/${PG_MAJOR}/extension/postgis.control"
if [[ -f "$control" ]]; then
  echo "postgis: installed ($control)"
  exit 0
fi
pkg="postgresql-${PG_MAJOR}-postgis-3"
if [[ "$(id -u)" -ne 0 ]]; then
  echo "postgis: not installed. Run as root:  apt-get update && apt-get install -y $pkg" >&2
  exit 1
fi
echo "postgis: installing $pkg with apt"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "$pkg" >/dev/null
test -f "$control"
echo "postgis: installed"
