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
  var FIELDS = ["name_zh", "name_en", "location_precision", "location_note", "location_note_zh"];
  // Fields that may be empty: emptied, they are sent as null (the Chinese note is optional until written).
  var OPTIONAL = { location_note_zh: true };

  /** A text field's value as the API takes it: an emptied optional field is null. */
  function fieldValue(name) {
    var value = $("pm-edit-" + name).value;
    return OPTIONAL[name] && !value.trim() ? null : value;
  }
  // Planned versus actual (PATCH properties). The page renders only the inputs this user may set
  // (planners: all; a town's officials: the actual ones), and only those are read and sent.
  var TRACKING = [
    "planned_start",
    "planned_end",
    "planned_investment_cny_100m",
    "actual_start",
    "actual_end",
    "actual_spend_cny_100m",
    "sensitive",
  ];

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

  /** The planned/actual inputs on this page, as [name, input] pairs. */
  function trackingInputs() {
    return TRACKING.map(function (name) {
      return [name, $("pm-edit-" + name)];
    }).filter(function (pair) {
      return !!pair[1];
    });
  }

  /** An input's value as the API takes it: a date string, a number, true/false, or null when empty. */
  function trackingValue(input) {
    var kind = input.getAttribute("data-tracking");
    if (kind === "flag") {
      return input.checked;
    }
    var raw = input.value.trim();
    if (raw === "") {
      return null;
    }
    return kind === "number" ? Number(raw) : raw;
  }

  function sameValue(a, b) {
    var emptyA = a === null || a === undefined || a === "";
    var emptyB = b === null || b === undefined || b === "";
    if (emptyA || emptyB) {
      return emptyA === emptyB || (a === false && emptyB) || (b === false && emptyA);
    }
    if (typeof a === "number" || typeof b === "number") {
      return Number(a) === Number(b);
    }
    return String(a) === String(b);
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

  /** An ISO moment as YYYY-MM-DD HH:MM on Lianzhou's clock (UTC+8), as the history shows it. */
  function beijing(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) {
      return String(iso || "");
    }
    return new Date(d.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " ");
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
    $("pm-edit-rebase").addEventListener("click", function () {
      self.rebase();
    });
    $("pm-edit-rebase-apply").addEventListener("click", function () {
      self.applyRebase();
    });
    $("pm-edit-reload").addEventListener("click", function () {
      root.location.assign(pageUrl({ edit: "1" }));
    });
    $("pm-edit-status").addEventListener("change", function () {
      self.statusChanged();
    });
    $("pm-edit-merged_into").addEventListener("input", function () {
      self.suggest();
      self.clearRefusal("merged_into");
    });
    $("pm-edit-reason").addEventListener("input", function () {
      self.clearRefusal("reason");
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

  /**
   * Read the project afresh (its properties and ETag) and open the form on it. The read shows its
   * loading and error states (with "try again") in the editor's section, as every read does (kit.load).
   */
  Editor.prototype.start = function () {
    var self = this;
    $("pm-edit-start").disabled = true;
    this.message("");
    $("pm-edit-conflict").hidden = true;
    return kit
      .load(
        $("pm-editor"),
        function () {
          return kit.send("GET", cfg.project);
        },
        { before: form, render: this.open.bind(this) }
      )
      .then(function () {
        $("pm-edit-start").disabled = false;
      });
  };

  /** The read project in the form, its drawing made editable. */
  Editor.prototype.open = function (data, res) {
    this.etag = res.headers.get("ETag");
    this.loaded = data;
    this.fill(data.properties);
    this.hideDrawn();
    this.makeEditable(data.geometry, data.properties);
    var point = data.geometry.type === "Point" || data.geometry.type === "MultiPoint";
    $("pm-edit-hint").textContent = point ? msg.edit_point_hint : msg.edit_shape_hint;
    $("pm-edit-redraw").hidden = point;
    $("pm-edit-start").hidden = true;
    $("pm-edit-start").disabled = false;
    form.hidden = false;
    doc.documentElement.setAttribute("data-pm-editing", "1");
  };

  Editor.prototype.fill = function (props) {
    FIELDS.forEach(function (name) {
      $("pm-edit-" + name).value = props[name] === null || props[name] === undefined ? "" : String(props[name]);
    });
    $("pm-edit-status").value = props.status;
    $("pm-edit-status_note").value = "";
    $("pm-edit-note").value = "";
    $("pm-edit-reason").value = "";
    $("pm-edit-merged_into").value = "";
    trackingInputs().forEach(function (pair) {
      var value = props[pair[0]];
      if (pair[1].getAttribute("data-tracking") === "flag") {
        pair[1].checked = !!value;
      } else {
        pair[1].value = value === null || value === undefined ? "" : String(value);
      }
    });
    this.statusChanged();
  };

  /** A new status of postponed, cancelled or merged asks for a reason; merged also for the project it went into. */
  Editor.prototype.statusChanged = function () {
    var select = $("pm-edit-status");
    var option = select.selectedOptions[0];
    var current = this.loaded ? this.loaded.properties.status : select.value;
    var needsReason = !!option && option.hasAttribute("data-needs-reason") && select.value !== current;
    $("pm-edit-reason-field").hidden = !needsReason;
    $("pm-edit-reason").required = needsReason;
    var merged = needsReason && select.value === "merged";
    $("pm-edit-merged-field").hidden = !merged;
    $("pm-edit-merged_into").required = merged;
  };

  /** Suggestions for "merged into": projects whose names match what is typed (the slug is the value sent). */
  Editor.prototype.suggest = function () {
    var input = $("pm-edit-merged_into");
    var list = $("pm-edit-merged-options");
    var query = input.value.trim().slice(0, 100);
    var english = doc.documentElement.lang === "en";
    root.clearTimeout(this.suggestTimer);
    if (!query) {
      return;
    }
    this.suggestTimer = root.setTimeout(function () {
      var url = "/api/projects?" + new URLSearchParams({ q: query, limit: "20" }).toString();
      kit.send("GET", url).then(function (res) {
        if (!res.ok || input.value.trim().slice(0, 100) !== query) {
          return; // a newer keystroke has its own request
        }
        kit.clear(list);
        (res.data.features || []).forEach(function (f) {
          var p = f.properties;
          if (p.slug !== cfg.slug) {
            list.appendChild(kit.el("option", { value: p.slug, label: english ? p.name_en : p.name_zh }));
          }
        });
        doc.documentElement.setAttribute("data-pm-merged-options", String(list.children.length));
      });
    }, 250);
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
      // While the official drags, not only when the server refuses the save (issue 18, item 4).
      layer.on("drag pm:drag pm:markerdrag pm:edit pm:dragend dragend", function () {
        self.checkTowns();
      });
    });
  };

  /** The town (slug) whose area holds a WGS-84 point, or null outside every town. */
  Editor.prototype.townAt = function (lon, lat) {
    var found = null;
    function inRing(ring) {
      var inside = false;
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
        if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) {
          inside = !inside;
        }
      }
      return inside;
    }
    function inPolygon(rings) {
      return inRing(rings[0]) && !rings.slice(1).some(inRing);
    }
    (this.pm.towns ? this.pm.towns.getLayers() : []).forEach(function (layer) {
      var g = layer.feature && layer.feature.geometry;
      if (!g || found) {
        return;
      }
      var polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
      if (polygons.some(inPolygon)) {
        found = layer.feature.properties.slug;
      }
    });
    return found;
  };

  /** Say, as the place moves, when any of its points leaves the official's towns (or the county). */
  Editor.prototype.checkTowns = function () {
    var mine = cfg.myTowns;
    var pm = this.pm;
    var self = this;
    var box = $("pm-edit-place-warning");
    if (!mine || !this.layer || !box) {
      return;
    }
    var points = [];
    this.leaves(this.layer).forEach(function (layer) {
      if (layer.getLatLng) {
        points.push(layer.getLatLng());
      } else if (layer.getLatLngs) {
        points.push.apply(points, L.LineUtil.isFlat(layer.getLatLngs()) ? layer.getLatLngs() : layer.getLatLngs().flat(3));
      }
    });
    var outside = {};
    var beyond = false;
    points.forEach(function (ll) {
      var wgs = pm.toWgs(ll);
      var town = self.townAt(wgs[0], wgs[1]);
      if (town === null) {
        beyond = true;
      } else if (mine.indexOf(town) < 0) {
        outside[town] = true;
      }
    });
    var towns = Object.keys(outside);
    var name = function (slug) {
      return pm.townNames[slug] || slug;
    };
    var sep = msg.list_separator || ", ";
    var text = towns.length
      ? kit.format(msg.edit_outside_towns, { towns: towns.map(name).join(sep), mine: mine.map(name).join(sep) })
      : beyond
        ? msg.edit_outside_county
        : "";
    box.textContent = text;
    box.hidden = !text;
    doc.documentElement.setAttribute("data-pm-edit-outside", towns.join(","));
    pm.map.getContainer().classList.toggle("pm-edit-outside", !!text);
    pm.setStatus(text, !!text); // on the map itself, where the official is looking while dragging
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
        changed[name] = fieldValue(name);
      }
    });
    var badNumber = null;
    trackingInputs().forEach(function (pair) {
      if (pair[1].validity && pair[1].validity.badInput) {
        badNumber = pair[1];
        return;
      }
      var value = trackingValue(pair[1]);
      if (!sameValue(value, props[pair[0]])) {
        changed[pair[0]] = value;
      }
    });
    if (badNumber) {
      this.message(msg.edit_failed + (badNumber.labels[0] ? badNumber.labels[0].textContent.trim() : badNumber.id), "error");
      badNumber.focus();
      return Promise.resolve();
    }
    var geometry = this.moved ? this.geometry() : null;
    var status = $("pm-edit-status").value;
    var note = $("pm-edit-note").value.trim() || null;
    var patch = Object.keys(changed).length > 0 || geometry !== null;
    if (!patch && status === props.status) {
      this.message(msg.edit_nothing);
      return Promise.resolve();
    }
    var reason = $("pm-edit-reason").value.trim();
    var mergedInto = $("pm-edit-merged_into").value.trim();
    if (status !== props.status && !this.statusComplete(status, reason, mergedInto)) {
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
        if (reason && !$("pm-edit-reason-field").hidden) {
          body.reason = reason;
        }
        if (status === "merged") {
          body.merged_into = mergedInto;
        }
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

  /** Refuse (before sending anything) a postponement, cancellation or merger without its reason or target. */
  Editor.prototype.statusComplete = function (status, reason, mergedInto) {
    var option = $("pm-edit-status").selectedOptions[0];
    var refuse = null;
    if (option && option.hasAttribute("data-needs-reason") && !reason) {
      refuse = ["reason", kit.format(msg.edit_reason_needed, { status: option.textContent })];
    } else if (status === "merged" && !mergedInto) {
      refuse = ["merged_into", msg.edit_merged_needed];
    }
    if (!refuse) {
      return true;
    }
    this.message(refuse[1], "error");
    $("pm-edit-" + refuse[0]).focus();
    doc.documentElement.setAttribute("data-pm-edit-refused", refuse[0]);
    return false;
  };

  /** Once the missing reason or target is being typed, the message asking for it goes. */
  Editor.prototype.clearRefusal = function (field) {
    if (doc.documentElement.getAttribute("data-pm-edit-refused") === field) {
      doc.documentElement.removeAttribute("data-pm-edit-refused");
      this.message("");
    }
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
      var pm = this.pm;
      // In the page's language: towns by name, fields by label (the server's English only as a last resort).
      var text = kit.refusalText(res, msg, function (key, value) {
        if (key === "fields") {
          return msg["field_" + value] || value;
        }
        return (pm && pm.townNames[value]) || value;
      });
      this.message(msg.edit_failed + text, "error");
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
          kit.el("strong", { className: "pm-conflict-who", text: row.actor_name || row.actor, title: row.actor }),
          " · ",
          kit.el("time", { datetime: row.at, text: beijing(row.at) + " " + msg.beijing_time }),
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

  // ------------------------------------------------------------ redoing my changes on the new version

  /** What this editor changed, field by field, against the version they started from. */
  Editor.prototype.myChanges = function () {
    var base = this.loaded.properties;
    var mine = {};
    FIELDS.forEach(function (name) {
      var value = $("pm-edit-" + name).value;
      if (value !== (base[name] === null || base[name] === undefined ? "" : String(base[name]))) {
        mine[name] = fieldValue(name);
      }
    });
    trackingInputs().forEach(function (pair) {
      var value = trackingValue(pair[1]);
      if (!sameValue(value, base[pair[0]])) {
        mine[pair[0]] = value;
      }
    });
    if ($("pm-edit-status").value !== base.status) {
      mine.status = $("pm-edit-status").value;
    }
    return mine;
  };

  /**
   * After a conflict: keep everything this editor did (fields, status, reason, the dragged place), fetch
   * the version someone else saved, and list this editor's changes to redo on it, each ticked, with
   * what the other person set meanwhile beside any field both changed (issue 18, item 8).
   */
  Editor.prototype.rebase = function () {
    var self = this;
    var mine = this.myChanges();
    var geometry = this.moved ? this.geometry() : null;
    return kit.load(
      $("pm-edit-conflict"),
      function () {
        return kit.send("GET", cfg.project);
      },
      {
        before: $("pm-edit-rebase-choices"),
        render: function (data, res) {
          self.showRebase(mine, geometry, data, res);
        },
      }
    );
  };

  /** This editor's changes listed against the version just read, each ticked, to redo on it. */
  Editor.prototype.showRebase = function (mine, geometry, fresh, res) {
    var self = this;
    var base = this.loaded.properties;
    var theirs = fresh.properties;
    self.pending = { mine: mine, geometry: geometry, fresh: fresh, etag: res.headers.get("ETag") };
    var list = $("pm-edit-rebase-list");
    kit.clear(list);
    var row = function (key, label, yours, changedTo) {
      var box = kit.el("input", { type: "checkbox", "data-field": key });
      box.checked = true;
      return kit.el("li", { "data-field": key }, [
        kit.el("label", null, [
          box,
          kit.el("strong", { text: label }),
          " ",
          kit.el("span", { className: "pm-rebase-mine", text: kit.format(msg.edit_rebase_mine, { value: yours }) }),
        ]),
        changedTo === null ? null : kit.el("span", { className: "pm-rebase-theirs", text: kit.format(msg.edit_rebase_theirs, { value: changedTo }) }),
      ]);
    };
    var shown = function (v, key) {
      if (v === null || v === undefined || v === "") {
        return msg.edit_rebase_empty;
      }
      var option = key === "status" ? $("pm-edit-status").querySelector('option[value="' + CSS.escape(v) + '"]') : null;
      return option ? option.textContent : show(v); // a status by its name, not its code
    };
    if (geometry) {
      var moved = JSON.stringify(fresh.geometry) !== JSON.stringify(self.loaded.geometry);
      list.appendChild(row("geometry", msg.field_geometry || "geometry", msg.edit_rebase_geometry, moved ? msg.location_changed : null));
    }
    Object.keys(mine).forEach(function (key) {
      var changed = !sameValue(theirs[key], base[key]);
      list.appendChild(row(key, msg["field_" + key] || key, shown(mine[key], key), changed ? shown(theirs[key], key) : null));
    });
    $("pm-edit-rebase-choices").hidden = false;
    doc.documentElement.setAttribute("data-pm-edit-rebase", "choose");
  };

  /** Put the new version in the form, then this editor's ticked changes on top of it; saving is theirs to do. */
  Editor.prototype.applyRebase = function () {
    var pending = this.pending;
    if (!pending) {
      return;
    }
    var keep = {};
    $("pm-edit-rebase-list").querySelectorAll("input[data-field]").forEach(function (box) {
      keep[box.getAttribute("data-field")] = box.checked;
    });
    var fresh = pending.fresh;
    var note = $("pm-edit-note").value;
    var statusNote = $("pm-edit-status_note").value;
    var reason = $("pm-edit-reason").value;
    var mergedInto = $("pm-edit-merged_into").value;
    this.loaded = fresh;
    this.etag = pending.etag;
    this.version = fresh.properties.version;
    this.fill(fresh.properties); // the new version everywhere…
    var mine = pending.mine;
    Object.keys(mine).forEach(function (key) {
      if (!keep[key]) {
        return;
      }
      var input = $("pm-edit-" + key);
      if (!input) {
        return;
      }
      if (input.type === "checkbox") {
        input.checked = !!mine[key];
      } else {
        input.value = mine[key] === null || mine[key] === undefined ? "" : String(mine[key]);
      }
    });
    // …and what this editor wrote for the record stays as they wrote it.
    $("pm-edit-note").value = note;
    $("pm-edit-status_note").value = statusNote;
    $("pm-edit-reason").value = reason;
    $("pm-edit-merged_into").value = mergedInto;
    this.statusChanged();
    if (pending.geometry && !keep.geometry) {
      this.pm.map.removeLayer(this.layer);
      this.makeEditable(fresh.geometry, fresh.properties);
    }
    this.pending = null;
    $("pm-edit-rebase-choices").hidden = true;
    $("pm-edit-conflict").hidden = true;
    doc.documentElement.removeAttribute("data-pm-edit-conflict");
    doc.documentElement.setAttribute("data-pm-edit-rebase", "applied");
    this.message(kit.format(msg.edit_rebase_done, { version: fresh.properties.version }), "ok");
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
