/*
 * The moderation queue: approve (with an optional public reply) or reject (with a required
 * reason) each pending message. The writes carry the page's CSRF token; the server checks
 * that the user may moderate feedback on that project and audits each decision. The flow is
 * the kit's (kit_decisions.js).
 */
(function (root) {
  "use strict";

  var kit = root.pmkit;
  var cfg = kit.config("pm-moderation-config");
  if (!cfg) {
    return;
  }
  var msg = cfg.messages;

  kit.decisions({
    items: ".pm-moderation-item",
    prefix: "pm-moderation",
    api: "/api/feedback/",
    stateKey: "status",
    words: { approved: msg.approved, rejected: msg.rejected },
    approveBody: function (item) {
      return { reply: item.querySelector(".pm-reply").value.trim() || null };
    },
    failure: function (res) {
      var text = kit.errorText(res.data);
      return res.status === 403 && /CSRF/.test(text) ? msg.csrf_failed : text;
    },
  });
  root.document.documentElement.setAttribute("data-pm-ready", "1");
})(window);
