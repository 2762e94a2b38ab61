"""Text on coloured bars picks the ink that reads (app/web/contrast.py, issue 18 item 10)."""

from app.catalog.vocab import DEFAULT_COLOR, STATUS_COLORS
from app.web.contrast import contrast, ink


def test_every_status_colour_gets_readable_text() -> None:
    for code, colour in {**STATUS_COLORS, "default": DEFAULT_COLOR}.items():
        assert contrast(ink(colour), colour) >= 4.5, (code, colour, ink(colour))


def test_the_orange_of_under_construction_gets_black_not_white() -> None:
    assert 3.8 < contrast("#ffffff", "#d55e00") < 3.9  # what axe measured: under 4.5
    assert ink("#d55e00") == "#000000"
    assert ink("#0b1f3a") == "#ffffff"
    assert ink("not a colour") == "#000000"
