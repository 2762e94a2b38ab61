/*
 * planmap: draws the plan's projects, towns and county on a Folium-built Leaflet map.
 *
 * The page carries only a small JSON config (labels, colours, icons, what to show); the
 * features come from the JSON API, so a page stays small whatever the catalog's size.
 * Everything that comes from the database is put into the page with textContent or
 * createTextNode, never as HTML, so a project named "<img src=x onerror=...>" is text.
 *
 * Modes: overview (everything), town (one town's projects), project (one project),
 * near (projects within a radius of a chosen place), dashboard (choropleth of towns).
 *
 * Plan monitoring: the overview and town maps colour by status or by the computed warnings'
 * red/amber/green and filter by warning; with `cfg.asOf` (a past day the server checked) every
 * project request carries `as_of`, so the map shows the programme as recorded on that day.
 */
(function (root) {
  "use strict";

  var L = root.L;

  // ---------------------------------------------------------------- small helpers

  // The DOM builder every page script shares (kit.js, loaded first by base.html): text is set with
  // textContent, never parsed as HTML.
  var el = root.pmkit.el;

  function fetchJSON(url) {
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } }).then(function (res) {
      if (!res.ok) {
        throw new Error(url + " answered " + res.status);
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
    this.statusEl = document.getElementById("pm-map-status");
    this.shapes = L.featureGroup().addTo(map);
    cluster.options.iconCreateFunction = function (c) {
      return self.clusterIcon(c);
    };
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

  /** A project API URL with the page's `as_of` (a past day the server has checked), so the map shows that day. */
  Planmap.prototype.withAsOf = function (url) {
    if (!this.cfg.asOf) {
      return url;
    }
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "as_of=" + encodeURIComponent(this.cfg.asOf);
  };

  Planmap.prototype.warningLabel = function (code) {
    var item = (this.cfg.warnings || []).filter(function (w) {
      return w.code === code;
    })[0];
    return item ? item.label : code;
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
      this.warningEnabled(props)
    );
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
    return L.divIcon({ html: node, className: "marker-cluster pm-cluster", iconSize: L.point(size, size) });
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
      self.townLabels = L.layerGroup(
        fc.features.map(function (f) {
          var seat = f.properties.seat.coordinates;
          return L.marker(self.latLng(seat[0], seat[1]), {
            pane: "pm-labels",
            interactive: false,
            keyboard: false,
            icon: L.divIcon({
              className: "pm-town-label",
              html: el("span", { text: self.name(f.properties) }),
              iconSize: null,
              iconAnchor: [0, -16],
            }),
          });
        })
      ).addTo(self.map);
      return fc;
    });
  };

  Planmap.prototype.townPopup = function (props) {
    return el("div", { className: "pm-popup" }, [
      el("h3", { className: "pm-popup-title", text: this.name(props) }),
      el("p", { text: this.msg.town_areas }),
      el("a", { className: "pm-popup-link", href: this.pageUrl("town", props.slug), text: this.msg.details + " →" }),
    ]);
  };

  // ---------------------------------------------------------------- the layer control (also the legend)

  Planmap.prototype.addLayerControl = function () {
    var self = this;
    var Control = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var box = el("div", { className: "pm-layers leaflet-control leaflet-bar", id: "pm-layers" });
        var details = el("details", { className: "pm-layers-root" });
        details.open = root.innerWidth > 700 && self.cfg.mode !== "near";
        details.appendChild(el("summary", { text: self.msg.layers }));
        var monitoring = !!self.cfg.warnings && (self.cfg.mode === "overview" || self.cfg.mode === "town");
        if (monitoring) {
          details.appendChild(self.colourSwitch());
        }
        details.appendChild(self.section("status", self.msg.statuses, self.cfg.statuses, self.enabledStatuses));
        if (monitoring) {
          details.appendChild(self.section("warning", self.msg.warnings, self.cfg.warnings, self.enabledWarnings));
        }
        details.appendChild(self.section("category", self.msg.categories, self.cfg.categories, self.enabledCategories));
        details.appendChild(self.baseSection());
        box.appendChild(details);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        self.layersBox = box;
        box.setAttribute("data-colour-by", self.colorBy);
        return box;
      },
    });
    this.layerControl = new Control().addTo(this.map);
    this.updateCounts();
  };

  Planmap.prototype.section = function (kind, title, items, enabled) {
    var self = this;
    var list = el("ul", { className: "pm-layer-list" });
    (items || []).forEach(function (item) {
      var input = el("input", { type: "checkbox", "data-kind": kind, "data-code": item.code });
      input.checked = enabled[item.code] !== false;
      input.addEventListener("change", function () {
        enabled[item.code] = input.checked;
        self.refresh();
      });
      var symbol =
        kind !== "category"
          ? el("span", { className: "pm-swatch", style: { background: item.color } })
          : el("i", { className: "fa-solid fa-" + item.icon + " pm-cat-icon", "aria-hidden": "true" });
      list.appendChild(
        el("li", { "data-kind": kind, "data-code": item.code, "data-rag": item.rag }, [
          el("label", null, [input, symbol, el("span", { className: "pm-layer-label", text: item.label }), el("span", { className: "pm-layer-count" })]),
          item.explain ? el("span", { className: "pm-layer-explain", text: item.explain }) : null,
        ])
      );
    });
    var all = el("button", { type: "button", className: "pm-all", text: this.msg.all });
    var none = el("button", { type: "button", className: "pm-none", text: this.msg.none });
    function setAll(value) {
      Object.keys(enabled).forEach(function (code) {
        enabled[code] = value;
      });
      list.querySelectorAll("input").forEach(function (input) {
        input.checked = value;
      });
      self.refresh();
    }
    all.addEventListener("click", function () {
      setAll(true);
    });
    none.addEventListener("click", function () {
      setAll(false);
    });
    var extra = kind === "status" ? el("p", { className: "pm-legend-note" }, [el("span", { className: "pm-pin pm-prec-town pm-legend-pin" }), this.msg.legend_town_marker]) : null;
    if (kind === "warning") {
      extra = this.ragLegend();
    }
    var open = kind === "status" ? this.colorBy === "status" : kind === "warning" && this.colorBy === "warnings";
    return el("details", { className: "pm-layer-section", "data-kind": kind, open: open ? "open" : null }, [
      el("summary", { text: title }),
      el("div", { className: "pm-layer-buttons" }, [all, none]),
      list,
      extra,
    ]);
  };

  Planmap.prototype.baseSection = function () {
    var self = this;
    var items = [
      ["county", this.msg.county, function () {
        return self.county;
      }],
      ["towns", this.msg.town_areas, function () {
        return self.towns;
      }],
      ["labels", this.msg.town_labels, function () {
        return self.townLabels;
      }],
    ];
    var list = el("ul", { className: "pm-layer-list" });
    items.forEach(function (item) {
      var input = el("input", { type: "checkbox", "data-kind": "base", "data-code": item[0] });
      input.checked = true;
      input.addEventListener("change", function () {
        var layer = item[2]();
        if (!layer) {
          return;
        }
        if (input.checked) {
          layer.addTo(self.map);
        } else {
          self.map.removeLayer(layer);
        }
      });
      list.appendChild(el("li", null, [el("label", null, [input, el("span", { className: "pm-layer-label", text: item[1] })])]));
    });
    return el("details", { className: "pm-layer-section", "data-kind": "base" }, [el("summary", { text: this.msg.base_layers }), list]);
  };

  /** Counts beside each status, warning and category: how many projects of the current set it holds. */
  Planmap.prototype.updateCounts = function () {
    if (!this.layersBox) {
      return;
    }
    var byKind = { status: {}, category: {}, warning: {} };
    if (this.tiles) {
      var facets = this.tiles.facets || {};
      byKind = { status: facets.status || {}, category: facets.category || {}, warning: facets.warning || {} };
    }
    (this.tiles ? [] : this.entries).forEach(function (e) {
      byKind.status[e.props.status] = (byKind.status[e.props.status] || 0) + 1;
      byKind.category[e.props.category] = (byKind.category[e.props.category] || 0) + 1;
      var warnings = (e.props.warnings || []).length ? e.props.warnings : ["none"];
      warnings.forEach(function (w) {
        byKind.warning[w] = (byKind.warning[w] || 0) + 1;
      });
    });
    this.layersBox.querySelectorAll("li[data-kind]").forEach(function (li) {
      var counts = byKind[li.getAttribute("data-kind")] || {};
      var n = counts[li.getAttribute("data-code")] || 0;
      li.querySelector(".pm-layer-count").textContent = String(n);
      li.classList.toggle("pm-empty", n === 0);
    });
  };

  // ---------------------------------------------------------------- colour by status or by warnings

  /** The "colour by" switch at the top of the layer control. */
  Planmap.prototype.colourSwitch = function () {
    var self = this;
    var options = [
      ["status", this.msg.colour_by_status],
      ["warnings", this.msg.colour_by_warnings],
    ];
    var legend = el("legend", { text: this.msg.colour_by });
    return el(
      "fieldset",
      { className: "pm-colour-by", id: "pm-colour-by" },
      [legend].concat(
        options.map(function (option) {
          var input = el("input", { type: "radio", name: "pm-colour-by", value: option[0], "data-kind": "colour" });
          input.checked = self.colorBy === option[0];
          input.addEventListener("change", function () {
            if (input.checked) {
              self.setColorBy(option[0]);
            }
          });
          return el("label", null, [input, el("span", { text: option[1] })]);
        })
      )
    );
  };

  /** What red, amber and green mean (under the warnings filter). */
  Planmap.prototype.ragLegend = function () {
    var colors = this.cfg.ragColors || {};
    var msg = this.msg;
    return el(
      "ul",
      { className: "pm-legend-note pm-rag-legend" },
      ["red", "amber", "green"].map(function (rag) {
        return el("li", { "data-rag": rag }, [el("span", { className: "pm-swatch", style: { background: colors[rag] } }), msg["rag_" + rag + "_means"]]);
      })
    );
  };

  Planmap.prototype.setColorBy = function (mode) {
    this.colorBy = mode;
    var url = new URL(root.location.href);
    if (mode === "warnings") {
      url.searchParams.set("colour", "warnings");
    } else {
      url.searchParams.delete("colour");
    }
    root.history.replaceState(null, "", url.pathname + url.search);
    if (this.layersBox) {
      this.layersBox.setAttribute("data-colour-by", mode);
      var warningSection = this.layersBox.querySelector("details[data-kind='warning']");
      if (warningSection && mode === "warnings") {
        warningSection.open = true;
      }
    }
    this.redraw();
  };

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

  // ---------------------------------------------------------------- modes

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

  Planmap.prototype.ready = function () {
    this.setStatus("");
    root.document.documentElement.setAttribute("data-pm-ready", "1");
  };

  Planmap.prototype.fail = function (err) {
    this.setStatus(this.msg.load_failed + ": " + err.message, true);
    root.document.documentElement.setAttribute("data-pm-error", err.message);
    root.console.error("planmap:", err);
  };

  Planmap.prototype.start = function () {
    var self = this;
    var cfg = this.cfg;
    var mode = cfg.mode;
    if (cfg.bounds) {
      this.map.fitBounds(this.boundsOf(cfg.bounds), {
        maxZoom: 14,
        padding: [20, 20],
        animate: false,
      });
    }
    var focusTown = cfg.focus && cfg.focus.town;
    var base = Promise.all([
      this.loadCounty(mode === "dashboard" ? "#f4f1ea" : "#f6f3ea"),
      mode === "dashboard"
        ? this.loadTowns({ interactive: true, style: this.choroplethStyle(), popup: this.choroplethPopup() })
        : this.loadTowns({ interactive: mode === "overview", focus: focusTown }),
    ]);
    var work;
    if (mode === "overview") {
      this.addLayerControl();
      work = base.then(function () {
        self.map.fitBounds(self.county.getBounds(), { padding: [10, 10], animate: false });
        return self.showProjects();
      });
    } else if (mode === "town") {
      this.addLayerControl();
      work = base.then(function () {
        return self.showProjects({ town: focusTown });
      });
    } else if (mode === "project") {
      work = base.then(function () {
        return fetchJSON(self.withAsOf(cfg.api.projects + "/" + encodeURIComponent(cfg.focus.project))).then(function (f) {
          self.clearProjects();
          var entry = self.addFeature(f);
          self.refresh();
          if (entry && entry.props.location_precision === "town") {
            // Only the town is known: show the whole town, not a pin that looks exact.
            var town = self.towns.getLayers().filter(function (l) {
              return l.feature.properties.slug === (entry.props.towns || [])[0];
            })[0];
            if (town) {
              self.map.fitBounds(town.getBounds(), { padding: [20, 20], animate: false });
            }
          }
          // For the page's other scripts (earlier locations, the editor): the project is drawn.
          self.project = { entry: entry, feature: f };
          document.dispatchEvent(new CustomEvent("planmap:project", { detail: { pm: self, entry: entry, feature: f } }));
        });
      });
    } else if (mode === "near") {
      this.addLayerControl();
      work = base.then(function () {
        self.map.fitBounds(self.county.getBounds(), { padding: [10, 10], animate: false });
        self.near = new Near(self);
        return self.near.restore();
      });
    } else if (mode === "dashboard") {
      this.addChoroplethLegend();
      work = base.then(function () {
        self.map.fitBounds(self.county.getBounds(), { padding: [10, 10], animate: false });
      });
    } else {
      work = base;
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

  // ---------------------------------------------------------------- dashboard choropleth

  var SHARE_CLASSES = [
    [0.2, "#edf8e9"],
    [0.4, "#bae4b3"],
    [0.6, "#74c476"],
    [0.8, "#31a354"],
    [1.01, "#006d2c"],
  ];

  // The share of a town's projects rated red (late completion or over budget): whites to dark reds.
  var RED_CLASSES = [
    [0.1, "#fee5d9"],
    [0.25, "#fcae91"],
    [0.5, "#fb6a4a"],
    [0.75, "#de2d26"],
    [1.01, "#a50f15"],
  ];

  function shareColor(share, classes) {
    classes = classes || SHARE_CLASSES;
    if (share === null || share === undefined) {
      return "#d9d9d9";
    }
    for (var i = 0; i < classes.length; i++) {
      if (share < classes[i][0]) {
        return classes[i][1];
      }
    }
    return classes[classes.length - 1][1];
  }

  /** What the towns are coloured by: the share started (default) or the share rated red. */
  Planmap.prototype.choroplethData = function () {
    var red = this.choroplethKind === "red";
    return {
      values: (red ? this.cfg.choroplethRed : this.cfg.choropleth) || {},
      classes: red ? RED_CLASSES : SHARE_CLASSES,
      title: red ? this.msg.share_red : this.msg.choropleth_legend,
    };
  };

  Planmap.prototype.choroplethStyle = function () {
    var self = this;
    return function (f) {
      var data = self.choroplethData();
      return {
        color: "#555",
        weight: 1.2,
        fillColor: shareColor(data.values[f.properties.slug], data.classes),
        fillOpacity: 0.85,
        className: "pm-town pm-choropleth pm-town-" + f.properties.slug,
      };
    };
  };

  Planmap.prototype.choroplethPopup = function () {
    var self = this;
    var shares = this.cfg.choropleth || {};
    var red = this.cfg.choroplethRed || {};
    function percent(share) {
      return share === null || share === undefined ? self.msg.no_data : Math.round(share * 100) + "%";
    }
    return function (props) {
      return el("div", { className: "pm-popup" }, [
        el("h3", { className: "pm-popup-title", text: self.name(props) }),
        el("p", { text: self.msg.started_share + ": " + percent(shares[props.slug]) }),
        red[props.slug] !== undefined ? el("p", { text: self.msg.share_red + ": " + percent(red[props.slug]) }) : null,
        el("a", { className: "pm-popup-link", href: self.pageUrl("town", props.slug), text: self.msg.details + " →" }),
      ]);
    };
  };

  Planmap.prototype.addChoroplethLegend = function () {
    var self = this;
    var msg = this.msg;
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("div", { className: "pm-legend leaflet-control", id: "pm-choropleth-legend" });
        var title = el("strong");
        var list = el("ul");
        function fill() {
          var data = self.choroplethData();
          title.textContent = data.title;
          while (list.firstChild) {
            list.removeChild(list.firstChild);
          }
          var lower = 0;
          data.classes.forEach(function (c) {
            var upper = Math.min(c[0], 1);
            list.appendChild(
              el("li", null, [
                el("span", { className: "pm-swatch", style: { background: c[1] } }),
                Math.round(lower * 100) + "–" + Math.round(upper * 100) + "%",
              ])
            );
            lower = upper;
          });
          list.appendChild(el("li", null, [el("span", { className: "pm-swatch", style: { background: "#d9d9d9" } }), msg.no_data]));
        }
        if (self.cfg.choroplethRed) {
          // The switch: colour the towns by the share started or by the share rated red.
          var choices = [
            ["started", msg.started_share],
            ["red", msg.share_red],
          ];
          box.appendChild(
            el(
              "fieldset",
              { className: "pm-choropleth-by", id: "pm-choropleth-by" },
              [el("legend", { text: msg.choropleth_by })].concat(
                choices.map(function (choice) {
                  var input = el("input", { type: "radio", name: "pm-choropleth-by", value: choice[0] });
                  input.checked = (self.choroplethKind || "started") === choice[0];
                  input.addEventListener("change", function () {
                    if (input.checked) {
                      self.choroplethKind = choice[0];
                      self.towns.setStyle(self.choroplethStyle());
                      fill();
                      root.document.documentElement.setAttribute("data-pm-choropleth", choice[0]);
                    }
                  });
                  return el("label", null, [input, el("span", { text: choice[1] })]);
                })
              )
            )
          );
        }
        box.appendChild(title);
        box.appendChild(list);
        fill();
        L.DomEvent.disableClickPropagation(box);
        return box;
      },
    });
    new Legend().addTo(this.map);
  };

  // ---------------------------------------------------------------- near me

  function Near(pm) {
    this.pm = pm;
    this.townSelect = document.getElementById("pm-near-town");
    this.radiusSelect = document.getElementById("pm-near-radius");
    this.locateButton = document.getElementById("pm-near-locate");
    this.list = document.getElementById("pm-near-list");
    this.summary = document.getElementById("pm-near-summary");
    this.placeLayer = L.layerGroup().addTo(pm.map);
    var self = this;
    this.townSelect.addEventListener("change", function () {
      var opt = self.townSelect.selectedOptions[0];
      if (opt && opt.value) {
        self.search(parseFloat(opt.getAttribute("data-lon")), parseFloat(opt.getAttribute("data-lat")), opt.value);
      }
    });
    this.radiusSelect.addEventListener("change", function () {
      if (self.place) {
        self.search(self.place[0], self.place[1], self.place[2]);
      }
    });
    this.locateButton.addEventListener("click", function () {
      self.locate();
    });
    // The form only groups the controls; it is never submitted (a listener, not an inline handler: the CSP forbids those).
    var form = document.getElementById("pm-near-form");
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
      });
    }
    pm.map.on("click", function (e) {
      var wgs = pm.toWgs(e.latlng);
      self.townSelect.value = "";
      self.search(wgs[0], wgs[1], null);
    });
  }

  Near.prototype.restore = function () {
    var params = new URLSearchParams(root.location.search);
    var radius = params.get("radius_m");
    if (radius && this.radiusSelect.querySelector('option[value="' + CSS.escape(radius) + '"]')) {
      this.radiusSelect.value = radius;
    }
    var town = params.get("town");
    if (town && this.townSelect.querySelector('option[value="' + CSS.escape(town) + '"]')) {
      this.townSelect.value = town;
      var opt = this.townSelect.selectedOptions[0];
      return this.search(parseFloat(opt.getAttribute("data-lon")), parseFloat(opt.getAttribute("data-lat")), town);
    }
    var near = (params.get("near") || "").split(",").map(parseFloat);
    if (near.length === 2 && isFinite(near[0]) && isFinite(near[1])) {
      return this.search(near[0], near[1], null);
    }
    return Promise.resolve();
  };

  Near.prototype.locate = function () {
    var self = this;
    var msg = this.pm.msg;
    if (!navigator.geolocation) {
      this.summary.textContent = msg.locate_failed + "geolocation";
      return;
    }
    this.summary.textContent = msg.locating;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        self.townSelect.value = "";
        self.search(pos.coords.longitude, pos.coords.latitude, null);
      },
      function (err) {
        self.summary.textContent = msg.locate_failed + err.message;
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 }
    );
  };

  Near.prototype.search = function (lon, lat, town) {
    var pm = this.pm;
    var self = this;
    var radius = parseFloat(this.radiusSelect.value);
    this.place = [lon, lat, town];
    var url = new URL(root.location.href);
    url.searchParams.delete("near");
    url.searchParams.delete("town");
    if (town) {
      url.searchParams.set("town", town);
    } else {
      url.searchParams.set("near", lon.toFixed(5) + "," + lat.toFixed(5));
    }
    url.searchParams.set("radius_m", String(radius));
    root.history.replaceState(null, "", url.pathname + url.search);
    this.placeLayer.clearLayers();
    var centre = pm.latLng(lon, lat);
    var circle = L.circle(centre, { radius: radius, color: "#333", weight: 1.5, dashArray: "6 4", fill: false, interactive: false });
    this.placeLayer.addLayer(circle);
    this.placeLayer.addLayer(
      L.circleMarker(centre, { radius: 6, color: "#fff", weight: 2, fillColor: "#222", fillOpacity: 1, interactive: false })
    );
    pm.map.fitBounds(circle.getBounds(), { padding: [10, 10], animate: false });
    this.summary.textContent = pm.msg.loading;
    document.documentElement.removeAttribute("data-pm-near-ready");
    var query = { near: lon.toFixed(6) + "," + lat.toFixed(6), radius_m: String(radius) };
    return pm.loadProjects(pm.projectsUrl(query)).then(
      function (features) {
        self.render(features);
        // For the feedback form: which projects are listed, around which place.
        document.dispatchEvent(new CustomEvent("planmap:near", { detail: { pm: pm, features: features, place: self.place } }));
        document.documentElement.setAttribute("data-pm-near-ready", "1");
      },
      function (err) {
        pm.fail(err);
      }
    );
  };

  Near.prototype.render = function (features) {
    var pm = this.pm;
    var msg = pm.msg;
    var list = this.list;
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    this.summary.textContent = features.length ? msg.near_count.replace("{n}", String(features.length)) : msg.no_results;
    features.forEach(function (f) {
      var p = f.properties;
      var st = pm.status(p.status);
      list.appendChild(
        el("li", { "data-slug": p.slug, "data-distance": p.distance_m, "data-status": p.status }, [
          el("a", { href: pm.pageUrl("project", p.slug), text: pm.name(p) }),
          " ",
          el("span", { className: "pm-near-meta" }, [
            el("span", { className: "pm-swatch", style: { background: st.color } }),
            st.label,
            " · ",
            el("span", { className: "pm-near-distance", text: formatDistance(p.distance_m, msg) }),
          ]),
        ])
      );
    });
  };

  // ---------------------------------------------------------------- entry point

  root.planmap = {
    Planmap: Planmap,
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
