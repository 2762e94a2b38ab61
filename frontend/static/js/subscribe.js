/* Follow a project or town by email: one request to /api/subscriptions; the answer is set as text. */
(function () {
  "use strict";
  var kit = window.pmkit;
  var form = document.getElementById("pm-subscribe");
  var config = kit.config("pm-subscribe-config");
  if (!form || !config) {
    return;
  }
  var result = document.getElementById("pm-subscribe-result");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = { email: form.elements.email.value, lang: config.lang };
    Object.keys(config.scope).forEach(function (key) { body[key] = config.scope[key]; });
    var button = document.getElementById("pm-subscribe-submit");
    button.disabled = true;
    kit.send("POST", "/api/subscriptions", body).then(function (res) {
      // A broken server or no connection in the page's words; the address typed stays for a retry.
      result.textContent = res.ok ? config.sent : kit.submitFailureText(res);
      result.className = res.ok ? "pm-ok" : "pm-error";
      form.setAttribute("data-sent", res.ok ? "yes" : "no");
      button.disabled = false;
    });
  });
})();
