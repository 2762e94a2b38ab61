/*
 * planmap cycle: the implementation cycle on the overview and town maps (issue 17).
 *
 * Reads /api/progress/projects once (each project's latest progress in force and the month it dates
 * from, its latest approved photo, whether the report of the last month due is missing or late, and
 * whether it is behind the year's target) and adds to the map:
 *   - popup rows and a thumbnail (`popupParts`), every value set as text, the image by its API URL;
 *   - two filters, "no report" and "behind the year's target" (`enabled`), switched by the checkboxes
 *     of the list's form (#pm-cycle-filters) and kept in the page URL as `no_report=1` and `behind=1`
 *     — the same names /api/projects takes, so a shared link and an API call mean the same;
 *   - a note saying which month, which deadline and which day the flags are judged on.
 * A project outside this year's programme has no target: it is never "behind", and the popup says why.
 * On a page showing a past day (`as_of`) every request carries it: the API then counts only the reports
 * filed (and approved) by the end of that day, so the map shows the cycle as it stood.
 *
 * A large catalog's map (`projectsFrom: "tiles"`, planmap_tiles.js) never holds every project: the page's
 * config carries the note's dates (`cfg.header`, the API's own calendar), the checkboxes become the tile
 * URL's `no_report`/`behind` (the server filters, as /api/projects does), and a popup asks
 * /api/progress/projects?project=… for the one project clicked (`ensure`).
 */
(function (root) {
  "use strict";

  var el = root.pmkit.el;
  var doc = root.document;

  function Cycle(pm) {
    this.pm = pm;
    this.cfg = pm.cfg.cycle;
    this.words = this.cfg.words;
    this.bySlug = {};
    this.data = null;
    this.tiles = pm.cfg.projectsFrom === "tiles";
    var params = new URLSearchParams(root.location.search);
    this.noReport = params.get("no_report") === "1";
    this.behind = params.get("behind") === "1";
  }

  Cycle.prototype.format = function (key, values) {
    return root.pmkit.format(this.words[key], values || {});
  };

  /** The API's URL with the page's day (`as_of`) and, for one project's popup on a tile map, its slug. */
  Cycle.prototype.apiUrl = function (slug) {
    var q = new URLSearchParams();
    if (this.pm.cfg.asOf) {
      q.set("as_of", this.pm.cfg.asOf);
    }
    if (slug) {
      q.set("project", slug);
    }
    var query = q.toString();
    return this.cfg.api + (query ? "?" + query : "");
  };

  Cycle.prototype.load = function () {
    var self = this;
    if (this.tiles) {
      // Nothing to fetch up front: the note's dates come with the page, the projects one click at a time.
      this.data = this.cfg.header;
      this.bindForm();
      return Promise.resolve();
    }
    return root.planmap.fetchJSON(this.apiUrl()).then(
      function (data) {
        self.data = data;
        data.projects.forEach(function (p) {
          self.bySlug[p.slug] = p;
        });
        self.bindForm();
      },
      function (err) {
        // The map still works without the cycle; the note says what is missing, and no filter pretends to apply.
        self.data = null;
        self.noReport = self.behind = false;
        self.bindForm(err);
      }
    );
  };

  /** The list form's checkboxes drive the filters; the note says what they are judged against. */
  Cycle.prototype.bindForm = function (err) {
    var self = this;
    var box = doc.getElementById("pm-cycle-filters");
    if (!box) {
      return;
    }
    var note = doc.getElementById("pm-cycle-note");
    [["pm-f-no-report", "noReport"], ["pm-f-behind", "behind"]].forEach(function (pair) {
      var input = doc.getElementById(pair[0]);
      input.checked = self[pair[1]];
      input.disabled = !self.data;
      input.addEventListener("change", function () {
        self[pair[1]] = input.checked;
        self.pm.refresh();
        if (self.tiles) {
          self.pm.writeUrlState(); // the GeoJSON map's refresh does this itself
        }
      });
    });
    if (!this.data) {
      note.textContent = this.format("load_failed", { error: err ? err.message : "" });
      return;
    }
    var d = this.data;
    var parts = [this.format("note_report", { month: d.report_month, due: d.report_due_on })];
    parts.push(
      d.through_month
        ? this.format("note_behind", { year: d.year, through: d.through_month, share: percent(d.year_share_through) })
        : this.format("note_behind_none", { year: d.year })
    );
    parts.push(this.format("note_as_of", { date: d.as_of }));
    note.textContent = parts.join(" ");
    box.setAttribute("data-report-month", d.report_month);
  };

  function percent(share) {
    return share === null || share === undefined ? "—" : (Number(share) * 100).toFixed(1) + "%";
  }

  function pct(value) {
    return String(Number(value)) + "%";
  }

  /** Shown by the cycle's filters: every filter switched on must hold. */
  Cycle.prototype.enabled = function (props) {
    var p = this.bySlug[props.slug];
    if (this.noReport && !(p && (p.report === "missing" || p.report === "late"))) {
      return false;
    }
    if (this.behind && !(p && p.behind_target === true)) {
      return false;
    }
    return true;
  };

  /** On a tile map the server filters: the tile URL carries the filters switched on, named as /api/projects names them. */
  Cycle.prototype.tileQuery = function (q) {
    if (this.noReport) {
      q.set("no_report", "true");
    }
    if (this.behind) {
      q.set("behind", "true");
    }
  };

  /**
   * On a tile map, the clicked project's cycle, fetched once (a failure leaves the popup without it).
   * Resolves when `popupParts` can say something about it.
   */
  Cycle.prototype.ensure = function (slug) {
    var self = this;
    if (!this.tiles || !this.data || Object.prototype.hasOwnProperty.call(this.bySlug, slug)) {
      return Promise.resolve();
    }
    return root.planmap.fetchJSON(this.apiUrl(slug)).then(
      function (body) {
        (body.projects || []).forEach(function (p) {
          self.bySlug[p.slug] = p;
        });
      },
      function (err) {
        root.console.warn("planmap: " + err.message);
      }
    );
  };

  /** `no_report=1` and `behind=1` in the page URL while on. */
  Cycle.prototype.writeUrl = function (url) {
    [["no_report", this.noReport], ["behind", this.behind]].forEach(function (pair) {
      if (pair[1]) {
        url.searchParams.set(pair[0], "1");
      } else {
        url.searchParams.delete(pair[0]);
      }
    });
  };

  Cycle.prototype.progressText = function (p) {
    if (p && p.latest_month) {
      return this.format("progress_value", { pct: pct(p.latest_progress_pct), month: p.latest_month });
    }
    return p && p.in_programme ? this.words.progress_none : null;
  };

  Cycle.prototype.targetText = function (p) {
    var d = this.data;
    if (!p || !p.in_programme) {
      return this.format("target_not_in_programme", { year: d.year });
    }
    if (p.behind_target === null) {
      return d.through_month ? this.words.target_unknown : this.format("note_behind_none", { year: d.year });
    }
    var values = { done: percent(p.rate_through), time: percent(d.year_share_through) };
    return this.format(p.behind_target ? "target_behind" : "target_on_track", values);
  };

  /** Rows for the project's popup and its latest approved photo (null when it has none). */
  Cycle.prototype.popupParts = function (props) {
    if (!this.data || (this.tiles && !Object.prototype.hasOwnProperty.call(this.bySlug, props.slug))) {
      return { rows: [], photo: null }; // a tile map's project not fetched yet: nothing rather than a guess
    }
    var p = this.bySlug[props.slug];
    var rows = [];
    var progress = this.progressText(p);
    if (progress) {
      rows.push([this.words.progress, [el("span", { className: "pm-popup-progress", text: progress })]]);
    }
    if (p && p.report) {
      var label = this.format("report_label", { month: this.data.report_month });
      rows.push([label, [el("span", { className: "pm-popup-report", "data-report": p.report, text: this.words["report_" + p.report] })]]);
    }
    rows.push([this.words.target, [el("span", { className: "pm-popup-target", "data-behind": p ? String(p.behind_target) : "none", text: this.targetText(p) })]]);
    var photo = null;
    if (p && p.photo) {
      var caption = p.photo.month + (p.photo.caption ? " · " + p.photo.caption : "");
      photo = el("figure", { className: "pm-popup-photo" }, [
        el("a", { href: this.pm.pageUrl("project", props.slug) + "#pm-progress" }, [
          el("img", { src: p.photo.thumbnail, alt: this.format("photo_alt", { caption: caption }), width: "160", loading: "lazy" }),
        ]),
        el("figcaption", { text: caption }),
      ]);
    }
    return { rows: rows, photo: photo };
  };

  /** The list row's progress and flags. */
  Cycle.prototype.listPart = function (props) {
    var p = this.data ? this.bySlug[props.slug] : null;
    if (!p) {
      return null;
    }
    var bits = [];
    var progress = this.progressText(p);
    if (progress) {
      bits.push(el("span", { className: "pm-list-progress", text: progress }));
    }
    if (p.report === "missing" || p.report === "late") {
      bits.push(el("span", { className: "pm-list-flag", "data-flag": "no_report", text: this.format("flag_" + p.report, { month: this.data.report_month }) }));
    }
    if (p.behind_target === true) {
      bits.push(el("span", { className: "pm-list-flag", "data-flag": "behind", text: this.words.flag_behind }));
    }
    return bits.length ? el("span", { className: "pm-list-cycle" }, bits) : null;
  };

  root.planmap.Cycle = Cycle;
})(window);
