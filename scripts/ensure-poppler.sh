#!/usr/bin/env bash
# Make sure poppler-utils' `pdftoppm` is installed: the report tests render the evaluation report's PDF
# pages to PNG with it (a second, independent PDF reader besides the PDFium the app uses for its map image).
# As root we install Debian's poppler-utils with apt; as anyone else we say what to run and go on.
set -euo pipefail
if command -v pdftoppm >/dev/null; then
  echo "poppler: installed ($(command -v pdftoppm))"
  exit 0
fi
if [[ "$(id -u)" -ne 0 ]]; then
  echo "poppler: pdftoppm missing; the report PDF tests will be skipped. As root:" \
       " apt-get update && apt-get install -y poppler-utils" >&2
  exit 0
fi
echo "poppler: installing poppler-utils with apt"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq poppler-utils >/dev/null
command -v pdftoppm >/dev/null
echo "poppler: installed ($(command -v pdftoppm))"
