"""The text colour that stays readable on a given background (WCAG 2 contrast).

Status and warning colours come from the database and colour filled bars with their counts written
inside; white on the orange of "under construction" is 3.9:1, under the 4.5:1 that small text needs
(issue 18, item 10). Pick black or white, whichever contrasts more with the fill.
"""

import re

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
DARK = "#000000"
LIGHT = "#ffffff"


def _luminance(hex6: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex6[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    la, lb = sorted((_luminance(_hex(a)), _luminance(_hex(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _hex(colour: str) -> str:
    match = _HEX.match(colour.strip())
    if match is None:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return match.group(1)


def ink(background: str) -> str:
    """Dark or white text for `background`, whichever reads better; dark for anything not #rrggbb."""
    try:
        return DARK if contrast(DARK, background) >= contrast(LIGHT, background) else LIGHT
    except ValueError:
        return DARK
