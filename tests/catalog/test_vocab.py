"""One vocabulary loader: the database's labels with planmap's colours and icons, the same for every surface."""

from sqlalchemy import Engine

from app.catalog.vocab import (
    CATEGORY_ICONS,
    DEFAULT_COLOR,
    DEFAULT_ICON,
    STATUS_COLORS,
    Category,
    Status,
    load_vocab_sync,
)


def test_every_code_has_a_label_colour_and_icon(engine: Engine) -> None:
    with engine.connect() as conn:
        zh, en = load_vocab_sync(conn, "zh"), load_vocab_sync(conn, "en")
    # The lookup tables and the enums name the same codes, and nothing falls back to a default look.
    assert [s["code"] for s in zh.statuses] == [s["code"] for s in en.statuses]
    assert {s["code"] for s in zh.statuses} == set(Status) == STATUS_COLORS.keys()
    assert {c["code"] for c in zh.categories} == set(Category) == CATEGORY_ICONS.keys()
    assert DEFAULT_COLOR not in {s["color"] for s in zh.statuses}
    assert DEFAULT_ICON not in {c["icon"] for c in zh.categories}
    # Statuses in workflow order (planned first); labels in the reader's language.
    assert zh.statuses[0]["code"] == "planned"
    assert zh.status_label("under_construction") == "在建" and en.status_label("under_construction") != "在建"
    assert en.categories == sorted(en.categories, key=lambda c: c["label"])
    assert zh.status_labels["completed"] == zh.status_label("completed")
    assert zh.status_label("no-such-code") == "no-such-code"  # an unknown code shows as itself, never blank
