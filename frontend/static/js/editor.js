/*
 * On-map editing of one project, for a logged-in official of its town (or a planner/admin).
 *
 * "Edit on the map" reads the project afresh from the API (its properties and its ETag),
 * swaps the drawn project for an editable copy (Leaflet-Geoman: drag the point, drag the
 * vertices, or redraw a line or area) and opens the form. Saving sends only what changed:
 * PATCH for fields and geometry, then POST …/status for a dated status change, each with
 * `If-Match` (the ETag of the version the user started from) and the page's CSRF token.
 *
 * If someone else changed the project meanwhile the server answers 412 with what changed
 * since; that list is shown and nothing is saved. "Reload and redo" reopens the page in edit
 * mode on the current version. After a save the page reloads, so the map, the properties and
 * the history all show what the server now holds.
 *
 * Everything from the server is put in the page with textContent (kit.el), never as HTML.
 */
(function (root) {
  "use strict";

  var L = root.L;
  var kit = root.pmkit;
  var doc = root.document;
  var cfg = kit.config("pm-extras-config");
  var form = doc.getElementById("pm-edit-form");
  if (!cfg || !form || !L.PM) {
    return;
  }
  var msg = cfg.messages;
  var FIELDS = ["name_zh", "name_en", "location_precision", "location_note"];

  function $(id) {
    return doc.getElementById(id);
  }

  function round7(x) {
    return Math.round(x * 1e7) / 1e7;
  }

  function mapCoords(coords, fn) {
    return typeof coords[0] === "number" ? fn(coords) : coords.map(function (c) {
      return mapCoords(c, fn);
    });
  }

  function show(value) {
    if (value === null || value === undefined || value === "") {
      return "—";
    }
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  function pageUrl(params) {
    var url = new URL(root.location.href);
    url.searchParams.delete("edit");
    url.searchParams.delete("saved");
    Object.keys(params).forEach(function (key) {
      url.searchParams.set(key, params[key]);
    });
    return url.pathname + url.search;
  }

  function Editor(pm, entry) {
    var self = this;
    this.pm = pm;
    this.entry = entry;
    this.layer = null;
    this.moved = false;
    this.etag = null;
    this.loaded = null;
    pm.map.pm.setGlobalOptions({ snappable: false });
    $("pm-edit-start").addEventListener("click", function () {
      self.start();
    });
    $("pm-edit-cancel").addEventListener("click", function () {
      self.stop();
    });
    $("pm-edit-redraw").addEventListener("click", function () {
      self.redraw();
    });
    $("pm-edit-reload").addEventListener("click", function () {
      root.location.assign(pageUrl({ edit: "1" }));
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.save();
    });
  }

  Editor.prototype.message = function (text, kind) {
    var box = $("pm-edit-message");
    box.textContent = text || "";
    box.className = kind ? "pm-edit-" + kind : "";
  };

  Editor.prototype.start = function () {
    var self = this;
    $("pm-edit-start").disabled = true;
    this.message("");
    $("pm-edit-conflict").hidden = true;
    return kit.send("GET", cfg.project).then(function (res) {
      $("pm-edit-start").disabled = false;
      if (!res.ok) {
        self.fail(res);
        return;
      }
      self.etag = res.headers.get("ETag");
      self.loaded = res.data;
      self.fill(res.data.properties);
      self.hideDrawn();
      self.makeEditable(res.data.geometry, res.data.properties);
      var point = res.data.geometry.type === "Point" || res.data.geometry.type === "MultiPoint";
      $("pm-edit-hint").textContent = point ? msg.edit_point_hint : msg.edit_shape_hint;
      $("pm-edit-redraw").hidden = point;
      $("pm-edit-start").hidden = true;
      form.hidden = false;
      doc.documentElement.setAttribute("data-pm-editing", "1");
    });
  };

  Editor.prototype.fill = function (props) {
    FIELDS.forEach(function (name) {
      $("pm-edit-" + name).value = props[name] === null || props[name] === undefined ? "" : String(props[name]);
    });
    $("pm-edit-status").value = props.status;
    $("pm-edit-status_note").value = "";
    $("pm-edit-note").value = "";
  };

  /** The read-only drawing of the project leaves the map while its editable copy is there. */
  Editor.prototype.hideDrawn = function () {
    if (this.entry) {
      this.pm.cluster.removeLayer(this.entry.marker);
      if (this.entry.shape) {
        this.pm.shapes.removeLayer(this.entry.shape);
      }
    }
  };

  Editor.prototype.makeEditable = function (geometry, props) {
    var pm = this.pm;
    this.geometryType = geometry.type;
    this.moved = false;
    this.layer = pm
      .geoJSON(
        { type: "Feature", geometry: geometry, properties: {} },
        {
          pointToLayer: function (f, latlng) {
            return L.marker(latlng, {
              icon: L.divIcon({
                className: "pm-icon pm-edit-marker",
                html: pm.iconNode(props),
                iconSize: [26, 26],
                iconAnchor: [13, 13],
              }),
              keyboard: true,
            });
          },
          style: function () {
            var style = pm.shapeStyle(props);
            style.className += " pm-edit-shape";
            style.dashArray = null;
            return style;
          },
        }
      )
      .addTo(pm.map);
    this.enable(this.layer);
  };

  Editor.prototype.enable = function (group) {
    var self = this;
    function markMoved() {
      self.moved = true;
      doc.documentElement.setAttribute("data-pm-edit-moved", "1");
    }
    this.leaves(group).forEach(function (layer) {
      layer.pm.enable({ allowSelfIntersection: false, draggable: true, snappable: false });
      layer.on("pm:edit pm:dragend dragend", markMoved);
    });
  };

  /** The drawable layers inside a (possibly nested) group: markers, lines, polygons. */
  Editor.prototype.leaves = function (layer) {
    var self = this;
    if (layer.eachLayer && !(layer instanceof L.Path)) {
      var out = [];
      layer.eachLayer(function (child) {
        out.push.apply(out, self.leaves(child));
      });
      return out;
    }
    return [layer];
  };

  Editor.prototype.redraw = function () {
    var self = this;
    var map = this.pm.map;
    if (this.layer) {
      map.removeLayer(this.layer);
    }
    var shape = /Polygon/.test(this.geometryType) ? "Polygon" : "Line";
    this.message(msg.edit_redraw_hint);
    map.pm.enableDraw(shape, { snappable: false, finishOn: null });
    map.once("pm:create", function (event) {
      self.layer = L.featureGroup([event.layer]).addTo(map);
      self.geometryType = shape === "Polygon" ? "Polygon" : "LineString";
      self.enable(self.layer);
      self.moved = true;
      self.message("");
    });
  };

  /** The edited geometry in WGS-84 (undoing the GCJ-02 shift of AMap tiles), 7 decimals. */
  Editor.prototype.geometry = function () {
    var pm = this.pm;
    function toWgs(c) {
      var wgs = pm.toWgs(L.latLng(c[1], c[0]));
      return [round7(wgs[0]), round7(wgs[1])];
    }
    var parts = this.leaves(this.layer).map(function (layer) {
      var g = layer.toGeoJSON(false).geometry;
      return { type: g.type, coordinates: mapCoords(g.coordinates, toWgs) };
    });
    if (this.geometryType === "MultiPoint") {
      return {
        type: "MultiPoint",
        coordinates: parts.map(function (p) {
          return p.coordinates;
        }),
      };
    }
    return parts[0];
  };

  Editor.prototype.save = function () {
    var self = this;
    var props = this.loaded.properties;
    var changed = {};
    FIELDS.forEach(function (name) {
      var value = $("pm-edit-" + name).value;
      if (value !== (props[name] === null || props[name] === undefined ? "" : String(props[name]))) {
        changed[name] = value;
      }
    });
    var geometry = this.moved ? this.geometry() : null;
    var status = $("pm-edit-status").value;
    var note = $("pm-edit-note").value.trim() || null;
    var patch = Object.keys(changed).length > 0 || geometry !== null;
    if (!patch && status === props.status) {
      this.message(msg.edit_nothing);
      return Promise.resolve();
    }
    this.busy(true);
    this.message(msg.edit_saving);
    var chain = Promise.resolve({ ok: true });
    if (patch) {
      chain = chain.then(function () {
        var body = { properties: changed, note: note };
        if (geometry) {
          body.geometry = geometry;
        }
        return kit.send("PATCH", cfg.project, body, { "If-Match": self.etag }).then(function (res) {
          return self.step(res);
        });
      });
    }
    if (status !== props.status) {
      chain = chain.then(function (previous) {
        if (!previous.ok) {
          return previous;
        }
        var body = {
          status: status,
          date: $("pm-edit-status_date").value,
          note: $("pm-edit-status_note").value.trim() || note,
        };
        return kit.send("POST", cfg.project + "/status", body, { "If-Match": self.etag }).then(function (res) {
          return self.step(res);
        });
      });
    }
    return chain.then(
      function (result) {
        self.busy(false);
        if (result.ok) {
          root.location.assign(pageUrl({ saved: String(self.version || "") }));
        }
      },
      function (err) {
        self.busy(false);
        self.message(msg.edit_failed + err.message, "error");
      }
    );
  };

  /** One write's answer: go on (with the new ETag), or stop and say why. */
  Editor.prototype.step = function (res) {
    if (res.status === 412) {
      this.conflict(res.data);
      return { ok: false };
    }
    if (res.status === 202) {
      this.message(msg.edit_proposed, "ok");
      return { ok: false };
    }
    if (!res.ok) {
      this.fail(res);
      return { ok: false };
    }
    this.etag = res.headers.get("ETag") || this.etag;
    if (res.data && res.data.properties) {
      this.version = res.data.properties.version;
    }
    return { ok: true };
  };

  Editor.prototype.fail = function (res) {
    if (res.status === 401) {
      this.message(msg.edit_login_again, "error");
    } else if (res.status === 403 && /CSRF/.test(kit.errorText(res.data))) {
      this.message(msg.csrf_failed, "error");
    } else {
      this.message(msg.edit_failed + kit.errorText(res.data), "error");
    }
  };

  Editor.prototype.conflict = function (data) {
    var detail = (data && data.detail) || {};
    this.message("");
    $("pm-edit-conflict-message").textContent = kit.format(msg.edit_conflict, { version: detail.current_version });
    var list = $("pm-edit-conflict-changes");
    kit.clear(list);
    (detail.changes_since || []).forEach(function (row) {
      var fields = Object.keys(row.changes || {}).map(function (name) {
        var change = row.changes[name];
        var label = msg["field_" + name] || name;
        if (name === "geometry") {
          return label + ": " + msg.location_changed;
        }
        if (change && typeof change === "object" && "new" in change) {
          return label + ": " + show(change.old) + " → " + show(change.new);
        }
        return label + ": " + show(change);
      });
      list.appendChild(
        kit.el("li", { "data-version": row.version }, [
          kit.el("strong", { className: "pm-conflict-who", text: row.actor }),
          " · ",
          kit.el("time", { datetime: row.at, text: String(row.at || "").slice(0, 16).replace("T", " ") + " UTC" }),
          " · ",
          kit.el("span", { text: msg["action_" + row.action] || row.action }),
          row.note ? kit.el("q", { text: row.note }) : null,
          fields.length
            ? kit.el(
                "ul",
                null,
                fields.map(function (text) {
                  return kit.el("li", { text: text });
                })
              )
            : null,
        ])
      );
    });
    $("pm-edit-conflict").hidden = false;
    doc.documentElement.setAttribute("data-pm-edit-conflict", "1");
  };

  Editor.prototype.busy = function (on) {
    $("pm-edit-save").disabled = on;
    $("pm-edit-cancel").disabled = on;
  };

  Editor.prototype.stop = function () {
    var map = this.pm.map;
    map.pm.disableDraw();
    if (this.layer) {
      map.removeLayer(this.layer);
      this.layer = null;
    }
    this.pm.refresh();
    form.hidden = true;
    $("pm-edit-start").hidden = false;
    $("pm-edit-conflict").hidden = true;
    this.message("");
    doc.documentElement.removeAttribute("data-pm-editing");
  };

  doc.addEventListener("planmap:project", function (event) {
    var editor = new Editor(event.detail.pm, event.detail.entry);
    root.planmap.editor = editor;
    var params = new URLSearchParams(root.location.search);
    var saved = params.get("saved");
    var ready = Promise.resolve();
    if (saved !== null) {
      var notice = $("pm-edit-notice") || kit.el("p", { id: "pm-edit-notice", className: "pm-edit-ok", role: "status" });
      notice.textContent = kit.format(msg.edit_saved, { version: saved });
      $("pm-edit-start").insertAdjacentElement("afterend", notice);
      root.history.replaceState(null, "", pageUrl({}));
    } else if (params.get("edit") === "1") {
      root.history.replaceState(null, "", pageUrl({}));
      ready = editor.start();
    }
    ready.then(function () {
      doc.documentElement.setAttribute("data-pm-editor-ready", "1");
    });
  });
})(window);
