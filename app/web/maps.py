"""The Folium maps of the pages: base map, tiles, controls and the hook for our own JS.

Folium builds the Leaflet map, the base tiles, the fullscreen and locate controls and the
marker-cluster group; the projects, towns and county are *not* embedded in the page but
fetched from the JSON API by `frontend/static/js/planmap_core.js` (and the page mode's script) and
styled there. That keeps
a page a few kilobytes for any catalog size and lets popups be built with `textContent`,
so nothing a user typed is ever parsed as HTML.

Every Folium element is passed through `assets.localize`, which swaps the CDN URLs for the
vendored files: a page makes no request outside the app unless tiles are configured.
"""

import logging
import re
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen, LocateControl, MarkerCluster
from folium.template import Template

from app.catalog.vocab import Lang
from app.core.settings import Settings
from app.web.assets import PLANMAP_CSS, localize, planmap_js
from app.web.i18n import Translator

log = logging.getLogger(__name__)

# Lianzhou's county seat area; only the view before the data arrives, the JS then fits the map to it.
COUNTY_CENTER = (24.83, 112.38)
COUNTY_ZOOM = 10
MAX_ZOOM = 18
MIN_ZOOM = 7

# Folium's header carries its own `<meta name="viewport" … user-scalable=no>`, a second viewport tag
# after base.html's that forbids pinch-zoom on phones (WCAG 1.4.4): the page's own tag is the only one.
_FOLIUM_VIEWPORT = re.compile(r"<meta\s+name=\"viewport\"[^>]*>\s*", re.IGNORECASE)


@dataclass(frozen=True)
class TileSpec:
    """One base layer: a URL template, its attribution, and whether it is drawn in GCJ-02."""

    url: str
    attribution: str
    subdomains: str = "abc"
    gcj02: bool = False


def tile_specs(settings: Settings, lang: Lang) -> list[TileSpec]:
    """The base layers for `PLANMAP_TILES`; none at all when tiles are off or cannot work (no key)."""
    if settings.tiles == "osm":
        return [TileSpec("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors")]
    if settings.tiles == "tianditu":
        if not settings.tianditu_key:
            log.warning("PLANMAP_TILES=tianditu needs PLANMAP_TIANDITU_KEY; drawing the map without tiles")
            return []
        base = (
            "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
            "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk="
            + settings.tianditu_key
        )
        labels = "eva" if lang == "en" else "cva"
        attribution = "© 天地图 Tianditu"
        return [
            TileSpec(base.replace("{layer}", "vec"), attribution, "01234567"),
            TileSpec(base.replace("{layer}", labels), attribution, "01234567"),
        ]
    if settings.tiles == "amap":
        amap_lang = "en" if lang == "en" else "zh_cn"
        return [
            TileSpec(
                f"https://webrd0{{s}}.is.autonavi.com/appmaptile?lang={amap_lang}&size=1&scale=1&style=8"
                "&x={x}&y={y}&z={z}",
                "© 高德地图 AMap",
                "1234",
                gcj02=True,
            )
        ]
    return []


class PlanmapLayer(JSCSSMixin):
    """Loads our map script and hands it the Leaflet map, the cluster group and the page config.

    The config travels as a `<script type="application/json">` element written by the page
    template with Jinja's `tojson` (which escapes `<`, `>` and `&`), so no value can close the
    script tag or inject markup.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            planmap.init({{ this._parent.get_name() }}, {
                cluster: {{ this.cluster.get_name() }},
                configElement: {{ this.config_element_id | tojson }}
            });
        {% endmacro %}
        """
    )

    def __init__(self, cluster: MarkerCluster, config_element_id: str, mode: str, vector_tiles: bool = False) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "PlanmapLayer"
        self.cluster = cluster
        self.config_element_id = config_element_id
        self.default_js = planmap_js(mode, vector_tiles)
        self.default_css = list(PLANMAP_CSS)


@dataclass(frozen=True)
class MapParts:
    """The three pieces of a rendered Folium figure, placed by our own page template."""

    header: str
    html: str
    script: str
    gcj02: bool
    tiles: bool


def build_map(
    settings: Settings,
    t: Translator,
    config_element_id: str = "pm-config",
    vector_tiles: bool = False,
    mode: str = "overview",
) -> MapParts:
    """A Folium map with vendored assets, configured tiles, fullscreen, locate and a cluster group.

    `mode`: the page's map mode; the page loads the core script and the scripts that provide that mode.
    `vector_tiles`: the page draws its projects from /tiles, so it also loads VectorGrid and planmap_tiles.js.
    """
    specs = tile_specs(settings, t.lang)
    m = localize(
        folium.Map(
            location=COUNTY_CENTER,
            zoom_start=COUNTY_ZOOM,
            tiles=None,
            max_zoom=MAX_ZOOM,
            control_scale=False,  # planmap_core.js adds a metric-only scale
            width="100%",
            height="100%",
        )
    )
    assert isinstance(m, folium.Map)
    # Folium passes max_zoom only to its own tile layer; with tiles off the map itself needs it
    # (marker clustering refuses a map without maxZoom).
    m.options["max_zoom"] = MAX_ZOOM
    m.options["min_zoom"] = MIN_ZOOM
    for spec in specs:
        layer = folium.TileLayer(
            tiles=spec.url,
            attr=spec.attribution,
            subdomains=spec.subdomains,
            max_zoom=MAX_ZOOM,
            control=False,
            name=spec.url.split("/")[2],
        )
        layer.add_to(m)
    localize(
        Fullscreen(  # type: ignore[no-untyped-call]
            position="topleft",
            title="全屏" if t.lang == "zh" else "Full screen",
            title_cancel="退出全屏" if t.lang == "zh" else "Exit full screen",
        )
    ).add_to(m)
    localize(
        LocateControl(  # type: ignore[no-untyped-call]
            position="topleft",
            strings={"title": "显示我的位置" if t.lang == "zh" else "Show my location"},
            flyTo=True,
            showPopup=False,
        )
    ).add_to(m)
    cluster = localize(
        MarkerCluster(  # type: ignore[no-untyped-call]
            name="projects",
            control=False,
            options={
                # Dozens of projects sit exactly on a town seat: a click on a cluster lists its projects
                # by name (planmap_core.js, clusterPopup), with buttons to zoom in or fan them out,
                # instead of zooming down to a spiral of unnamed icons.
                "spiderfyOnMaxZoom": False,
                "showCoverageOnHover": False,
                "zoomToBoundsOnClick": False,
                "maxClusterRadius": 40,
                "spiderfyDistanceMultiplier": 1.6,
            },
        )
    )
    assert isinstance(cluster, MarkerCluster)
    cluster.add_to(m)
    PlanmapLayer(cluster, config_element_id, mode, vector_tiles).add_to(m)
    _check_offline(m)
    figure: Any = m.get_root()  # a branca Figure; its stubs type it as a plain Element
    figure.render()
    return MapParts(
        header=_FOLIUM_VIEWPORT.sub("", _render(figure.header)),
        html=_render(figure.html),
        script=_render(figure.script),
        gcj02=any(s.gcj02 for s in specs),
        tiles=bool(specs),
    )


def _render(element: Element) -> str:
    out: Any = element.render()
    return str(out)


def _check_offline(m: folium.Map) -> None:
    """Every JS/CSS a map element will link must be one of ours (served under /static)."""

    def walk(el: MacroElement | Element) -> None:
        if isinstance(el, JSCSSMixin):
            for _, url in [*el.default_js, *el.default_css]:
                if not url.startswith("/static/"):
                    raise ValueError(f"{type(el).__name__} would load {url}; vendor it (app/web/assets.py)")
        for child in el._children.values():
            walk(child)

    walk(m)
