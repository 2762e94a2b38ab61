/*
 * The public feedback form: on a project page (about that project, optionally with a place
 * clicked on the map) and on the near-me page (about one of the listed projects, the nearest
 * by default, with the place the reader chose).
 *
 * Nothing is shown from the server but our own messages and the project names, which go in
 * with textContent. A sent message is pending until staff approve it.
 */
(function (root) {
  "use strict";

  var L = root.L;
  var kit = root.pmkit;
  var doc = root.document;
  var cfg = kit.config("pm-feedback-config");
  var form = doc.getElementById("pm-feedback-form");
  if (!cfg || !form) {
    return;
  }
  var msg = cfg.messages;
  var near = form.getAttribute("data-mode") === "near";
  var point = null; // [lon, lat] in WGS-84
  var pointLayer = null;
  var pm = null;

  function $(id) {
    return doc.getElementById(id);
  }

  function say(text, kind) {
    var box = $("pm-feedback-message");
    box.textContent = text || "";
    box.className = kind ? "pm-edit-" + kind : "";
  }

  function showPlace() {
    $("pm-feedback-place").textContent = point
      ? kit.format(msg.feedback_point_set, { lon: point[0].toFixed(5), lat: point[1].toFixed(5) })
      : "";
  }

  function setPoint(lonlat) {
    point = lonlat;
    if (pointLayer) {
      pm.map.removeLayer(pointLayer);
      pointLayer = null;
    }
    if (point && !near) {
      pointLayer = L.circleMarker(pm.latLng(point[0], point[1]), {
        radius: 7,
        color: "#fff",
        weight: 2,
        fillColor: "#c2185b",
        fillOpacity: 1,
        interactive: false,
        className: "pm-feedback-point",
      }).addTo(pm.map);
    }
    if (!near) {
      $("pm-feedback-clear").hidden = !point;
    }
    showPlace();
  }

  // ------------------------------------------------------------ project page: click a place

  if (!near) {
    doc.addEventListener("planmap:project", function (event) {
      pm = event.detail.pm;
    });
    $("pm-feedback-pick").addEventListener("click", function () {
      pm = pm || (root.planmap && root.planmap.current);
      if (pm) {
        startPicking();
      }
    });
    $("pm-feedback-clear").addEventListener("click", function () {
      setPoint(null);
    });
  }

  /**
   * Picking the place, made for a phone (issue 18, item 6): the map comes into view with the hint on
   * the map itself, a crosshair at its centre and a "use crosshair" button (pan the map under it), and
   * a tap anywhere, on a project's line or area too, picks that place instead of opening a popup.
   */
  var picking = null;

  function stopPicking() {
    if (!picking) {
      return;
    }
    pm.map.off("click", picking.onPick);
    pm.shapes.off("click", picking.onPick);
    pm.cluster.off("click", picking.onPick);
    pm.map.getContainer().classList.remove("pm-picking");
    picking.bar.parentNode.removeChild(picking.bar);
    picking.cross.parentNode.removeChild(picking.cross);
    pm.setStatus("");
    picking = null;
  }

  function startPicking() {
    stopPicking();
    var container = pm.map.getContainer();
    container.scrollIntoView({ block: "center" });
    container.classList.add("pm-picking");
    pm.setStatus(msg.pick_crosshair);
    var onPick = function (e) {
      if (!e.latlng) {
        return;
      }
      L.DomEvent.stop(e);
      var at = pm.toWgs(e.latlng);
      stopPicking();
      // The tap was a pick, not a request for the project's popup (which a marker or line opens on its own).
      var noPopup = function () {
        pm.map.closePopup();
      };
      pm.map.closePopup();
      pm.map.on("popupopen", noPopup);
      root.setTimeout(function () {
        pm.map.off("popupopen", noPopup);
      }, 600);
      say("");
      setPoint(at);
    };
    var use = kit.el("button", { type: "button", id: "pm-feedback-use-centre", text: msg.use_crosshair });
    var cancel = kit.el("button", { type: "button", id: "pm-feedback-pick-cancel", text: msg.pick_cancel });
    use.addEventListener("click", function () {
      var at = pm.toWgs(pm.map.getCenter());
      stopPicking();
      setPoint(at);
      form.scrollIntoView({ block: "nearest" });
    });
    cancel.addEventListener("click", stopPicking);
    var bar = kit.el("div", { className: "pm-pick-bar" }, [use, cancel]);
    var cross = kit.el("div", { className: "pm-crosshair", "aria-hidden": "true" });
    L.DomEvent.disableClickPropagation(bar);
    container.appendChild(cross);
    container.appendChild(bar);
    picking = { onPick: onPick, bar: bar, cross: cross };
    // Before the popups' own handlers: a tap on a line or an area picks its place.
    pm.map.on("click", onPick);
    pm.shapes.on("click", onPick);
    pm.cluster.on("click", onPick);
    use.focus();
  }

  // ------------------------------------------------------------ near page: the listed projects

  if (near) {
    doc.addEventListener("planmap:near", function (event) {
      pm = event.detail.pm;
      var select = $("pm-feedback-project");
      var attach = $("pm-feedback-attach");
      var place = event.detail.place || [];
      kit.clear(select);
      var features = event.detail.features || [];
      features.forEach(function (f) {
        // A town-only project's distance is to its town's seat: the label says so (issue 18, item 3).
        var townOnly = f.properties.location_precision === "town" ? " (" + pm.msg.town_only + ")" : "";
        var label = pm.name(f.properties) + " · " + root.planmap.formatDistance(f.properties.distance_m, pm.msg) + townOnly;
        select.appendChild(kit.el("option", { value: f.properties.slug, text: label }));
      });
      if (!features.length) {
        select.appendChild(kit.el("option", { value: "", text: msg.feedback_near_none }));
      }
      select.disabled = !features.length;
      select.selectedIndex = 0;
      // A town picked from the list is not a place anyone saw something: only a clicked or located point is attached.
      var chosen = place.length >= 2 && !place[2];
      point = chosen ? [place[0], place[1]] : null;
      attach.disabled = !chosen;
      attach.checked = chosen;
      showPlace();
    });
  }

  // ------------------------------------------------------------ sending

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("pm-feedback-text").value.trim();
    var slug = near ? $("pm-feedback-project").value : cfg.slug;
    if (!slug) {
      say(msg.feedback_near_none, "error");
      return;
    }
    if (!text) {
      $("pm-feedback-text").focus();
      return;
    }
    var withPoint = point && (!near || $("pm-feedback-attach").checked);
    var body = {
      text: text,
      contact: $("pm-feedback-contact").value.trim() || null,
      point: withPoint ? { type: "Point", coordinates: [point[0], point[1]] } : null,
    };
    $("pm-feedback-send").disabled = true;
    say(msg.feedback_sending);
    kit
      .send("POST", cfg.api + encodeURIComponent(slug) + "/feedback", body)
      .then(function (res) {
        $("pm-feedback-send").disabled = false;
        if (res.status === 201) {
          say(msg.feedback_sent, "ok");
          $("pm-feedback-text").value = "";
          $("pm-feedback-contact").value = "";
          if (!near) {
            setPoint(null);
          }
          doc.documentElement.setAttribute("data-pm-feedback-sent", String(res.data.id));
        } else if (res.status === 429) {
          var seconds = parseInt(res.headers.get("Retry-After") || "3600", 10);
          say(kit.format(msg.feedback_too_many, { minutes: Math.max(1, Math.ceil(seconds / 60)) }), "error");
        } else {
          // In the page's words when the server broke or could not be reached; what was typed stays.
          say(msg.feedback_failed + kit.submitFailureText(res), "error");
        }
      });
  });
})(window);
