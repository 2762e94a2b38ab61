/*
 * planmap tiles: the overview and town maps of a catalog too large to load at once.
 *
 * Above PLANMAP_MAP_VECTOR_TILES_ABOVE projects the server renders the page with
 * `projectsFrom: "tiles"`. The projects then come as Mapbox Vector Tiles from /tiles/{z}/{x}/{y}.pbf
 * (drawn on canvas by Leaflet.VectorGrid), so the browser only ever holds what is on screen. What
 * the GeoJSON map does with the features in hand is done by the server instead:
 * - the status and category switches become the tile URL's filters, so PostGIS drops what is
 *   switched off and the tiles stay small; the warning switches act on each feature's `warnings`
 *   attribute while drawing (the API cannot ask for "no warning", which is a switch of its own);
 * - the counts beside the switches come from /api/stats/facets (one aggregate in the database);
 * - a click asks /api/projects/{slug} for the whole project, so the popup is the same as in the
 *   GeoJSON map (towns, warnings, the plan's sentence), and /api/progress/projects for its cycle;
 * - the cycle's "no report" and "behind" checkboxes (planmap_cycle.js) become the tile URL's
 *   `no_report` and `behind`, the filters of /api/projects.
 * Towns and county stay GeoJSON (a few dozen features whatever the catalog's size).
 * Up to zoom 10 the server counts small projects into grid cells (the tile's `clusters` layer, see
 * app/queries/tiles.py): each cell is drawn as a disc with the number of its projects that the warning
 * switches show (from the cell's `mix`, its count per combination of warnings), and a click zooms in
 * towards it; the lists of what lies at a place always come from the API.
 */
(function (root) {
  "use strict";

  var L = root.L;

  // Clicks on the canvas tiles of VectorGrid 1.3.0 (its last release) fail under Leaflet 1.8+ twice over:
  // it calls L.DomEvent.fakeStop, which Leaflet removed (Leaflet.VectorGrid#274; fixed upstream in #288,
  // never released), and Leaflet's event dispatch then takes a clicked point for a marker and reads its
  // getLatLng(), which VectorGrid's point symbolizers leave undefined. So the canvas tile's click handler
  // is replaced: find the feature under the pointer as VectorGrid does, stop the click there (the map must
  // not also see it and close the popup being opened), and fire `click` with the pointer's own position.
  if (L && L.Canvas && L.Canvas.Tile) {
    L.Canvas.Tile.include({
      _onClick: function (e) {
        var point = this._map.mouseEventToLayerPoint(e).subtract(this.getOffset());
        var pane = this._map.getPane(this.options.pane);
        if (pane && pane.pmShift) {
          point = point.subtract(pane.pmShift); // drawn shifted to GCJ-02 (alignToGcj)
        }
        var clicked = null;
        for (var id in this._layers) {
          var layer = this._layers[id];
          if (layer.options.interactive && layer._containsPoint(point) && !this._map._draggableMoved(layer)) {
            clicked = layer;
          }
        }
        if (clicked) {
          L.DomEvent.stopPropagation(e);
          clicked.fire("click", { latlng: this._map.mouseEventToLatLng(e), layer: clicked, originalEvent: e }, true);
        }
      },
    });
  }

  // A point drawn with a `pmLabel` option (a cluster's count) gets that text in its middle, on the canvas:
  // VectorGrid draws paths only, and a number drawn as pixels can carry no markup.
  if (L && L.Canvas && L.Canvas.Tile) {
    L.Canvas.Tile.include({
      _updateCircle: function (layer) {
        L.Canvas.prototype._updateCircle.call(this, layer);
        var label = layer.options && layer.options.pmLabel;
        if (!label || !this._drawing || layer._empty()) {
          return;
        }
        var ctx = this._ctx;
        ctx.save();
        ctx.fillStyle = "#ffffff";
        ctx.font = "bold 11px sans-serif";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(label, layer._point.x, layer._point.y);
        ctx.restore();
      },
    });
  }

  var TOWN_PRECISION_DASH = [3, 3];
  var CLUSTER_COLOR = "#2c3e50";
  var GRID_MAX_ZOOM = 10; // app/queries/tiles.py: above it every project is drawn as itself
  var HIT_PIXELS = 6; // how far from the click a project still counts as clicked
  var HERE_LIMIT = 50; // projects listed in one popup (the list scrolls)

  /** Point radius by zoom: a province of dots at zoom 8 must not become one blot. */
  function pointRadius(zoom) {
    return zoom < 9 ? 2.5 : zoom < 12 ? 4 : 6;
  }

  function ProjectTiles(pm, filters) {
    this.pm = pm;
    this.filters = filters || {}; // fixed by the page (a town page's town)
    this.facets = null;
    this.layer = null;
    this.hidden = false;
  }

  /** The query of the tiles and of the facet counts: the page's own filters, `as_of`, then the switches. */
  ProjectTiles.prototype.query = function (withSwitches) {
    var pm = this.pm;
    var q = new URLSearchParams();
    var self = this;
    Object.keys(this.filters).forEach(function (key) {
      q.append(key, self.filters[key]);
    });
    if (pm.cfg.asOf) {
      q.set("as_of", pm.cfg.asOf);
    }
    if (pm.cfg.plan) {
      q.set("plan", pm.cfg.plan);
    }
    if (!withSwitches) {
      return q;
    }
    this.hidden = false;
    [
      ["status", pm.enabledStatuses],
      ["category", pm.enabledCategories],
    ].forEach(function (pair) {
      var codes = Object.keys(pair[1]);
      var on = codes.filter(function (code) {
        return pair[1][code] !== false;
      });
      if (on.length === codes.length) {
        return; // everything on: no filter, the same URL (and cached tiles) as the unfiltered map
      }
      if (!on.length) {
        self.hidden = true; // nothing of this kind switched on: nothing to draw
      }
      on.forEach(function (code) {
        q.append(pair[0], code);
      });
    });
    if (pm.cycle) {
      pm.cycle.tileQuery(q);
    }
    return q;
  };

  ProjectTiles.prototype.url = function () {
    var q = this.query(true).toString();
    return "/tiles/{z}/{x}/{y}.pbf" + (q ? "?" + q : "");
  };

  /** How many of a cell's projects the warning switches show, from its `mix` ("late_start+stale:3;:12"). */
  ProjectTiles.prototype.clusterCount = function (props) {
    var pm = this.pm;
    return String(props.mix || "")
      .split(";")
      .reduce(function (sum, part) {
        var at = part.lastIndexOf(":");
        var combination = part.slice(0, at);
        var n = parseInt(part.slice(at + 1), 10) || 0;
        return pm.warningEnabled({ warnings: combination ? combination.split("+") : [] }) ? sum + n : sum;
      }, 0);
  };

  /** Leaflet path options for one grid cell of the `clusters` layer: a disc with its count; [] hides it. */
  ProjectTiles.prototype.clusterStyle = function (props) {
    var n = this.clusterCount(props);
    if (!n) {
      return [];
    }
    return {
      radius: n < 10 ? 9 : n < 100 ? 11 : n < 1000 ? 14 : 17,
      fill: true,
      fillColor: CLUSTER_COLOR,
      fillOpacity: 0.85,
      color: "#ffffff",
      weight: 2,
      pmLabel: n.toLocaleString(this.pm.cfg.lang === "en" ? "en" : "zh-CN"),
    };
  };

  /** Leaflet path options for one feature of the tile's `projects` layer; [] hides it. */
  ProjectTiles.prototype.style = function (props, zoom) {
    var pm = this.pm;
    if (!pm.warningEnabled({ warnings: props.warnings ? props.warnings.split(",") : [] })) {
      return [];
    }
    var color = pm.color(props);
    var approximate = props.precision !== "surveyed";
    if (props.dim === 0) {
      return {
        radius: pointRadius(zoom),
        fill: true,
        fillColor: color,
        fillOpacity: props.precision === "town" ? 0.45 : 0.9,
        color: props.precision === "town" ? color : "#ffffff",
        weight: 1,
        dashArray: props.precision === "town" ? TOWN_PRECISION_DASH : null,
      };
    }
    return {
      color: color,
      weight: props.dim === 1 ? 3 : 2,
      opacity: 0.9,
      fill: props.dim === 2,
      fillColor: color,
      fillOpacity: 0.25,
      dashArray: approximate ? [8, 5] : null,
    };
  };

  ProjectTiles.prototype.start = function () {
    var self = this;
    var pm = this.pm;
    pm.map.createPane("pm-project-tiles").style.zIndex = 420;
    this.layer = L.vectorGrid.protobuf(this.url(), {
      pane: "pm-project-tiles",
      rendererFactory: L.canvas.tile,
      interactive: true,
      maxNativeZoom: 18,
      vectorTileLayerStyles: {
        projects: function (props, zoom) {
          return self.style(props, zoom);
        },
        clusters: function (props) {
          return self.clusterStyle(props);
        },
        towns: [], // drawn from GeoJSON with labels and popups
        county: [],
      },
    });
    this.layer.on("click", function (e) {
      if (e.layer.properties.slug === undefined) {
        // A grid cell: zoom in towards it, past the grid at last, where every project is itself.
        pm.map.setView(e.latlng, Math.min(pm.map.getZoom() + 2, GRID_MAX_ZOOM + 1));
        return;
      }
      self.openPopup(e.layer.properties, e.latlng);
    });
    var firstLoad = new Promise(function (resolve) {
      self.layer.once("load", resolve);
    });
    this.layer.addTo(pm.map);
    if (pm.gcj) {
      pm.map.on("moveend zoomend viewreset", this.alignToGcj, this);
      this.alignToGcj();
    }
    root.document.documentElement.setAttribute("data-pm-projects", "tiles");
    return Promise.all([firstLoad, this.loadFacets()]);
  };

  /**
   * On AMap's tiles (GCJ-02) the GeoJSON map shifts every coordinate; a vector tile is drawn in its own
   * pixel grid, so the whole tile pane is moved instead, by the shift at the centre of the view. The
   * shift changes by a few metres across a county, so every project lands within a pixel or two of
   * where its marker would be; it is recomputed after every move and zoom.
   */
  ProjectTiles.prototype.alignToGcj = function () {
    var map = this.pm.map;
    var pane = map.getPane("pm-project-tiles");
    var centre = map.getCenter();
    var wgs = this.pm.toWgs(centre);
    var shift = map.latLngToLayerPoint(centre).subtract(map.latLngToLayerPoint([wgs[1], wgs[0]]));
    pane.pmShift = shift;
    pane.style.transform = "translate(" + shift.x + "px, " + shift.y + "px)";
  };

  /** The counts of the page's whole set (switches ignored, like the GeoJSON map's counts). */
  ProjectTiles.prototype.loadFacets = function () {
    var self = this;
    var q = this.query(false).toString();
    return root.planmap.fetchJSON("/api/stats/facets" + (q ? "?" + q : "")).then(function (facets) {
      self.facets = facets;
      self.pm.updateCounts();
      var note = root.document.getElementById("pm-tiles-mode-note");
      if (note) {
        note.textContent = self.pm.msg.tiles_note.replace("{n}", facets.total.toLocaleString(self.pm.cfg.lang === "en" ? "en" : "zh-CN"));
      }
      return facets;
    });
  };

  /** The switches changed: new tile URL (the server filters), or no layer at all when a kind is all off. */
  ProjectTiles.prototype.applyFilters = function () {
    var url = this.url();
    if (this.hidden) {
      this.pm.map.removeLayer(this.layer);
      return;
    }
    this.layer.setUrl(url, true);
    if (!this.pm.map.hasLayer(this.layer)) {
      this.layer.addTo(this.pm.map);
    } else {
      this.layer.redraw();
    }
  };

  /** Colour by status or by warnings: the styles read `pm.colorBy`, so the drawn tiles only need redrawing. */
  ProjectTiles.prototype.restyle = function () {
    if (this.pm.map.hasLayer(this.layer)) {
      this.layer.redraw();
    }
  };

  /** What lies under a click, in metres: a few pixels at the current zoom, so a dot is easy to hit. */
  ProjectTiles.prototype.tolerance = function (latlng) {
    var map = this.pm.map;
    var p = map.latLngToContainerPoint(latlng);
    return Math.max(1, map.distance(latlng, map.containerPointToLatLng([p.x + HIT_PIXELS, p.y])));
  };

  /**
   * A click: every project drawn under it, from the API (nearest first). Many projects of the plan share
   * one point (a town seat stands for all that are known only by town), and a tile can only show the
   * top one; the API lists them all. One project gets its full popup; several, a list to choose from.
   */
  ProjectTiles.prototype.openPopup = function (props, latlng) {
    var pm = this.pm;
    var self = this;
    var popup = L.popup({ maxWidth: 320 })
      .setLatLng(latlng)
      .setContent(pm.popup({ slug: props.slug, name_zh: props.name, name_en: props.name_en, status: props.status, category: props.category, location_precision: props.precision, rag: props.rag }))
      .openOn(pm.map);
    var q = this.query(true);
    var wgs = pm.toWgs(latlng); // what the API stores, also on AMap's shifted map
    q.set("near", wgs[0].toFixed(6) + "," + wgs[1].toFixed(6));
    q.set("radius_m", this.tolerance(latlng).toFixed(1));
    q.set("limit", String(HERE_LIMIT + 1));
    root.planmap
      .fetchJSON(pm.cfg.api.projects + "?" + q.toString())
      .then(function (fc) {
        var here = (fc.features || []).filter(function (f) {
          return pm.warningEnabled(f.properties);
        });
        if (!pm.map.hasLayer(popup) || !here.length) {
          return;
        }
        // The API's exact count of what is here, unless some warnings are switched off (the page filters those).
        var allWarnings = Object.keys(pm.enabledWarnings).every(function (w) {
          return pm.enabledWarnings[w] !== false;
        });
        var total = allWarnings && typeof fc.numberMatched === "number" ? fc.numberMatched : here.length;
        if (here.length > 1) {
          popup.setContent(self.hereList(here, total));
          return;
        }
        var one = here[0].properties;
        popup.setContent(pm.popup(one));
        if (pm.cycle) {
          // Its progress and photo come a moment later (one small request for this project alone).
          return pm.cycle.ensure(one.slug).then(function () {
            if (pm.map.hasLayer(popup)) {
              popup.setContent(pm.popup(one));
            }
          });
        }
      })
      .catch(function (err) {
        root.console.warn("planmap: " + err.message);
      });
    return popup;
  };

  /** Several projects under one click: their names (links), status and category, nearest first. */
  ProjectTiles.prototype.hereList = function (features, total) {
    var pm = this.pm;
    var el = root.pmkit.el;
    var shown = features.slice(0, HERE_LIMIT);
    return el("div", { className: "pm-popup pm-here", "data-count": String(total) }, [
      el("h3", { className: "pm-popup-title", text: pm.msg.here_count.replace("{n}", String(total)) }),
      el(
        "ul",
        { className: "pm-here-list" },
        shown.map(function (f) {
          var p = f.properties;
          var st = pm.status(p.status);
          return el("li", { "data-slug": p.slug }, [
            el("span", { className: "pm-swatch", style: { background: pm.color(p) } }),
            el("a", { href: pm.pageUrl("project", p.slug), text: pm.name(p) }),
            el("span", { className: "pm-here-meta", text: " · " + st.label + " · " + pm.category(p.category).label }),
          ]);
        })
      ),
      total > shown.length ? el("p", { className: "pm-legend-note", text: pm.msg.here_more.replace("{n}", String(HERE_LIMIT)) }) : null,
    ]);
  };

  root.planmap.ProjectTiles = ProjectTiles;
})(window);
