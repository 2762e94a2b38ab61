/*
 * The planners' review of progress reports: approve, or send back with a reason (required). Each
 * decision posts to the progress API with the page's CSRF token; the server checks the role, refuses
 * a report already decided, and audits the decision. The flow is the kit's (kit_decisions.js).
 */
(function (root) {
  "use strict";

  var kit = root.pmkit;
  var cfg = kit.config("pm-review-config");
  if (!cfg) {
    return;
  }
  var words = cfg.words;

  kit.decisions({
    items: ".pm-review-item",
    prefix: "pm-review",
    api: "/api/progress/",
    stateKey: "state",
    words: { approved: words.approved, rejected: words.rejected, reasonNeeded: words.reason_needed },
  });
  root.document.documentElement.setAttribute("data-pm-ready", "1");
})(window);
