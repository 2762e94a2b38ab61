/*
 * The planners' review of progress reports: approve, or send back with a reason (required). Each
 * decision posts to the progress API with the page's CSRF token; the server checks the role, refuses
 * a report already decided, and audits the decision.
 */
(function (root) {
  "use strict";

  var kit = root.pmkit;
  var doc = root.document;
  var cfg = kit.config("pm-review-config");
  if (!cfg) {
    return;
  }
  var words = cfg.words;

  function decide(item, approve) {
    var id = item.getAttribute("data-id");
    var result = item.querySelector(".pm-review-result");
    var reasonBox = item.querySelector(".pm-reason");
    var reason = reasonBox.value.trim();
    if (!approve && !reason) {
      result.textContent = words.reason_needed;
      result.className = "pm-review-result pm-edit-error";
      reasonBox.focus();
      return;
    }
    var buttons = item.querySelectorAll("button");
    buttons.forEach(function (b) {
      b.disabled = true;
    });
    var url = "/api/progress/" + encodeURIComponent(id) + (approve ? "/approve" : "/reject");
    kit.send("POST", url, approve ? undefined : { reason: reason }).then(function (res) {
      if (res.ok) {
        item.setAttribute("data-state", res.data.state);
        result.textContent = res.data.state === "approved" ? words.approved : words.rejected;
        result.className = "pm-review-result pm-edit-ok";
        item.querySelector(".pm-review-actions").hidden = true;
      } else {
        buttons.forEach(function (b) {
          b.disabled = false;
        });
        result.textContent = kit.errorText(res.data);
        result.className = "pm-review-result pm-edit-error";
      }
    });
  }

  doc.querySelectorAll(".pm-review-item").forEach(function (item) {
    item.querySelector(".pm-approve").addEventListener("click", function () {
      decide(item, true);
    });
    item.querySelector(".pm-reject").addEventListener("click", function () {
      decide(item, false);
    });
  });
  doc.documentElement.setAttribute("data-pm-ready", "1");
})(window);
