/*
 * planmap choropleth: the dashboard's map, its towns coloured by the share of their projects started
 * (or, with plan monitoring, the share rated red), with a legend that switches between the two.
 *
 * The shares come in the page config (`cfg.choropleth`, `cfg.choroplethRed`), computed by the server
 * for the same day as the dashboard's tables, so the map and the tables always agree. A town without
 * projects has no share: it is drawn grey and says "no data" rather than 0 %.
 *
 * Mode registered here: dashboard. The comparison between two dates below the map is dashboard.js.
 */
(function (root) {
  "use strict";

  var L = root.L;
  var el = root.pmkit.el;

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

  var NO_DATA = "#d9d9d9";

  function shareColor(share, classes) {
    if (share === null || share === undefined) {
      return NO_DATA;
    }
    for (var i = 0; i < classes.length; i++) {
      if (share < classes[i][0]) {
        return classes[i][1];
      }
    }
    return classes[classes.length - 1][1];
  }

  function Choropleth(pm) {
    this.pm = pm;
    this.kind = "started"; // or "red"
  }

  /** What the towns are coloured by: the share started (default) or the share rated red. */
  Choropleth.prototype.data = function () {
    var red = this.kind === "red";
    return {
      values: (red ? this.pm.cfg.choroplethRed : this.pm.cfg.choropleth) || {},
      classes: red ? RED_CLASSES : SHARE_CLASSES,
      title: red ? this.pm.msg.share_red : this.pm.msg.choropleth_legend,
    };
  };

  Choropleth.prototype.style = function () {
    var self = this;
    return function (f) {
      var data = self.data();
      return {
        color: "#555",
        weight: 1.2,
        fillColor: shareColor(data.values[f.properties.slug], data.classes),
        fillOpacity: 0.85,
        className: "pm-town pm-choropleth pm-town-" + f.properties.slug,
      };
    };
  };

  Choropleth.prototype.popup = function () {
    var pm = this.pm;
    var shares = pm.cfg.choropleth || {};
    var red = pm.cfg.choroplethRed || {};
    function percent(share) {
      return share === null || share === undefined ? pm.msg.no_data : Math.round(share * 100) + "%";
    }
    return function (props) {
      return el("div", { className: "pm-popup" }, [
        el("h3", { className: "pm-popup-title", text: pm.name(props) }),
        el("p", { text: pm.msg.started_share + ": " + percent(shares[props.slug]) }),
        red[props.slug] !== undefined ? el("p", { text: pm.msg.share_red + ": " + percent(red[props.slug]) }) : null,
        el("a", { className: "pm-popup-link", href: pm.pageUrl("town", props.slug), text: pm.msg.details + " →" }),
      ]);
    };
  };

  Choropleth.prototype.addLegend = function () {
    var self = this;
    var pm = this.pm;
    var msg = pm.msg;
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("div", { className: "pm-legend leaflet-control", id: "pm-choropleth-legend" });
        var title = el("strong");
        var list = el("ul");
        function fill() {
          var data = self.data();
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
          list.appendChild(el("li", null, [el("span", { className: "pm-swatch", style: { background: NO_DATA } }), msg.no_data]));
        }
        if (pm.cfg.choroplethRed) {
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
                  input.checked = self.kind === choice[0];
                  input.addEventListener("change", function () {
                    if (input.checked) {
                      self.kind = choice[0];
                      pm.towns.setStyle(self.style());
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
    new Legend().addTo(pm.map);
  };

  root.planmap.registerMode("dashboard", function (pm) {
    var choropleth = new Choropleth(pm);
    pm.choropleth = choropleth;
    var base = pm.loadBase({
      countyFill: "#f4f1ea",
      towns: { interactive: true, style: choropleth.style(), popup: choropleth.popup() },
    });
    choropleth.addLegend();
    return base.then(function () {
      pm.fitCounty();
    });
  });
})(window);
