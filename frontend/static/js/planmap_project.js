/*
 * planmap project: the project page's map, showing the one project.
 *
 * A project known only to its town is shown as the whole town (the page's bounds are the town's and
 * the town is highlighted), never as a pin that would look like the site. When it is drawn the page's
 * other scripts (earlier locations in project_history.js, the editor in editor.js) get a
 * `planmap:project` event with the map, the drawn entry and the feature.
 *
 * Mode registered here: project.
 */
(function (root) {
  "use strict";

  root.planmap.registerMode("project", function (pm) {
    var base = pm.loadBase({ towns: { focus: pm.cfg.focus && pm.cfg.focus.town } });
    return base.then(function () {
      return pm.fetchProject(pm.cfg.focus.project).then(function (f) {
        pm.clearProjects();
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
})(window);
