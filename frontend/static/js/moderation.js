/*
 * The moderation queue: approve (with an optional public reply) or reject (with a required
 * reason) each pending message. The writes carry the page's CSRF token; the server checks
 * that the user may moderate feedback on that project and audits each decision.
 */
(function (root) {
  "use strict";

  var kit = root.pmkit;
  var doc = root.document;
  var cfg = kit.config("pm-moderation-config");
  if (!cfg) {
    return;
  }
  var msg = cfg.messages;

  function decide(item, approve) {
    var id = item.getAttribute("data-id");
    var result = item.querySelector(".pm-moderation-result");
    var body;
    if (approve) {
      body = { reply: item.querySelector(".pm-reply").value.trim() || null };
    } else {
      var reason = item.querySelector(".pm-reason").value.trim();
      if (!reason) {
        item.querySelector(".pm-reason").focus();
        return;
      }
      body = { reason: reason };
    }
    var buttons = item.querySelectorAll("button");
    buttons.forEach(function (b) {
      b.disabled = true;
    });
    kit.send("POST", "/api/feedback/" + encodeURIComponent(id) + (approve ? "/approve" : "/reject"), body).then(function (res) {
      if (res.ok) {
        item.setAttribute("data-state", res.data.status);
        result.textContent = res.data.status === "approved" ? msg.approved : msg.rejected;
        result.className = "pm-moderation-result pm-edit-ok";
        item.querySelector(".pm-moderation-actions").hidden = true;
      } else {
        buttons.forEach(function (b) {
          b.disabled = false;
        });
        result.textContent = res.status === 403 && /CSRF/.test(kit.errorText(res.data)) ? msg.csrf_failed : kit.errorText(res.data);
        result.className = "pm-moderation-result pm-edit-error";
      }
    });
  }

  doc.querySelectorAll(".pm-moderation-item").forEach(function (item) {
    item.querySelector(".pm-approve").addEventListener("click", function () {
      decide(item, true);
    });
    item.querySelector(".pm-reject").addEventListener("click", function () {
      decide(item, false);
    });
  });
  doc.documentElement.setAttribute("data-pm-ready", "1");
})(window);
