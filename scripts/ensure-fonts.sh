#!/usr/bin/env bash
# Make sure a Chinese TrueType font is installed for the town wall maps (app/wallmap/fonts.py embeds
# WenQuanYi Micro Hei so the PDFs read the same everywhere and their text can be searched).
# As root we install Debian's fonts-wqy-microhei with apt; as anyone else we say what to run and go on:
# the maps then use reportlab's built-in (not embedded) STSong-Light, which viewers substitute.
set -euo pipefail
font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [[ -f "$font" ]]; then
  echo "fonts: installed ($font)"
  exit 0
fi
if [[ "$(id -u)" -ne 0 ]]; then
  echo "fonts: WenQuanYi Micro Hei missing; wall maps fall back to a non-embedded font. As root:" \
       " apt-get update && apt-get install -y fonts-wqy-microhei" >&2
  exit 0
fi
echo "fonts: installing fonts-wqy-microhei with apt"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq fonts-wqy-microhei >/dev/null
test -f "$font"
echo "fonts: installed ($font)"
