"""Self-hosted JS/CSS for the Folium maps, so a page loads with no internet at all.

Folium's `Map` and plugins list their JS/CSS as public CDN URLs in the class attributes
`default_js` / `default_css`. Each map element we use gets those lists replaced *on the
instance* by files vendored under `frontend/static/vendor/` (see the README there for
package, version, licence and source). jQuery, Bootstrap, glyphicons and awesome-markers
are dropped rather than vendored: no page uses them, and leaving them out keeps pages light.

Every URL carries the file's content hash (app/web/static_urls.py), so browsers may cache it for a year.
"""

from collections.abc import Sequence

from folium import Map
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen, LocateControl, MarkerCluster

from app.web.static_urls import STATIC_PREFIX, static_url

LEAFLET = "vendor/leaflet-1.9.4"
MARKERCLUSTER = "vendor/leaflet.markercluster-1.5.3"
FULLSCREEN = "vendor/leaflet.fullscreen-3.0.0"
LOCATE = "vendor/leaflet.locatecontrol-0.79.0"
FONTAWESOME = "vendor/fontawesome-free-6.7.2"
VECTORGRID = "vendor/leaflet.vectorgrid-1.3.0"

Assets = list[tuple[str, str]]


def hashed(assets: Sequence[tuple[str, str]]) -> Assets:
    """(Folium name, path under frontend/static) -> (name, content-hashed URL): a changed file gets a new URL."""
    return [(name, static_url(path)) for name, path in assets]


# Our own map code: the core (map, markers, popups, towns, the mode registry) on every map page,
# then the scripts that register the page's mode (frontend/README.md). gcj02.js stays on every map:
# small, and the core's coordinate shift (AMap tiles) and its tests rely on it being there.
PLANMAP_CORE_JS = hashed([("planmap_gcj02", "js/gcj02.js"), ("planmap_core", "js/planmap_core.js")])
PLANMAP_MODE_JS: dict[str, Assets] = {
    "overview": hashed(
        [
            ("planmap_layers", "js/planmap_layers.js"),
            ("planmap_list", "js/planmap_list.js"),
            ("planmap_cycle", "js/planmap_cycle.js"),
        ]
    ),
    "town": hashed(
        [
            ("planmap_layers", "js/planmap_layers.js"),
            ("planmap_list", "js/planmap_list.js"),
            ("planmap_cycle", "js/planmap_cycle.js"),
        ]
    ),
    "project": hashed([("planmap_project", "js/planmap_project.js")]),
    "near": hashed([("planmap_layers", "js/planmap_layers.js"), ("planmap_near", "js/planmap_near.js")]),
    "dashboard": hashed([("planmap_choropleth", "js/planmap_choropleth.js")]),
}
# Only on maps that draw their projects from vector tiles (a large catalog): VectorGrid, then our layer.
PLANMAP_TILES_JS = hashed(
    [
        ("vectorgrid_js", f"{VECTORGRID}/Leaflet.VectorGrid.bundled.min.js"),
        ("planmap_tiles_js", "js/planmap_tiles.js"),
    ]
)
PLANMAP_CSS = hashed([("planmap_map_css", "css/map.css")])


def planmap_js(mode: str, vector_tiles: bool = False) -> Assets:
    """The scripts a map page in `mode` loads, in order; an unknown mode is refused rather than left blank."""
    if mode not in PLANMAP_MODE_JS:
        raise ValueError(f"no map mode {mode!r}; the modes are {sorted(PLANMAP_MODE_JS)}")
    return [*PLANMAP_CORE_JS, *PLANMAP_MODE_JS[mode], *(PLANMAP_TILES_JS if vector_tiles else [])]


LOCAL_ASSETS: dict[type[JSCSSMixin], tuple[Assets, Assets]] = {
    Map: (
        hashed([("leaflet", f"{LEAFLET}/leaflet.js")]),
        hashed(
            [
                ("leaflet_css", f"{LEAFLET}/leaflet.css"),
                ("fontawesome_css", f"{FONTAWESOME}/css/fontawesome.min.css"),
                ("fontawesome_solid_css", f"{FONTAWESOME}/css/solid.min.css"),
            ]
        ),
    ),
    MarkerCluster: (
        hashed([("markerclusterjs", f"{MARKERCLUSTER}/leaflet.markercluster.js")]),
        hashed(
            [
                ("markerclustercss", f"{MARKERCLUSTER}/MarkerCluster.css"),
                ("markerclusterdefaultcss", f"{MARKERCLUSTER}/MarkerCluster.Default.css"),
            ]
        ),
    ),
    Fullscreen: (
        hashed([("Control.Fullscreen.js", f"{FULLSCREEN}/Control.FullScreen.js")]),
        hashed([("Control.FullScreen.css", f"{FULLSCREEN}/Control.FullScreen.css")]),
    ),
    LocateControl: (
        hashed([("Control_locate_min_js", f"{LOCATE}/L.Control.Locate.min.js")]),
        hashed([("Control_locate_min_css", f"{LOCATE}/L.Control.Locate.min.css")]),
    ),
}


def localize(element: JSCSSMixin) -> JSCSSMixin:
    """Point one Folium element at the vendored files; refuse an element we have not vendored.

    Refusing (rather than silently keeping the CDN URLs) is what keeps pages offline-safe when
    someone adds a new plugin: the page fails loudly in development instead of in the field.
    """
    for cls, (js, css) in LOCAL_ASSETS.items():
        if type(element) is cls:
            element.default_js = list(js)
            element.default_css = list(css)
            return element
    for _, url in [*element.default_js, *element.default_css]:
        if not url.startswith(STATIC_PREFIX + "/"):
            raise ValueError(f"{type(element).__name__} loads {url}, which is not vendored; add it to LOCAL_ASSETS")
    return element
