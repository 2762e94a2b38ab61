/* The supervision page: open, answer, close and reopen tickets through the API, then show the page again.
   Messages are set as text, never as HTML. */
(function () {
  "use strict";
  var kit = window.pmkit;
  var config = kit.config("pm-ticket-config");
  if (!config) {
    return;
  }
  var result = document.getElementById("pm-ticket-result");

  function call(url, body, button) {
    button.disabled = true;
    return kit.send("POST", url, body).then(function (res) {
      if (!res.ok) {
        result.textContent = kit.errorText(res.data);
        result.className = "pm-error";
        button.disabled = false;
        return;
      }
      window.location.reload();
    });
  }

  var form = document.getElementById("pm-ticket-open");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var f = form.elements;
      call("/api/projects/" + encodeURIComponent(config.slug) + "/tickets",
        { unit: f.unit.value, request: f.request.value, deadline: f.deadline.value },
        document.getElementById("pm-ticket-submit"));
    });
  }

  document.getElementById("pm-tickets").addEventListener("click", function (event) {
    var button = event.target.closest("button");
    var ticket = button && button.closest(".pm-ticket");
    if (!ticket) {
      return;
    }
    var base = "/api/tickets/" + ticket.getAttribute("data-id");
    if (button.classList.contains("pm-ticket-send")) {
      call(base + "/answer", { body: ticket.querySelector(".pm-ticket-answer").value }, button);
    } else if (button.classList.contains("pm-ticket-close")) {
      call(base + "/close", { note: "" }, button);
    } else if (button.classList.contains("pm-ticket-reopen")) {
      call(base + "/reopen", { reason: ticket.querySelector(".pm-ticket-reason").value }, button);
    }
  });
})();
