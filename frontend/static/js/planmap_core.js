/*
 * planmap core: the Folium-built Leaflet map, the plan's projects as markers and shapes, their
 * popups, the county and its towns, and the registry of map modes.
 *
 * The page carries only a small JSON config (labels, colours, icons, which mode); the features
 * come from the JSON API, so a page stays small whatever the catalog's size. Everything that comes
 * from the database is put into the page with textContent or createTextNode (kit.js), never as
 * HTML, so a project named "<img src=x onerror=...>" is text.
 *
 * Modes: a page's config names one (`cfg.mode`); the script that provides it registers it with
 * `planmap.registerMode(name, run)`, and only the scripts a page needs are loaded (app/web/assets.py):
 *   planmap_layers.js      overview, town   (the layer control: switches, counts, colour by)
 *   planmap_project.js     project
 *   planmap_near.js        near             (projects within a radius of a chosen place)
 *   planmap_choropleth.js  dashboard        (towns coloured by share started / share red)
 *   planmap_tiles.js       not a mode: overview and town maps of a large catalog draw from vector tiles
 * `run(pm)` starts the mode's work and returns a promise; when it settles the map is marked ready
 * (`data-pm-ready` on <html>) or failed (`data-pm-error`), which is what the browser tests wait for.
 *
 * Plan monitoring: maps colour by status or by the computed warnings' red/amber/green and filter by
 * warning; with `cfg.asOf` (a past day the server checked) every project request carries `as_of`,
 * so the map shows the programme as recorded on that day, and with `cfg.plan` (a plan slug) `plan`.
 */
(function (root) {
  "use strict";

  var L = root.L;
  var SHOW_ON_MAP_SETTLE_MS = 1500; // a zoom-in and a spiderfy take under a second

  // ---------------------------------------------------------------- small helpers

  // The DOM builder every page script shares (kit.js, loaded first by base.html): text is set with
  // textContent, never parsed as HTML.
  var el = root.pmkit.el;

  function fetchJSON(url) {
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } }).then(function (res) {
      if (!res.ok) {
        var err = new Error(url + " answered " + res.status);
        err.status = res.status; // what the reader is told: the status, not the URL (Planmap.failureText)
        throw err;
      }
      return res.json();
    });
  }

  /** Every feature of a paged FeatureCollection, following its `next` links. */
  function fetchAllFeatures(url, acc) {
    acc = acc || [];
    return fetchJSON(url).then(function (fc) {
      acc.push.apply(acc, fc.features || []);
      var next = (fc.links || []).filter(function (l) {
        return l.rel === "next";
      })[0];
      if (next) {
        var u = new URL(next.href, root.location.href);
        return fetchAllFeatures(u.pathname + u.search, acc);
      }
      return acc;
    });
  }

  function formatDistance(metres, msg) {
    if (metres < 1000) {
      return Math.round(metres) + " " + msg.m;
    }
    return (metres / 1000).toFixed(metres < 10000 ? 2 : 1) + " " + msg.km;
  }

  // ---------------------------------------------------------------- the map state

  function Planmap(map, cluster, cfg) {
    this.map = map;
    this.cluster = cluster;
    this.cfg = cfg;
    this.msg = cfg.messages;
    this.gcj = !!cfg.gcj02 && !!root.gcj02;
    this.statusByCode = {};
    this.categoryByCode = {};
    this.townNames = {};
    this.entries = []; // one per project: {props, marker, shape}
    this.enabledStatuses = {};
    this.enabledCategories = {};
    var self = this;
    (cfg.statuses || []).forEach(function (s) {
      self.statusByCode[s.code] = s;
      self.enabledStatuses[s.code] = true;
    });
    (cfg.categories || []).forEach(function (c) {
      self.categoryByCode[c.code] = c;
      self.enabledCategories[c.code] = true;
    });
    // Plan monitoring: the computed warnings filter like statuses do ("none" = no warning), and the map
    // colours by status or by red/amber/green; `?colour=warnings` opens on the latter.
    this.enabledWarnings = {};
    (cfg.warnings || []).forEach(function (w) {
      self.enabledWarnings[w.code] = true;
    });
    this.colorBy = new URLSearchParams(root.location.search).get("colour") === "warnings" ? "warnings" : "status";
    this.townSearch = {}; // slug -> both names and the slug, for the search box
    this.search = "";
    this.readUrlState();
    this.statusEl = document.getElementById("pm-map-status");
    this.shapes = L.featureGroup().addTo(map);
    cluster.options.iconCreateFunction = function (c) {
      return self.clusterIcon(c);
    };
    // A click (or Enter) on a cluster lists its projects by name: dozens sit on one town seat, and
    // zooming down to a spiral of unnamed icons is no way to find one (issue 18, item 1).
    cluster.on("clusterclick clusterkeypress", function (e) {
      if (e.type === "clusterkeypress" && e.originalEvent && e.originalEvent.keyCode !== 13) {
        return;
      }
      self.clusterPopup(e.layer);
    });
    this.watchTiles();
    map.createPane("pm-county").style.zIndex = 250;
    map.createPane("pm-towns").style.zIndex = 300;
    map.createPane("pm-labels").style.zIndex = 450;
    map.getPane("pm-labels").style.pointerEvents = "none";
    L.control.scale({ imperial: false }).addTo(map);
  }

  Planmap.prototype.setStatus = function (text, isError) {
    if (!this.statusEl) {
      return;
    }
    this.statusEl.textContent = text || "";
    this.statusEl.hidden = !text;
    this.statusEl.classList.toggle("pm-error", !!isError);
  };

  /**
   * The configured base map, watched: on an intranet with no internet its tile requests fail (or never
   * answer) and the map would stay grey. After a few failures and no tile at all, or 12 s without one,
   * the tiles go, the county and towns are drawn as on a map without tiles, and a note says why.
   */
  Planmap.prototype.watchTiles = function () {
    var self = this;
    var layers = [];
    this.map.eachLayer(function (layer) {
      if (layer instanceof L.TileLayer) {
        layers.push(layer);
      }
    });
    if (!layers.length) {
      return;
    }
    var loaded = 0;
    var failed = 0;
    function fallBack() {
      if (self.tilesFailed || loaded) {
        return;
      }
      self.tilesFailed = true;
      self.cfg.tiles = false;
      layers.forEach(function (layer) {
        self.map.removeLayer(layer);
      });
      root.document.body.classList.add("pm-notiles");
      if (self.county) {
        self.county.setStyle({ fillOpacity: 1 });
      }
      var note = root.document.getElementById("pm-tiles-failed");
      if (note) {
        note.hidden = false;
      }
      root.document.documentElement.setAttribute("data-pm-tiles-failed", "1");
    }
    layers.forEach(function (layer) {
      layer.on("tileload", function () {
        loaded += 1;
      });
      layer.on("tileerror", function () {
        failed += 1;
        if (failed >= 3) {
          fallBack();
        }
      });
    });
    root.setTimeout(fallBack, 12000);
  };

  // Coordinates: stored and served as WGS-84; shifted to GCJ-02 only when drawn on AMap tiles.
  Planmap.prototype.latLng = function (lon, lat) {
    if (this.gcj) {
      var g = root.gcj02.wgsToGcj(lon, lat);
      return L.latLng(g[1], g[0]);
    }
    return L.latLng(lat, lon);
  };

  Planmap.prototype.toWgs = function (latlng) {
    if (this.gcj) {
      return root.gcj02.gcjToWgs(latlng.lng, latlng.lat);
    }
    return [latlng.lng, latlng.lat];
  };

  Planmap.prototype.coordsToLatLng = function () {
    var self = this;
    return function (c) {
      return self.latLng(c[0], c[1]);
    };
  };

  Planmap.prototype.geoJSON = function (data, options) {
    options = options || {};
    options.coordsToLatLng = this.coordsToLatLng();
    return L.geoJSON(data, options);
  };

  Planmap.prototype.boundsOf = function (b) {
    // b: [[south, west], [north, east]] in WGS-84, as Leaflet writes bounds
    return L.latLngBounds(this.latLng(b[0][1], b[0][0]), this.latLng(b[1][1], b[1][0]));
  };

  Planmap.prototype.status = function (code) {
    return this.statusByCode[code] || { code: code, label: code, color: "#444" };
  };

  Planmap.prototype.category = function (code) {
    return this.categoryByCode[code] || { code: code, label: code, icon: "circle" };
  };

  Planmap.prototype.name = function (props) {
    return this.cfg.lang === "en" ? props.name_en || props.name_zh : props.name_zh || props.name_en;
  };

  Planmap.prototype.pageUrl = function (kind, slug) {
    return this.cfg.pages[kind] + encodeURIComponent(slug) + this.cfg.langQuery;
  };

  /** The colour a project is drawn in: its status's, or its red/amber/green when colouring by warnings. */
  Planmap.prototype.color = function (props) {
    if (this.colorBy === "warnings") {
      return (this.cfg.ragColors || {})[props.rag] || "#444";
    }
    return this.status(props.status).color;
  };

  /** A project API URL with the page's `as_of` (a past day the server has checked), so the map shows that day,
   * and the page's `plan` (a slug the server has checked), so it shows that plan's projects. */
  Planmap.prototype.withAsOf = function (url) {
    var cfg = this.cfg;
    [["as_of", cfg.asOf], ["plan", cfg.plan]].forEach(function (pair) {
      if (pair[1]) {
        url += (url.indexOf("?") < 0 ? "?" : "&") + pair[0] + "=" + encodeURIComponent(pair[1]);
      }
    });
    return url;
  };

  Planmap.prototype.warningLabel = function (code) {
    var item = (this.cfg.warnings || []).filter(function (w) {
      return w.code === code;
    })[0];
    return item ? item.label : code;
  };

  /** Counts beside the layer control's switches; a map without one (planmap_layers.js) has none to update. */
  Planmap.prototype.updateCounts = function () {
    if (this.layers) {
      this.layers.updateCounts();
    }
  };

  // ---------------------------------------------------------------- markers, shapes, popups

  Planmap.prototype.iconNode = function (props) {
    var cat = this.category(props.category);
    return el(
      "span",
      {
        className: "pm-pin pm-prec-" + props.location_precision,
        style: { "background-color": this.color(props) },
        "data-status": props.status,
        "data-rag": props.rag,
        "data-category": props.category,
        "data-slug": props.slug,
      },
      [el("i", { className: "fa-solid fa-" + cat.icon, "aria-hidden": "true" })]
    );
  };

  Planmap.prototype.markerFor = function (props, latlng) {
    var self = this;
    var marker = L.marker(latlng, {
      icon: L.divIcon({
        className: "pm-icon",
        html: this.iconNode(props),
        iconSize: [26, 26],
        iconAnchor: [13, 13],
        popupAnchor: [0, -12],
        tooltipAnchor: [12, 0],
      }),
      title: this.name(props),
      alt: this.name(props),
      keyboard: true,
    });
    marker.pmStatus = props.status;
    marker.pmSlug = props.slug;
    marker.pmRag = props.rag;
    marker.bindPopup(function () {
      return self.popup(props);
    }, { maxWidth: 320 });
    return marker;
  };

  Planmap.prototype.popup = function (props) {
    var msg = this.msg;
    var self = this;
    var st = this.status(props.status);
    var cat = this.category(props.category);
    var towns = (props.towns || []).map(function (slug) {
      return self.townNames[slug] || slug;
    });
    var precision = msg["precision_" + props.location_precision] || props.location_precision;
    var rows = [
      [msg.status, [el("span", { className: "pm-swatch", style: { background: st.color } }), st.label]],
      [msg.category, [cat.label]],
      [msg.towns, [towns.join(this.cfg.lang === "en" ? ", " : "、")]],
      [msg.precision, [precision]],
    ];
    if (props.status_reason) {
      rows.push([msg.status_reason, [props.status_reason]]);
    }
    if (props.merged_into) {
      rows.push([msg.merged_into, [el("a", { href: this.pageUrl("project", props.merged_into), text: props.merged_into })]]);
    }
    var warnings = props.warnings || [];
    var ragColor = (this.cfg.ragColors || {})[props.rag] || "#444";
    rows.push([
      msg.warnings,
      [
        el("span", { className: "pm-swatch", style: { background: ragColor } }),
        warnings.length ? warnings.map(function (w) {
          return self.warningLabel(w);
        }).join(this.cfg.lang === "en" ? ", " : "、") : msg.warning_none,
      ],
    ]);
    if (props.distance_m !== undefined && props.distance_m !== null) {
      rows.push([msg.distance, [formatDistance(props.distance_m, msg)]]);
    }
    // The implementation cycle (planmap_cycle.js): latest progress, the month's report, the year's target, a photo.
    var cycle = this.cycle ? this.cycle.popupParts(props) : { rows: [], photo: null };
    rows.push.apply(rows, cycle.rows);
    var table = el(
      "table",
      { className: "pm-popup-props" },
      rows.map(function (r) {
        return el("tr", null, [el("th", { text: r[0] }), el("td", null, r[1])]);
      })
    );
    var quote = props.source_quote || "";
    return el("div", { className: "pm-popup", "data-slug": props.slug, "data-rag": props.rag }, [
      el("h3", { className: "pm-popup-title", text: this.name(props) }),
      table,
      quote ? el("blockquote", { className: "pm-popup-quote", lang: "zh-CN", text: quote }) : null,
      cycle.photo,
      el("a", { className: "pm-popup-link", href: this.pageUrl("project", props.slug), text: msg.details + " →" }),
    ]);
  };

  Planmap.prototype.shapeStyle = function (props) {
    var color = this.color(props);
    return {
      color: color,
      weight: 4,
      opacity: 0.9,
      fillColor: color,
      fillOpacity: 0.25,
      dashArray: props.location_precision === "surveyed" ? null : "8 5",
      className: "pm-shape pm-status-" + props.status + " pm-rag-" + (props.rag || "none"),
    };
  };

  /** A point on the geometry for the category marker of a line or area: its middle vertex or centre. */
  Planmap.prototype.anchorOf = function (layer, geometry) {
    if (geometry.type === "LineString" || geometry.type === "MultiLineString") {
      var line = geometry.type === "LineString" ? geometry.coordinates : geometry.coordinates[0];
      var mid = line[Math.floor(line.length / 2)];
      return this.latLng(mid[0], mid[1]);
    }
    return layer.getBounds().getCenter();
  };

  Planmap.prototype.addFeature = function (feature) {
    var props = feature.properties;
    var geometry = feature.geometry;
    var self = this;
    var entry = { props: props, marker: null, shape: null, visible: false };
    if (!geometry) {
      return null;
    }
    if (geometry.type === "Point") {
      entry.marker = this.markerFor(props, this.latLng(geometry.coordinates[0], geometry.coordinates[1]));
    } else if (geometry.type === "MultiPoint") {
      entry.shape = L.featureGroup(
        geometry.coordinates.slice(1).map(function (c) {
          return self.markerFor(props, self.latLng(c[0], c[1]));
        })
      );
      entry.marker = this.markerFor(props, this.latLng(geometry.coordinates[0][0], geometry.coordinates[0][1]));
    } else {
      entry.shape = this.geoJSON(feature, {
        style: function () {
          return self.shapeStyle(props);
        },
      });
      entry.shape.bindPopup(function () {
        return self.popup(props);
      }, { maxWidth: 320 });
      entry.shape.bindTooltip(el("span", { text: this.name(props) }), { sticky: true });
      // Leaflet makes a path with a tooltip focusable, unnamed; the project's marker (named) is its
      // keyboard stop, so Tab does not walk through dozens of anonymous SVG paths (issue 18, item 10).
      entry.shape.eachLayer(function (layer) {
        layer.on("add", function () {
          var node = layer.getElement && layer.getElement();
          if (node) {
            node.setAttribute("tabindex", "-1");
          }
        });
      });
      entry.marker = this.markerFor(props, this.anchorOf(entry.shape, geometry));
    }
    this.entries.push(entry);
    return entry;
  };

  Planmap.prototype.clearProjects = function () {
    this.cluster.clearLayers();
    this.shapes.clearLayers();
    this.entries = [];
  };

  Planmap.prototype.isEnabled = function (props) {
    return (
      this.enabledStatuses[props.status] !== false &&
      this.enabledCategories[props.category] !== false &&
      this.warningEnabled(props) &&
      (!this.cycle || this.cycle.enabled(props)) &&
      this.matchesSearch(props)
    );
  };

  /** The search box's words, each found in a name (either language), an alias, a town or the slug. */
  Planmap.prototype.matchesSearch = function (props) {
    if (!this.search) {
      return true;
    }
    var self = this;
    var hay = [props.name_zh, props.name_en, props.slug]
      .concat(props.aliases || [])
      .concat(
        (props.towns || []).map(function (slug) {
          return self.townSearch[slug] || slug;
        })
      )
      .join(" ")
      .toLowerCase();
    return this.search
      .toLowerCase()
      .split(/\s+/)
      .every(function (word) {
        return !word || hay.indexOf(word) >= 0;
      });
  };

  Planmap.prototype.setSearch = function (text) {
    this.search = (text || "").trim();
    this.refresh();
  };

  // ---------------------------------------------------------------- the view in the URL

  /**
   * Filters, search, sort and the selected project live in the page URL, so any view can be shared or
   * bookmarked: `status`, `category`, `warning` list what is switched on (absent: all), `q` the search,
   * `sort` the list's order, `project` the selected project (`colour` and `as_of` are read elsewhere).
   */
  Planmap.prototype.readUrlState = function () {
    var params = new URLSearchParams(root.location.search);
    var self = this;
    [
      ["status", this.enabledStatuses],
      ["category", this.enabledCategories],
      ["warning", this.enabledWarnings],
    ].forEach(function (pair) {
      var raw = params.get(pair[0]);
      if (raw === null) {
        return;
      }
      var on = raw ? raw.split(",") : [];
      Object.keys(pair[1]).forEach(function (code) {
        pair[1][code] = on.indexOf(code) >= 0;
      });
    });
    this.search = (params.get("q") || "").trim();
    this.sort = params.get("sort") || "";
    this.selected = params.get("project") || "";
    self.urlState = true;
  };

  Planmap.prototype.writeUrlState = function () {
    if (this.cfg.mode !== "overview" && this.cfg.mode !== "town") {
      return; // the other pages keep their own parameters (near: the place; project: none to share)
    }
    var url = new URL(root.location.href);
    var set = function (key, value) {
      if (value) {
        url.searchParams.set(key, value);
      } else {
        url.searchParams.delete(key);
      }
    };
    [
      ["status", this.enabledStatuses],
      ["category", this.enabledCategories],
      ["warning", this.enabledWarnings],
    ].forEach(function (pair) {
      var codes = Object.keys(pair[1]);
      var on = codes.filter(function (code) {
        return pair[1][code] !== false;
      });
      if (on.length === codes.length) {
        url.searchParams.delete(pair[0]);
      } else {
        url.searchParams.set(pair[0], on.join(","));
      }
    });
    if (this.cycle) {
      this.cycle.writeUrl(url);
    }
    set("q", this.search);
    set("sort", this.sort);
    set("project", this.selected);
    root.history.replaceState(null, "", url.pathname + url.search);
  };

  /** Select a project (from the list or a popup): kept in the URL, and told to the list. */
  Planmap.prototype.select = function (slug) {
    this.selected = slug || "";
    this.writeUrlState();
    root.document.dispatchEvent(new CustomEvent("planmap:select", { detail: { pm: this, slug: this.selected } }));
  };

  /** Zoom to a project's marker (out of its cluster if need be) and open its popup. */
  Planmap.prototype.showOnMap = function (slug) {
    var entry = this.entries.filter(function (e) {
      return e.props.slug === slug;
    })[0];
    if (!entry || !entry.visible) {
      return false;
    }
    var map = this.map;
    var marker = entry.marker;
    var opened = false;
    function open() {
      if (opened) {
        return;
      }
      opened = true;
      if (map.hasLayer(marker)) {
        marker.openPopup();
      } else {
        map.openPopup(marker.getPopup(), marker.getLatLng()); // still in a cluster: the popup at its place
      }
    }
    var cluster = this.cluster;
    cluster.zoomToShowLayer(marker, open);
    // markercluster can lose a marker when its zoom-in and a spiderfy overlap (seen on a shared link's first
    // drawing, ~1 in 3 page loads): its callback never comes, so the popup opens anyway once the map has
    // settled. Not while a zoom is still animating: the popup would close again when its end redraws the markers.
    function settle() {
      if (cluster._inZoomAnimation || map._animatingZoom) {
        root.setTimeout(settle, 250);
        return;
      }
      open();
    }
    root.setTimeout(settle, SHOW_ON_MAP_SETTLE_MS);
    return true;
  };

  /** Shown when any of its warnings is switched on, or it has none and "no warning" is on. */
  Planmap.prototype.warningEnabled = function (props) {
    var enabled = this.enabledWarnings;
    var warnings = props.warnings || [];
    if (!warnings.length) {
      return enabled.none !== false;
    }
    return warnings.some(function (w) {
      return enabled[w] !== false;
    });
  };

  /** Put on the map exactly the projects whose status and category are both switched on. */
  Planmap.prototype.refresh = function () {
    var markers = [];
    var self = this;
    if (this.tiles) {
      this.tiles.applyFilters(); // the server filters the tiles (planmap_tiles.js)
      return;
    }
    this.cluster.clearLayers();
    this.shapes.clearLayers();
    this.entries.forEach(function (entry) {
      entry.visible = self.isEnabled(entry.props);
      if (!entry.visible) {
        return;
      }
      markers.push(entry.marker);
      if (entry.shape) {
        self.shapes.addLayer(entry.shape);
      }
    });
    this.cluster.addLayers(markers);
    this.updateCounts();
    this.writeUrlState();
    // The list beside the map (planmap_list.js) follows every change of filters and search.
    root.document.dispatchEvent(new CustomEvent("planmap:refresh", { detail: { pm: this } }));
  };

  /** Projects drawn now, by status (what the tests compare with the API). */
  Planmap.prototype.visibleCounts = function () {
    var counts = {};
    var byRag = {};
    var total = 0;
    this.entries.forEach(function (entry) {
      if (entry.visible) {
        counts[entry.props.status] = (counts[entry.props.status] || 0) + 1;
        byRag[entry.props.rag] = (byRag[entry.props.rag] || 0) + 1;
        total += 1;
      }
    });
    return { byStatus: counts, byRag: byRag, total: total };
  };

  Planmap.prototype.clusterIcon = function (cluster) {
    // A ring showing the mix of statuses (or of red/amber/green) inside, so a cluster does not hide what it holds.
    var children = cluster.getAllChildMarkers();
    var counts = {};
    var byRag = this.colorBy === "warnings";
    var ragColors = this.cfg.ragColors || {};
    children.forEach(function (m) {
      var key = byRag ? m.pmRag : m.pmStatus;
      counts[key] = (counts[key] || 0) + 1;
    });
    var palette = byRag
      ? ["red", "amber", "green"].map(function (r) {
          return { code: r, color: ragColors[r] };
        })
      : this.cfg.statuses || [];
    var stops = [];
    var at = 0;
    palette.forEach(function (s) {
      var n = counts[s.code] || 0;
      if (n) {
        var end = at + (n / children.length) * 360;
        stops.push(s.color + " " + at.toFixed(1) + "deg " + end.toFixed(1) + "deg");
        at = end;
      }
    });
    var size = children.length < 10 ? 34 : children.length < 50 ? 40 : 46;
    var node = el("div", { className: "pm-cluster-ring", style: { background: "conic-gradient(" + stops.join(",") + ")" } }, [
      el("span", { className: "pm-cluster-count", text: String(children.length) }),
    ]);
    var icon = L.divIcon({ html: node, className: "marker-cluster pm-cluster", iconSize: L.point(size, size) });
    // Leaflet makes the cluster's icon a focusable button and titles it from options.title: name it.
    cluster.options.title = this.msg.cluster_label.replace("{n}", String(children.length));
    return icon;
  };

  /**
   * The projects under a cluster as a named list in a popup (nearest to what a person wants when
   * 73 projects sit on one town seat), with "zoom in" when they are not all at one point and "fan out"
   * when they are.
   */
  Planmap.prototype.clusterPopup = function (cluster) {
    var self = this;
    var msg = this.msg;
    var markers = cluster.getAllChildMarkers();
    var first = markers[0].getLatLng();
    var onePoint = markers.every(function (m) {
      return m.getLatLng().distanceTo(first) < 1;
    });
    var bySlug = {};
    this.entries.forEach(function (e) {
      bySlug[e.props.slug] = e;
    });
    var items = markers
      .map(function (m) {
        return bySlug[m.pmSlug];
      })
      .filter(Boolean)
      .sort(function (a, b) {
        return self.name(a.props).localeCompare(self.name(b.props), self.cfg.lang === "en" ? "en" : "zh-CN");
      });
    var town = onePoint && items.length && items[0].props.location_precision === "town" ? items[0].props.towns[0] : null;
    var list = el(
      "ul",
      { className: "pm-here-list" },
      items.map(function (e) {
        var st = self.status(e.props.status);
        return el("li", { "data-slug": e.props.slug }, [
          el("span", { className: "pm-swatch", style: { background: st.color } }),
          el("a", { href: self.pageUrl("project", e.props.slug), text: self.name(e.props) }),
          " ",
          el("span", { className: "pm-here-meta", text: st.label + (e.props.location_precision === "town" ? " · " + msg.town_only : "") }),
        ]);
      })
    );
    var buttons = el("p", { className: "pm-here-buttons" });
    if (!onePoint) {
      var zoom = el("button", { type: "button", className: "pm-here-zoom", text: msg.zoom_in });
      zoom.addEventListener("click", function () {
        self.map.closePopup();
        cluster.zoomToBounds({ padding: [30, 30] });
      });
      buttons.appendChild(zoom);
    } else {
      var fan = el("button", { type: "button", className: "pm-here-fan", text: msg.fan_out });
      fan.addEventListener("click", function () {
        self.map.closePopup();
        cluster.spiderfy();
      });
      buttons.appendChild(fan);
    }
    var content = el("div", { className: "pm-popup pm-here", id: "pm-here" }, [
      el("h3", { className: "pm-popup-title", text: msg.here_list_title.replace("{n}", String(items.length)) }),
      town ? el("p", { className: "pm-here-town", text: msg.here_town_seat.replace("{town}", this.townNames[town] || town) }) : null,
      list,
      buttons,
    ]);
    // Keep the popup clear of the layer control in the top right corner.
    var layersBox = root.document.getElementById("pm-layers");
    var right = layersBox ? layersBox.offsetWidth + 20 : 20;
    L.popup({ maxWidth: 300, autoPanPaddingTopLeft: [60, 20], autoPanPaddingTopRight: [right, 20] })
      .setLatLng(cluster.getLatLng())
      .setContent(content)
      .openOn(this.map);
  };

  // ---------------------------------------------------------------- towns and county

  Planmap.prototype.loadCounty = function (fill) {
    var self = this;
    return fetchJSON(this.cfg.api.county).then(function (fc) {
      self.county = self.geoJSON(fc, {
        pane: "pm-county",
        interactive: false,
        style: function () {
          return {
            color: "#3a3a3a",
            weight: 2.5,
            opacity: 0.9,
            fillColor: fill,
            fillOpacity: self.cfg.tiles ? 0.06 : 1,
            className: "pm-county",
          };
        },
      }).addTo(self.map);
      return self.county;
    });
  };

  Planmap.prototype.loadTowns = function (opts) {
    var self = this;
    opts = opts || {};
    return fetchJSON(this.cfg.api.towns).then(function (fc) {
      fc.features.forEach(function (f) {
        self.townNames[f.properties.slug] = self.name(f.properties);
        self.townSearch[f.properties.slug] = [f.properties.name_zh, f.properties.name_en, f.properties.slug].join(" ");
      });
      self.towns = self.geoJSON(fc, {
        pane: "pm-towns",
        interactive: !!opts.interactive,
        style: function (f) {
          if (opts.style) {
            return opts.style(f);
          }
          var focus = opts.focus && f.properties.slug === opts.focus;
          return {
            color: focus ? "#b8860b" : "#7a6a58",
            weight: focus ? 3 : 1.2,
            opacity: 0.9,
            dashArray: focus ? null : "4 3",
            fillColor: focus ? "#fff3c4" : "#ffffff",
            fillOpacity: focus ? (self.cfg.tiles ? 0.25 : 0.9) : 0,
            className: "pm-town pm-town-" + f.properties.slug,
          };
        },
        onEachFeature: function (f, layer) {
          if (opts.interactive) {
            layer.bindPopup(function () {
              return opts.popup ? opts.popup(f.properties) : self.townPopup(f.properties);
            });
          }
        },
      }).addTo(self.map);
      var areas = {};
      self.towns.eachLayer(function (layer) {
        areas[layer.feature.properties.slug] = layer;
      });
      self.townLabels = L.layerGroup(
        fc.features.map(function (f) {
          var seat = f.properties.seat.coordinates;
          var label = L.marker(self.latLng(seat[0], seat[1]), {
            pane: "pm-labels",
            interactive: false,
            keyboard: false,
            icon: L.divIcon({
              className: "pm-town-label",
              html: el("span", { text: self.name(f.properties), "data-town": f.properties.slug }),
              iconSize: null,
              iconAnchor: [0, -16],
            }),
          });
          label.pmSeat = label.getLatLng();
          label.pmArea = areas[f.properties.slug];
          return label;
        })
      ).addTo(self.map);
      // Zoomed in on a project or a town, most seats are off screen and a boundary on screen would be
      // unlabelled: each town whose seat is out of view is named inside the part of it that is in view.
      self.map.on("moveend", function () {
        self.placeTownLabels();
      });
      self.placeTownLabels();
      return fc;
    });
  };

  /**
   * Each town's label: at its seat when the seat is in view; otherwise in the middle of the largest
   * piece of the town that is on screen (clipped in screen pixels: placing a label is drawing, not
   * spatial analysis); hidden when too little of the town shows to hold its name.
   */
  Planmap.prototype.placeTownLabels = function () {
    var map = this.map;
    if (!this.townLabels || !map._loaded) {
      return;
    }
    var size = map.getSize();
    var margin = 24;
    var view = L.bounds(
      map.containerPointToLayerPoint([margin, margin]),
      map.containerPointToLayerPoint([size.x - margin, size.y - margin])
    );
    this.townLabels.eachLayer(function (label) {
      var atSeat = view.contains(map.latLngToLayerPoint(label.pmSeat));
      var spot = atSeat ? label.pmSeat : visiblePart(map, label.pmArea, view);
      if (spot) {
        label.setLatLng(spot);
      }
      label.setOpacity(spot ? 1 : 0);
      var node = label.getElement();
      if (node) {
        node.classList.toggle("pm-town-label-area", !atSeat);
      }
    });
  };

  /** The centre of the largest on-screen piece of a town's outline (layer points), or null if under ~40×16 px. */
  function visiblePart(map, area, view) {
    if (!area) {
      return null;
    }
    var rings = [];
    (function collect(latlngs) {
      if (latlngs.length && latlngs[0] instanceof L.LatLng) {
        rings.push(latlngs);
      } else {
        latlngs.forEach(function (part, i) {
          // a polygon's first ring is its outline; the others are holes
          if (part.length && part[0] instanceof L.LatLng) {
            if (i === 0) {
              rings.push(part);
            }
          } else {
            collect(part);
          }
        });
      }
    })(area.getLatLngs());
    var best = null;
    rings.forEach(function (ring) {
      var points = ring.map(function (ll) {
        return map.latLngToLayerPoint(ll);
      });
      var piece = polygonCentre(L.PolyUtil.clipPolygon(points, view));
      if (piece && (!best || piece.area > best.area)) {
        best = piece;
      }
    });
    return best && best.area > 640 ? map.layerPointToLatLng(best.centre) : null;
  }

  /** Area and centroid of a polygon given as pixel points (the shoelace formula). */
  function polygonCentre(points) {
    var area = 0;
    var x = 0;
    var y = 0;
    for (var i = 0, j = points.length - 1; i < points.length; j = i++) {
      var cross = points[j].x * points[i].y - points[i].x * points[j].y;
      area += cross;
      x += (points[j].x + points[i].x) * cross;
      y += (points[j].y + points[i].y) * cross;
    }
    if (!points.length || Math.abs(area) < 1e-6) {
      return null;
    }
    return { area: Math.abs(area / 2), centre: L.point(x / (3 * area), y / (3 * area)) };
  }

  Planmap.prototype.townPopup = function (props) {
    return el("div", { className: "pm-popup" }, [
      el("h3", { className: "pm-popup-title", text: this.name(props) }),
      el("p", { text: this.msg.town_areas }),
      el("a", { className: "pm-popup-link", href: this.pageUrl("town", props.slug), text: this.msg.details + " →" }),
    ]);
  };

  // ---------------------------------------------------------------- colours

  /** Rebuild every marker and shape from the loaded features: their colours depend on the mode. */
  Planmap.prototype.redraw = function () {
    var self = this;
    var features = this.features || [];
    if (this.tiles) {
      this.tiles.restyle();
      root.document.documentElement.setAttribute("data-pm-colour", this.colorBy);
      return;
    }
    this.clearProjects();
    features.forEach(function (f) {
      self.addFeature(f);
    });
    this.refresh();
    root.document.documentElement.setAttribute("data-pm-colour", this.colorBy);
  };

  // ---------------------------------------------------------------- loading what a mode shows

  Planmap.prototype.loadProjects = function (url) {
    var self = this;
    return fetchAllFeatures(url).then(function (features) {
      self.features = features; // kept to redraw in other colours
      self.clearProjects();
      features.forEach(function (f) {
        self.addFeature(f);
      });
      self.refresh();
      return features;
    });
  };

  /** The page's projects: all loaded as GeoJSON, or drawn from vector tiles when the server says the set is large. */
  Planmap.prototype.showProjects = function (params) {
    if (this.cfg.projectsFrom === "tiles") {
      this.tiles = new root.planmap.ProjectTiles(this, params);
      return this.tiles.start();
    }
    return this.loadProjects(this.projectsUrl(params));
  };

  Planmap.prototype.projectsUrl = function (params) {
    var q = new URLSearchParams(params || {});
    q.set("limit", "10000");
    return this.withAsOf(this.cfg.api.projects + "?" + q.toString());
  };

  /**
   * The implementation cycle (planmap_cycle.js), when the page offers it: loaded before the projects are
   * drawn, so a shared link's `no_report`/`behind` filter the first drawing. Never fails the map.
   */
  Planmap.prototype.loadCycle = function () {
    if (!this.cfg.cycle || !root.planmap.Cycle) {
      return Promise.resolve();
    }
    this.cycle = new root.planmap.Cycle(this);
    return this.cycle.load();
  };

  /** The county and its towns under the projects. `opts.countyFill`: the county's fill; `opts.towns`: loadTowns' options. */
  Planmap.prototype.loadBase = function (opts) {
    opts = opts || {};
    return Promise.all([this.loadCounty(opts.countyFill || "#f6f3ea"), this.loadTowns(opts.towns || {})]);
  };

  Planmap.prototype.fitCounty = function () {
    this.map.fitBounds(this.county.getBounds(), { padding: [10, 10], animate: false });
  };

  /** The page's project from the API (with the page's `as_of`). */
  Planmap.prototype.fetchProject = function (slug) {
    return fetchJSON(this.withAsOf(this.cfg.api.projects + "/" + encodeURIComponent(slug)));
  };

  Planmap.prototype.ready = function () {
    this.setStatus("");
    root.document.documentElement.setAttribute("data-pm-ready", "1");
    root.document.dispatchEvent(new CustomEvent("planmap:ready", { detail: { pm: this } }));
  };

  /** Why a read failed, for a reader: the server's status, "the server could not be reached", or the script's own words. */
  Planmap.prototype.failureText = function (err) {
    var words = root.pmkit.stateWords();
    if (err && err.status) {
      return "HTTP " + err.status;
    }
    if (err instanceof TypeError) {
      return words.state_offline || err.message; // fetch() rejects with a TypeError when nothing answers
    }
    return err && err.message ? err.message : String(err);
  };

  /**
   * The map could not load what it shows: the status box on the map says so readably, with "try again"
   * (the page again, with its URL, which keeps the view: filters, search, place, as-of).
   */
  Planmap.prototype.fail = function (err) {
    var words = root.pmkit.stateWords();
    this.setStatus(this.msg.load_failed + ": " + this.failureText(err), true);
    if (this.statusEl) {
      var again = el("button", { type: "button", className: "pm-state-retry", id: "pm-map-retry", text: words.state_retry || "Try again" });
      again.addEventListener("click", function () {
        root.location.reload();
      });
      this.statusEl.appendChild(root.document.createTextNode(" "));
      this.statusEl.appendChild(again);
    }
    root.document.documentElement.setAttribute("data-pm-error", err.message);
    root.document.dispatchEvent(new CustomEvent("planmap:error", { detail: { pm: this, error: err } }));
    root.console.error("planmap:", err);
  };

  // ---------------------------------------------------------------- modes

  var modes = {};

  /**
   * Make mode `name` available: `run(pm)` draws what the mode shows and returns a promise. Each mode's
   * script registers its own, so adding a mode touches no other file (and no page loads modes it does not use).
   */
  function registerMode(name, run) {
    if (modes[name]) {
      throw new Error("planmap: mode " + name + " is registered twice");
    }
    modes[name] = run;
  }

  /** The modes this page's scripts registered (a page loads only the scripts of its own mode). */
  function registeredModes() {
    return Object.keys(modes).sort();
  }

  Planmap.prototype.start = function () {
    var self = this;
    var cfg = this.cfg;
    if (cfg.bounds) {
      this.map.fitBounds(this.boundsOf(cfg.bounds), {
        maxZoom: cfg.maxZoom || 14,
        padding: [20, 20],
        animate: false,
      });
    }
    var run = modes[cfg.mode];
    var work;
    try {
      // A page whose mode's script is missing says so on the map instead of showing an empty county.
      work = run ? Promise.resolve(run(this)) : Promise.reject(new Error("no map mode " + cfg.mode + " (is its script loaded?)"));
    } catch (err) {
      work = Promise.reject(err);
    }
    work.then(
      function () {
        self.ready();
      },
      function (err) {
        self.fail(err);
      }
    );
  };

  // ---------------------------------------------------------------- entry point

  root.planmap = {
    Planmap: Planmap,
    registerMode: registerMode,
    registeredModes: registeredModes,
    init: function (map, opts) {
      var cfg = JSON.parse(document.getElementById(opts.configElement).textContent);
      var pm = new Planmap(map, opts.cluster, cfg);
      root.planmap.current = pm;
      pm.start();
      return pm;
    },
    formatDistance: formatDistance,
    fetchJSON: fetchJSON,
  };
})(window);
