"""Self-hosted JS/CSS for the Folium maps, so a page loads with no internet at all.

Folium's `Map` and plugins list their JS/CSS as public CDN URLs in the class attributes
`default_js` / `default_css`. Each map element we use gets those lists replaced *on the
instance* by files vendored under `frontend/static/vendor/` (see the README there for
package, version, licence and source). jQuery, Bootstrap, glyphicons and awesome-markers
are dropped rather than vendored: no page uses them, and leaving them out keeps pages light.
"""

from folium import Map
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen, LocateControl, MarkerCluster

STATIC_URL = "/static"
VENDOR_URL = f"{STATIC_URL}/vendor"

LEAFLET = f"{VENDOR_URL}/leaflet-1.9.4"
MARKERCLUSTER = f"{VENDOR_URL}/leaflet.markercluster-1.5.3"
FULLSCREEN = f"{VENDOR_URL}/leaflet.fullscreen-3.0.0"
LOCATE = f"{VENDOR_URL}/leaflet.locatecontrol-0.79.0"
FONTAWESOME = f"{VENDOR_URL}/fontawesome-free-6.7.2"
VECTORGRID = f"{VENDOR_URL}/leaflet.vectorgrid-1.3.0"

# Our own code; the version query makes browsers refetch after an upgrade.
PLANMAP_JS_VERSION = "4"
PLANMAP_JS = [
    ("planmap_gcj02", f"{STATIC_URL}/js/gcj02.js?v={PLANMAP_JS_VERSION}"),
    ("planmap_js", f"{STATIC_URL}/js/planmap.js?v={PLANMAP_JS_VERSION}"),
]
# Only on maps that draw their projects from vector tiles (a large catalog): VectorGrid, then our layer.
PLANMAP_TILES_JS = [
    ("vectorgrid_js", f"{VECTORGRID}/Leaflet.VectorGrid.bundled.min.js"),
    ("planmap_tiles_js", f"{STATIC_URL}/js/planmap_tiles.js?v={PLANMAP_JS_VERSION}"),
]
PLANMAP_CSS = [("planmap_map_css", f"{STATIC_URL}/css/map.css?v={PLANMAP_JS_VERSION}")]

Assets = list[tuple[str, str]]

LOCAL_ASSETS: dict[type[JSCSSMixin], tuple[Assets, Assets]] = {
    Map: (
        [("leaflet", f"{LEAFLET}/leaflet.js")],
        [
            ("leaflet_css", f"{LEAFLET}/leaflet.css"),
            ("fontawesome_css", f"{FONTAWESOME}/css/fontawesome.min.css"),
            ("fontawesome_solid_css", f"{FONTAWESOME}/css/solid.min.css"),
        ],
    ),
    MarkerCluster: (
        [("markerclusterjs", f"{MARKERCLUSTER}/leaflet.markercluster.js")],
        [
            ("markerclustercss", f"{MARKERCLUSTER}/MarkerCluster.css"),
            ("markerclusterdefaultcss", f"{MARKERCLUSTER}/MarkerCluster.Default.css"),
        ],
    ),
    Fullscreen: (
        [("Control.Fullscreen.js", f"{FULLSCREEN}/Control.FullScreen.js")],
        [("Control.FullScreen.css", f"{FULLSCREEN}/Control.FullScreen.css")],
    ),
    LocateControl: (
        [("Control_locate_min_js", f"{LOCATE}/L.Control.Locate.min.js")],
        [("Control_locate_min_css", f"{LOCATE}/L.Control.Locate.min.css")],
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
        if not url.startswith(STATIC_URL + "/"):
            raise ValueError(f"{type(element).__name__} loads {url}, which is not vendored; add it to LOCAL_ASSETS")
    return element
