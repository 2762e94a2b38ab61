#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (Playwright drives it via
# executable_path; `playwright install` would download its own browser, which cannot work
# offline). A CJK font is installed with it so screenshots show the Chinese labels, not boxes.
# As root we install with apt; as anyone else we say exactly what to run and fail.
set -euo pipefail
browser=/usr/bin/chromium
font_ok() { fc-list :lang=zh 2>/dev/null | grep -q .; }
if [[ -x "$browser" ]] && font_ok; then
  echo "chromium: installed ($browser)"
  exit 0
fi
pkgs="chromium fonts-wqy-microhei"
if [[ "$(id -u)" -ne 0 ]]; then
  echo "chromium: not installed (or no CJK font). Run as root:  apt-get update && apt-get install -y $pkgs" >&2
  exit 1
fi
echo "chromium: installing $pkgs with apt"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $pkgs >/dev/null
test -x "$browser"
echo "chromium: installed ($browser)"
