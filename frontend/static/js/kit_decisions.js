/*
 * pmkit.decisions: a review queue's approve / send back (reject) flow, one copy for the planners' review
 * of progress reports (review.js) and the feedback moderation queue (moderation.js).
 *
 * Each item (`opts.items`, an element with `data-id`) holds a `.pm-approve` and a `.pm-reject` button and a
 * `.pm-reason` field inside `<prefix>-actions`, and a `<prefix>-result` live region (role=status) for what
 * happened. Sending back needs a reason: without one nothing is sent and the reason field gets the focus
 * (the result says `words.reasonNeeded` when the page gives it). Otherwise the item's buttons are disabled
 * while the decision posts (kit.send, with the CSRF token) to `opts.api + id + "/approve" | "/reject"`:
 * - accepted: the item's `data-state` becomes the new state (`res.data[opts.stateKey]`), the result says
 *   `words.approved` or `words.rejected`, and the actions are hidden;
 * - refused: the buttons come back and the result says why (`opts.failure(res)`, else kit.errorText).
 * `opts.approveBody(item)` is what an approval sends (nothing when absent); a send-back sends {reason}.
 */
(function (root) {
  "use strict";

  var kit = root.pmkit;

  function decisions(opts) {
    var words = opts.words;
    var resultClass = opts.prefix + "-result";

    function show(result, text, ok) {
      result.textContent = text;
      result.className = resultClass + (ok ? " pm-edit-ok" : " pm-edit-error");
    }

    function enable(buttons, on) {
      buttons.forEach(function (b) {
        b.disabled = !on;
      });
    }

    function decide(item, approve) {
      var result = item.querySelector("." + resultClass);
      var body;
      if (approve) {
        body = opts.approveBody ? opts.approveBody(item) : undefined;
      } else {
        var reasonBox = item.querySelector(".pm-reason");
        var reason = reasonBox.value.trim();
        if (!reason) {
          if (words.reasonNeeded) {
            show(result, words.reasonNeeded, false);
          }
          reasonBox.focus();
          return;
        }
        body = { reason: reason };
      }
      var buttons = item.querySelectorAll("button");
      enable(buttons, false);
      var url = opts.api + encodeURIComponent(item.getAttribute("data-id")) + (approve ? "/approve" : "/reject");
      kit.send("POST", url, body).then(function (res) {
        if (res.ok) {
          var state = res.data[opts.stateKey];
          item.setAttribute("data-state", state);
          show(result, state === "approved" ? words.approved : words.rejected, true);
          item.querySelector("." + opts.prefix + "-actions").hidden = true;
        } else {
          enable(buttons, true);
          show(result, opts.failure ? opts.failure(res) : kit.errorText(res.data), false);
        }
      });
    }

    root.document.querySelectorAll(opts.items).forEach(function (item) {
      item.querySelector(".pm-approve").addEventListener("click", function () {
        decide(item, true);
      });
      item.querySelector(".pm-reject").addEventListener("click", function () {
        decide(item, false);
      });
    });
  }

  kit.decisions = decisions;
})(window);
