/*
 * planmap list: the projects of a map page as a list beside the map (overview and town pages).
 *
 * Most of the plan's projects are known only by their town and sit on its seat, where a map can only
 * stack them; the list is how a reader finds them by name. It shows exactly what the map shows: the
 * layer control's switches and the search box filter both (core's `isEnabled`), and every change of
 * either redraws the list (`planmap:refresh`). Sorting, the search and the selected project are kept
 * in the page URL by the core (`sort`, `q`, `project`), so a view can be shared as a link.
 *
 * Each row: the name (a link to the project's page), status, category, how precisely its location is
 * known, its warnings and the day of its last update (Beijing time), and a button that shows it on the
 * map. Everything from the API goes in as text (pmkit.el).
 */
(function (root) {
  "use strict";

  var el = root.pmkit.el;
  var doc = root.document;
  var PAGE = 200; // rows drawn at once; "show more" adds the next ones (a county has a few hundred)
  var PRECISION_ORDER = { surveyed: 0, approximate: 1, town: 2 };
  var RAG_ORDER = { red: 0, amber: 1, green: 2 };
  var SORTS = ["name", "status", "category", "precision", "warnings", "updated"];

  function ProjectList(pm) {
    this.pm = pm;
    this.box = doc.getElementById("pm-list");
    this.items = doc.getElementById("pm-list-items");
    this.state = doc.getElementById("pm-list-state");
    this.count = doc.getElementById("pm-list-count");
    this.search = doc.getElementById("pm-search");
    this.sortSelect = doc.getElementById("pm-list-sort");
    this.shown = PAGE;
    var self = this;
    if (SORTS.indexOf(pm.sort) < 0) {
      pm.sort = "";
    }
    this.sortSelect.value = pm.sort || "name";
    this.search.value = pm.search;
    var timer = null;
    this.search.addEventListener("input", function () {
      root.clearTimeout(timer);
      timer = root.setTimeout(function () {
        self.shown = PAGE;
        pm.setSearch(self.search.value);
      }, 150);
    });
    // The search form works without this script too (it reloads the page with ?q=); here it filters in place.
    var form = doc.getElementById("pm-search-form");
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        root.clearTimeout(timer);
        pm.setSearch(self.search.value);
      });
    }
    this.sortSelect.addEventListener("change", function () {
      pm.sort = self.sortSelect.value === "name" ? "" : self.sortSelect.value;
      pm.writeUrlState();
      self.render();
    });
    doc.addEventListener("planmap:refresh", function () {
      self.render();
    });
    doc.addEventListener("planmap:select", function (e) {
      self.mark(e.detail.slug);
    });
    doc.addEventListener("planmap:error", function (e) {
      self.setState(pm.msg.list_error.replace("{error}", pm.failureText(e.detail.error)), true);
    });
    // A popup opened on the map selects its project (and the URL says so); closing it deselects.
    pm.map.on("popupopen", function (e) {
      var node = e.popup.getContent();
      var slug = node && node.getAttribute ? node.getAttribute("data-slug") : null;
      if (slug) {
        pm.select(slug);
      }
    });
    pm.map.on("popupclose", function (e) {
      var node = e.popup.getContent();
      if (node && node.getAttribute && node.getAttribute("data-slug") === pm.selected) {
        pm.select("");
      }
    });
    doc.addEventListener("planmap:ready", function () {
      // A shared link names a project: show it, as the one who shared the link saw it.
      if (pm.selected) {
        var slug = pm.selected;
        if (pm.showOnMap(slug)) {
          self.mark(slug);
        }
      }
    });
  }

  ProjectList.prototype.setState = function (text, isError) {
    this.state.textContent = text || "";
    this.state.hidden = !text;
    this.state.classList.toggle("pm-error", !!isError);
  };

  ProjectList.prototype.compare = function () {
    var pm = this.pm;
    var collator = new Intl.Collator(pm.cfg.lang === "en" ? "en" : "zh-CN");
    var statusOrder = {};
    (pm.cfg.statuses || []).forEach(function (s, i) {
      statusOrder[s.code] = i;
    });
    var byName = function (a, b) {
      return collator.compare(pm.name(a), pm.name(b));
    };
    var then = function (key) {
      return function (a, b) {
        var d = key(a) - key(b);
        return d || byName(a, b);
      };
    };
    switch (pm.sort) {
      case "status":
        return then(function (p) {
          return statusOrder[p.status] !== undefined ? statusOrder[p.status] : 99;
        });
      case "category":
        return function (a, b) {
          return collator.compare(pm.category(a.category).label, pm.category(b.category).label) || byName(a, b);
        };
      case "precision":
        return then(function (p) {
          return PRECISION_ORDER[p.location_precision] !== undefined ? PRECISION_ORDER[p.location_precision] : 9;
        });
      case "warnings":
        return then(function (p) {
          return (RAG_ORDER[p.rag] !== undefined ? RAG_ORDER[p.rag] : 9) * 10 - (p.warnings || []).length;
        });
      case "updated":
        return function (a, b) {
          return (b.info_date || "").localeCompare(a.info_date || "") || byName(a, b);
        };
      default:
        return byName;
    }
  };

  /** The day of an ISO timestamp in Beijing time (the page's readers' day), as YYYY-MM-DD. */
  // When the information dates from (资料截至), to the precision it is known: the seeded catalog dates
  // from the plan's 2022 revision ("2022"), not from the day a loader wrote it.
  function infoDay(p) {
    var d = p.info_date || "";
    if (p.info_precision === "year") {
      return d.slice(0, 4);
    }
    return p.info_precision === "month" ? d.slice(0, 7) : d;
  }

  ProjectList.prototype.row = function (p) {
    var pm = this.pm;
    var msg = pm.msg;
    var st = pm.status(p.status);
    var cat = pm.category(p.category);
    var warnings = p.warnings || [];
    var ragColor = (pm.cfg.ragColors || {})[p.rag] || "#444";
    var show = el("button", { type: "button", className: "pm-list-show", "aria-label": msg.show_on_map + ": " + pm.name(p) }, [
      el("i", { className: "fa-solid fa-location-crosshairs", "aria-hidden": "true" }),
      el("span", { className: "pm-list-show-text", text: msg.show_on_map }),
    ]);
    show.addEventListener("click", function () {
      pm.select(p.slug);
      pm.showOnMap(p.slug);
      pm.map.getContainer().scrollIntoView({ block: "nearest" });
    });
    return el("li", { className: "pm-list-item", "data-slug": p.slug, "data-status": p.status, "data-precision": p.location_precision }, [
      el("div", { className: "pm-list-head" }, [el("a", { className: "pm-list-name", href: pm.pageUrl("project", p.slug), text: pm.name(p) }), show]),
      el("div", { className: "pm-list-meta" }, [
        el("span", { className: "pm-list-status" }, [el("span", { className: "pm-swatch", style: { background: st.color } }), st.label]),
        el("span", { className: "pm-list-category", text: cat.label }),
        el("span", {
          className: "pm-list-precision pm-precision-" + p.location_precision,
          text: msg["precision_" + p.location_precision] || p.location_precision,
        }),
        el("span", { className: "pm-list-warnings", "data-rag": p.rag }, [
          el("span", { className: "pm-swatch", style: { background: ragColor } }),
          warnings.length
            ? warnings
                .map(function (w) {
                  return pm.warningLabel(w);
                })
                .join(pm.cfg.lang === "en" ? ", " : "、")
            : msg.warning_none,
        ]),
        el("span", { className: "pm-list-updated", text: msg.updated_on.replace("{date}", infoDay(p)) }),
        pm.cycle ? pm.cycle.listPart(p) : null,
      ]),
    ]);
  };

  ProjectList.prototype.render = function () {
    var pm = this.pm;
    var msg = pm.msg;
    var self = this;
    var visible = pm.entries
      .filter(function (e) {
        return e.visible;
      })
      .map(function (e) {
        return e.props;
      })
      .sort(this.compare());
    pmClear(this.items);
    this.count.textContent = msg.list_count.replace("{n}", String(visible.length)).replace("{total}", String(pm.entries.length));
    if (!visible.length) {
      this.setState(pm.entries.length || pm.features ? msg.list_empty : "");
      return;
    }
    this.setState("");
    visible.slice(0, this.shown).forEach(function (p) {
      self.items.appendChild(self.row(p));
    });
    if (visible.length > this.shown) {
      var more = el("button", { type: "button", className: "pm-list-more", text: msg.list_more.replace("{n}", String(Math.min(PAGE, visible.length - this.shown))) });
      more.addEventListener("click", function () {
        self.shown += PAGE;
        self.render();
      });
      this.items.appendChild(el("li", { className: "pm-list-more-row" }, [more]));
    }
    this.mark(pm.selected);
  };

  function pmClear(node) {
    root.pmkit.clear(node);
  }

  /** The selected project's row is marked (and scrolled into the list's view). */
  ProjectList.prototype.mark = function (slug) {
    this.items.querySelectorAll(".pm-list-item[aria-current]").forEach(function (li) {
      li.removeAttribute("aria-current");
    });
    if (!slug) {
      return;
    }
    var li = this.items.querySelector('.pm-list-item[data-slug="' + root.CSS.escape(slug) + '"]');
    if (li) {
      li.setAttribute("aria-current", "true");
      var scroller = li.closest(".pm-list-scroll");
      if (scroller) {
        scroller.scrollTop = li.offsetTop - scroller.offsetTop - 8;
      }
    }
  };

  root.planmap.ProjectList = ProjectList;

  // A map that failed before drawing anything: the list says so instead of "loading" for ever.
  doc.addEventListener("planmap:error", function (e) {
    var state = doc.getElementById("pm-list-state");
    if (state && !e.detail.pm.list) {
      state.textContent = e.detail.pm.msg.list_error.replace("{error}", e.detail.pm.failureText(e.detail.error));
      state.classList.add("pm-error");
    }
  });

  // Created when the map first draws its projects (the first refresh), on pages that have the list.
  doc.addEventListener("planmap:refresh", function start(e) {
    doc.removeEventListener("planmap:refresh", start);
    var pm = e.detail.pm;
    if (doc.getElementById("pm-list") && !pm.list) {
      pm.list = new ProjectList(pm);
      pm.list.render();
    }
  });
})(window);
