"""Shared set-up for the implementation-cycle tests: departments, their officials, a programme, photos.

The departments here are test fixtures a planner adds through the API (the plan itself names none);
the projects are the seeded plan's own.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import text

from app.auth.accounts import add_user
from tests.support.editing import PASSWORD, EditWorld, open_world

ROAD_XINGZI = "guanglian-expressway-xingzi-exit-connector"  # Xingzi; no department
EXIT_XINGZI = "xuguang-expressway-xingzi-exit-connector"  # Xingzi; no department
ROAD_LONGPING = "guanglian-expressway-longping-exit-connector"  # Longping; lead: the transport department
CENTRE_DONGBEI = "dongbei-town-centre-upgrade"  # Dongbei; lead: a department that requires review
CENTRE_BAOAN = "baoan-town-centre-upgrade"  # Baoan; in the programme, never reports
HYDRO_XINGZI = "tanling-hydropower-station-renovation"  # Xingzi; photos
PROGRAMME_2025 = {
    ROAD_XINGZI: ("continuing", "1000.00", "完成路基工程"),
    EXIT_XINGZI: ("new_start", "500.00", "开工建设"),
    ROAD_LONGPING: ("continuing", "2400.00", "完成路面工程"),
    CENTRE_DONGBEI: ("continuing", "300.00", "完成立面改造"),
    CENTRE_BAOAN: ("preparatory", None, "完成前期工作"),
    HYDRO_XINGZI: ("completion", "800.00", "竣工验收"),
}


@dataclass
class CycleWorld(EditWorld):
    data_dir: Path

    def report(self, user: str | None, slug: str, month: str, invested: str, pct: str = "10", **extra: Any
               ) -> httpx.Response:  # fmt: skip
        body = {"month": month, "invested_cny_10k": invested, "progress_pct": pct, **extra}
        return self.client.post(f"/api/projects/{slug}/progress", json=body, headers=self.auth(user))  # type: ignore[return-value]

    def sql(self, statement: str, **params: Any) -> list[Any]:
        with self.engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []


def jpeg(size: tuple[int, int] = (64, 48), exif: Image.Exif | None = None, colour: str = "orange") -> bytes:
    out = BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def open_cycle_world(tmp: Path, prefix: str = "planmap_cycle", **settings: Any) -> Iterator[CycleWorld]:
    with open_world(prefix, data_dir=tmp, **settings) as base:
        world = CycleWorld(base.url, base.engine, base.client, tmp)
        planner = world.auth("planner")
        for slug, name_zh, name_en, review in (
            ("jiaotong-ju", "连州市交通运输局", "Lianzhou Transport Bureau", False),
            ("zhujian-ju", "连州市住房和城乡建设局", "Lianzhou Housing and Construction Bureau", True),
        ):
            body = {"slug": slug, "name_zh": name_zh, "name_en": name_en, "source": "test fixture",
                    "review_required": review}  # fmt: skip
            assert world.client.post("/api/units", json=body, headers=planner).status_code == 201
        with world.engine.begin() as conn:
            add_user(conn, "official_jiaotong", PASSWORD, "official", "交通局", [], "test", ["jiaotong-ju"])
            add_user(conn, "official_zhujian", PASSWORD, "official", "住建局", [], "test", ["zhujian-ju"])
        for slug, lead in ((ROAD_LONGPING, "jiaotong-ju"), (CENTRE_DONGBEI, "zhujian-ju")):
            put = world.client.put(f"/api/projects/{slug}/units", json={"lead": lead, "others": []}, headers=planner)
            assert put.status_code == 200, put.text
        for slug, (cls, planned, target) in PROGRAMME_2025.items():
            body = {"class": cls, "planned_investment_cny_10k": planned, "target": target}
            put = world.client.put(f"/api/programmes/2025/items/{slug}", json=body, headers=planner)
            assert put.status_code == 200, put.text
        yield world


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    yield from open_cycle_world(tmp_path_factory.mktemp("data"))
