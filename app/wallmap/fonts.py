"""A Chinese font for the wall maps, embedded so the PDF reads the same on every machine.

WenQuanYi Micro Hei comes from Debian's `fonts-wqy-microhei` (installed by the project's
setup: scripts/ensure-fonts.sh). Embedded as a subset, it keeps the file small and gives
the text a ToUnicode map, so names can be searched and copied from the PDF. Without it the
maps fall back to reportlab's built-in CID font STSong-Light, which needs no file but is not
embedded: a viewer then draws the text in a Chinese font of its own.
"""

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

# TrueType outlines only: reportlab cannot embed the CFF outlines of e.g. Noto Sans CJK.
CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
EMBEDDED_NAME = "PlanmapCJK"
FALLBACK_NAME = "STSong-Light"


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register (once per process) and return the name of the font to draw Chinese text with."""
    for path in CANDIDATES:
        if path.is_file():
            pdfmetrics.registerFont(TTFont(EMBEDDED_NAME, str(path), subfontIndex=0))
            return EMBEDDED_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_NAME))
    return FALLBACK_NAME


def text_width(text: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, cjk_font(), size))
