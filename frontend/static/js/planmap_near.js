/*
 * planmap near: the near-me page's map. Choose a town seat, click the map or use the device's
 * position; the map draws the chosen radius and the projects within it, and lists them nearest first.
 *
 * The place and radius go into the page URL (`?near=lon,lat` or `?town=slug`, and `radius_m`), so a
 * link or a reload shows the same search. A click on AMap's tiles (GCJ-02) is shifted back to WGS-84
 * before it is sent. The page's feedback form listens for `planmap:near` to offer the listed projects.
 *
 * Mode registered here: near (needs planmap_layers.js for its layer control).
 */
(function (root) {
  "use strict";

  var L = root.L;
  var el = root.pmkit.el;
  var planmap = root.planmap;

  /**
   * `based`: resolves once the county and towns are drawn and fitted. The controls listen from the start,
   * so a town chosen while the base still loads is not lost; its search waits for the base (which would
   * otherwise refit the map over the search's circle).
   */
  function Near(pm, based) {
    this.pm = pm;
    this.based = based;
    this.searches = 0;
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
        self.searchWhenBased(parseFloat(opt.getAttribute("data-lon")), parseFloat(opt.getAttribute("data-lat")), opt.value);
      }
    });
    this.radiusSelect.addEventListener("change", function () {
      if (self.place) {
        self.searchWhenBased(self.place[0], self.place[1], self.place[2]);
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
      self.searchWhenBased(wgs[0], wgs[1], null);
    });
  }

  Near.prototype.searchWhenBased = function (lon, lat, town) {
    var self = this;
    return this.based.then(function () {
      return self.search(lon, lat, town);
    });
  };

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
        self.searchWhenBased(pos.coords.longitude, pos.coords.latitude, null);
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
    var searchNo = ++this.searches; // only the latest search's answer is drawn (an earlier one may arrive later)
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
        if (searchNo !== self.searches) {
          return;
        }
        var ordered = self.render(features);
        // For the feedback form: which projects are listed (in the list's order), around which place.
        document.dispatchEvent(new CustomEvent("planmap:near", { detail: { pm: pm, features: ordered, place: self.place } }));
        document.documentElement.setAttribute("data-pm-near-ready", "1");
      },
      function (err) {
        if (searchNo !== self.searches) {
          return;
        }
        self.summary.textContent = pm.msg.load_failed + ": " + pm.failureText(err);
        pm.fail(err);
      }
    );
  };

  /**
   * The list, in two groups that say what their distances mean: projects whose location is known
   * (surveyed, or approximate and marked so: "≈"), nearest first; then the projects known only by their
   * town, whose distance is to the town's seat and says so. Never one numbered list: a number would
   * rank a town seat's distance against a site's, and "10." is clipped on a phone.
   */
  Near.prototype.render = function (features) {
    var pm = this.pm;
    var msg = pm.msg;
    var list = this.list;
    root.pmkit.clear(list);
    var known = features.filter(function (f) {
      return f.properties.location_precision !== "town";
    });
    var townOnly = features.filter(function (f) {
      return f.properties.location_precision === "town";
    });
    var byDistance = function (a, b) {
      return a.properties.distance_m - b.properties.distance_m;
    };
    known.sort(byDistance);
    townOnly.sort(byDistance);
    this.summary.textContent = features.length
      ? msg.near_count_split
          .replace("{n}", String(features.length))
          .replace("{precise}", String(known.length))
          .replace("{town}", String(townOnly.length))
      : msg.no_results;
    var self = this;
    [
      ["known", msg.near_precise_heading, known],
      ["town", msg.near_town_heading, townOnly],
    ].forEach(function (group) {
      if (!group[2].length) {
        return;
      }
      list.appendChild(
        el("li", { className: "pm-near-group", "data-group": group[0] }, [
          el("h3", { className: "pm-near-group-title", text: group[1] }),
          el(
            "ul",
            { className: "pm-near-items" },
            group[2].map(function (f) {
              return self.item(f.properties);
            })
          ),
        ])
      );
    });
    return known.concat(townOnly);
  };

  Near.prototype.item = function (p) {
    var pm = this.pm;
    var msg = pm.msg;
    var st = pm.status(p.status);
    var distance = planmap.formatDistance(p.distance_m, msg);
    var meaning;
    if (p.location_precision === "town") {
      var town = (p.towns || [])[0];
      meaning = msg.near_to_seat.replace("{town}", pm.townNames[town] || town || "");
    } else {
      distance = (p.location_precision === "approximate" ? "≈ " : "") + distance;
      meaning = msg.near_to_project + (p.location_precision === "approximate" ? msg.near_approx_suffix : "");
    }
    return el("li", { "data-slug": p.slug, "data-distance": p.distance_m, "data-status": p.status, "data-precision": p.location_precision }, [
      el("a", { href: pm.pageUrl("project", p.slug), text: pm.name(p) }),
      " ",
      el("span", { className: "pm-near-meta" }, [
        el("span", { className: "pm-swatch", style: { background: st.color } }),
        st.label,
        " · ",
        el("span", { className: "pm-near-distance", text: distance }),
        " ",
        el("span", { className: "pm-near-means", text: meaning }),
      ]),
    ]);
  };

  planmap.registerMode("near", function (pm) {
    var based = pm.loadBase().then(function () {
      pm.fitCounty();
    });
    pm.layers = new planmap.LayerControl(pm);
    pm.near = new Near(pm, based);
    return based.then(function () {
      return pm.near.restore();
    });
  });
})(window);
