"""The classes of a programme item, with the words a county's spreadsheet uses for them."""

from enum import StrEnum


class ItemClass(StrEnum):
    NEW_START = "new_start"  # 新开工
    CONTINUING = "continuing"  # 续建
    COMPLETION = "completion"  # 竣工 (to be completed this year)
    PREPARATORY = "preparatory"  # 预备 (preparatory work only)


LABELS: dict[ItemClass, tuple[str, str]] = {
    ItemClass.NEW_START: ("新开工", "new start"),
    ItemClass.CONTINUING: ("续建", "continuing"),
    ItemClass.COMPLETION: ("竣工", "completion"),
    ItemClass.PREPARATORY: ("预备", "preparatory"),
}


def parse_class(value: object) -> ItemClass | None:
    """A class from its code, Chinese word (also 新开工项目 etc.) or English label; None when unknown."""
    word = str(value or "").strip().lower().replace("项目", "")
    for cls, (zh, en) in LABELS.items():
        if word in (cls.value, zh, en):
            return cls
    return None
