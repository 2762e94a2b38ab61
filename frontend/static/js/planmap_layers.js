/*
 * planmap layers: the layer control (which is also the map's legend) and the modes that browse the
 * catalog through it.
 *
 * The control switches statuses, warnings and categories on and off, shows beside each how many
 * projects of the page's set it holds, switches the colouring between status and red/amber/green,
 * and hides or shows the county, the towns and their labels. With vector tiles (planmap_tiles.js)
 * the counts come from the server's facets instead of the features in hand.
 *
 * Modes registered here: overview (the whole county) and town (one town's projects). The near-me
 * mode (planmap_near.js) uses the control too, so that page loads this file as well.
 */
(function (root) {
  "use strict";

  var L = root.L;
  var el = root.pmkit.el;
  var planmap = root.planmap;

  /** The control on `pm`'s map; the mode keeps it as `pm.layers`, so core's refresh updates its counts. */
  function LayerControl(pm) {
    this.pm = pm;
    this.box = null;
    var self = this;
    var Control = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        return self.build();
      },
    });
    this.control = new Control().addTo(pm.map);
    this.updateCounts();
  }

  LayerControl.prototype.build = function () {
    var pm = this.pm;
    var cfg = pm.cfg;
    var msg = pm.msg;
    var box = el("div", { className: "pm-layers leaflet-control leaflet-bar", id: "pm-layers" });
    var details = el("details", { className: "pm-layers-root" });
    details.open = root.innerWidth > 700 && cfg.mode !== "near";
    details.appendChild(el("summary", { text: msg.layers }));
    var monitoring = !!cfg.warnings && (cfg.mode === "overview" || cfg.mode === "town");
    if (monitoring) {
      details.appendChild(this.colourSwitch());
    }
    details.appendChild(this.section("status", msg.statuses, cfg.statuses, pm.enabledStatuses));
    if (monitoring) {
      details.appendChild(this.section("warning", msg.warnings, cfg.warnings, pm.enabledWarnings));
    }
    details.appendChild(this.section("category", msg.categories, cfg.categories, pm.enabledCategories));
    details.appendChild(this.baseSection());
    box.appendChild(details);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    this.box = box;
    box.setAttribute("data-colour-by", pm.colorBy);
    return box;
  };

  LayerControl.prototype.section = function (kind, title, items, enabled) {
    var pm = this.pm;
    var list = el("ul", { className: "pm-layer-list" });
    (items || []).forEach(function (item) {
      var input = el("input", { type: "checkbox", "data-kind": kind, "data-code": item.code });
      input.checked = enabled[item.code] !== false;
      input.addEventListener("change", function () {
        enabled[item.code] = input.checked;
        pm.refresh();
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
    var all = el("button", { type: "button", className: "pm-all", text: pm.msg.all });
    var none = el("button", { type: "button", className: "pm-none", text: pm.msg.none });
    function setAll(value) {
      Object.keys(enabled).forEach(function (code) {
        enabled[code] = value;
      });
      list.querySelectorAll("input").forEach(function (input) {
        input.checked = value;
      });
      pm.refresh();
    }
    all.addEventListener("click", function () {
      setAll(true);
    });
    none.addEventListener("click", function () {
      setAll(false);
    });
    var extra = kind === "status" ? el("p", { className: "pm-legend-note" }, [el("span", { className: "pm-pin pm-prec-town pm-legend-pin" }), pm.msg.legend_town_marker]) : null;
    if (kind === "warning") {
      extra = this.ragLegend();
    }
    var open = kind === "status" ? pm.colorBy === "status" : kind === "warning" && pm.colorBy === "warnings";
    return el("details", { className: "pm-layer-section", "data-kind": kind, open: open ? "open" : null }, [
      el("summary", { text: title }),
      el("div", { className: "pm-layer-buttons" }, [all, none]),
      list,
      extra,
    ]);
  };

  LayerControl.prototype.baseSection = function () {
    var pm = this.pm;
    var items = [
      ["county", pm.msg.county, function () {
        return pm.county;
      }],
      ["towns", pm.msg.town_areas, function () {
        return pm.towns;
      }],
      ["labels", pm.msg.town_labels, function () {
        return pm.townLabels;
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
          layer.addTo(pm.map);
        } else {
          pm.map.removeLayer(layer);
        }
      });
      list.appendChild(el("li", null, [el("label", null, [input, el("span", { className: "pm-layer-label", text: item[1] })])]));
    });
    return el("details", { className: "pm-layer-section", "data-kind": "base" }, [el("summary", { text: pm.msg.base_layers }), list]);
  };

  /** Counts beside each status, warning and category: how many projects of the current set it holds. */
  LayerControl.prototype.updateCounts = function () {
    var pm = this.pm;
    if (!this.box) {
      return;
    }
    var byKind = { status: {}, category: {}, warning: {} };
    if (pm.tiles) {
      var facets = pm.tiles.facets || {};
      byKind = { status: facets.status || {}, category: facets.category || {}, warning: facets.warning || {} };
    }
    (pm.tiles ? [] : pm.entries).forEach(function (e) {
      byKind.status[e.props.status] = (byKind.status[e.props.status] || 0) + 1;
      byKind.category[e.props.category] = (byKind.category[e.props.category] || 0) + 1;
      var warnings = (e.props.warnings || []).length ? e.props.warnings : ["none"];
      warnings.forEach(function (w) {
        byKind.warning[w] = (byKind.warning[w] || 0) + 1;
      });
    });
    this.box.querySelectorAll("li[data-kind]").forEach(function (li) {
      var counts = byKind[li.getAttribute("data-kind")] || {};
      var n = counts[li.getAttribute("data-code")] || 0;
      li.querySelector(".pm-layer-count").textContent = String(n);
      li.classList.toggle("pm-empty", n === 0);
    });
  };

  // ---------------------------------------------------------------- colour by status or by warnings

  /** The "colour by" switch at the top of the layer control. */
  LayerControl.prototype.colourSwitch = function () {
    var self = this;
    var pm = this.pm;
    var options = [
      ["status", pm.msg.colour_by_status],
      ["warnings", pm.msg.colour_by_warnings],
    ];
    var legend = el("legend", { text: pm.msg.colour_by });
    return el(
      "fieldset",
      { className: "pm-colour-by", id: "pm-colour-by" },
      [legend].concat(
        options.map(function (option) {
          var input = el("input", { type: "radio", name: "pm-colour-by", value: option[0], "data-kind": "colour" });
          input.checked = pm.colorBy === option[0];
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
  LayerControl.prototype.ragLegend = function () {
    var colors = this.pm.cfg.ragColors || {};
    var msg = this.pm.msg;
    return el(
      "ul",
      { className: "pm-legend-note pm-rag-legend" },
      ["red", "amber", "green"].map(function (rag) {
        return el("li", { "data-rag": rag }, [el("span", { className: "pm-swatch", style: { background: colors[rag] } }), msg["rag_" + rag + "_means"]]);
      })
    );
  };

  /** Colour by `mode` ("status" or "warnings"), kept in the URL (`?colour=warnings`) so a link reopens it. */
  LayerControl.prototype.setColorBy = function (mode) {
    var pm = this.pm;
    pm.colorBy = mode;
    var url = new URL(root.location.href);
    if (mode === "warnings") {
      url.searchParams.set("colour", "warnings");
    } else {
      url.searchParams.delete("colour");
    }
    root.history.replaceState(null, "", url.pathname + url.search);
    if (this.box) {
      this.box.setAttribute("data-colour-by", mode);
      var warningSection = this.box.querySelector("details[data-kind='warning']");
      if (warningSection && mode === "warnings") {
        warningSection.open = true;
      }
    }
    pm.redraw();
  };

  planmap.LayerControl = LayerControl;

  // ---------------------------------------------------------------- modes

  planmap.registerMode("overview", function (pm) {
    var base = Promise.all([pm.loadBase({ towns: { interactive: true } }), pm.loadCycle()]);
    pm.layers = new LayerControl(pm);
    return base.then(function () {
      pm.fitCounty();
      return pm.showProjects();
    });
  });

  planmap.registerMode("town", function (pm) {
    var town = pm.cfg.focus && pm.cfg.focus.town;
    var base = Promise.all([pm.loadBase({ towns: { focus: town } }), pm.loadCycle()]);
    pm.layers = new LayerControl(pm);
    return base.then(function () {
      return pm.showProjects({ town: town });
    });
  });
})(window);
