/*
 * The dashboard's "change between two dates": the record at the end of two days side by side,
 * from `GET /api/stats/compare?from=…&to=…`. It shows, per town, how many projects of each status
 * were gained or lost, and lists the projects whose status changed, each linked to its page.
 *
 * The dates open on the end of last year and today (or the page's `as_of`); the server chose them. The
 * comparison is first made when the section scrolls into view, then again on "compare".
 * A date the API refuses (in the future, `from` after `to`) comes back as a 422 whose reason is shown.
 * Everything from the server is put in the page with textContent (kit.el), never as HTML.
 * Sets `data-pm-compare-ready` on <html> when a comparison is drawn (the tests wait for it).
 */
(function (root) {
  "use strict";

  var kit = root.pmkit;
  var doc = root.document;
  var cfg = kit.config("pm-dashboard-config");
  var form = doc.getElementById("pm-compare-form");
  if (!cfg || !form) {
    return;
  }
  var msg = cfg.messages;
  var statusByCode = {};
  cfg.statuses.forEach(function (s) {
    statusByCode[s.code] = s;
  });

  function $(id) {
    return doc.getElementById(id);
  }

  function signed(n) {
    if (!n) {
      return "";
    }
    return (n > 0 ? "+" : "−") + Math.abs(n);
  }

  function statusBadge(code) {
    if (!code) {
      return kit.el("span", { className: "pm-muted", text: msg.compare_absent });
    }
    var s = statusByCode[code] || { label: code, color: "#444" };
    return kit.el("span", { className: "pm-compare-status", "data-status": code }, [
      kit.el("span", { className: "pm-swatch", style: "background: " + s.color }),
      s.label,
    ]);
  }

  function projectUrl(slug) {
    return cfg.projectPage + encodeURIComponent(slug) + (cfg.lang === "en" ? "?lang=en" : "");
  }

  /** The by-town table: only the towns and statuses that changed get a row and a column. */
  function drawTowns(rows) {
    var table = $("pm-compare-towns");
    var head = table.querySelector("thead");
    var body = table.querySelector("tbody");
    kit.clear(head);
    kit.clear(body);
    var changed = cfg.statuses.filter(function (s) {
      return rows.some(function (r) {
        return (r.counts || {})[s.code];
      });
    });
    head.appendChild(
      kit.el(
        "tr",
        null,
        [kit.el("th", { scope: "col", text: msg.town })]
          .concat(
            changed.map(function (s) {
              return kit.el("th", { scope: "col", className: "pm-num", "data-status": s.code }, [
                kit.el("span", { className: "pm-swatch", style: "background: " + s.color }),
                s.label,
              ]);
            })
          )
          .concat([kit.el("th", { scope: "col", className: "pm-num", text: msg.compare_started })])
      )
    );
    var moved = rows.filter(function (r) {
      return r.started || Object.keys(r.counts || {}).some(function (code) {
        return (r.counts || {})[code];
      });
    });
    if (!moved.length) {
      body.appendChild(kit.el("tr", null, [kit.el("td", { colspan: changed.length + 2, className: "pm-muted", text: msg.compare_no_town_change })]));
      return;
    }
    moved
      .sort(function (a, b) {
        return (cfg.towns[a.town] || a.town).localeCompare(cfg.towns[b.town] || b.town, cfg.lang === "en" ? "en" : "zh-CN");
      })
      .forEach(function (r) {
        var cells = changed.map(function (s) {
          var n = (r.counts || {})[s.code] || 0;
          return kit.el("td", { className: "pm-num " + (n > 0 ? "pm-up" : n < 0 ? "pm-down" : ""), "data-status": s.code, text: signed(n) });
        });
        var started = r.started || 0;
        body.appendChild(
          kit.el(
            "tr",
            { "data-town": r.town },
            [kit.el("th", { scope: "row", text: cfg.towns[r.town] || r.town })]
              .concat(cells)
              .concat([kit.el("td", { className: "pm-num " + (started > 0 ? "pm-up" : started < 0 ? "pm-down" : ""), "data-started": started, text: signed(started) })])
          )
        );
      });
  }

  function drawChanges(changes) {
    var list = $("pm-compare-changes");
    kit.clear(list);
    $("pm-compare-changes-title").textContent = kit.format(msg.compare_changes, { n: changes.length });
    if (!changes.length) {
      list.appendChild(kit.el("li", { className: "pm-muted", text: msg.compare_no_changes }));
      return;
    }
    changes.forEach(function (c) {
      var name = cfg.lang === "en" ? c.name_en || c.name_zh : c.name_zh || c.name_en;
      list.appendChild(
        kit.el("li", { "data-slug": c.slug, "data-before": c.status_before || "", "data-after": c.status_after || "" }, [
          kit.el("a", { href: projectUrl(c.slug), text: name }),
          ": ",
          statusBadge(c.status_before),
          " → ",
          statusBadge(c.status_after),
        ])
      );
    });
  }

  /**
   * Compare the two dates. The read shows its loading, error (with "try again") states in the section,
   * as every read of the pages does (kit.load); a comparison with no change says so in its table and list.
   */
  function compare() {
    var from = $("pm-compare-from").value;
    var to = $("pm-compare-to").value;
    var go = $("pm-compare-go");
    var section = $("pm-compare");
    doc.documentElement.removeAttribute("data-pm-compare-ready");
    go.disabled = true;
    var params = new URLSearchParams({ from: from, to: to });
    if (cfg.plan) {
      params.set("plan", cfg.plan);
    }
    var url = cfg.api + "?" + params.toString();
    return kit
      .load(
        section,
        function () {
          return kit.send("GET", url);
        },
        {
          before: $("pm-compare-result"),
          loading: msg.compare_loading,
          render: function (data) {
            drawTowns(data.by_town_change || []);
            drawChanges(data.status_changes || []);
            $("pm-compare-result").hidden = false;
            doc.documentElement.setAttribute("data-pm-compare-ready", from + "/" + to);
          },
        }
      )
      .then(function () {
        go.disabled = false;
        if (section.getAttribute("data-pm-state") === "error") {
          $("pm-compare-result").hidden = true; // not the figures of the dates asked before
          doc.documentElement.setAttribute("data-pm-compare-ready", "error");
        }
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    compare();
  });
  // The comparison reads the whole programme twice: run it once the section comes into view, not for every
  // visit to the dashboard (and not while the reader is still looking at the map above it).
  if ("IntersectionObserver" in root) {
    var observer = new root.IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        observer.disconnect();
        compare();
      }
    });
    observer.observe(form);
  } else {
    compare();
  }
})(window);
