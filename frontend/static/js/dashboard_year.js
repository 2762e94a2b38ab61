/*
 * The year's dashboard: the annual programme summed by town, lead unit, category and class, each
 * table drawn from /api/progress/summary (the same figures any API client gets), with the day they
 * date from. Every value goes in as text. On a phone each row becomes a small card (site.css,
 * .pm-year-grid): the cells carry their column's name, so nothing is wider than the screen.
 */
(function (root) {
  "use strict";

  var kit = root.pmkit;
  var el = kit.el;
  var doc = root.document;
  var cfg = kit.config("pm-year-config");
  if (!cfg) {
    return;
  }
  var w = cfg.words;
  var en = cfg.lang === "en";
  var COLUMNS = ["projects", "planned", "done", "rate", "reports", "missing", "late", "behind"];

  function money(value) {
    return Number(value).toLocaleString(en ? "en" : "zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function rate(done, planned) {
    return Number(planned) > 0 ? ((Number(done) / Number(planned)) * 100).toFixed(1) + "%" : "—";
  }

  function cells(g) {
    return {
      projects: String(g.projects),
      planned: money(g.planned_investment_cny_10k),
      done: money(g.year_to_date_cny_10k),
      rate: rate(g.year_to_date_cny_10k, g.planned_investment_cny_10k),
      reports: g.reports_filed + " / " + g.reports_due,
      missing: String(g.missing_reports),
      late: String(g.late_reports),
      behind: String(g.behind_target),
    };
  }

  function name(g, by) {
    if (g.key === "(no town)") {
      return w.no_town;
    }
    if (g.key === "(no lead unit)") {
      return w.no_lead;
    }
    return (en ? g.label_en : g.label_zh) || g.key;
  }

  function row(label, values, header) {
    var first = el(header ? "th" : "th", { scope: "row", "data-label": w.col_name, text: label });
    return el("tr", null, [first].concat(COLUMNS.map(function (c) {
      return el("td", { className: "pm-num", "data-col": c, "data-label": w["col_" + c], text: values[c] });
    })));
  }

  function table(body) {
    var head = el("tr", null, [el("th", { scope: "col", text: w.col_name })].concat(COLUMNS.map(function (c) {
      return el("th", { scope: "col", text: w["col_" + c] });
    })));
    var rows = body.groups.map(function (g) {
      var tr = row(name(g, body.by), cells(g));
      tr.setAttribute("data-key", g.key);
      return tr;
    });
    var total = row(w.total, cells(body.total));
    total.className = "pm-year-total";
    var notPlanned = body.total.not_planned ? el("p", { className: "pm-note", text: kit.format(w.not_planned, { n: body.total.not_planned }) }) : null;
    return [el("table", { className: "pm-table pm-year-grid" }, [el("thead", null, [head]), el("tbody", null, rows), el("tfoot", null, [total])]), notPlanned];
  }

  function load(by) {
    var url = cfg.api + "?by=" + encodeURIComponent(by) + "&year=" + encodeURIComponent(cfg.year);
    return kit.send("GET", url).then(function (res) {
      var box = doc.querySelector("#pm-year-" + by + " .pm-year-table");
      kit.clear(box);
      if (!res.ok) {
        box.appendChild(el("p", { className: "pm-warning", text: kit.format(w.failed, { error: kit.errorText(res.data) }) }));
        return null;
      }
      table(res.data).forEach(function (node) {
        if (node) {
          box.appendChild(node);
        }
      });
      return res.data;
    });
  }

  Promise.all(cfg.groupings.map(load)).then(function (answers) {
    var first = answers.filter(Boolean)[0];
    var dates = doc.getElementById("pm-year-dates");
    if (first) {
      dates.textContent = first.through_month
        ? kit.format(w.dates, { as_of: first.as_of, through: first.through_month, day: first.deadline_day })
        : kit.format(w.dates_none, { as_of: first.as_of, year: first.year });
    } else {
      dates.textContent = "";
    }
    doc.documentElement.setAttribute("data-pm-ready", "1");
  });
})(window);
