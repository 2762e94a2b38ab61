/* The dashboard's supervision panel: open tickets that are overdue or due soon, most urgent first,
   each linking to its project's ticket page. Everything is set as text; while loading, with none to
   show, or when the read failed (with "try again") the panel says so (kit.js `load`). */
(function () {
  "use strict";
  var kit = window.pmkit;
  var panel = document.getElementById("pm-tickets-panel");
  if (!panel) {
    return;
  }
  var en = panel.getAttribute("data-lang") === "en";
  var list = document.getElementById("pm-tickets-panel-list");

  function urgent(data) {
    return (Array.isArray(data) ? data : []).filter(function (t) { return t.flag; });
  }

  function render(data) {
    kit.clear(list);
    urgent(data).forEach(function (t) {
      var item = document.createElement("li");
      item.setAttribute("data-ticket", String(t.id));
      item.setAttribute("data-flag", t.flag);
      var link = document.createElement("a");
      link.href = "/projects/" + encodeURIComponent(t.project) + "/tickets" + (en ? "?lang=en" : "");
      link.textContent = (en ? t.project_en : t.project_zh) + " · " + (en ? t.unit_en : t.unit_zh);
      item.appendChild(link);
      var flag = panel.getAttribute(t.flag === "overdue" ? "data-title-overdue" : "data-title-due-soon");
      item.appendChild(document.createTextNode(" · " + flag + " · " + t.deadline));
      list.appendChild(item);
    });
  }

  panel.hidden = false;
  kit.load(panel, function () {
    return kit.send("GET", "/api/tickets");
  }, {
    before: list,
    empty: panel.getAttribute("data-empty"),
    isEmpty: function (data) {
      return urgent(data).length === 0;
    },
    render: render,
  });
})();
