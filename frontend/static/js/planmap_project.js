/*
 * planmap project: the project page's map, showing the one project.
 *
 * A project known only to its town is shown as the whole town (the page's bounds are the town's and
 * the town is highlighted), never as a pin that would look like the site. An estimated location whose
 * note states an error gets that error drawn under it (`cfg.uncertainty`: the ground within the stated
 * distance, buffered by the server; dashed when the note gives only a minimum), and the page opens on it.
 * When it is drawn the page's other scripts (earlier locations in project_history.js, the editor in
 * editor.js) get a `planmap:project` event with the map, the drawn entry and the feature.
 *
 * Mode registered here: project.
 */
(function (root) {
  "use strict";

  /** The stated error as a light blue area under the project: solid edge for "up to", dashed for "at least". */
  function drawUncertainty(pm) {
    var u = pm.cfg.uncertainty;
    if (!u) {
      return null;
    }
    pm.map.createPane("pm-uncertainty").style.zIndex = 350;
    var layer = pm.geoJSON({ type: "Feature", geometry: u.geometry, properties: {} }, {
      pane: "pm-uncertainty",
      interactive: false,
      style: function () {
        return {
          color: "#1c5d99",
          weight: 2,
          opacity: 0.9,
          dashArray: u.atLeast ? "6 6" : null,
          fillColor: "#6baed6",
          fillOpacity: 0.22,
          className: "pm-uncertainty " + (u.atLeast ? "pm-uncertainty-at-least" : "pm-uncertainty-up-to"),
        };
      },
    }).addTo(pm.map);
    pm.uncertainty = layer;
    return layer;
  }

  root.planmap.registerMode("project", function (pm) {
    var base = pm.loadBase({ towns: { focus: pm.cfg.focus && pm.cfg.focus.town } });
    return base.then(function () {
      return pm.fetchProject(pm.cfg.focus.project).then(function (f) {
        pm.clearProjects();
        drawUncertainty(pm);
        var entry = pm.addFeature(f);
        pm.refresh();
        if (entry && entry.props.location_precision === "town") {
          // Only the town is known: show the whole town, not a pin that looks exact.
          var town = pm.towns.getLayers().filter(function (l) {
            return l.feature.properties.slug === (entry.props.towns || [])[0];
          })[0];
          if (town) {
            pm.map.fitBounds(town.getBounds(), { padding: [20, 20], animate: false });
          }
        }
        // For the page's other scripts (earlier locations, the editor): the project is drawn.
        pm.project = { entry: entry, feature: f };
        root.document.dispatchEvent(new CustomEvent("planmap:project", { detail: { pm: pm, entry: entry, feature: f } }));
      });
    });
  });
  root.planmap.drawUncertainty = drawUncertainty;
})(window);
