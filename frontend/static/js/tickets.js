/* The supervision page: open, answer, close and reopen tickets through the API, then show the page again.
   An answer's photos go first, one request each to /api/tickets/{id}/photos (re-encoded on the server,
   no EXIF kept), then the answer names them. Messages are set as text, never as HTML. */
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
        // A broken server or no connection in the page's words; what was typed stays for a retry.
        result.textContent = kit.submitFailureText(res);
        result.className = "pm-error";
        button.disabled = false;
        return;
      }
      window.location.reload();
    });
  }

  function fail(message, button) {
    result.textContent = message;
    result.className = "pm-error";
    button.disabled = false;
  }

  /** Upload the chosen files one after another (a phone's connection is slow); resolves to their ids. */
  function uploadPhotos(base, input) {
    var files = Array.prototype.slice.call(input.files || []);
    var ids = [];
    return files.reduce(function (chain, file, index) {
      return chain.then(function () {
        result.textContent = kit.format(config.uploading, { n: index + 1, total: files.length });
        result.className = "pm-ok";
        var data = new FormData();
        data.append("photo", file);
        return kit.send("POST", base + "/photos", data).then(function (res) {
          if (!res.ok) {
            throw new Error(file.name + ": " + kit.submitFailureText(res));
          }
          ids.push(res.data.id);
        });
      });
    }, Promise.resolve()).then(function () {
      return ids;
    });
  }

  function answer(ticket, base, button) {
    button.disabled = true;
    var text = ticket.querySelector(".pm-ticket-answer").value;
    uploadPhotos(base, ticket.querySelector(".pm-ticket-photo"))
      .then(function (ids) {
        return call(base + "/answer", { body: text, photo_ids: ids }, button);
      })
      .catch(function (err) {
        fail(err.message, button);
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
      answer(ticket, base, button);
    } else if (button.classList.contains("pm-ticket-close")) {
      call(base + "/close", { note: "" }, button);
    } else if (button.classList.contains("pm-ticket-reopen")) {
      call(base + "/reopen", { reason: ticket.querySelector(".pm-ticket-reason").value }, button);
    }
  });
})();
