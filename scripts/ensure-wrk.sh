#!/usr/bin/env bash
# Make sure Debian's `wrk` (the HTTP load generator `make soak` drives) is installed.
# As root we install it with apt; as anyone else we say exactly what to run and fail.
set -euo pipefail
if command -v wrk >/dev/null; then
  echo "wrk: installed ($(command -v wrk))"
  exit 0
fi
if [[ "$(id -u)" -ne 0 ]]; then
  echo "wrk: not installed. Run as root:  apt-get update && apt-get install -y wrk" >&2
  exit 1
fi
echo "wrk: installing with apt"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq wrk >/dev/null
echo "wrk: installed ($(command -v wrk))"
