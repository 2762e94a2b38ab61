/*
 * Where a project was before it moved: every earlier geometry from its change history, drawn
 * faintly (grey, dashed) under the current one, with a checkbox on the map to hide them.
 *
 * The history comes from the public API (`/api/projects/{slug}/history`); a project marked
 * sensitive never has its earlier geometries drawn. Sets `data-pm-history-ready` on <html>
 * to the number of earlier locations drawn once done (the tests wait for it).
 */
(function (root) {
  "use strict";

  var L = root.L;
  var kit = root.pmkit;
  var doc = root.document;
  var cfg = kit.config("pm-extras-config");
  if (!cfg) {
    return;
  }
  var msg = cfg.messages;

  function done(n) {
    doc.documentElement.setAttribute("data-pm-history-ready", String(n));
  }

  /** Earlier geometries, oldest first, each with the last version it was the record of. */
  function earlierGeometries(rows) {
    var out = [];
    rows.forEach(function (row) {
      var change = row.changes && row.changes.geometry;
      if (row.action !== "create" && change && change.old && change.old.type) {
        out.push({ geometry: change.old, until: (row.version || 1) - 1 });
      }
    });
    return out;
  }

  function draw(pm, items) {
    var group = L.featureGroup();
    items.forEach(function (item) {
      var label = kit.format(msg.earlier_location, { version: item.until });
      var layer = pm.geoJSON(
        { type: "Feature", geometry: item.geometry, properties: {} },
        {
          style: function () {
            return { color: "#4d4d4d", weight: 3, opacity: 0.45, dashArray: "4 6", fillOpacity: 0.06, className: "pm-earlier" };
          },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, {
              radius: 8,
              color: "#4d4d4d",
              weight: 2,
              opacity: 0.6,
              dashArray: "3 3",
              fillColor: "#9a9a9a",
              fillOpacity: 0.3,
              className: "pm-earlier",
            });
          },
        }
      );
      layer.bindTooltip(kit.el("span", { text: label }));
      group.addLayer(layer);
    });
    group.addTo(pm.map);
    group.bringToBack();

    var Toggle = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var input = kit.el("input", { type: "checkbox", id: "pm-earlier-toggle" });
        input.checked = true;
        input.addEventListener("change", function () {
          if (input.checked) {
            group.addTo(pm.map);
            group.bringToBack();
          } else {
            pm.map.removeLayer(group);
          }
        });
        var box = kit.el("div", { className: "pm-earlier-control leaflet-control leaflet-bar" }, [
          kit.el("label", null, [input, " ", kit.el("span", { text: kit.format(msg.earlier_locations, { n: items.length }) })]),
        ]);
        L.DomEvent.disableClickPropagation(box);
        return box;
      },
    });
    new Toggle().addTo(pm.map);
  }

  doc.addEventListener("planmap:project", function (event) {
    var pm = event.detail.pm;
    var feature = event.detail.feature;
    if (feature.properties && feature.properties.sensitive) {
      done(0);
      return;
    }
    readHistory(pm);
  });

  /**
   * The earlier locations, read from the history. A failed read is said on the map, readably and with
   * "try again", rather than leaving the reader to think the project never moved.
   */
  function readHistory(pm) {
    var words = kit.stateWords();
    pm.setStatus(words.state_loading);
    kit
      .send("GET", cfg.history)
      .then(
        function (res) {
          if (!res.ok) {
            return failed(res);
          }
          pm.setStatus("");
          var items = Array.isArray(res.data) ? earlierGeometries(res.data) : [];
          if (items.length) {
            draw(pm, items);
          }
          done(items.length);
        },
        function () {
          failed(null);
        }
      );
    function failed(res) {
      pm.setStatus((cfg.messages.earlier_locations || "") + ": " + kit.format(words.state_error, { error: kit.failureText(res, words) }), true);
      var again = kit.el("button", { type: "button", className: "pm-state-retry", id: "pm-history-retry", text: words.state_retry });
      again.addEventListener("click", function () {
        readHistory(pm);
      });
      pm.statusEl.appendChild(doc.createTextNode(" "));
      pm.statusEl.appendChild(again);
      doc.documentElement.setAttribute("data-pm-history-error", "1");
    }
  }
})(window);
